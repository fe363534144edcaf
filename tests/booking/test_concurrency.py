"""Never double-booked, under real concurrency: twenty threads race on a real database, no mocks.

Every race runs two ways:

* ``request``: each thread is a logged-in person with their own test client,
  POSTing the booking form to ``booking.create``; the request commits or rolls
  back as in production (one app context, session and connection per request).
* ``operation``: each thread calls ``create_booking`` in its own app context
  and its own :func:`incubator.core.transactions.transaction`, as a job would.

A barrier releases the threads together. The guarantee under test is the one
of ``create_booking``: the space and the startup rows locked ``FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite. Without it these tests fail:
PostgreSQL books the last seat, the room or the last free quota several times;
SQLite's deferred transactions fail with "database is locked" instead of
giving a clear refusal.
"""
import re
import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from incubator.auth.models import User
from incubator.booking import operations
from incubator.booking.models import ACTIVE_STATUSES, Booking
from incubator.booking.operations import BookingRefused
from incubator.booking.queries import Rule, peak_seats, quota_ledger
from incubator.core.audit import acting_as
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.spaces.models import Space, SpaceKind
from incubator.startups.models import Startup
from tests.booking.conftest import NOW, at, make_space
from tests.factories import StartupFactory, member_of

THREADS = 20
#: Each race is run for more than one slot: a lost race must not hinge on one lucky interleaving.
ROUNDS = 2

SEATS_TAKEN = (Rule.not_enough_seats, 'Not enough free seats at this time.')
ROOM_TAKEN = (Rule.already_booked, 'Already booked at this time.')

pytestmark = pytest.mark.parametrize('via', ['request', 'operation'])


@pytest.fixture(autouse=True)
def frozen_now(app):
    """Requests read the clock: it is NOW (ticking) for them and for the sessions they sign."""
    with time_machine.travel(NOW, tick=True):
        yield


@dataclass(frozen=True)
class Attempt:
    user_id: int
    startup_id: int
    space_id: int
    start_at: object
    end_at: object
    seats: int = 1


@dataclass
class Booked:
    booking_id: int


@dataclass
class Refused:
    """``codes`` of the broken rules when the operation refused; ``page`` when the form was shown again."""

    codes: list = None
    page: str = None

    def says_only(self, rule, message):
        if self.codes is not None:
            return self.codes == [rule]
        return message in self.page


def _by_operation(app, attempt, barrier, index):
    with app.app_context():
        try:
            barrier.wait(timeout=30)
            with acting_as(f'test:thread-{index}'), transaction():
                booking = operations.create_booking(
                    db.session.get(User, attempt.user_id), db.session.get(Space, attempt.space_id),
                    db.session.get(Startup, attempt.startup_id), attempt.start_at, attempt.end_at,
                    seats=attempt.seats, now=NOW)
                return Booked(booking.id)
        except BookingRefused as refused:
            return Refused(codes=refused.codes)
        finally:
            db.session.remove()


def _by_request(app, attempt, barrier, index, logins):
    client = FlaskClient(app, app.response_class, use_cookies=True)
    with client.session_transaction() as session:           # as the `login` fixture does
        session['_user_id'] = logins[attempt.user_id]
        session['_fresh'] = True
        session['locale'] = 'en'
    local_start = attempt.start_at.astimezone(logins['zone'])
    local_end = attempt.end_at.astimezone(logins['zone'])
    form = {'startup': attempt.startup_id, 'day': local_start.date().isoformat(),
            'start': f'{local_start:%H:%M}', 'end': f'{local_end:%H:%M}', 'seats': attempt.seats, 'confirm': '1'}
    barrier.wait(timeout=30)
    response = client.post(f'/spaces/{attempt.space_id}/book', data=form)
    if response.status_code == 302:
        booked = re.fullmatch(r'/bookings/(\d+)', response.headers['Location'])
        assert booked, f'thread {index}: redirected to {response.headers["Location"]}'
        return Booked(int(booked.group(1)))
    assert response.status_code == 409, f'thread {index}: status {response.status_code}'
    return Refused(page=response.get_data(as_text=True))


def race(app, attempts, via):
    """Run the attempts in one thread each, released together; return each Booked, Refused or exception.

    The test's own session commits before (the set-up must be visible to the
    threads) and after (a transaction begun before the race would read a
    snapshot without its result).
    """
    logins = {}
    if via == 'request':
        users = {user.id: user for user in db.session.execute(
            sa.select(User).where(User.id.in_({attempt.user_id for attempt in attempts}))).scalars()}
        logins = {user_id: user.get_id() for user_id, user in users.items()}
        logins['zone'] = db.session.get(Space, attempts[0].space_id).site.zone
    db.session.commit()
    barrier = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def run(index):
        try:
            if via == 'request':
                results[index] = _by_request(app, attempts[index], barrier, index, logins)
            else:
                results[index] = _by_operation(app, attempts[index], barrier, index)
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            barrier.abort()
            results[index] = error

    workers = [threading.Thread(target=run, args=(index,), name=f'booker-{index}')
               for index in range(len(attempts))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), 'a booking thread hung'
    db.session.commit()
    return results


def outcome(results):
    """(booked, refused); any other result fails the test with its message."""
    unexpected = [result for result in results if not isinstance(result, (Booked, Refused))]
    assert not unexpected, f'{len(unexpected)} threads failed otherwise: {unexpected[:3]!r}'
    return ([result for result in results if isinstance(result, Booked)],
            [result for result in results if isinstance(result, Refused)])


def active_bookings(space_id, start_at, end_at):
    return db.session.execute(
        sa.select(Booking).where(Booking.space_id == space_id, Booking.status.in_(ACTIVE_STATUSES),
                                 Booking.start_at < end_at, Booking.end_at > start_at)).scalars().all()


@pytest.fixture
def members(world):
    """Twenty people of five startups (four each), as (user id, startup id): each thread books as another."""
    startups = [world.startup] + [StartupFactory(name=f'Racer {n}', site=world.site, tier=world.startup.tier)
                                  for n in range(4)]
    people = [(member_of(startups[i % len(startups)], name=f'Racer {i}'), startups[i % len(startups)])
              for i in range(THREADS)]
    return [(user.id, startup.id) for user, startup in people]


def test_twenty_people_race_for_the_last_seat_of_a_hot_desk_zone(app, world, members, via):
    capacity, desks_id = world.desks.capacity, world.desks.id
    assert capacity == 3
    for round_ in range(ROUNDS):
        start, end = at(1 + round_, 9), at(1 + round_, 11)
        # Two of the three seats are taken from 09:00 to 10:30, one of them until 11:00.
        operations.create_booking(world.owner, world.desks, world.startup, start, end, now=NOW)
        operations.create_booking(world.owner, world.desks, world.startup, start - timedelta(hours=1),
                                  end - timedelta(minutes=30), now=NOW)
        db.session.commit()

        results = race(app, [Attempt(user_id, startup_id, desks_id, start, end)
                             for user_id, startup_id in members], via)

        booked, refused = outcome(results)
        assert len(booked) == 1, f'round {round_}: the last seat was booked {len(booked)} times'
        assert len(refused) == THREADS - 1
        assert all(refusal.says_only(*SEATS_TAKEN) for refusal in refused)
        taken = active_bookings(desks_id, start, end)
        assert sum(booking.seats for booking in taken) == capacity
        assert peak_seats(taken, start, end) == capacity
        assert booked[0].booking_id in {booking.id for booking in taken}


def test_twenty_people_race_for_the_same_slot_of_a_meeting_room(app, world, members, via):
    room_id = world.room.id
    for round_ in range(ROUNDS):
        start, end = at(1 + round_, 14), at(1 + round_, 15, 30)

        results = race(app, [Attempt(user_id, startup_id, room_id, start, end, seats=4)
                             for user_id, startup_id in members], via)

        booked, refused = outcome(results)
        assert len(booked) == 1, f'round {round_}: the room was booked {len(booked)} times'
        assert len(refused) == THREADS - 1
        assert all(refusal.says_only(*ROOM_TAKEN) for refusal in refused)
        assert [booking.id for booking in active_bookings(room_id, start, end)] == [booked[0].booking_id]


def test_twenty_bookings_of_one_startup_race_for_its_last_free_quota(app, world, via):
    """Different rooms, so only the startup's lock orders them: its last free hour is given once."""
    allowance = 240                                             # world: incubator tier, meeting rooms
    rooms = [make_space(world.site, f'Quota room {i}', SpaceKind.meeting_room, capacity=6) for i in range(THREADS)]
    room_ids, hourly = [room.id for room in rooms], rooms[0].hourly_price_fen
    for round_ in range(ROUNDS):
        # A startup of twenty people has used 180 of its 240 free minutes this month: 60 are left.
        startup = StartupFactory(name=f'Quota startup {round_}', site=world.site, tier=world.startup.tier)
        people = [member_of(startup, name=f'Quota racer {round_}-{i}') for i in range(THREADS)]
        day = 1 + round_
        operations.create_booking(people[0], world.room, startup, at(day, 9), at(day, 12), now=NOW)
        db.session.commit()

        results = race(app, [Attempt(person.id, startup.id, room_id, at(day, 14), at(day, 15))
                             for person, room_id in zip(people, room_ids, strict=True)], via)

        booked, refused = outcome(results)
        assert len(booked) == THREADS and not refused       # different rooms: every booking fits
        bookings = [db.session.get(Booking, result.booking_id) for result in booked]
        free = sorted(booking.free_minutes for booking in bookings)
        assert free == [0] * (THREADS - 1) + [60], f'round {round_}: free minutes given {free}'
        assert sorted(booking.price_fen for booking in bookings) == [0] + [hourly] * (THREADS - 1)
        used = db.session.execute(
            sa.select(sa.func.sum(Booking.free_minutes))
            .where(Booking.startup_id == startup.id, Booking.counts_against_quota.is_(True))).scalar_one()
        assert used == allowance
        [ledger] = quota_ledger(startup, 2026)             # its sums, upserted by every racer
        assert (ledger.free_minutes, ledger.paid_minutes, ledger.price_fen, ledger.bookings) == \
            (allowance, (THREADS - 1) * 60, (THREADS - 1) * hourly, THREADS + 1)
