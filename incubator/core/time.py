"""Time helpers: store aware UTC, convert to the site's timezone only at the edges."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def now_utc():
    return datetime.now(UTC)


def default_timezone():
    return ZoneInfo(current_app.config['BABEL_DEFAULT_TIMEZONE'])


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
