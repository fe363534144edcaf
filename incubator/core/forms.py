"""Shared form pieces: stripped text, translatable messages, safe redirects, bad input refused, and the fields
for what people type everywhere: amounts in yuan, clock times, local dates and date-times, numbers in a range."""
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, StringField, TimeField, validators

from incubator.core.params import DATABASE_INT_MAX

#: A blank choice (``kind= ``) is read as the empty one: the field's "any" choice, else "not a valid choice".
_CHOICE_FIELDS = {'SelectField', 'RadioField'}


def strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get('filters', ()))
            if unbound_field.field_class.__name__ in {'StringField', 'EmailField', 'TextAreaField',
                                                      'TelField'} | _CHOICE_FIELDS:
                filters.insert(0, strip)
            return unbound_field.bind(form=form, filters=filters, **options)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """Read the values, then refuse once for every form what would break later steps (see ``refusal``)."""
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        for field in self:
            problem = refusal(field.data)
            if problem is not None:
                field.process_errors.append(problem)
                if not isinstance(field.data, str):
                    field.data = None  # nothing after may compute with it; text stays for the person to correct


#: The dates a form accepts (every date and date-time field of a BaseForm): a typo stays out of the database.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_CONTROL_CHARACTER = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def refusal(value):
    """Why a field's value cannot be used, or None.

    A date outside 2000-2100 is a typo (0206, 20260) and one far enough out would overflow
    in date arithmetic and timezone conversion; a number beyond a database integer would fail in the database; control
    characters (tab and line breaks aside) have no place in text people read.
    """
    values = value if isinstance(value, list) else [value]
    for item in values:
        day = item.date() if isinstance(item, datetime) else item
        if isinstance(day, date) and not FIRST_DAY <= day <= LAST_DAY:
            return _l('Enter a date between 2000 and 2100.')
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > DATABASE_INT_MAX:
            return _l('Enter a smaller number.')
        if isinstance(item, str) and _CONTROL_CHARACTER.search(item):
            return _l('Remove the control characters from this text.')
    return None


def sent_filters(form):
    """The fields of a GET filter ``form`` set in the query string, as sent: the arguments that keep a list's
    filters in its page and export links."""
    return {field.name: request.args[field.name] for field in form if request.args.get(field.name)}


def form_data(form, fields):
    """The validated values of ``fields``, as keyword arguments for an operation."""
    return {field: getattr(form, field).data for field in fields}


def required():
    """Required after stripping: a value of only spaces counts as missing."""
    return validators.DataRequired(message=_l('This field is required.'))


def max_length(count):
    return validators.Length(max=count, message=_l('At most %(max)d characters.'))


def email_address():
    return validators.Email(message=_l('Enter a valid email address.'), check_deliverability=False)


def safe_next_path(target):
    """The ``next`` target if it is a path on this site, else None.

    Only a path that starts with one slash and holds no backslash or scheme:
    ``//evil.example`` and ``/\\evil.example`` are refused.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if not target.startswith('/') or target.startswith('//') or '\\' in target:
        return None
    if any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class ConfirmForm(BaseForm):
    """A form with nothing but its CSRF token, for buttons that change state."""


# --- fields for what people type: exact conversions (``Decimal``, never ``float``) -----------------

DATE_MESSAGE = _l('Enter a date such as 2026-03-01.')
#: The most any amount typed in yuan may be, in fen (¥9,999,999.99); a field may allow less.
MAX_YUAN_FEN = 999_999_999

_DECIMAL = re.compile(r'[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12}')
_CLOCK = re.compile(r'([0-9]{1,2}):([0-9]{2})')


def normalized(text):
    """Full-width digits, points, colons and ￥ (typed with a Chinese input method) as ASCII, stripped."""
    return unicodedata.normalize('NFKC', text or '').strip()


def parse_decimal(text):
    """A non-negative decimal number typed by a person (already normalized), or None."""
    return Decimal(text) if _DECIMAL.fullmatch(text) else None


def given(message=None):
    """Required for numbers, dates and times: 0 is a value (DataRequired would call it missing)."""
    return validators.InputRequired(message=message or _l('This field is required.'))


def number_between(minimum, maximum):
    return validators.NumberRange(min=minimum, max=maximum, message=_l('Enter a number from %(min)s to %(max)s.'))


def parse_yuan(text, maximum_fen=MAX_YUAN_FEN):
    """An amount typed in yuan ('12.5', '¥12.50', '１２元') as integer fen, exactly.

    The one reader of yuan: raises ``ValueError`` whose message (translatable) says what is wrong.
    """
    text = normalized(text).lstrip('¥').rstrip('元').strip()
    if text.startswith('-'):
        raise ValueError(_l('An amount cannot be negative.'))
    amount = parse_decimal(text)
    if amount is None:
        raise ValueError(_l('Enter an amount in yuan, such as 12.50.'))
    if amount != amount.quantize(Decimal('0.01')):
        raise ValueError(_l('Enter at most two decimal places (a yuan has 100 fen).'))
    fen = int(amount * 100)
    if fen > maximum_fen:
        raise ValueError(_l('Enter at most %(amount)s.', amount=f'¥{maximum_fen // 100:,}'))
    return fen


def fen_as_yuan_text(fen):
    """12345 → '123.45' (what an amount field shows)."""
    return f'{fen // 100}.{fen % 100:02d}'


def clock_text(minute):
    """Minutes after midnight as HH:MM (1440 → '24:00')."""
    return f'{minute // 60:02d}:{minute % 60:02d}'


class ParsedField(StringField):
    """A text input whose ``data`` is a parsed value; unparsable input shows its own message."""

    missing_message = _l('This field is required.')

    def __init__(self, label=None, validators=None, missing_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        if missing_message is not None:
            self.missing_message = missing_message

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return '' if self.data is None else self.format(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = normalized(valuelist[0])
        if text:
            self.data = self.parse(text)

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.flags.required:
            raise validators.StopValidation(self.missing_message)

    def parse(self, text):
        raise NotImplementedError

    def format(self, value):
        raise NotImplementedError


class YuanField(ParsedField):
    """A required amount typed in yuan (``12.50``); ``data`` is integer fen, read by :func:`parse_yuan`."""

    missing_message = _l('Enter an amount in yuan, such as 12.50.')

    def __init__(self, label=None, validators=None, maximum_fen=MAX_YUAN_FEN, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.flags.required = True
        self.maximum_fen = maximum_fen

    def parse(self, text):
        return parse_yuan(text, self.maximum_fen)

    def format(self, fen):
        return fen_as_yuan_text(fen)


class ClockField(ParsedField):
    """A time of day typed as HH:MM; ``data`` is minutes after local midnight (``24:00`` only as a closing time)."""

    def __init__(self, label=None, validators=None, end_of_day=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.end_of_day = end_of_day

    def parse(self, text):
        match = _CLOCK.fullmatch(text)
        if not match:
            raise ValueError(_l('Enter a time as HH:MM, such as 08:30.'))
        hour, minute = int(match.group(1)), int(match.group(2))
        value = hour * 60 + minute
        if minute > 59 or value > 1440 or (value == 1440 and not self.end_of_day):
            raise ValueError(_l('Enter a time from 00:00 to 24:00.') if self.end_of_day
                             else _l('Enter a time from 00:00 to 23:59.'))
        return value

    def format(self, minute):
        return clock_text(minute)


class TimeOfDayField(TimeField):
    """A browser's time picker (HH:MM); ``data`` is a ``time``. Full-width digits typed by hand are read too."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=['%H:%M'], **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([normalized(value) for value in valuelist])


class LocalDateTimeField(DateTimeLocalField):
    """A wall-clock date and time (a browser's date-time picker, or ``2026-03-01 09:00`` typed)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=['%Y-%m-%dT%H:%M', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S'],
                         **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [normalized(valuelist[0])]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l('Enter a date and time such as 2026-03-01 09:00.')) from None


def date_field(label, *extra):
    """A date typed as 2026-03-01 (a browser's date picker); BaseForm refuses one outside FIRST_DAY-LAST_DAY."""
    return DateField(label, validators=[*extra], format='%Y-%m-%d')


def show_error(form, error, aliases=None):
    """Put an operation's refusal beside the field it is about (``error.field``, renamed by ``aliases``),
    else above the form."""
    name = getattr(error, 'field', None)
    name = (aliases or {}).get(name, name)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        form.form_errors.append(str(error))
