"""The free-space search, called directly: which spaces the database leaves out, and which it must not."""
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incubator.booking.models import ACTIVE_STATUSES, Booking, BookingStatus, PaymentMethod
from incubator.booking.queries import booking_problems, find_free_spaces
from incubator.extensions import db
from incubator.sites.models import SiteClosure
from incubator.spaces.models import Blackout, SpaceKind
from tests.booking.conftest import NOW, at, clear_bookings, make_space, open_site
from tests.factories import SiteFactory

DAY = 2  # Wednesday 2 December 2026: the world's site is open 08:00-20:00


def store(world, space, start, end, seats=1, status=BookingStatus.confirmed):
    """A booking as it may lie in the table, whatever its status (no rules applied)."""
    booking = Booking(space=space, startup=world.startup, booked_by=world.member, start_at=start, end_at=end,
                      seats=seats, status=status, quota_month=date(2026, 12, 1),
                      usage_minutes=int((end - start).total_seconds() // 60) * seats,
                      payment_method=PaymentMethod.free)
    db.session.add(booking)
    db.session.commit()
    return booking


def names(spaces):
    return sorted(space.name for space in spaces)


def search(kind=SpaceKind.meeting_room, people=1, start=10, end=12, site_id=None, day=DAY):
    return names(find_free_spaces(kind, people, at(day, start), at(day, end), site_id=site_id))


@pytest.mark.parametrize('status', list(BookingStatus))
def test_a_room_is_left_out_only_while_an_active_booking_overlaps(world, status):
    store(world, world.room, at(DAY, 9), at(DAY, 11), status=status)
    expected = [] if status in ACTIVE_STATUSES else ['Meeting room A']
    assert search(start=10, end=12) == expected


def test_touching_bookings_and_blackouts_do_not_overlap(world):
    store(world, world.room, at(DAY, 8), at(DAY, 10))
    store(world, world.room, at(DAY, 12), at(DAY, 14))
    db.session.add(Blackout(space=world.room, starts_at=at(DAY, 14), ends_at=at(DAY, 16), reason='Paint'))
    db.session.commit()
    assert search(start=10, end=12) == ['Meeting room A']
    assert search(start=11, end=13) == []
    assert search(start=15, end=16) == []
    assert search(start=16, end=18) == ['Meeting room A']


def test_a_booking_from_the_day_before_still_counts(world):
    late_site = open_site(SiteFactory(name='Night lab'), opens=0, closes=1440)
    lab = make_space(late_site, 'Night room', max_booking_minutes=1440)
    store(world, lab, at(1, 20), at(DAY, 11))
    assert search(start=10, end=11) == ['Meeting room A']
    assert names(find_free_spaces(SpaceKind.meeting_room, 1, at(DAY, 2), at(DAY, 3))) == []
    assert search(start=11, end=12) == ['Meeting room A', 'Night room']


def test_a_shared_zone_is_free_while_enough_seats_are(world):
    store(world, world.desks, at(DAY, 9), at(DAY, 11), seats=2)
    assert search(SpaceKind.hot_desk, people=1, start=10, end=12) == ['Hot desks']
    assert search(SpaceKind.hot_desk, people=2, start=10, end=12) == []
    assert search(SpaceKind.hot_desk, people=2, start=11, end=12) == ['Hot desks']
    store(world, world.desks, at(DAY, 11), at(DAY, 12), seats=1, status=BookingStatus.pending)
    assert search(SpaceKind.hot_desk, people=1, start=10, end=12) == ['Hot desks']
    store(world, world.desks, at(DAY, 10), at(DAY, 11), seats=1, status=BookingStatus.awaiting_payment)
    assert search(SpaceKind.hot_desk, people=1, start=10, end=12) == []


def test_capacity_kind_site_and_activity_filter_the_spaces(world):
    other_site = open_site(SiteFactory(name='Qianhai'))
    big = make_space(other_site, 'Big hall', capacity=40)
    assert search(people=10) == ['Big hall']
    assert search(people=2, site_id=world.site.id) == ['Meeting room A']
    assert search(kind=None, people=2) == ['Big hall', 'Hot desks', 'Meeting room A']
    big.is_active = False
    db.session.commit()
    assert search(people=10) == []
    world.site.is_active = False
    db.session.commit()
    assert search(kind=None, people=1) == []


def test_a_closed_site_offers_nothing(world):
    saturday = 5
    assert search(day=saturday) == []
    assert search(start=7, end=9) == []
    db.session.add(SiteClosure(site=world.site, starts_on=date(2026, 12, DAY), ends_on=date(2026, 12, DAY),
                               reason='Open day'))
    db.session.commit()
    assert search() == []


def test_the_search_is_one_statement_whatever_the_number_of_spaces(world, count_queries):
    for n in range(12):
        make_space(world.site, f'Room {n:02d}')
    find_free_spaces(SpaceKind.meeting_room, 1, at(DAY, 10), at(DAY, 12))  # site calendars now kept
    with count_queries() as counter:
        found = find_free_spaces(SpaceKind.meeting_room, 1, at(DAY, 10), at(DAY, 12))
    assert len(found) == 13 and counter.count == 1
    with count_queries() as counter:
        find_free_spaces(SpaceKind.hot_desk, 1, at(DAY, 10), at(DAY, 12))
    assert counter.count == 2  # the spaces, and the bookings of the shared zones among them


hours = st.integers(8, 19)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), hours, st.integers(1, 4), st.integers(1, 3),
                          st.sampled_from(list(BookingStatus))), max_size=8),
       hours, st.integers(1, 3), st.integers(1, 3))
def test_the_search_agrees_with_the_booking_rules(world, stored, start, length, people):
    """Whatever lies in the table, a space is found exactly when booking it would raise no conflict."""
    clear_bookings()
    for on_room, begins, lasts, seats, status in stored:
        store(world, world.room if on_room else world.desks, at(DAY, begins), at(DAY, min(begins + lasts, 20)),
              seats=seats if not on_room else 1, status=status)
    end = min(start + length, 20)
    if end <= start:
        return
    found = set(search(kind=None, people=people, start=start, end=end))
    for space in (world.room, world.desks):
        free = not booking_problems(space, at(DAY, start), at(DAY, end), people, world.member, NOW)
        assert (space.name in found) == free, (space.name, stored, start, end, people)
