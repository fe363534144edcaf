"""Forms of sites: a site itself, its weekly opening hours (typed as HH:MM, held as minutes after local
midnight) and its closed days."""
from zoneinfo import available_timezones

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField, ValidationError, validators

from incubator.core.forms import (
    DATE_MESSAGE,
    BaseForm,
    ClockField,
    date_field,
    given,
    max_length,
    required,
)


def timezone_choices():
    preferred = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Urumqi', 'UTC']
    return preferred + sorted(available_timezones() - set(preferred))


class SiteForm(BaseForm):
    name = StringField(_l('Name'), validators=[required(), max_length(100)])
    address = StringField(_l('Address'), validators=[max_length(200)])
    timezone = SelectField(_l('Timezone'), choices=timezone_choices, default='Asia/Shanghai')
    description = TextAreaField(_l('Description'), validators=[max_length(5000)])
    is_active = BooleanField(_l('In use'), default=True)


class OpeningHoursForm(BaseForm):
    """The weekly hours of a site (a row per weekday, 0 = Monday) and whether public holidays close it."""

    follows_public_holidays = BooleanField(_l('Closed on public holidays and open on their make-up workdays'))

    def __init__(self, *args, site=None, **kwargs):
        if site is not None:
            kwargs.setdefault('data', self.initial_data(site))
        super().__init__(*args, **kwargs)
        for _weekday, name, is_open, opens, closes in self.days():
            is_open.label.text = _l('%(day)s: open', day=name)
            opens.label.text = _l('%(day)s: opens at', day=name)
            closes.label.text = _l('%(day)s: closes at', day=name)

    @staticmethod
    def initial_data(site):
        data = {'follows_public_holidays': site.follows_public_holidays}
        for hours in site.opening_hours:
            data[f'open_{hours.weekday}'] = True
            data[f'opens_{hours.weekday}'] = hours.opens_minute
            data[f'closes_{hours.weekday}'] = hours.closes_minute
        return data

    def days(self):
        """(weekday, its name in the user's language, open?, opens, closes) for each weekday."""
        names = get_day_names('wide', locale=get_locale())
        return [(weekday, names[weekday], self[f'open_{weekday}'], self[f'opens_{weekday}'],
                 self[f'closes_{weekday}']) for weekday in range(7)]

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        for _weekday, _name, is_open, opens, closes in self.days():
            if not is_open.data:
                opens.errors, closes.errors = [], []   # the times of a closed day are ignored
                continue
            if opens.data is None and not opens.errors:
                opens.errors.append(_l('Enter the opening time, such as 08:00.'))
            if closes.data is None and not closes.errors:
                closes.errors.append(_l('Enter the closing time, such as 18:00 (24:00 for midnight).'))
            if opens.data is not None and closes.data is not None and closes.data <= opens.data:
                closes.errors.append(_l('The closing time must be after the opening time.'))
        return not any(field.errors for field in self)

    def hours(self):
        """{weekday: (opens_minute, closes_minute)} of the open weekdays."""
        return {weekday: (opens.data, closes.data)
                for weekday, _name, is_open, opens, closes in self.days() if is_open.data}


for _weekday in range(7):
    setattr(OpeningHoursForm, f'open_{_weekday}', BooleanField(_l('Open on this day'),
                                                            render_kw={'label_class': 'visually-hidden'}))
    setattr(OpeningHoursForm, f'opens_{_weekday}', ClockField(_l('Opens')))
    setattr(OpeningHoursForm, f'closes_{_weekday}', ClockField(_l('Closes'), end_of_day=True))


class ClosureForm(BaseForm):
    """Days a site is closed (inclusive); a single day if the last day is left empty."""

    starts_on = date_field(_l('First day'), given(DATE_MESSAGE))
    ends_on = date_field(_l('Last day (empty for one day)'), validators.Optional())
    reason = StringField(_l('Reason'), validators=[required(), max_length(200)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l('The last day cannot be before the first day.'))

    def period(self):
        return self.starts_on.data, self.ends_on.data or self.starts_on.data


del _weekday
