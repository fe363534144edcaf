"""Forms of the managers' set-up of spaces: one per use case, no database writes.

Money is typed in yuan and held as integer fen, free quotas are typed in hours
and held as minutes: every conversion is exact (``Decimal``, never ``float``).
"""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)

from incubator.core.forms import (
    DATE_MESSAGE,
    BaseForm,
    LocalDateTimeField,
    ParsedField,
    YuanField,
    date_field,
    email_address,
    given,
    max_length,
    normalized,
    number_between,
    parse_decimal,
    required,
)
from incubator.core.time import from_local
from incubator.spaces.models import SpaceKind
from incubator.spaces.operations import (
    MAX_BOOKING_MINUTES,
    MAX_CAPACITY,
    MAX_CUTOFF_HOURS,
    MAX_FREE_MINUTES,
    MAX_HORIZON_DAYS,
    MAX_PRICE_FEN,
)
from incubator.startups.models import Tier


def minutes_as_hours_text(minutes):
    """90 → '1.5', 600 → '10' (what a quota field shows); exact up to two decimals, else rounded."""
    hours = (Decimal(minutes) / 60).quantize(Decimal('0.01'))
    text = f'{hours:f}'
    return text.rstrip('0').rstrip('.') if '.' in text else text


class HoursField(ParsedField):
    """A number of hours (``7.5``); ``data`` is whole minutes. An untouched value keeps its exact minutes."""

    def __init__(self, label=None, validators=None, maximum_minutes=MAX_FREE_MINUTES, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.maximum_minutes = maximum_minutes

    def process_formdata(self, valuelist):
        if valuelist and self.object_data is not None and \
                normalized(valuelist[0]) == self.format(self.object_data):
            self.data = self.object_data
            return
        super().process_formdata(valuelist)

    def parse(self, text):
        if text.startswith('-'):
            raise ValueError(_l('A number of hours cannot be negative.'))
        hours = parse_decimal(text)
        if hours is None:
            raise ValueError(_l('Enter a number of hours, such as 10 or 7.5.'))
        minutes = hours * 60
        if minutes != minutes.to_integral_value():
            raise ValueError(_l('Enter hours that make whole minutes, such as 7.5 or 0.25.'))
        if minutes > self.maximum_minutes:
            raise ValueError(_l('Enter at most %(hours)s hours.', hours=f'{self.maximum_minutes // 60:,}'))
        return int(minutes)

    def format(self, minutes):
        return minutes_as_hours_text(minutes)


_DATE_TIME_MESSAGE = _l('Enter a date and time such as 2026-03-01 09:00.')
_FREE_MESSAGE = _l('Enter an amount in yuan, such as 12.50 (0 if free).')


# --- spaces -----------------------------------------------------------------------------

def _hours_part(label):
    return IntegerField(label, default=0, validators=[given(), number_between(0, 24)])


def _minutes_part(label):
    return IntegerField(label, default=0, validators=[given(), number_between(0, 59)])


class SpaceForm(BaseForm):
    """Create or edit a space. Prices in yuan, booking lengths in hours and minutes."""

    site_id = SelectField(_l('Site'), coerce=int, validate_choice=True)
    name = StringField(_l('Name'), validators=[required(), max_length(100)])
    kind = SelectField(_l('Kind of space'), choices=SpaceKind.choices)
    capacity = IntegerField(_l('Capacity (people or seats)'), default=1,
                            validators=[given(), number_between(1, MAX_CAPACITY)])
    description = TextAreaField(_l('Description'), validators=[max_length(5000)])
    hourly_price_fen = YuanField(_l('Price per hour (yuan)'), default=0, maximum_fen=MAX_PRICE_FEN,
                                 missing_message=_FREE_MESSAGE, description=_l('Beyond the free quota; 0 if free.'))
    daily_price_fen = YuanField(_l('Price per day at most (yuan)'), default=0, maximum_fen=MAX_PRICE_FEN,
                                missing_message=_FREE_MESSAGE,
                                description=_l('The most one booking costs in a day (per seat in a hot-desk '
                                               'zone); 0 for no daily cap.'))
    min_length_hours = _hours_part(_l('Shortest booking: hours'))
    min_length_minutes = _minutes_part(_l('Shortest booking: minutes'))
    max_length_hours = _hours_part(_l('Longest booking: hours'))
    max_length_minutes = _minutes_part(_l('Longest booking: minutes'))
    booking_horizon_days = IntegerField(_l('Bookable up to (days ahead)'), default=30,
                                        validators=[given(), number_between(1, MAX_HORIZON_DAYS)])
    cancellation_cutoff_hours = IntegerField(_l('Free cancellation until (hours before the start)'), default=24,
                                             validators=[given(), number_between(0, MAX_CUTOFF_HOURS)])
    requires_approval = BooleanField(_l('Bookings need a manager\'s approval'))
    requires_check_in = BooleanField(_l('Bookers must check in (else released as a no-show)'))
    certification_id = SelectField(_l('Required certification'), coerce=int, validate_choice=True, default=0)
    is_active = BooleanField(_l('In use (can be booked)'), default=True)

    def __init__(self, *args, sites=(), certifications=(), space=None, **kwargs):
        if space is not None:
            kwargs.setdefault('data', self.initial_data(space))
        else:
            kwargs.setdefault('data', {'min_length_minutes': 30, 'max_length_hours': 8})
        super().__init__(*args, **kwargs)
        self.site_id.choices = [(site.id, site.name) for site in sites]
        self.certification_id.choices = [(0, _l('None'))] + [(c.id, c.name) for c in certifications]

    @staticmethod
    def initial_data(space):
        return {
            'site_id': space.site_id, 'name': space.name, 'kind': space.kind.value, 'capacity': space.capacity,
            'description': space.description or '', 'hourly_price_fen': space.hourly_price_fen,
            'daily_price_fen': space.daily_price_fen,
            'min_length_hours': space.min_booking_minutes // 60, 'min_length_minutes': space.min_booking_minutes % 60,
            'max_length_hours': space.max_booking_minutes // 60, 'max_length_minutes': space.max_booking_minutes % 60,
            'booking_horizon_days': space.booking_horizon_days,
            'cancellation_cutoff_hours': space.cancellation_cutoff_hours,
            'requires_approval': space.requires_approval, 'requires_check_in': space.requires_check_in,
            'certification_id': space.certification_id or 0, 'is_active': space.is_active,
        }

    def _length(self, prefix):
        hours, minutes = getattr(self, f'{prefix}_length_hours').data, getattr(self, f'{prefix}_length_minutes').data
        if hours is None or minutes is None:
            return None
        return hours * 60 + minutes

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        shortest, longest = self._length('min'), self._length('max')
        if shortest is not None and shortest < 1:
            self.min_length_hours.errors.append(_l('The shortest booking must last at least 1 minute.'))
        if longest is not None and longest > MAX_BOOKING_MINUTES:
            self.max_length_hours.errors.append(_l('A booking can last at most 24 hours.'))
        if shortest is not None and longest is not None and 1 <= shortest and longest < shortest:
            self.max_length_hours.errors.append(_l('The longest booking cannot be shorter than the shortest.'))
        return valid and not any(field.errors for field in self)

    def space_values(self):
        """The keyword arguments of ``create_space`` and ``update_space``."""
        return {
            'site_id': self.site_id.data, 'name': self.name.data, 'kind': self.kind.data,
            'capacity': self.capacity.data, 'description': self.description.data,
            'hourly_price_fen': self.hourly_price_fen.data, 'daily_price_fen': self.daily_price_fen.data,
            'min_booking_minutes': self._length('min'), 'max_booking_minutes': self._length('max'),
            'booking_horizon_days': self.booking_horizon_days.data,
            'cancellation_cutoff_hours': self.cancellation_cutoff_hours.data,
            'requires_approval': self.requires_approval.data, 'requires_check_in': self.requires_check_in.data,
            'certification_id': self.certification_id.data or None, 'is_active': self.is_active.data,
        }


#: Where an operation's complaint about a value of ``space_values`` is shown in the form.
SPACE_ERROR_FIELDS = {'min_booking_minutes': 'min_length_hours', 'max_booking_minutes': 'max_length_hours'}


# --- blackouts ----------------------------------------------------------------------------

class BlackoutForm(BaseForm):
    """A period a space cannot be booked, typed in the site's wall-clock time."""

    starts_at = LocalDateTimeField(_l('From'), validators=[given(_DATE_TIME_MESSAGE)])
    ends_at = LocalDateTimeField(_l('Until'), validators=[given(_DATE_TIME_MESSAGE)])
    reason = StringField(_l('Reason'), validators=[required(), max_length(200)])

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l('The end must be after the start.'))

    def period(self, zone):
        """The period as aware UTC instants, read in ``zone`` (the site's timezone)."""
        return from_local(self.starts_at.data, zone), from_local(self.ends_at.data, zone)


# --- certifications ---------------------------------------------------------------------

class CertificationForm(BaseForm):
    name = StringField(_l('Name'), validators=[required(), max_length(100)])
    description = TextAreaField(_l('Description'), validators=[max_length(2000)])


class RecordCertificationForm(BaseForm):
    """Record that a person holds a certification until a date; recording again changes the date."""

    email = EmailField(_l('Email of the person'), validators=[required(), max_length(254), email_address()])
    certification_id = SelectField(_l('Certification'), coerce=int, validate_choice=True)
    expires_on = date_field(_l('Valid until (inclusive)'), given(DATE_MESSAGE))

    def __init__(self, *args, certifications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.certification_id.choices = [(c.id, c.name) for c in certifications]


# --- free quotas ----------------------------------------------------------------------------

class QuotaForm(BaseForm):
    """Free hours a month for each tier and kind of space; an empty cell means none."""

    def __init__(self, *args, minutes=None, **kwargs):
        """``minutes``: the current {(tier, kind): free minutes}."""
        if minutes is not None:
            kwargs.setdefault('data', {self.field_name(tier, kind): value
                                       for (tier, kind), value in minutes.items()})
        super().__init__(*args, **kwargs)
        for tier in Tier:
            for kind in SpaceKind:
                self[self.field_name(tier, kind)].label.text = f'{tier.label} · {kind.label}'

    @staticmethod
    def field_name(tier, kind):
        return f'free_{tier.value}_{kind.value}'

    def rows(self):
        """(tier, [field of each kind]) in the order of the enums."""
        return [(tier, [self[self.field_name(tier, kind)] for kind in SpaceKind]) for tier in Tier]

    def minutes(self):
        return {(tier, kind): self[self.field_name(tier, kind)].data or 0 for tier in Tier for kind in SpaceKind}


for _tier in Tier:
    for _kind in SpaceKind:
        setattr(QuotaForm, QuotaForm.field_name(_tier, _kind), HoursField(f'{_tier.value} {_kind.value}'))

del _tier, _kind
