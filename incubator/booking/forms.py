"""Forms of booking: search, book (with its preview), decide, cancel. Times are the site's local wall-clock."""
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    validators,
)

from incubator.booking.models import CancelScope, Recurrence
from incubator.booking.operations import MAX_OCCURRENCES
from incubator.core.forms import BaseForm, TimeOfDayField, given, max_length, number_between, required
from incubator.core.time import from_local
from incubator.spaces.models import SpaceKind


class _LocalPeriod:
    """``day`` + ``start``/``end`` in a timezone → aware UTC instants; ``end`` 00:00 means midnight after."""

    def period(self, zone):
        start = datetime.combine(self.day.data, self.start.data)
        end = datetime.combine(self.day.data, self.end.data)
        if self.end.data.hour == 0 and self.end.data.minute == 0:
            end += timedelta(days=1)
        return from_local(start, zone), from_local(end, zone)

    def validate_end(self, field):
        if self.start.data and field.data and not (field.data.hour == 0 and field.data.minute == 0) \
                and field.data <= self.start.data:
            raise validators.ValidationError(_l('The end must be after the start.'))


class SearchForm(_LocalPeriod, BaseForm):
    """Free spaces of a kind for N people over a period, across sites. A GET form: no CSRF."""

    class Meta:
        csrf = False

    kind = SelectField(_l('Kind of space'), choices=lambda: [('', _l('Any kind'))] + SpaceKind.choices(),
                       validators=[validators.Optional()])
    people = IntegerField(_l('People'), default=1, validators=[validators.Optional(), number_between(1, 500)])
    day = DateField(_l('Date'), validators=[given()])
    start = TimeOfDayField(_l('From'), validators=[given()])
    end = TimeOfDayField(_l('To'), validators=[given()])
    site = SelectField(_l('Site'), coerce=lambda value: int(value) if value else None,
                       validators=[validators.Optional()])

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [('', _l('All sites'))] + [(site.id, site.name) for site in sites]


class BookingForm(_LocalPeriod, BaseForm):
    """One booking or a recurring series; the first submit previews, ``confirm`` books."""

    startup = SelectField(_l('For'), coerce=int, validators=[required()])
    day = DateField(_l('Date'), validators=[given()])
    start = TimeOfDayField(_l('From'), validators=[given()])
    end = TimeOfDayField(_l('To'), validators=[given()])
    seats = IntegerField(_l('People'), default=1, validators=[given(), number_between(1, 500)])
    purpose = StringField(_l('Purpose'), validators=[max_length(200)])
    recurrence = SelectField(_l('Repeat'), choices=lambda: [('', _l('Does not repeat'))] + Recurrence.choices(),
                             default='', validators=[validators.Optional()])
    count = IntegerField(_l('Number of occurrences'),
                         validators=[validators.Optional(), number_between(2, MAX_OCCURRENCES)])
    until = DateField(_l('Until (inclusive)'), validators=[validators.Optional()])
    confirm = HiddenField()

    def __init__(self, *args, startups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.startup.choices = [(startup.id, startup.name) for startup in startups]

    @property
    def recurrence_value(self):
        return Recurrence(self.recurrence.data) if self.recurrence.data else None

    def validate_recurrence(self, field):
        if not field.data:
            return
        if self.count.data is None and self.until.data is None:
            raise validators.ValidationError(_l('Give a number of occurrences or an end date.'))
        if self.count.data is not None and self.until.data is not None:
            raise validators.ValidationError(_l('Give a number of occurrences or an end date, not both.'))

    def validate_until(self, field):
        if field.data and self.day.data:
            if field.data < self.day.data:
                raise validators.ValidationError(_l('The end date must not be before the first date.'))
            if (field.data - self.day.data).days > 366:
                raise validators.ValidationError(_l('A recurring booking ends within a year.'))


class ApproveForm(BaseForm):
    """``with_series``: the later pending occurrences of the booking's series too."""

    with_series = HiddenField()


class DeclineForm(ApproveForm):
    reason = TextAreaField(_l('Reason for the booker'), validators=[required(), max_length(500)])


class CancelForm(BaseForm):
    """Staff may give the quota back after the cutoff; bookers just confirm."""

    restore_quota = HiddenField()
    scope = RadioField(_l('Cancel'), choices=CancelScope.choices(), default=CancelScope.this.value)


class RestoreQuotaForm(BaseForm):
    """A manager gives a startup its free booking hours back, with a note for its owners."""

    note = TextAreaField(_l('Note for the startup'), validators=[max_length(500)])
    next = HiddenField()


class WaitlistForm(_LocalPeriod, BaseForm):
    startup = SelectField(_l('For'), coerce=int, validators=[required()])
    day = DateField(_l('Date'), validators=[given()])
    start = TimeOfDayField(_l('From'), validators=[given()])
    end = TimeOfDayField(_l('To'), validators=[given()])
    seats = IntegerField(_l('People'), default=1, validators=[given(), number_between(1, 500)])

    def __init__(self, *args, startups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.startup.choices = [(startup.id, startup.name) for startup in startups]
