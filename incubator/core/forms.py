"""Shared form pieces: stripped text, translatable messages, safe redirects, bad input refused."""
import re
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import validators

from incubator.core.params import DATABASE_INT_MAX
from incubator.core.time import SUPPORTED_YEARS, is_supported_date

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


_CONTROL_CHARACTER = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def refusal(value):
    """Why a field's value cannot be used, or None.

    A date outside the supported years would overflow in date arithmetic and timezone
    conversion; a number beyond a database integer would fail in the database; control
    characters (tab and line breaks aside) have no place in text people read.
    """
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, date) and not is_supported_date(item):
            return _l('Enter a date between the years %(first)d and %(last)d.',
                      first=SUPPORTED_YEARS[0], last=SUPPORTED_YEARS[-1])
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > DATABASE_INT_MAX:
            return _l('Enter a smaller number.')
        if isinstance(item, str) and _CONTROL_CHARACTER.search(item):
            return _l('Remove the control characters from this text.')
    return None


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
