"""Never double-booked, as properties: random intervals, random sequences of bookings, daylight saving.

Every check compares the code with a brute-force oracle: intervals on a grid of
quarter hours, counted one quarter hour at a time (exact, since every end point
lies on the grid). The tests that touch the database run few examples and
empty the bookings table before each one.
"""
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incubator.auth import models as _auth_models  # noqa: F401 (every mapper configured without an app)
from incubator.booking import operations
from incubator.booking.models import ACTIVE_STATUSES, Booking, BookingStatus, PaymentMethod, Recurrence
from incubator.booking.operations import BookingRefused
from incubator.booking.queries import Rule, occurrence_times, overlapping_bookings, peak_seats, seats_free
from incubator.extensions import db
from incubator.sites.hours import opening_windows, window_containing
from incubator.sites.models import Site, SiteOpeningHours
from incubator.spaces.models import Space, SpaceKind
from tests.booking.conftest import NOW, at, clear_bookings, make_space, open_site
from tests.factories import SiteFactory

UNIT = timedelta(minutes=15)
#: Tuesday 1 December 2026, 08:00 in Shanghai: unit 0 of the grid, the opening of the world's site.
T0 = at(1, 8)

PURE = settings(max_examples=300, deadline=None, database=None)
#: The same, for tests that only need the app's configuration (the working calendar), not its database.
PURE_IN_APP = settings(PURE, suppress_health_check=[HealthCheck.function_scoped_fixture])
WITH_DB = settings(max_examples=10, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def instant(units, origin=T0):
    return origin + units * UNIT


def covers(start, end, unit):
    """Brute force: does ``[start, end)`` (in units) hold the quarter hour beginning at ``unit``?"""
    return start <= unit < end


def intervals(lowest=-100, highest=200, longest=96):
    """(start, end) in units; at most 24 hours long, as every booking (MAX_BOOKING_LENGTH)."""
    return st.tuples(st.integers(lowest, highest), st.integers(1, longest)).map(lambda p: (p[0], p[0] + p[1]))


# --- overlap and seats, without a database ---------------------------------------------------

@PURE
@given(intervals(), intervals())
def test_overlap_is_half_open(a, b):
    booking = Booking(start_at=instant(a[0]), end_at=instant(a[1]), seats=1)
    share_a_quarter = any(covers(*a, unit) and covers(*b, unit) for unit in range(min(a[0], b[0]), max(a[1], b[1])))
    assert booking.overlaps(instant(b[0]), instant(b[1])) is share_a_quarter
    assert Booking(start_at=instant(b[0]), end_at=instant(b[1])).overlaps(instant(a[0]), instant(a[1])) \
        is share_a_quarter
    # Touching ends are not an overlap.
    assert not booking.overlaps(instant(a[1]), instant(a[1] + 4))
    assert not booking.overlaps(instant(a[0] - 4), instant(a[0]))


bookings_on_grid = st.lists(st.tuples(intervals(0, 60, 40), st.integers(1, 5)), max_size=10).map(
    lambda rows: [SimpleNamespace(start_at=instant(start), end_at=instant(end), seats=seats, span=(start, end))
                  for (start, end), seats in rows])


@PURE
@given(bookings_on_grid, intervals(-10, 90, 60), st.integers(1, 12))
def test_peak_seats_and_seats_free_match_a_count_at_every_quarter_hour(bookings, window, capacity):
    counts = [sum(b.seats for b in bookings if covers(*b.span, unit)) for unit in range(*window)]
    assert peak_seats(bookings, instant(window[0]), instant(window[1])) == max(counts)

    zone = Space(kind=SpaceKind.hot_desk, capacity=capacity)
    assert seats_free(zone, bookings, instant(window[0]), instant(window[1])) == max(0, capacity - max(counts))
    room = Space(kind=SpaceKind.meeting_room, capacity=capacity)
    assert seats_free(room, bookings, instant(window[0]), instant(window[1])) == (0 if max(counts) else capacity)


# --- overlap in SQL ---------------------------------------------------------------------------

stored_bookings = st.lists(st.tuples(st.booleans(), intervals(), st.sampled_from(list(BookingStatus))),
                           max_size=12)


@WITH_DB
@given(stored_bookings, intervals(0, 100, 120), st.data())
def test_overlapping_bookings_in_sql_match_the_half_open_definition(world, rows, window, data):
    clear_bookings()
    spaces = (world.room, world.desks)
    stored = []
    for on_room, (start, end), status in rows:
        booking = Booking(space=spaces[0] if on_room else spaces[1], startup=world.startup, start_at=instant(start),
                          end_at=instant(end), seats=1, status=status, quota_month=date(2026, 12, 1),
                          usage_minutes=(end - start) * 15, payment_method=PaymentMethod.on_site)
        db.session.add(booking)
        stored.append((booking, on_room, start, end, status))
    db.session.commit()
    excluded = data.draw(st.sampled_from([None] + [booking.id for booking, *_ in stored]))

    def expected(room_only):
        return {booking.id for booking, on_room, start, end, status in stored
                if (on_room or not room_only) and status in ACTIVE_STATUSES and booking.id != excluded
                and any(covers(start, end, unit) for unit in range(*window))}

    db.session.expire_all()
    start_at, end_at = instant(window[0]), instant(window[1])
    found = overlapping_bookings([world.room.id], start_at, end_at, exclude_id=excluded)
    assert {booking.id for booking in found} == expected(room_only=True)
    assert [booking.start_at for booking in found] == sorted(booking.start_at for booking in found)
    both = overlapping_bookings([world.room.id, world.desks.id], start_at, end_at, exclude_id=excluded)
    assert {booking.id for booking in both} == expected(room_only=False)


# --- availability: random sequences of booking attempts -------------------------------------------

def attempts(units, capacity, min_units=2, max_units=32):
    """Book (start, length, seats, who) or cancel (which) steps inside a window of ``units`` quarter hours.

    Every booking keeps the other rules (within opening hours, 30 minutes to
    8 hours, seats within the capacity), so a refusal can only be a conflict.
    """
    book = st.tuples(st.just('book'), st.integers(0, units - min_units), st.integers(min_units, max_units),
                     st.integers(1, capacity), st.integers(0, 2)).map(
        lambda step: (step[0], step[1], min(step[2], units - step[1]), step[3], step[4]))
    cancel = st.tuples(st.just('cancel'), st.integers(0, 20))
    return st.lists(st.one_of(book, book, book, cancel), min_size=6, max_size=14)


def seats_at(held, unit):
    return sum(seats for start, end, seats in held if covers(start, end, unit))


def fits(space, held, start, end, seats):
    """Brute force: can ``seats`` people have ``[start, end)`` next to the bookings ``held``?"""
    if space.is_shared:
        return all(seats_at(held, unit) + seats <= space.capacity for unit in range(start, end))
    return not any(covers(s, e, unit) for s, e, _seats in held for unit in range(start, end))


def play(space, people, steps, origin, now):
    """Apply the steps through create_booking and cancel_booking; check each answer and the final state."""
    clear_bookings()
    full = Rule.not_enough_seats if space.is_shared else Rule.already_booked
    held = []                                    # (booking id, start, end, seats, booker) of the active ones
    for step in steps:
        if step[0] == 'cancel':
            if held:
                booking_id, *_span, booker = held.pop(step[1] % len(held))
                operations.cancel_booking(booker, db.session.get(Booking, booking_id), now=now)
                db.session.commit()
            continue
        _book, start, length, seats, who = step
        end = start + length
        booker, startup = people[who]
        free = fits(space, [row[1:4] for row in held], start, end, seats)
        try:
            booking = operations.create_booking(booker, space, startup, instant(start, origin),
                                                instant(end, origin), seats=seats, now=now)
            db.session.commit()
        except BookingRefused as refused:
            db.session.rollback()
            assert not free, f'refused a free slot {start}–{end} ×{seats}: {refused}'
            assert refused.codes == [full]
        else:
            assert free, f'booked {start}–{end} ×{seats} over {held}'
            held.append((booking.id, start, end, seats, booker))

    db.session.expire_all()
    active = db.session.execute(sa.select(Booking).where(
        Booking.space_id == space.id, Booking.status.in_(ACTIVE_STATUSES))).scalars().all()
    assert {booking.id for booking in active} == {row[0] for row in held}
    spans = [(int((b.start_at - origin) / UNIT), int((b.end_at - origin) / UNIT), b.seats) for b in active]
    for unit in range(min((s for s, _e, _n in spans), default=0), max((e for _s, e, _n in spans), default=0)):
        if space.is_shared:
            assert seats_at(spans, unit) <= space.capacity
        else:
            assert sum(1 for s, e, _n in spans if covers(s, e, unit)) <= 1


def people_of(world):
    return [(world.member, world.startup), (world.owner, world.startup), (world.outsider, world.other_startup)]


@pytest.mark.parametrize('kind', ['hot_desk', 'meeting_room'])
@WITH_DB
@given(data=st.data())
def test_random_bookings_never_exceed_the_capacity_and_refuse_only_conflicts(world, kind, data):
    space = world.desks if kind == 'hot_desk' else world.room
    steps = data.draw(attempts(units=48, capacity=space.capacity))      # 08:00–20:00
    play(space, people_of(world), steps, origin=T0, now=NOW)


# --- daylight saving time ----------------------------------------------------------------------

BERLIN = ZoneInfo('Europe/Berlin')
#: Berlin in 2026: summer time from Sunday 29 March 02:00 (→ 03:00) to Sunday 25 October 03:00 (→ 02:00).
SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)


def berlin_utc(day, minute):
    """The oracle: local wall-clock ``minute`` after midnight of ``day`` in Berlin, as UTC, by the 2026 rules."""
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    summer = datetime(2026, 3, 29, 3) <= local < datetime(2026, 10, 25, 3)
    return (local - timedelta(hours=2 if summer else 1)).replace(tzinfo=UTC)


def transient_site(hours_by_weekday, tz='Europe/Berlin'):
    site = Site(name='Transient', timezone=tz, follows_public_holidays=False)
    for weekday, (opens, closes) in hours_by_weekday.items():
        SiteOpeningHours(site=site, weekday=weekday, opens_minute=opens, closes_minute=closes)
    return site


# Wall-clock minutes that exist once on both transition days: not 02:00–03:00 (skipped, or lived twice).
clear_minutes = st.integers(0, 96).map(lambda quarter: quarter * 15).filter(lambda minute: not 120 <= minute < 180)
opening_hours = st.tuples(clear_minutes, clear_minutes).filter(lambda pair: pair[0] < pair[1])
weekly_hours = st.dictionaries(st.integers(0, 6), opening_hours, max_size=7)
around_a_change = st.sampled_from([SPRING, AUTUMN]).flatmap(
    lambda change: st.integers(-4, 4).map(lambda offset: change + timedelta(days=offset)))


def test_transition_days_last_23_and_25_hours(app):
    site = transient_site({weekday: (0, 1440) for weekday in range(7)})
    for change, hours in ((SPRING, 23), (AUTUMN, 25)):
        windows = opening_windows(site, change - timedelta(days=1), change + timedelta(days=1))
        assert [window.day for window in windows] == [change + timedelta(days=n) for n in (-1, 0, 1)]
        assert [(w.end_at - w.start_at) / timedelta(hours=1) for w in windows] == [24, hours, 24]
        assert all(w.start_at.astimezone(BERLIN).time() == time(0) for w in windows)
        assert windows[0].end_at == windows[1].start_at and windows[1].end_at == windows[2].start_at


@PURE_IN_APP
@given(weekly_hours, around_a_change, st.integers(0, 6))
def test_opening_windows_are_the_local_hours_in_utc_across_the_change(app, hours, first_day, days):
    site = transient_site(hours)
    last_day = first_day + timedelta(days=days)
    days_open = [first_day + timedelta(days=n) for n in range(days + 1)
                 if (first_day + timedelta(days=n)).weekday() in hours]
    expected = [(day, berlin_utc(day, hours[day.weekday()][0]), berlin_utc(day, hours[day.weekday()][1]))
                for day in days_open]
    windows = opening_windows(site, first_day, last_day)
    assert [(w.day, w.start_at, w.end_at) for w in windows] == expected
    for window in windows:
        opens, closes = hours[window.day.weekday()]
        local_open = window.start_at.astimezone(BERLIN)
        assert (local_open.date(), local_open.hour * 60 + local_open.minute) == (window.day, opens)


@PURE_IN_APP
@given(weekly_hours, around_a_change, st.integers(-8, 100), st.integers(1, 40))
def test_window_containing_holds_exactly_the_periods_inside_one_window(app, hours, day, start, length):
    site = transient_site(hours)
    origin = berlin_utc(day, 0)
    start_at, end_at = instant(start, origin), instant(start + length, origin)
    candidates = [(berlin_utc(d, hours[d.weekday()][0]), berlin_utc(d, hours[d.weekday()][1]))
                  for d in (day + timedelta(days=n) for n in (-1, 0, 1, 2)) if d.weekday() in hours]
    expected = [window for window in candidates if window[0] <= start_at and end_at <= window[1]]
    found = window_containing(site, start_at, end_at)
    assert (None if found is None else (found.start_at, found.end_at)) == (expected[0] if expected else None)


CHANGES = {'Europe/Berlin': (SPRING, AUTUMN), 'America/New_York': (date(2026, 3, 8), date(2026, 11, 1))}


@PURE
@given(st.sampled_from(sorted(CHANGES)), st.sampled_from([0, 1]), st.integers(1, 21),
       st.integers(32, 76), st.integers(2, 16), st.sampled_from(list(Recurrence)), st.integers(1, 20))
def test_occurrences_keep_their_wall_clock_time_across_the_change(tz, which, days_before, start_quarter,
                                                                    length_quarters, recurrence, count):
    zone = ZoneInfo(tz)
    space = Space(site=Site(name='Transient', timezone=tz))
    first_day = CHANGES[tz][which] - timedelta(days=days_before)
    local_start = datetime.combine(first_day, time()) + start_quarter * UNIT          # 08:00 to 19:00
    local_end = min(local_start + length_quarters * UNIT, datetime.combine(first_day, time(20)))
    start_at = local_start.replace(tzinfo=zone).astimezone(UTC)
    end_at = local_end.replace(tzinfo=zone).astimezone(UTC)

    times = occurrence_times(space, start_at, end_at, recurrence, count=count)

    step = timedelta(days=1 if recurrence == Recurrence.daily else 7)
    assert len(times) == count
    for n, (start, end) in enumerate(times):
        assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
        local = start.astimezone(zone)
        assert local.replace(tzinfo=None) == local_start + n * step                  # same wall-clock time
        assert end.astimezone(zone).replace(tzinfo=None) == local_end + n * step
        assert end - start == local_end - local_start                               # daytime: no change inside
    assert times[-1][0].utcoffset() == timedelta(0)
    if days_before <= (count - 1) * step.days:                                     # the series crosses the change
        offsets = {start.astimezone(zone).utcoffset() for start, _end in times}
        assert len(offsets) == 2


@pytest.fixture
def night_lab(world):
    """A Berlin site open 00:00–08:00 every day, so the change of clocks falls inside its opening hours."""
    site = SiteFactory(name='Berlin Night Lab', timezone='Europe/Berlin', follows_public_holidays=False)
    open_site(site, opens=0, closes=8 * 60)
    desks = make_space(site, 'Night desks', SpaceKind.hot_desk, capacity=2)
    room = make_space(site, 'Night room', SpaceKind.meeting_room, capacity=6)
    return SimpleNamespace(site=site, desks=desks, room=room)


@pytest.mark.parametrize('change', [SPRING, AUTUMN], ids=['spring', 'autumn'])
@pytest.mark.parametrize('kind', ['hot_desk', 'meeting_room'])
@WITH_DB
@given(data=st.data())
def test_random_bookings_across_the_change_keep_the_same_invariants(world, night_lab, kind, change, data):
    space = night_lab.desks if kind == 'hot_desk' else night_lab.room
    origin = berlin_utc(change, 0)
    units = int((berlin_utc(change, 8 * 60) - origin) / UNIT)                     # 28 in spring, 36 in autumn
    assert units == (28 if change == SPRING else 36)
    steps = data.draw(attempts(units=units, capacity=space.capacity))
    now = origin - timedelta(days=3)
    play(space, people_of(world), steps, origin=origin, now=now)


def test_the_hour_lived_twice_is_two_different_hours_for_a_room(world, night_lab):
    """25 October: 02:00–03:00 summer time and 02:00–03:00 winter time are both bookable, once each."""
    room, now = night_lab.room, datetime(2026, 10, 20, tzinfo=UTC)
    summer = (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC))
    winter = (datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC))
    assert [t.astimezone(BERLIN).strftime('%H:%M %Z') for t in summer + winter] == \
        ['02:00 CEST', '02:00 CET', '02:00 CET', '03:00 CET']
    for period in (summer, winter):
        operations.create_booking(world.member, room, world.startup, *period, now=now)
        db.session.commit()
    with pytest.raises(BookingRefused) as refused:
        operations.create_booking(world.owner, room, world.startup, summer[0] + timedelta(minutes=30),
                                  winter[0] + timedelta(minutes=30), now=now)
    assert refused.value.codes == [Rule.already_booked]
    db.session.rollback()
    # 00:00–08:00 local is nine hours that day: longer than the room's longest booking (eight).
    with pytest.raises(BookingRefused):
        operations.create_booking(world.owner, night_lab.desks, world.startup, berlin_utc(AUTUMN, 0),
                                  berlin_utc(AUTUMN, 480), now=now)
