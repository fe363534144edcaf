"""The read side of booking: availability, conflicts, quota and price, lists.

Every availability query reads one space (or the spaces asked for) and the
window asked for: bookings are found with ``start_at`` between the window's
start minus :data:`MAX_BOOKING_LENGTH` and its end, which the index
``(space_id, start_at)`` answers without touching other days.
"""
import enum
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from incubator.booking.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    CalendarFeed,
    FreeQuotaSuspension,
    QuotaUsage,
    WaitlistEntry,
    WaitlistStatus,
)
from incubator.core.pagination import UncountedPage, paginate
from incubator.core.statements import Moment
from incubator.core.time import from_local
from incubator.extensions import db
from incubator.sites.hours import window_containing
from incubator.sites.models import Site
from incubator.spaces.models import MAX_BOOKING_LENGTH, Blackout, Space, SpaceKind, TierQuota, UserCertification
from incubator.startups.models import Startup, StartupMembership

# --- overlap and capacity --------------------------------------------------------------

def _overlapping(start_at, end_at):
    """The columns the availability rules read of the active bookings overlapping ``[start_at, end_at)``:
    a search over many spaces would otherwise spend its time building whole ``Booking`` objects."""
    return (sa.select(Booking.id, Booking.space_id, Booking.start_at, Booking.end_at, Booking.seats)
            .where(Booking.start_at < end_at,
                   Booking.start_at > start_at - MAX_BOOKING_LENGTH,
                   Booking.end_at > start_at,
                   Booking.status.in_(ACTIVE_STATUSES))
            .order_by(Booking.start_at))


def overlapping_bookings(space_ids, start_at, end_at, exclude_id=None):
    """Active bookings of ``space_ids`` that overlap ``[start_at, end_at)`` (rows: ``id, space_id, start_at,
    end_at, seats``)."""
    query, window_start, window_end = _overlapping_of_spaces(exclude_id is not None)
    return db.session.execute(query, {'space_ids': list(space_ids), 'exclude_id': exclude_id,
                                      **window_start.values(start_at), **window_end.values(end_at)}).all()


@functools.cache
def _overlapping_of_spaces(excluding):
    """``(statement, window start, window end)`` of :func:`overlapping_bookings`, built once: every availability
    check and calendar runs it."""
    start_at, end_at = Moment('window_start', Booking.start_at.type), Moment('window_end', Booking.end_at.type)
    query = _overlapping(start_at, end_at).where(Booking.space_id.in_(sa.bindparam('space_ids', expanding=True)))
    if excluding:
        query = query.where(Booking.id != sa.bindparam('exclude_id'))
    return query, start_at, end_at


def peak_seats(bookings, start_at, end_at):
    """The most seats taken at any instant of ``[start_at, end_at)`` by ``bookings`` (half-open)."""
    events = []
    for booking in bookings:
        if booking.start_at < end_at and start_at < booking.end_at:
            events.append((max(booking.start_at, start_at), 1, booking.seats))
            events.append((min(booking.end_at, end_at), 0, -booking.seats))
    peak = current = 0
    # Ends sort before starts at the same instant: [a, b) and [b, c) do not overlap.
    for _instant, _order, delta in sorted(events, key=lambda event: (event[0], event[1])):
        current += delta
        peak = max(peak, current)
    return peak


def seats_free(space, bookings, start_at, end_at):
    """How many more people fit: a shared zone's free seats, or a whole space's capacity if it is free."""
    if space.is_shared:
        return max(0, space.capacity - peak_seats(bookings, start_at, end_at))
    if any(booking.start_at < end_at and start_at < booking.end_at for booking in bookings):
        return 0
    return space.capacity


def _blackouts_overlapping(start_at, end_at):
    return (Blackout.starts_at < end_at, Blackout.ends_at > start_at)


def blackouts_between(space_ids, start_at, end_at):
    return db.session.execute(_blackouts_of_spaces(), {'space_ids': list(space_ids), 'window_start': start_at,
                                                       'window_end': end_at}).scalars().all()


@functools.cache
def _blackouts_of_spaces():
    start_at = sa.bindparam('window_start', type_=Blackout.starts_at.type)
    end_at = sa.bindparam('window_end', type_=Blackout.ends_at.type)
    return (sa.select(Blackout)
            .where(Blackout.space_id.in_(sa.bindparam('space_ids', expanding=True)),
                   *_blackouts_overlapping(start_at, end_at))
            .order_by(Blackout.starts_at))


# --- the rules of a booking, as problems to show ----------------------------------------

class Rule(enum.StrEnum):
    """The stable code of each booking rule: what code and tests decide by (the message is only shown)."""

    end_before_start = 'booking.end_before_start'
    in_the_past = 'booking.in_the_past'
    too_short = 'booking.too_short'
    too_long = 'booking.too_long'
    too_far_ahead = 'booking.too_far_ahead'
    no_seats_asked = 'booking.no_seats_asked'
    over_capacity = 'booking.over_capacity'
    site_closed = 'booking.site_closed'
    blackout = 'booking.blackout'
    certification_needed = 'booking.certification_needed'
    already_booked = 'booking.already_booked'
    not_enough_seats = 'booking.not_enough_seats'


#: The rules a slot breaks only because others hold it: what the waitlist is for.
TAKEN = frozenset({Rule.already_booked, Rule.not_enough_seats})


@dataclass(frozen=True)
class Problem:
    """One broken rule: its code, and its message (translated when shown)."""

    code: Rule
    message: object

    def __str__(self):
        return str(self.message)


def booking_problems(space, start_at, end_at, seats, booker, now, bookings=None, blackouts=None,
                     certification=None):
    """Every rule ``[start_at, end_at)`` breaks for ``booker``, as :class:`Problem` s; empty if none.

    ``bookings``/``blackouts`` may be given when the caller already loaded those of
    a larger window (a recurring preview, the search); ``certification`` likewise.
    """
    problems = []
    minutes = (end_at - start_at).total_seconds() / 60
    if end_at <= start_at:
        return [Problem(Rule.end_before_start, _l('The end must be after the start.'))]
    if start_at < now:
        problems.append(Problem(Rule.in_the_past, _l('This time has already begun or passed.')))
    if minutes < space.min_booking_minutes:
        problems.append(Problem(Rule.too_short, _l('A booking of this space lasts at least %(minutes)d minutes.',
                                                   minutes=space.min_booking_minutes)))
    if minutes > space.max_booking_minutes:
        problems.append(Problem(Rule.too_long, _l('A booking of this space lasts at most %(minutes)d minutes.',
                                                  minutes=space.max_booking_minutes)))
    if start_at > now + timedelta(days=space.booking_horizon_days):
        problems.append(Problem(Rule.too_far_ahead, _l('This space can be booked at most %(days)d days ahead.',
                                                       days=space.booking_horizon_days)))
    if seats < 1:
        problems.append(Problem(Rule.no_seats_asked, _l('Book for at least one person.')))
    elif seats > space.capacity:
        problems.append(Problem(Rule.over_capacity, _l('This space holds at most %(capacity)d people.',
                                                       capacity=space.capacity)))
    if window_containing(space.site, start_at, end_at) is None:
        problems.append(Problem(Rule.site_closed, _l('The site is closed at this time (outside opening hours or '
                                                     'a closed day).')))
    if blackouts is None:
        blackouts = blackouts_between([space.id], start_at, end_at)
    if any(blackout.starts_at < end_at and start_at < blackout.ends_at for blackout in blackouts
           if blackout.space_id == space.id):
        problems.append(Problem(Rule.blackout, _l('The space is unavailable at this time (maintenance or another '
                                                  'blackout).')))
    if space.certification_id is not None:
        local_day = start_at.astimezone(space.site.zone).date()
        if certification is None:
            certification = held_certification(booker, space.certification_id)
        if certification is None or not certification.is_valid_on(local_day):
            problems.append(Problem(Rule.certification_needed, _l(
                'Booking this space needs a valid certification: %(name)s.', name=space.certification.name)))
    if 1 <= seats <= space.capacity:
        if bookings is None:
            bookings = overlapping_bookings([space.id], start_at, end_at)
        own = [booking for booking in bookings if booking.space_id == space.id]
        if seats_free(space, own, start_at, end_at) < seats:
            problems.append(Problem(Rule.already_booked, _l('Already booked at this time.')) if not space.is_shared
                            else Problem(Rule.not_enough_seats, _l('Not enough free seats at this time.')))
    return problems


def held_certification(user, certification_id):
    if user is None:
        return None
    return db.session.execute(sa.select(UserCertification).filter_by(
        user_id=user.id, certification_id=certification_id)).scalar_one_or_none()


# --- quota and price ----------------------------------------------------------------------

@dataclass
class Quote:
    """What a booking would use of the free quota and cost, in seat-minutes and fen."""

    usage_minutes: int
    allowance_minutes: int
    used_minutes: int
    free_minutes: int
    price_fen: int

    @property
    def paid_minutes(self):
        return self.usage_minutes - self.free_minutes

    @property
    def remaining_minutes(self):
        return max(0, self.allowance_minutes - self.used_minutes - self.free_minutes)


def quota_month_of(space, start_at):
    return start_at.astimezone(space.site.zone).date().replace(day=1)


def _allowance(tier, kind):
    """The tier's free seat-minutes a month of ``kind`` (a scalar subquery; NULL when none is set)."""
    return (sa.select(TierQuota.free_minutes)
            .where(TierQuota.tier == tier, TierQuota.space_kind == kind).scalar_subquery())


def _suspended(startup_id):
    """Whether the startup's free quota is suspended now (an open :class:`FreeQuotaSuspension`)."""
    return sa.exists().where(FreeQuotaSuspension.startup_id == startup_id, FreeQuotaSuspension.restored_at.is_(None))


def quota_standing(startup, kind, month):
    """(allowance, used): the startup's free seat-minutes of ``kind`` a month (none while its free quota is
    suspended), and those used in ``month``. One statement: a booking reads both under its lock."""
    used = (sa.select(sa.func.coalesce(sa.func.sum(Booking.free_minutes), 0))
            .where(Booking.startup_id == startup.id, Booking.quota_month == month, Booking.quota_kind == kind,
                   Booking.counts_against_quota.is_(True)))
    allowance = sa.case((_suspended(startup.id), 0), else_=sa.func.coalesce(_allowance(startup.tier, kind), 0))
    return tuple(db.session.execute(sa.select(allowance, used.scalar_subquery())).one())


def open_suspension(startup):
    """The startup's open free-quota suspension, with who suspended it, or None."""
    return db.session.execute(
        sa.select(FreeQuotaSuspension)
        .where(FreeQuotaSuspension.startup_id == startup.id, FreeQuotaSuspension.restored_at.is_(None))
        .options(joinedload(FreeQuotaSuspension.suspended_by))).scalar_one_or_none()


def startup_with_header(startup_id):
    """``(startup, no-shows, open suspension)``: the startup, its site loaded, with what its booking pages show
    above them, in one statement built once (``(None, 0, None)`` if there is no such startup)."""
    row = db.session.execute(_startup_header(), {'startup_id': startup_id}).unique().first()
    return (None, 0, None) if row is None else tuple(row)


@functools.cache
def _startup_header():
    no_shows = (sa.select(sa.func.count(Booking.id))
                .where(Booking.startup_id == Startup.id, Booking.status == BookingStatus.no_show)
                .correlate(Startup).scalar_subquery())
    return (sa.select(Startup, no_shows, FreeQuotaSuspension)
            .outerjoin(FreeQuotaSuspension, sa.and_(FreeQuotaSuspension.startup_id == Startup.id,
                                                    FreeQuotaSuspension.restored_at.is_(None)))
            .where(Startup.id == sa.bindparam('startup_id'))
            .options(joinedload(Startup.site), joinedload(FreeQuotaSuspension.suspended_by)))


def open_suspensions(startup_ids):
    """``{startup id: open suspension}`` of those among ``startup_ids`` whose free quota is suspended."""
    if not startup_ids:
        return {}
    return {suspension.startup_id: suspension for suspension in db.session.execute(
        sa.select(FreeQuotaSuspension)
        .where(FreeQuotaSuspension.startup_id.in_(startup_ids), FreeQuotaSuspension.restored_at.is_(None))
        .options(joinedload(FreeQuotaSuspension.startup))).scalars()}


def price_of(space, usage_minutes, free_minutes, seats):
    """Hourly price for the minutes beyond the free quota, never more than the daily price (per seat)."""
    paid = usage_minutes - free_minutes
    if paid <= 0:
        return 0
    hourly = -(-space.hourly_price_fen * paid // 60)  # rounded up to the fen
    if space.daily_price_fen:
        units = seats if space.is_shared else 1
        return min(hourly, space.daily_price_fen * units)
    return hourly


def quote(space, startup, start_at, end_at, seats, standing=None):
    """The free minutes and price of a booking; ``standing`` is (allowance, used) when the caller knows it."""
    minutes = int((end_at - start_at).total_seconds() // 60)
    usage = minutes * (seats if space.is_shared else 1)
    allowance, used = standing or quota_standing(startup, space.kind, quota_month_of(space, start_at))
    free = max(0, min(usage, allowance - used))
    return Quote(usage_minutes=usage, allowance_minutes=allowance, used_minutes=used, free_minutes=free,
                 price_fen=price_of(space, usage, free, seats))


# --- recurring bookings -----------------------------------------------------------------

@dataclass
class Occurrence:
    start_at: datetime
    end_at: datetime
    problems: list = field(default_factory=list)
    quote: Quote = None

    @property
    def is_free(self):
        return not self.problems

    @property
    def can_wait(self):
        """Whether the waitlist can help: the slot breaks no rule but that others hold it."""
        return bool(self.problems) and all(problem.code in TAKEN for problem in self.problems)


def occurrence_times(space, start_at, end_at, recurrence=None, count=1, until=None):
    """The ``[start, end)`` of each occurrence, repeating the same local wall-clock times.

    Built on the site's local dates with dateutil's rrule, so 09:00–11:00 stays
    09:00–11:00 across a change to or from daylight saving time.
    """
    from dateutil.rrule import DAILY, WEEKLY, rrule

    zone = space.site.zone
    local_start = start_at.astimezone(zone).replace(tzinfo=None)
    local_end = end_at.astimezone(zone).replace(tzinfo=None)
    length_days = (local_end.date() - local_start.date()).days
    if recurrence is None:
        return [(start_at, end_at)]
    frequency = DAILY if recurrence.value == 'daily' else WEEKLY
    rule = (rrule(frequency, dtstart=local_start, count=count) if until is None else
            rrule(frequency, dtstart=local_start, until=datetime.combine(until, time.max)))
    times = []
    for local in rule:
        end_local = datetime.combine(local.date() + timedelta(days=length_days), local_end.time())
        times.append((from_local(local, zone), from_local(end_local, zone)))
    return times


def preview_occurrences(space, startup, booker, times, seats, now):
    """Each occurrence with its problems and, for the free ones, its quote (free quota used in order)."""
    first, last = min(start for start, _end in times), max(end for _start, end in times)
    bookings = overlapping_bookings([space.id], first, last)
    blackouts = blackouts_between([space.id], first, last)
    certification = (held_certification(booker, space.certification_id)
                     if space.certification_id is not None else None)
    standing_by_month = {}  # (allowance, used so far), read once a month: later occurrences use the rest
    occurrences = []
    for start_at, end_at in times:
        occurrence = Occurrence(start_at, end_at)
        occurrence.problems = booking_problems(space, start_at, end_at, seats, booker, now, bookings=bookings,
                                               blackouts=blackouts, certification=certification)
        if occurrence.is_free:
            month = quota_month_of(space, start_at)
            if month not in standing_by_month:
                standing_by_month[month] = quota_standing(startup, space.kind, month)
            occurrence.quote = quote(space, startup, start_at, end_at, seats, standing=standing_by_month[month])
            allowance, used = standing_by_month[month]
            standing_by_month[month] = (allowance, used + occurrence.quote.free_minutes)
        occurrences.append(occurrence)
    return occurrences


# --- calendars and search -------------------------------------------------------------

@dataclass
class Busy:
    """A busy stretch of a space's calendar: never who booked it, only when and how full."""

    start_at: datetime
    end_at: datetime
    seats_taken: int
    is_blackout: bool = False


def space_week(space, first_day, days=7):
    """Busy stretches of the week starting on local ``first_day``: bookings merged by time, and blackouts."""
    zone = space.site.zone
    start_at = from_local(datetime.combine(first_day, time()), zone)
    end_at = from_local(datetime.combine(first_day + timedelta(days=days), time()), zone)
    bookings = overlapping_bookings([space.id], start_at, end_at)
    busy = []
    boundaries = sorted({start_at, end_at} | {b.start_at for b in bookings if start_at < b.start_at < end_at}
                        | {b.end_at for b in bookings if start_at < b.end_at < end_at})
    for segment_start, segment_end in zip(boundaries, boundaries[1:], strict=False):
        taken = peak_seats(bookings, segment_start, segment_end)
        if taken:
            if busy and busy[-1].end_at == segment_start and busy[-1].seats_taken == taken:
                busy[-1].end_at = segment_end
            else:
                busy.append(Busy(segment_start, segment_end, taken))
    for blackout in blackouts_between([space.id], start_at, end_at):
        busy.append(Busy(max(blackout.starts_at, start_at), min(blackout.ends_at, end_at), 0, is_blackout=True))
    return sorted(busy, key=lambda stretch: stretch.start_at)


def find_free_spaces(kind, people, start_at, end_at, site_id=None):
    """Active spaces of ``kind`` at active sites where ``people`` fit for all of ``[start_at, end_at)``.

    Opening hours and blackouts are checked too; per-person rules (certification,
    horizon) are left to the booking form, which explains them. The database leaves
    out the spaces booked whole or blacked out at that time (an index probe per
    space), so only free spaces are loaded; a shared zone's seats are then counted
    from its bookings.
    """
    query, window_start, window_end = _free_spaces(kind is not None, site_id is not None)
    spaces = db.session.execute(query, {'people': people, 'kind': kind, 'site_id': site_id,
                                        **window_start.values(start_at), **window_end.values(end_at)}).scalars().all()
    open_sites = {site.id for site in {space.site for space in spaces}
                  if window_containing(site, start_at, end_at) is not None}
    spaces = [space for space in spaces if space.site_id in open_sites]
    shared = [space.id for space in spaces if space.is_shared]
    bookings_by_space = defaultdict(list)
    if shared:
        for booking in overlapping_bookings(shared, start_at, end_at):
            bookings_by_space[booking.space_id].append(booking)
    return [space for space in spaces
            if not space.is_shared or seats_free(space, bookings_by_space[space.id], start_at, end_at) >= people]


@functools.cache
def _free_spaces(of_kind, at_site):
    """``(statement, window start, window end)`` of :func:`find_free_spaces`, with or without a kind and a site,
    built once: its two EXISTS cost more to build than to run. What is asked is a parameter of each run."""
    start_at, end_at = Moment('window_start', Booking.start_at.type), Moment('window_end', Booking.end_at.type)
    booked = sa.exists(_overlapping(start_at, end_at).where(Booking.space_id == Space.id)
                       .with_only_columns(Booking.id).order_by(None))
    blacked_out = sa.exists().where(Blackout.space_id == Space.id, *_blackouts_overlapping(start_at, end_at))
    query = (sa.select(Space).join(Space.site)
             .where(Space.is_active.is_(True), Site.is_active.is_(True), Space.capacity >= sa.bindparam('people'),
                    ~blacked_out, sa.or_(Space.is_shared, ~booked))
             .options(contains_eager(Space.site), joinedload(Space.certification))
             .order_by(Site.name, Space.name))
    if of_kind:
        query = query.where(Space.kind == sa.bindparam('kind', type_=Space.kind.type))
    if at_site:
        query = query.where(Space.site_id == sa.bindparam('site_id'))
    return query, start_at, end_at


def bookable_spaces():
    """Active spaces at active sites, by site, kind and name."""
    return db.session.execute(
        sa.select(Space).join(Space.site)
        .where(Space.is_active.is_(True), Site.is_active.is_(True))
        .options(joinedload(Space.site), joinedload(Space.certification))
        .order_by(Site.name, Space.kind, Space.name)).scalars().all()


def load_space(space_id):
    """A space with what its pages and rules read, in one query (the site's hours come from
    :func:`~incubator.sites.hours.calendar_of`)."""
    return db.session.execute(_space_with_site(), {'space_id': space_id}).scalar_one_or_none()


@functools.cache
def _space_with_site():
    return (sa.select(Space).where(Space.id == sa.bindparam('space_id'))
            .options(joinedload(Space.site), joinedload(Space.certification)))


# --- lists ------------------------------------------------------------------------------

def _booking_list_options(with_booker=True):
    options = [joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.startup)]
    if with_booker:
        options.append(joinedload(Booking.booked_by))
    return options


#: Rows per page of a booking list: a heavy booker has thousands.
PAGE_SIZE = 20


def bookings_of_user(user, now, past=False, page=1):
    """One page of the bookings ``user`` made: upcoming soonest first, or past latest first."""
    return _page_of('booked_by_id', user.id, now, past, page)


def bookings_of_startup(startup, now, past=False, page=1):
    return _page_of('startup_id', startup.id, now, past, page)


def _page_of(holder, holder_id, now, past, page):
    query, moment = _listing_of(holder, past)
    return UncountedPage(query, page, PAGE_SIZE, {'holder_id': holder_id, **moment.values(now)})


@functools.cache
def _listing_of(holder, past):
    """``(statement, moment)``: the bookings whose ``holder`` (a column name) is the parameter ``holder_id``,
    past or upcoming at ``moment``, built once for the four lists: each visit used to build its own."""
    # The bounds on start_at follow from those on end_at (no booking is longer than MAX_BOOKING_LENGTH);
    # they let the (…, start_at) indexes skip the other half of a long history.
    # Upcoming: active bookings still to end; the cancelled, declined or released ones go with the past.
    now = Moment('now', Booking.end_at.type)
    query = sa.select(Booking).where(getattr(Booking, holder) == sa.bindparam('holder_id'))
    if past:
        query = (query.where(sa.or_(Booking.end_at <= now, Booking.status.not_in(ACTIVE_STATUSES)))
                 .order_by(Booking.start_at.desc(), Booking.id.desc()))
    else:
        query = (query.where(Booking.end_at > now, Booking.start_at > now - MAX_BOOKING_LENGTH,
                             Booking.status.in_(ACTIVE_STATUSES))
                 .order_by(Booking.start_at, Booking.id))
    # A user's bookings list them as their booker, already in the session: not joined again.
    return query.options(*_booking_list_options(with_booker=holder != 'booked_by_id')), now


@dataclass
class ApprovalRequest:
    """What a manager decides in one go: a booking, or the pending occurrences of a recurring one."""

    bookings: list

    @property
    def first(self):
        return self.bookings[0]

    @property
    def later(self):
        return self.bookings[1:]


#: Requests per page of the approval queue.
APPROVALS_PER_PAGE = 30


def pending_requests(page=1):
    """One page of the approval queue, the soonest to begin first (that is the one to decide first); the pending
    occurrences of a series together, under its first. Paged by request, so a series is never split; counted
    (the page shows how many wait). Two statements, whatever the queue's length."""
    pagination = paginate(_approval_heads(), page, APPROVALS_PER_PAGE)
    requests = [ApprovalRequest([booking]) for booking in pagination.items]
    by_series = {request.first.series_id: request for request in requests if request.first.series_id is not None}
    if by_series:
        later = db.session.execute(
            sa.select(Booking).where(Booking.status == BookingStatus.pending, Booking.series_id.in_(by_series),
                                     Booking.id.not_in([request.first.id for request in by_series.values()]))
            .options(*_booking_list_options()).order_by(Booking.start_at, Booking.id)).scalars()
        for booking in later:
            by_series[booking.series_id].bookings.append(booking)
    pagination.items = requests
    return pagination


@functools.cache
def _approval_heads():
    """The pending bookings that head a request: alone, or the first pending of their series. Built once: it
    has no parameter, and building it cost an eighth of the page."""
    earlier = aliased(Booking)
    earlier_pending = sa.exists().where(
        earlier.series_id == Booking.series_id, earlier.status == BookingStatus.pending,
        sa.tuple_(earlier.start_at, earlier.id) < sa.tuple_(Booking.start_at, Booking.id))
    return (sa.select(Booking).where(Booking.status == BookingStatus.pending,
                                     sa.or_(Booking.series_id.is_(None), ~earlier_pending))
            .options(*_booking_list_options()).order_by(Booking.start_at, Booking.id))


def waitlist_of_user(user, now):
    return db.session.execute(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.user_id == user.id, WaitlistEntry.end_at > now,
               WaitlistEntry.status.in_((WaitlistStatus.waiting, WaitlistStatus.notified)))
        .options(joinedload(WaitlistEntry.space).joinedload(Space.site))
        .order_by(WaitlistEntry.start_at)).scalars().all()


@dataclass
class LedgerRow:
    month: date
    kind: SpaceKind
    allowance_minutes: int
    free_minutes: int
    paid_minutes: int
    price_fen: int
    bookings: int


def quota_ledger(startup, year, suspension=None):
    """The startup's use per month and kind of space in ``year``, latest month first: free minutes used
    of the allowance, paid minutes, price. Read from :class:`QuotaUsage`, a row each. With the startup's
    open ``suspension``, the allowance of its month and later is none."""
    suspended_month = (suspension.suspended_at.astimezone(startup.site.zone).date().replace(day=1)
                       if suspension is not None else None)
    rows = db.session.execute(_ledger(suspension is not None), {
        'startup_id': startup.id, 'tier': startup.tier, 'first_month': date(year, 1, 1),
        'next_year': date(year + 1, 1, 1), 'suspended_month': suspended_month}).all()
    return [LedgerRow(*row) for row in rows]


@functools.cache
def _ledger(suspended):
    """The statement of :func:`quota_ledger`, with or without a suspension, built once."""
    allowance = sa.func.coalesce(_allowance(sa.bindparam('tier', type_=TierQuota.tier.type), QuotaUsage.space_kind), 0)
    if suspended:
        allowance = sa.case((QuotaUsage.month >= sa.bindparam('suspended_month', type_=sa.Date), 0), else_=allowance)
    return (sa.select(QuotaUsage.month, QuotaUsage.space_kind, allowance, QuotaUsage.free_minutes,
                      QuotaUsage.paid_minutes, QuotaUsage.price_fen, QuotaUsage.bookings)
            .where(QuotaUsage.startup_id == sa.bindparam('startup_id'),
                   QuotaUsage.month >= sa.bindparam('first_month', type_=sa.Date),
                   QuotaUsage.month < sa.bindparam('next_year', type_=sa.Date), QuotaUsage.bookings > 0)
            .order_by(QuotaUsage.month.desc(), QuotaUsage.space_kind))


def no_show_counts(startup_ids=None):
    query = (sa.select(Booking.startup_id, sa.func.count())
             .where(Booking.status == BookingStatus.no_show).group_by(Booking.startup_id))
    if startup_ids is not None:
        query = query.where(Booking.startup_id.in_(startup_ids))
    return dict(db.session.execute(query).all())


def calendar_feed_of(user):
    return db.session.execute(sa.select(CalendarFeed).filter_by(user_id=user.id)).scalar_one_or_none()


def startups_user_books_for(user):
    """The incubating startups ``user`` may book for, by name: from their memberships, which a request's user
    comes with (no statement)."""
    from incubator.startups.models import StartupStatus
    return sorted((membership.startup for membership in user.memberships
                   if membership.startup.status == StartupStatus.incubating), key=lambda startup: startup.name)


def bookings_of_series(series):
    """Every occurrence of a series, in order, with what a booking list shows."""
    return db.session.execute(
        sa.select(Booking).where(Booking.series_id == series.id).order_by(Booking.start_at, Booking.id)
        .options(*_booking_list_options())).scalars().all()


def booking_with_details(booking_id):
    return db.session.execute(
        sa.select(Booking).where(Booking.id == booking_id)
        .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.startup),
                 joinedload(Booking.booked_by), selectinload(Booking.series))).unique().scalar_one_or_none()


# --- the week grid of a space -------------------------------------------------------------

@dataclass
class Cell:
    """One slot of the week grid: 'closed', 'past', 'blackout', 'full', 'partial' or 'free'."""

    start_at: datetime
    end_at: datetime
    state: str
    seats_taken: int = 0
    booking: object = None   # the viewer's (or their startup's) booking in this slot, shown as theirs
    is_own: bool = False     # ``booking`` was made by the viewer (else by a colleague of their startup)


@dataclass
class WeekGrid:
    days: list
    times: list        # local wall-clock times of the rows
    rows: list         # rows[i][j]: the cell of times[i] on days[j]

    @property
    def is_empty(self):
        return not self.times


def week_grid(space, first_day, now, slot_minutes=30, viewer=None):
    """A week of ``slot_minutes`` slots in the site's local time, each marked free or busy; a busy slot says whose
    booking it is only when it is the ``viewer``'s or one of their startups' (``Cell.booking``)."""
    from incubator.sites.hours import opening_windows

    zone = space.site.zone
    days = [first_day + timedelta(days=offset) for offset in range(7)]
    windows = {window.day: window for window in opening_windows(space.site, days[0], days[-1])}
    if not windows:
        return WeekGrid(days, [], [])
    busy = space_week(space, first_day)
    theirs = bookings_of_viewer(space, from_local(datetime.combine(days[0], time()), zone),
                                from_local(datetime.combine(days[-1] + timedelta(days=1), time()), zone),
                                viewer) if viewer is not None else []
    opens = min(window.start_at.astimezone(zone).time() for window in windows.values())
    first_minute = opens.hour * 60 + opens.minute
    last_minute = max(_local_minutes(window.end_at, window.day, zone) for window in windows.values())
    first_minute -= first_minute % slot_minutes
    times = [time(minute // 60, minute % 60) for minute in range(first_minute, last_minute, slot_minutes)]
    rows = []
    for slot in times:
        row = []
        for day in days:
            start_at = from_local(datetime.combine(day, slot), zone)
            end_at = start_at + timedelta(minutes=slot_minutes)
            cell = _cell(space, windows.get(day), busy, start_at, end_at, now)
            if theirs and cell.state in ('past', 'partial', 'full'):
                cell.booking = next((booking for booking in theirs
                                     if booking.start_at < end_at and start_at < booking.end_at), None)
                cell.is_own = cell.booking is not None and cell.booking.booked_by_id == viewer.id
            row.append(cell)
        rows.append(row)
    return WeekGrid(days, times, rows)


def bookings_of_viewer(space, start_at, end_at, user):
    """Active bookings of ``space`` overlapping ``[start_at, end_at)`` that ``user`` made or that a startup they
    belong to holds, their startups loaded (whether the user may open each), in one statement."""
    return db.session.execute(_viewers_bookings(), {'space_id': space.id, 'window_start': start_at,
                                                    'window_end': end_at, 'user_id': user.id}).scalars().all()


@functools.cache
def _viewers_bookings():
    start_at = sa.bindparam('window_start', type_=Booking.start_at.type)
    end_at = sa.bindparam('window_end', type_=Booking.end_at.type)
    user_id = sa.bindparam('user_id')
    startup_ids = sa.select(StartupMembership.startup_id).where(StartupMembership.user_id == user_id)
    return (sa.select(Booking).options(joinedload(Booking.startup))
            .where(Booking.space_id == sa.bindparam('space_id'), Booking.start_at < end_at, Booking.end_at > start_at,
                   Booking.status.in_(ACTIVE_STATUSES),
                   sa.or_(Booking.booked_by_id == user_id, Booking.startup_id.in_(startup_ids)))
            .order_by(Booking.start_at))


def _local_minutes(instant, day, zone):
    local = instant.astimezone(zone)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def _cell(space, window, busy, start_at, end_at, now):
    if window is None or start_at < window.start_at or end_at > window.end_at:
        return Cell(start_at, end_at, 'closed')
    if end_at <= now:
        return Cell(start_at, end_at, 'past')
    overlapping = [stretch for stretch in busy if stretch.start_at < end_at and start_at < stretch.end_at]
    if any(stretch.is_blackout for stretch in overlapping):
        return Cell(start_at, end_at, 'blackout')
    taken = max((stretch.seats_taken for stretch in overlapping), default=0)
    if taken == 0:
        return Cell(start_at, end_at, 'free')
    if space.is_shared and taken < space.capacity:
        return Cell(start_at, end_at, 'partial', taken)
    return Cell(start_at, end_at, 'full', taken)


def space_has_bookings(space):
    """Whether any booking, of any state, refers to ``space`` (its site and kind then stay)."""
    return db.session.execute(sa.select(Booking.id).where(Booking.space_id == space.id).limit(1)).first() is not None


# --- work queues (home pages and the navigation) ----------------------------------------------------------

def approvals_count():
    """The select counting bookings that wait for a manager's approval."""
    return sa.select(sa.func.count(Booking.id)).where(Booking.status == BookingStatus.pending)


def approvals_first(limit):
    """The ``limit`` pending bookings that begin soonest: those to decide first."""
    return db.session.execute(
        sa.select(Booking).where(Booking.status == BookingStatus.pending)
        .options(*_booking_list_options()).order_by(Booking.start_at, Booking.id).limit(limit)).scalars().all()


def _upcoming(startup_ids, now):
    return sa.and_(Booking.startup_id.in_(startup_ids), Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now,
                   Booking.start_at > now - MAX_BOOKING_LENGTH)


def upcoming_count(startup_ids, now):
    """The select counting the active bookings of ``startup_ids`` not over yet."""
    return sa.select(sa.func.count(Booking.id)).where(_upcoming(startup_ids, now))


def upcoming_first(startup_ids, now, limit):
    """The next ``limit`` active bookings of ``startup_ids``, soonest first."""
    return db.session.execute(
        sa.select(Booking).where(_upcoming(startup_ids, now))
        .options(*_booking_list_options(with_booker=False)).order_by(Booking.start_at, Booking.id)
        .limit(limit)).scalars().all()
