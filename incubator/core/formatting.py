"""Jinja filters that show stored UTC values in the user's language and timezone."""
from datetime import time
from functools import lru_cache

from babel import dates
from babel.dates import format_skeleton
from babel.lists import format_list
from flask import current_app
from flask_babel import format_date, format_datetime, format_time, get_locale
from markupsafe import Markup, escape

# One way of writing a date per language, everywhere: Babel's medium date ('2026年12月1日', 'Dec 1, 2026').
# 'short' keeps that date and leaves out the seconds, rather than switching to '2026/12/1' or '12/1/26'.

def local_datetime(value, format='medium'):
    if value is None:
        return ''
    if format == 'short':
        return f"{format_date(value, 'medium')} {format_time(value, 'short')}"
    return format_datetime(value, format)


def local_date(value, format='medium'):
    if value is None:
        return ''
    return format_date(value, 'medium' if format == 'short' else format)


def local_month(value):
    """The month of a date, as people name it: 2026年12月, December 2026."""
    if value is None:
        return ''
    return format_skeleton('yMMMM', value, locale=get_locale())


def weekday_name(weekday):
    """A weekday by its number (0 = Monday), as people name it: 星期一, Monday."""
    return dates.get_day_names('wide', locale=get_locale())[int(weekday)]


def yuan(fen):
    """Integer fen as '¥12.50' (exact: no floats)."""
    if fen is None:
        return ''
    sign = '-' if fen < 0 else ''
    whole, cents = divmod(abs(int(fen)), 100)
    return f'{sign}¥{whole:,}.{cents:02d}'


# A site's wall-clock time needs no timezone of the viewer: Babel formats the local date and time alone,
# and what it makes of them depends only on their values and the language. A booking list formats three per
# row from a few days and times, so each text is made once per process (Babel takes ~10 µs for each).

@lru_cache(maxsize=4096)
def _date_text(day, format, locale):
    return dates.format_date(day, format, locale=locale)


@lru_cache(maxsize=4096)
def _time_text(clock, format, locale):
    return dates.format_time(clock, format, locale=locale)


@lru_cache(maxsize=4096)
def _datetime_text(moment, format, locale):
    return dates.format_datetime(moment, format, locale=locale)


def site_datetime(value, zone, format='medium'):
    """An instant as wall-clock time where it happens (a site's timezone), not the viewer's."""
    if value is None:
        return ''
    local, locale = value.astimezone(zone).replace(tzinfo=None), get_locale()
    if format == 'short':
        return f"{_date_text(local.date(), 'medium', locale)} {_time_text(local.time(), 'short', locale)}"
    return _datetime_text(local, format, locale)


def site_time(value, zone, format='short'):
    if value is None:
        return ''
    return _time_text(value.astimezone(zone).time(), format, get_locale())


def site_date(value, zone, format='medium'):
    if value is None:
        return ''
    return _date_text(value.astimezone(zone).date(), 'medium' if format == 'short' else format, get_locale())


def site_period(start_at, end_at, zone):
    """A booking's day and times where it happens, '2026年12月1日 09:00–11:00'; the end's day when it differs."""
    if start_at is None or end_at is None:
        return ''
    locale = get_locale()
    start, end = start_at.astimezone(zone), end_at.astimezone(zone)
    until = _time_text(end.time(), 'short', locale)
    if end.date() != start.date() and end.time() != time(0):
        until = f"{_date_text(end.date(), 'medium', locale)} {until}"
    return f"{_date_text(start.date(), 'medium', locale)} {_time_text(start.time(), 'short', locale)}–{until}"


def hours(minutes):
    """Minutes as hours for people: 90 → '1.5'."""
    if minutes is None:
        return ''
    value = minutes / 60
    return f'{value:.0f}' if value == int(value) else f'{value:.1f}'


def listing(items):
    """Items as the reader's language lists them: 自然资源局、住建局和人社局; Land, Housing, and Labour. Text is
    escaped where it is shown, as any text; when some items are markup (a macro's or a translation's output), the
    others are escaped here and the list is markup."""
    items = list(items)
    if any(isinstance(item, Markup) for item in items):
        return Markup(format_list([str(escape(item)) for item in items], locale=get_locale()))
    return format_list([str(item) for item in items], locale=get_locale())


def zone_name(zone):
    """A timezone as people name it: its city in the current language ('上海', 'Shanghai'), not 'Asia/Shanghai'."""
    if not zone:
        return ''
    try:
        return dates.get_timezone_location(str(zone), locale=get_locale(), return_city=True)
    except LookupError:
        return str(zone)


def other_zone(zone):
    """The zone's city when it is not the site's own zone (BABEL_DEFAULT_TIMEZONE), else '': nothing to say."""
    if not zone or str(zone) == current_app.config['BABEL_DEFAULT_TIMEZONE']:
        return ''
    return zone_name(zone)
