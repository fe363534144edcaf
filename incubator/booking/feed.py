"""A user's bookings as an iCalendar feed (RFC 5545), opened by a secret token instead of a login.

Only the token's SHA-256 is stored (see ``operations.renew_calendar_feed``), so
the feed is found by hashing what the URL carries. The feed lists what the user
booked from :data:`FEED_PAST` ago on; bookings that no longer hold their space
(cancelled, declined, no-show) stay in it as ``STATUS:CANCELLED`` so calendar
apps remove them instead of keeping a stale copy.
"""
from datetime import timedelta

import icalendar
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, lazyload

from incubator.auth.models import User, hash_token
from incubator.booking.models import Booking, BookingStatus, CalendarFeed
from incubator.extensions import db
from incubator.spaces.models import Space

#: How far back the feed reaches.
FEED_PAST = timedelta(days=60)
#: A bound on the feed's size; far more than anyone books in the window.
FEED_LIMIT = 2000
PRODID = '-//Wutong//Bookings//ZH'
REFRESH_INTERVAL = timedelta(hours=1)

_ICAL_STATUS = {
    BookingStatus.pending: 'TENTATIVE',
    BookingStatus.awaiting_payment: 'TENTATIVE',
    BookingStatus.confirmed: 'CONFIRMED',
    BookingStatus.declined: 'CANCELLED',
    BookingStatus.cancelled: 'CANCELLED',
    BookingStatus.no_show: 'CANCELLED',
    BookingStatus.expired: 'CANCELLED',
    BookingStatus.lapsed: 'CANCELLED',
}


def feed_owner(token):
    """The active user whose calendar feed ``token`` opens, or None (unknown, renewed or revoked)."""
    if not token or len(token) > 200:
        return None
    return db.session.execute(
        sa.select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == hash_token(token), User.is_active.is_(True))
        .options(lazyload('*'))).scalar_one_or_none()  # the roles are not needed here


def feed_bookings(user, now):
    """What ``user`` booked that starts from :data:`FEED_PAST` ago on, any status, in one statement."""
    return db.session.execute(
        sa.select(Booking)
        .where(Booking.booked_by_id == user.id, Booking.start_at >= now - FEED_PAST)
        .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.startup))
        .order_by(Booking.start_at, Booking.id)
        .limit(FEED_LIMIT)).scalars().all()


def render_feed(user, bookings, host, now, link=None, default_locale='zh_CN'):
    """The bytes of the ``text/calendar`` document, in the user's language; ``link(booking)`` gives each event's URL."""
    with force_locale(user.locale or default_locale):
        calendar = icalendar.Calendar()
        calendar.add('prodid', PRODID)
        calendar.add('version', '2.0')
        calendar.add('calscale', 'GREGORIAN')
        calendar.add('method', 'PUBLISH')
        calendar.add('x-wr-calname', _('Wutong bookings: %(name)s', name=user.name))
        # How often calendar apps should fetch it again (RFC 7986, and the older name Outlook reads).
        calendar.add('refresh-interval', REFRESH_INTERVAL, parameters={'VALUE': 'DURATION'})
        calendar.add('x-published-ttl', icalendar.vDuration(REFRESH_INTERVAL))
        for booking in bookings:
            calendar.add_component(_event(booking, host, now, link))
        return calendar.to_ical()


def _event(booking, host, now, link):
    space, site = booking.space, booking.space.site
    event = icalendar.Event()
    event.add('uid', f'booking-{booking.id}@{host}')
    event.add('dtstamp', now)  # with METHOD:PUBLISH: when this copy was made
    event.add('created', booking.created_at)
    event.add('last-modified', _last_revised(booking))
    event.add('dtstart', booking.start_at)
    event.add('dtend', booking.end_at)
    event.add('sequence', _sequence(booking))
    summary = space.name
    if booking.status != BookingStatus.confirmed:
        summary = f'{space.name} ({booking.status.label})'
    event.add('summary', summary)
    event.add('location', ', '.join(part for part in (site.name, site.address) if part))
    lines = [_('Startup: %(name)s', name=booking.startup.name)]
    if booking.purpose:
        lines.append(_('Purpose: %(purpose)s', purpose=booking.purpose))
    if space.is_shared:
        lines.append(_('Seats: %(seats)d', seats=booking.seats))
    lines.append(_('Status: %(status)s', status=booking.status.label))
    event.add('description', '\n'.join(lines))
    event.add('status', _ICAL_STATUS[booking.status])
    event.add('transp', 'OPAQUE' if booking.is_active else 'TRANSPARENT')
    if link is not None:
        event.add('url', link(booking))
    return event


def _last_revised(booking):
    return max(moment for moment in (booking.created_at, booking.decided_at, booking.cancelled_at,
                                     booking.checked_in_at) if moment is not None)


def _sequence(booking):
    """Raised with each change of state, so calendar apps take the newer copy."""
    changes = sum(moment is not None for moment in (booking.decided_at, booking.cancelled_at))
    return changes + (1 if booking.status in (BookingStatus.no_show, BookingStatus.expired) else 0)
