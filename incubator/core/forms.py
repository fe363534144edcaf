"""Shared form pieces: stripped text, translatable messages, safe redirects."""
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import validators


def strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get('filters', ()))
            if unbound_field.field_class.__name__ in {'StringField', 'EmailField', 'TextAreaField',
                                                      'TelField'}:
                filters.insert(0, strip)
            return unbound_field.bind(form=form, filters=filters, **options)


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
