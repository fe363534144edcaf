"""Time helpers: store aware UTC, convert to the site's timezone only at the edges."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: The programme's timezone when no app is there to say (``WUTONG_TIMEZONE`` unset).
FALLBACK_TIMEZONE = 'Asia/Shanghai'


def now_utc():
    return datetime.now(UTC)


def programme_timezone():
    """Where the programme's days, months and quarters begin: ``WUTONG_TIMEZONE`` (``BABEL_DEFAULT_TIMEZONE``).

    Periods of jobs, deadlines in working days and monthly totals all follow it; outside an app
    context (an import, a helper script) it is Asia/Shanghai.
    """
    if has_app_context():
        return ZoneInfo(current_app.config['BABEL_DEFAULT_TIMEZONE'])
    return ZoneInfo(FALLBACK_TIMEZONE)


def default_timezone():
    """The timezone times are shown in when no site says otherwise: the programme's."""
    return programme_timezone()


def to_local(value, tz=None):
    """An aware UTC instant as wall-clock time in ``tz`` (the default timezone if omitted)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError('naive datetime given to to_local')
    return value.astimezone(tz or default_timezone())


def from_local(value, tz=None):
    """A naive wall-clock time in ``tz`` as an aware UTC instant."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=tz or default_timezone()).astimezone(UTC)


#: Years a date sent to the app may fall in: wide enough for any real use, narrow enough that adding
#: days or weeks, or a timezone's offset, never leaves what ``datetime`` (years 1–9999) can hold.
SUPPORTED_YEARS = range(1900, 3000)


def is_supported_date(value):
    """Whether a date or datetime lies in :data:`SUPPORTED_YEARS`."""
    return value.year in SUPPORTED_YEARS
