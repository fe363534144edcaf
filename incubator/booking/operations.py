"""The write side of booking: book, cancel, approve, decline, check in, release, waitlist, feeds. Flush only.

Capacity is guaranteed by the database, not only by the check: a booking
transaction first locks its space (PostgreSQL: ``SELECT … FOR UPDATE`` on the
space row, then on the startup row for its quota), so two requests for the
last seat run one after the other and the second sees the first. SQLite has
no row locks; there every writing transaction begins with ``BEGIN IMMEDIATE``
(see ``core/db.py``), which serializes writers the same way.
"""
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.auth.models import hash_token
from incubator.auth.queries import active_managers
from incubator.booking import notifications  # noqa: F401 (register the notification kinds)
from incubator.booking.models import (
    ACTIVE_STATUSES,
    CHECK_IN_GRACE,
    Booking,
    BookingSeries,
    BookingStatus,
    CalendarFeed,
    CancelScope,
    FreeQuotaSuspension,
    PaymentMethod,
    WaitlistEntry,
    WaitlistStatus,
)
from incubator.booking.payment_port import payments
from incubator.booking.queries import (
    TAKEN,
    booking_problems,
    occurrence_times,
    open_suspension,
    overlapping_bookings,
    preview_occurrences,
    quota_month_of,
    quote,
    seats_free,
)
from incubator.core.errors import Conflict, DomainError, NotAllowed
from incubator.core.permissions import can
from incubator.core.time import now_utc
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.notifications.operations import link_to, notify
from incubator.spaces.models import Space
from incubator.startups.models import MembershipRole, Startup, StartupStatus

logger = logging.getLogger(__name__)


class BookingRefused(DomainError):
    """The booking breaks one or more rules; ``problems`` lists them all, ``codes`` their codes."""

    status_code = 409
    code = 'booking.refused'

    def __init__(self, problems):
        super().__init__(problems[0].message)
        self.problems = problems

    @property
    def codes(self):
        return [problem.code for problem in self.problems]

    def __str__(self):
        return ' '.join(str(problem) for problem in self.problems)


@helper
def describe_when(booking_or_start, end_at=None, space=None):
    """'2026-12-01 09:00–11:00' in the site's timezone: a plain value for notification titles."""
    if end_at is None:
        start_at, end_at, space = booking_or_start.start_at, booking_or_start.end_at, booking_or_start.space
    else:
        start_at = booking_or_start
    zone = space.site.zone
    start, end = start_at.astimezone(zone), end_at.astimezone(zone)
    if start.date() == end.date() or (end - start <= timedelta(days=1) and end.time().hour == 0
                                      and end.time().minute == 0):
        return f'{start:%Y-%m-%d %H:%M}–{end:%H:%M}'
    return f'{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}'


@helper
def when_params(booking_or_start, end_at=None, space=None):
    """A booking's time for a notification: ``when`` as plain text (what older readers fall back to), and
    the instants and site zone, from which the title gives the date in its reader's language."""
    if end_at is None:
        start_at, end_at, space = booking_or_start.start_at, booking_or_start.end_at, booking_or_start.space
    else:
        start_at = booking_or_start
    return {'when': describe_when(start_at, end_at, space), 'start_at': start_at.isoformat(),
            'end_at': end_at.isoformat(), 'zone': space.site.timezone}


def _lock(space, startup):
    """Serialize bookings of this space, and the quota of this startup (a no-op statement on SQLite)."""
    db.session.execute(sa.select(Space.id).where(Space.id == space.id).with_for_update())
    db.session.execute(sa.select(Startup.id).where(Startup.id == startup.id).with_for_update())


def _require_booker(actor, space, startup):
    if not can(actor, 'space.book', space):
        raise NotAllowed(_l('You may not book this space.'), code='booking.may_not_book')
    if startup.membership_of(actor) is None:
        raise NotAllowed(_l('You can only book for a startup you belong to.'), code='booking.not_a_member')
    if startup.status != StartupStatus.incubating:
        raise DomainError(_l('%(name)s is no longer incubating and cannot book spaces.'), name=startup.name,
                          code='booking.startup_not_incubating')


@operation
def create_booking(actor, space, startup, start_at, end_at, seats=1, purpose='', now=None, series=None):
    """Book ``[start_at, end_at)`` of ``space`` for ``startup``; raise :class:`BookingRefused` if a rule is broken."""
    now = now or now_utc()
    _require_booker(actor, space, startup)
    _lock(space, startup)
    problems = booking_problems(space, start_at, end_at, seats, actor, now)
    if problems:
        raise BookingRefused(problems)
    booking = _insert_booking(actor, space, startup, start_at, end_at, seats, purpose, now, series)
    if booking.status == BookingStatus.pending:
        _ask_managers(booking)
    return booking


def _insert_booking(actor, space, startup, start_at, end_at, seats, purpose, now, series):
    price = quote(space, startup, start_at, end_at, seats)
    method = _payment_method(price.price_fen)
    if space.requires_approval:
        status = BookingStatus.pending
    elif method == PaymentMethod.online:
        status = BookingStatus.awaiting_payment
    else:
        status = BookingStatus.confirmed
    booking = Booking(
        space=space, startup=startup, booked_by=actor, series=series, start_at=start_at, end_at=end_at,
        seats=seats, purpose=purpose or '', status=status,
        quota_month=quota_month_of(space, start_at), usage_minutes=price.usage_minutes,
        free_minutes=price.free_minutes, price_fen=price.price_fen, payment_method=method,
        payment_due_at=now + payments.payment_hold() if status == BookingStatus.awaiting_payment else None,
        counts_against_quota=True, created_at=now)
    db.session.add(booking)
    db.session.flush()
    _fulfil_waitlist(actor, space, start_at, end_at)
    logger.info('User %s booked space %s for startup %s: booking %s (%s)',
                actor.id, space.id, startup.id, booking.id, booking.status.value)
    return booking


def _payment_method(price_fen):
    """Free within the quota; else online when Stripe is set up, on site when it is not."""
    if not price_fen:
        return PaymentMethod.free
    return PaymentMethod.online if payments.online_payment_enabled() else PaymentMethod.on_site


#: After a manager approves a priced booking, its booker has this long to pay (never past its start).
APPROVED_PAYMENT_HOLD = timedelta(hours=24)


@operation
def book_series(actor, space, startup, start_at, end_at, recurrence, count=None, until=None, seats=1,
                purpose='', now=None):
    """Book every free occurrence of a recurring booking; the others are skipped. Return the bookings.

    The preview the user confirmed may be stale: occurrences are checked again
    under the lock, and if none is free any more nothing is booked.
    """
    now = now or now_utc()
    _require_booker(actor, space, startup)
    times = occurrence_times(space, start_at, end_at, recurrence, count=count, until=until)
    if not times:
        raise DomainError(_l('This repetition gives no occurrence.'), code='booking.no_occurrence')
    if len(times) > MAX_OCCURRENCES:
        raise DomainError(_l('A recurring booking has at most %(count)d occurrences.'), count=MAX_OCCURRENCES,
                          code='booking.too_many_occurrences')
    _lock(space, startup)
    free = [occurrence for occurrence in preview_occurrences(space, startup, actor, times, seats, now)
            if occurrence.is_free]
    if not free:
        raise DomainError(_l('None of the occurrences is free any more; nothing was booked.'),
                          code='booking.no_occurrence_free')
    series = BookingSeries(space_id=space.id, startup_id=startup.id, booked_by_id=actor.id, recurrence=recurrence,
                           occurrence_count=len(free), created_at=now)
    db.session.add(series)
    bookings = [_insert_booking(actor, space, startup, occurrence.start_at, occurrence.end_at, seats, purpose, now,
                                series)
                for occurrence in free]
    if bookings[0].status == BookingStatus.pending:
        _ask_managers(bookings[0], occurrences=len(bookings))
    return bookings


#: Enough for a working year of a daily desk; more is a lease, not a booking.
MAX_OCCURRENCES = 260


@dataclass
class Cancellation:
    """What one cancellation did: the bookings it cancelled and the refunds it started."""

    bookings: list
    refunds: list

    @property
    def refunded_fen(self):
        return sum(refund.amount_fen for refund in self.refunds)

    @property
    def free_minutes_given_back(self):
        return sum(booking.free_minutes for booking in self.bookings if not booking.counts_against_quota)

    @property
    def free_minutes_kept(self):
        """Free minutes that stay used: occurrences cancelled after their cutoff."""
        return sum(booking.free_minutes for booking in self.bookings if booking.counts_against_quota)


@operation
def cancel_booking(actor, booking, now=None, restore_quota=False, scope=CancelScope.this):
    """Cancel an active booking that has not ended and, by ``scope``, the later or all occurrences of its series
    that are still active and to come. Return the :class:`Cancellation`.

    Each occurrence by its own cutoff: before it the free quota used comes back
    and a booking paid online is refunded in full; after it the quota stays used
    and nothing is refunded, unless staff restore the quota (or refund from the
    payment's page). The booker is told once.
    """
    now = now or now_utc()
    if not can(actor, 'booking.cancel', booking):
        raise NotAllowed(_l('You may not cancel this booking.'), code='booking.may_not_cancel')
    if restore_quota and not can(actor, 'booking.override', booking):
        raise NotAllowed(_l('Only managers may give the quota back after the cutoff.'),
                         code='booking.may_not_restore_quota')
    scope = CancelScope(scope)
    _lock(booking.space, booking.startup)
    bookings = _to_cancel(booking, scope, now)
    for each in bookings:
        each.status = BookingStatus.cancelled
        each.cancelled_at = now
        each.cancelled_by_id = actor.id
        if each.is_before_cutoff(now) or restore_quota:
            each.counts_against_quota = False
    db.session.flush()
    refunds = []
    for each in bookings:
        payments.cancel_unpaid(actor, each, now)
        refund = payments.refund_for_cancellation(actor, each, now)
        if refund is not None:
            refunds.append(refund)
    first = bookings[0]
    if first.booked_by is not None and first.booked_by_id != actor.id:
        notify(first.booked_by, 'booking_cancelled', link=link_to('booking.show', booking_id=first.id),
               space=first.space.name, **when_params(first), name=actor.name, occurrences=len(bookings))
    for each in bookings:
        offer_to_waitlist(each.space, each.start_at, each.end_at, now)
    logger.info('Bookings %s cancelled by user %s (%s; quota given back: %s)', [each.id for each in bookings],
                actor.id, scope.value, [not each.counts_against_quota for each in bookings])
    return Cancellation(bookings, refunds)


def _to_cancel(booking, scope, now):
    """``booking`` and, by ``scope``, its series' other active occurrences still to end: locked, read again, in
    order. Refused when ``booking`` itself can no longer be cancelled."""
    wanted = Booking.id == booking.id
    if scope != CancelScope.this and booking.series_id is not None:
        others = sa.and_(Booking.series_id == booking.series_id, Booking.status.in_(ACTIVE_STATUSES),
                         Booking.end_at > now)
        if scope == CancelScope.following:
            others = sa.and_(others, Booking.start_at > booking.start_at)
        wanted = sa.or_(wanted, others)
    bookings = db.session.execute(
        sa.select(Booking).where(wanted).order_by(Booking.start_at, Booking.id)
        .with_for_update().execution_options(populate_existing=True)).scalars().all()
    if not booking.is_active:
        raise DomainError(_l('This booking is already %(status)s.'), status=booking.status.label,
                          code='booking.already_decided')
    if booking.end_at <= now:
        raise DomainError(_l('A booking that has ended can no longer be cancelled.'), code='booking.ended')
    return bookings


@operation
def approve_booking(actor, booking, now=None, with_series=False):
    """Approve a pending booking and, ``with_series``, the later pending occurrences of its series.
    Return the bookings approved; the booker is told once."""
    now = now or now_utc()
    bookings = _pending_to_decide(actor, booking, with_series, now)
    if booking.start_at <= now:
        raise DomainError(_l('This booking has already begun: it can no longer be approved.'), code='booking.begun')
    for each in bookings:
        if each.payment_method == PaymentMethod.online and not each.is_paid:
            each.status = BookingStatus.awaiting_payment
            each.payment_due_at = min(now + APPROVED_PAYMENT_HOLD, each.start_at)
        else:
            each.status = BookingStatus.confirmed
        each.decided_by_id = actor.id
        each.decided_at = now
    db.session.flush()
    if booking.booked_by is not None:
        notify(booking.booked_by, 'booking_approved', link=link_to('booking.show', booking_id=booking.id),
               space=booking.space.name, **when_params(booking), occurrences=len(bookings))
    logger.info('Bookings %s approved by user %s', [each.id for each in bookings], actor.id)
    return bookings


@operation
def decline_booking(actor, booking, reason, now=None, with_series=False):
    """Decline a pending booking (and, ``with_series``, the later pending occurrences of its series), giving the
    booker the reason once and the free hours back. Return the bookings declined."""
    now = now or now_utc()
    reason = (reason or '').strip()
    if not reason:
        raise DomainError(_l('Give the booker a reason for declining.'), code='booking.reason_needed')
    bookings = _pending_to_decide(actor, booking, with_series, now)
    for each in bookings:
        each.status = BookingStatus.declined
        each.decided_by_id = actor.id
        each.decided_at = now
        each.decision_reason = reason[:500]
        each.counts_against_quota = False
    db.session.flush()
    if booking.booked_by is not None:
        notify(booking.booked_by, 'booking_declined', link=link_to('booking.show', booking_id=booking.id),
               space=booking.space.name, **when_params(booking), reason=booking.decision_reason,
               occurrences=len(bookings))
    for each in bookings:
        offer_to_waitlist(each.space, each.start_at, each.end_at, now)
    logger.info('Bookings %s declined by user %s', [each.id for each in bookings], actor.id)
    return bookings


def _pending_to_decide(actor, booking, with_series, now):
    """``booking`` and, ``with_series``, its series' later pending occurrences that have not begun: locked,
    read again, in order. Refused unless ``booking`` itself is still pending."""
    if not can(actor, 'bookings.approve'):
        raise NotAllowed(_l('Only managers may approve or decline bookings.'), code='booking.not_a_manager')
    wanted = Booking.id == booking.id
    if with_series and booking.series_id is not None:
        wanted = sa.or_(wanted, sa.and_(Booking.series_id == booking.series_id,
                                        Booking.status == BookingStatus.pending,
                                        Booking.start_at > max(booking.start_at, now)))
    bookings = db.session.execute(
        sa.select(Booking).where(wanted).order_by(Booking.start_at, Booking.id)
        .with_for_update().execution_options(populate_existing=True)).scalars().all()
    if booking.status != BookingStatus.pending:
        raise DomainError(_l('This booking is already %(status)s.'), status=booking.status.label,
                          code='booking.already_decided')
    return [booking] + [each for each in bookings if each is not booking]


def _ask_managers(booking, occurrences=1):
    """Once per request: a recurring booking is one notice, from its first occurrence."""
    managers = active_managers()
    for manager in managers:
        notify(manager, 'booking_awaits_approval', link=link_to('booking.approvals'), startup=booking.startup.name,
               space=booking.space.name, **when_params(booking), occurrences=occurrences)


@operation
def check_in(actor, booking, now=None):
    now = now or now_utc()
    if not can(actor, 'booking.check_in', booking):
        raise NotAllowed(_l('You may not check in to this booking.'), code='booking.may_not_check_in')
    if not booking.space.requires_check_in:
        raise DomainError(_l('This space needs no check-in.'), code='booking.no_check_in_needed')
    if booking.checked_in_at is not None:
        raise DomainError(_l('Already checked in.'), code='booking.already_checked_in')
    if not booking.can_check_in_at(now):
        raise DomainError(_l('Check-in opens 15 minutes before the start and closes at the end of a '
                             'confirmed booking.'), code='booking.check_in_closed')
    booking.checked_in_at = now
    db.session.flush()
    logger.info('Booking %s checked in by user %s', booking.id, actor.id)


@operation
def release_no_shows(now):
    """Release confirmed bookings that needed a check-in and had none 15 minutes after their start."""
    due = db.session.execute(
        sa.select(Booking).join(Booking.space)
        .where(Booking.status == BookingStatus.confirmed, Booking.checked_in_at.is_(None),
               Space.requires_check_in.is_(True), Booking.start_at <= now - CHECK_IN_GRACE,
               Booking.end_at > now - timedelta(days=1))
        .with_for_update(of=Booking, skip_locked=db.engine.dialect.name == 'postgresql')
    ).scalars().all()
    for booking in due:
        booking.status = BookingStatus.no_show
        _released(booking, 'booking_released', now)
        logger.info('Booking %s released as a no-show', booking.id)
    return len(due)


@operation
def lapse_undecided(now):
    """Release bookings still awaiting approval when they begin: the time is free again, the quota given back."""
    due = db.session.execute(
        sa.select(Booking).where(Booking.status == BookingStatus.pending, Booking.start_at <= now)
        .with_for_update(skip_locked=db.engine.dialect.name == 'postgresql')
    ).scalars().all()
    for booking in due:
        booking.status = BookingStatus.lapsed
        booking.decided_at = now
        booking.counts_against_quota = False
        _released(booking, 'booking_lapsed', now)
        logger.info('Booking %s lapsed: still pending when it began', booking.id)
    return len(due)


def _released(booking, notification, now):
    """Tell the booker that a job took their booking back, and offer what is left of its time to the waitlist."""
    db.session.flush()
    if booking.booked_by is not None:
        notify(booking.booked_by, notification, link=link_to('booking.show', booking_id=booking.id),
               space=booking.space.name, **when_params(booking))
    if booking.end_at > now:
        offer_to_waitlist(booking.space, now, booking.end_at, now)


# --- waitlist -----------------------------------------------------------------------------

@operation
def join_waitlist(actor, space, startup, start_at, end_at, seats=1, now=None):
    """Wait for a full slot; refused when the slot could be booked now or breaks another rule."""
    now = now or now_utc()
    _require_booker(actor, space, startup)
    problems = booking_problems(space, start_at, end_at, seats, actor, now)
    if not problems:
        raise DomainError(_l('This time is free: book it now.'), code='booking.slot_free')
    other = [problem for problem in problems if problem.code not in TAKEN]
    if other:
        raise BookingRefused(other)
    duplicate = db.session.execute(sa.select(WaitlistEntry.id).where(
        WaitlistEntry.user_id == actor.id, WaitlistEntry.space_id == space.id,
        WaitlistEntry.start_at == start_at, WaitlistEntry.end_at == end_at,
        WaitlistEntry.status.in_((WaitlistStatus.waiting, WaitlistStatus.notified)))).first()
    if duplicate:
        raise DomainError(_l('You are already on the waitlist for this time.'), code='booking.already_waiting')
    entry = WaitlistEntry(space=space, user_id=actor.id, startup_id=startup.id, start_at=start_at, end_at=end_at,
                          seats=seats, created_at=now)
    db.session.add(entry)
    db.session.flush()
    logger.info('User %s joined the waitlist of space %s (entry %s)', actor.id, space.id, entry.id)
    return entry


@operation
def leave_waitlist(actor, entry):
    if not can(actor, 'waitlist_entry.manage', entry):
        raise NotAllowed(_l('This waitlist entry is not yours.'), code='booking.not_your_waitlist_entry')
    if entry.status not in (WaitlistStatus.waiting, WaitlistStatus.notified):
        raise DomainError(_l('This waitlist entry is no longer open.'), code='booking.waitlist_entry_closed')
    entry.status = WaitlistStatus.withdrawn
    db.session.flush()


@operation
def offer_to_waitlist(space, start_at, end_at, now):
    """Tell everyone waiting for a slot inside the freed time that now fits, in the order they joined."""
    waiting = db.session.execute(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.space_id == space.id, WaitlistEntry.status == WaitlistStatus.waiting,
               WaitlistEntry.start_at < end_at, WaitlistEntry.end_at > start_at, WaitlistEntry.start_at > now)
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)).scalars().all()
    if not waiting:
        return
    first, last = min(entry.start_at for entry in waiting), max(entry.end_at for entry in waiting)
    bookings = overlapping_bookings([space.id], first, last)
    for entry in waiting:
        if seats_free(space, bookings, entry.start_at, entry.end_at) >= entry.seats:
            entry.status = WaitlistStatus.notified
            entry.notified_at = now
            notify(entry.user, 'waitlist_slot_free',
                   link=link_to('booking.create', space_id=space.id, **entry.booking_form_values),
                   space=space.name, **when_params(entry.start_at, entry.end_at, space))
    db.session.flush()


def _fulfil_waitlist(actor, space, start_at, end_at):
    db.session.execute(
        sa.update(WaitlistEntry)
        .where(WaitlistEntry.user_id == actor.id, WaitlistEntry.space_id == space.id,
               WaitlistEntry.start_at < end_at, WaitlistEntry.end_at > start_at,
               WaitlistEntry.status.in_((WaitlistStatus.waiting, WaitlistStatus.notified)))
        .values(status=WaitlistStatus.fulfilled))


@operation
def expire_waitlist(now):
    return db.session.execute(
        sa.update(WaitlistEntry)
        .where(WaitlistEntry.start_at <= now,
               WaitlistEntry.status.in_((WaitlistStatus.waiting, WaitlistStatus.notified)))
        .values(status=WaitlistStatus.expired)).rowcount


# --- calendar feed ------------------------------------------------------------------------

@operation
def renew_calendar_feed(user):
    """A new secret feed token for ``user`` (the old URL stops working); returned once, stored hashed."""
    token = secrets.token_urlsafe(32)
    feed = db.session.execute(sa.select(CalendarFeed).filter_by(user_id=user.id)).scalar_one_or_none()
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = hash_token(token)
    feed.created_at = now_utc()
    db.session.flush()
    logger.info('User %s renewed their calendar feed', user.id)
    return token


@operation
def revoke_calendar_feed(user):
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    logger.info('User %s revoked their calendar feed', user.id)



# --- free quota suspension ---------------------------------------------------------------

def _lock_startup(startup):
    """Serialize suspensions and restorations of one startup's quota with its bookings (no-op on SQLite)."""
    db.session.execute(sa.select(Startup.id).where(Startup.id == startup.id).with_for_update())


def _tell_owners(startup, kind, **params):
    link = link_to('booking.startup_ledger', startup_id=startup.id)
    for membership in startup.memberships:
        if membership.role == MembershipRole.owner and membership.user.is_active:
            notify(membership.user, kind, link=link, startup=startup.name, **params)


@operation
def suspend_free_quota(startup, *, user, reason):
    """Withhold ``startup``'s free booking quota until a manager restores it: new bookings are paid.

    Idempotent: when a suspension is already open it is returned unchanged (the
    startup row is locked first, and a partial unique index allows one open
    suspension per startup, so two at once leave one).
    """
    if not can(user, 'startup.suspend_free_quota', startup):
        raise NotAllowed(_l('Only managers and administrators may suspend a free quota.'),
                         code='booking.may_not_suspend_quota')
    reason = (reason or '').strip()
    if not reason:
        raise DomainError(_l('Give the reason for suspending the free quota.'), code='booking.suspension_reason')
    _lock_startup(startup)
    suspension = open_suspension(startup)
    if suspension is not None:
        return suspension
    suspension = FreeQuotaSuspension(startup_id=startup.id, reason=reason[:500], suspended_at=now_utc(),
                                     suspended_by_id=user.id)
    db.session.add(suspension)
    db.session.flush()
    _tell_owners(startup, 'free_quota_suspended', reason=suspension.reason)
    logger.info('Free quota of startup %s suspended by %s', startup.id, user.id)
    return suspension


@operation
def restore_free_quota(startup, *, user, note):
    """Give ``startup`` its free booking quota back (managers and administrators)."""
    if not can(user, 'startup.restore_free_quota', startup):
        raise NotAllowed(_l('Only managers and administrators may restore a free quota.'),
                         code='booking.may_not_restore_quota')
    _lock_startup(startup)
    suspension = open_suspension(startup)
    if suspension is None:
        raise Conflict(_l('The free quota of %(name)s is not suspended.', name=startup.name),
                       code='booking.quota_not_suspended')
    suspension.restored_at = now_utc()
    suspension.restored_by_id = user.id
    suspension.restore_note = (note or '').strip()[:500] or None
    db.session.flush()
    _tell_owners(startup, 'free_quota_restored', note=suspension.restore_note or '')
    logger.info('Free quota of startup %s restored by %s', startup.id, user.id)
    return suspension
