"""Jinja filters that show stored UTC values in the user's language and timezone."""
from datetime import time

from babel import dates
from flask_babel import format_date, format_datetime, get_locale


def local_datetime(value, format='medium'):
    if value is None:
        return ''
    return format_datetime(value, format)


def local_date(value, format='medium'):
    if value is None:
        return ''
    return format_date(value, format)


def yuan(fen):
    """Integer fen as '¥12.50' (exact: no floats)."""
    if fen is None:
        return ''
    sign = '-' if fen < 0 else ''
    whole, cents = divmod(abs(int(fen)), 100)
    return f'{sign}¥{whole:,}.{cents:02d}'


# A site's wall-clock time needs no timezone of the viewer: these call Babel with the request's locale
# directly, a third of the cost of Flask-Babel's wrappers (a booking list formats three per row).

def site_datetime(value, zone, format='medium'):
    """An instant as wall-clock time where it happens (a site's timezone), not the viewer's."""
    if value is None:
        return ''
    return dates.format_datetime(value.astimezone(zone).replace(tzinfo=None), format, locale=get_locale())


def site_time(value, zone, format='short'):
    if value is None:
        return ''
    return dates.format_time(value.astimezone(zone).replace(tzinfo=None), format, locale=get_locale())


def site_date(value, zone, format='medium'):
    if value is None:
        return ''
    return dates.format_date(value.astimezone(zone).date(), format, locale=get_locale())


def site_period(start_at, end_at, zone):
    """A booking's day and times where it happens, '2026年12月1日 09:00–11:00'; the end's day when it differs."""
    if start_at is None or end_at is None:
        return ''
    locale = get_locale()
    start, end = start_at.astimezone(zone).replace(tzinfo=None), end_at.astimezone(zone).replace(tzinfo=None)
    until = dates.format_time(end, 'short', locale=locale)
    if end.date() != start.date() and end.time() != time(0):
        until = f"{dates.format_date(end.date(), 'medium', locale=locale)} {until}"
    return (f"{dates.format_date(start.date(), 'medium', locale=locale)} "
            f"{dates.format_time(start, 'short', locale=locale)}–{until}")


def hours(minutes):
    """Minutes as hours for people: 90 → '1.5'."""
    if minutes is None:
        return ''
    value = minutes / 60
    return f'{value:.0f}' if value == int(value) else f'{value:.1f}'
