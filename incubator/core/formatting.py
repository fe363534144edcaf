"""Jinja filters that show stored UTC values in the user's language and timezone."""
from flask_babel import format_date, format_datetime


def local_datetime(value, format='medium'):
    if value is None:
        return ''
    return format_datetime(value, format)


def local_date(value, format='medium'):
    if value is None:
        return ''
    return format_date(value, format)
