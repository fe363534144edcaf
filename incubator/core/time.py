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
