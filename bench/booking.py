"""Booking benchmark (issue #4): availability queries and booking pages over 500,000 bookings.

    .venv/bin/python bench/booking.py [--repeat 50] [--reseed]

Seeds two PostgreSQL databases on the local server (created if missing):
``wutong_bench_booking`` with 200 spaces at 4 sites and 500,000 bookings, and
``wutong_bench_booking_small`` with 20 spaces at 2 sites and 5,000 bookings.
The bookings span one year before today and one after, lie within the sites'
opening hours, never overlap on a space booked whole and stay within the seats
of a hot-desk zone; their statuses are mixed (confirmed, pending, cancelled,
declined, no-show). A database that already holds this seed (same schema, same
counts) is reused, so a rerun starts measuring at once; ``--reseed`` rebuilds it.
Bookings go in with one ``COPY`` (no ORM, so no audit rows), their quota sums are
rebuilt from them, then ``VACUUM ANALYZE``.

Then, in-process, each measurement runs ``--repeat`` times (after one warm-up)
in a fresh session whose transaction has begun (a query's time leaves out the
pool checkout and BEGIN, which a request pays once for all its statements; a
page's time includes them). The table gives its median and 95th percentile
with the SQL statements it ran (an engine ``before_cursor_execute`` listener).
A fixed pure-Python loop, timed before and after, tells how fast the machine
was: on a shared host the same code runs up to half again as slow from one
minute to the next, so compare runs by it.

* the week view query (``space_week``), the free-space search
  (``find_free_spaces``), the conflict check of a free slot (``booking_problems``)
  and ``create_booking`` with its flush (rolled back each time);
* the booking pages, through the test client as a logged-in startup member,
  for those of the endpoints booking.space, booking.spaces, booking.create (GET,
  and a preview POST), booking.mine (for a light and a heavy booker) and, as
  extras, booking.startup_bookings and booking.startup_ledger, those that exist
  (a missing one is listed as not measured).

Targets: queries < 5 ms, creating a booking < 10 ms, pages < 20 ms (median). The last
column, the median CPU time of this process alone (Python, without the database
server's share), is steadier than wall time when the machine is busy.
A second table puts the statement counts of both sizes side by side: they
must not grow with the data. Last, ``EXPLAIN (ANALYZE, BUFFERS)`` of the
conflict query (and of the other hot queries) shows the index each one uses.
Not part of the test suite (pytest collects only ``tests/``).
"""
import argparse
import contextlib
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.auth.models import Role, User  # noqa: E402
from incubator.booking import operations  # noqa: E402
from incubator.booking.models import Booking  # noqa: E402
from incubator.booking.queries import (  # noqa: E402
    booking_problems,
    bookings_of_startup,
    bookings_of_user,
    find_free_spaces,
    load_space,
    no_show_counts,
    quota_ledger,
    quota_standing,
    space_week,
)
from incubator.booking.usage import rebuild_quota_usage  # noqa: E402
from incubator.core.time import from_local, now_utc  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.sites.models import Site, SiteOpeningHours  # noqa: E402
from incubator.spaces.models import Certification, Space, SpaceKind, TierQuota  # noqa: E402
from incubator.startups.credit_code import check_character  # noqa: E402
from incubator.startups.models import MembershipRole, Startup, StartupMembership, Tier  # noqa: E402

SERVER = 'postgresql+psycopg://postgres@127.0.0.1:5432/'
ZONE = ZoneInfo('Asia/Shanghai')
SEED_VERSION = 4  # bump when the seed below changes, so old bench databases are rebuilt


@dataclass(frozen=True)
class Size:
    label: str
    database: str
    sites: int
    spaces: int
    bookings: int


LARGE = Size('200 spaces / 500,000 bookings', 'wutong_bench_booking', 4, 200, 500_000)
SMALL = Size('20 spaces / 5,000 bookings', 'wutong_bench_booking_small', 2, 20, 5_000)

STARTUPS = 40          # two members each
DAYS_BEFORE = 365      # bookings from a year ago ...
DAYS_AFTER = 365       # ... to a year ahead
WEEKDAY_HOURS = (8 * 60, 22 * 60)
WEEKEND_HOURS = (9 * 60, 18 * 60)
#: One site's spaces repeat this pattern; a hot-desk zone gets this many times the bookings of a whole space.
KIND_PATTERN = [SpaceKind.meeting_room, SpaceKind.hot_desk, SpaceKind.fixed_desk, SpaceKind.meeting_room,
                SpaceKind.equipment, SpaceKind.private_office, SpaceKind.fixed_desk, SpaceKind.meeting_room,
                SpaceKind.lab, SpaceKind.equipment]
HOT_DESK_WEIGHT = 6
#: member@bench.example books 2 % of everything plus a share of the rest (at 500,000: ~16,000 bookings, so
#: its lists are at their caps); light@bench.example books 100 of them at any size (~1 a week: typical).
LIGHT_BOOKINGS = 100

TARGETS = {'query': 5.0, 'create': 10.0, 'page': 20.0}


# --- databases ---------------------------------------------------------------------------

def ensure_database(name, template=None):
    """The URL of database ``name``, created if missing: empty, or a copy of ``template``."""
    admin = sa.create_engine(sa.engine.make_url(SERVER).set(database='postgres'), isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            if not connection.execute(sa.text('SELECT 1 FROM pg_database WHERE datname = :name'),
                                      {'name': name}).first():
                copy = f' TEMPLATE "{template}"' if template else ''
                connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        admin.dispose()
    return SERVER + name


def make_app(url):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_PATH = tempfile.mkdtemp()

    return create_app(Config)


def schema_fingerprint(size):
    """Changes when the models, the seed or the size change: then the bench database is rebuilt."""
    parts = [f'seed {SEED_VERSION} {size}']
    for table in db.metadata.sorted_tables:
        parts.append(table.name + ':' + ','.join(f'{c.name} {c.type!r} {c.nullable}' for c in table.columns))
        parts.extend(sorted(f"{index.name} {index.dialect_options['postgresql']['include']}"
                            for index in table.indexes))
    return hashlib.sha256('\n'.join(parts).encode()).hexdigest()


def seeded_already(fingerprint):
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table('bench_seed'):
            return False
        stored = connection.execute(sa.text('SELECT fingerprint FROM bench_seed')).scalar()
    return stored == fingerprint


def rebuild_schema():
    with db.engine.begin() as connection:
        connection.execute(sa.text('DROP SCHEMA public CASCADE'))
        connection.execute(sa.text('CREATE SCHEMA public'))
    db.create_all()


# --- the seed ----------------------------------------------------------------------------

def credit_code(n):
    first = f'91440300{n:08d}B'
    return first + check_character(first)


def space_fields(kind, rng, n):
    fields = dict(hourly_price_fen=5000, daily_price_fen=30000, min_booking_minutes=30, max_booking_minutes=480,
                  booking_horizon_days=60, cancellation_cutoff_hours=24, capacity=1)
    if kind == SpaceKind.hot_desk:
        fields.update(capacity=rng.randint(10, 40), hourly_price_fen=1000, daily_price_fen=5000,
                      max_booking_minutes=840)
    elif kind == SpaceKind.fixed_desk:
        fields.update(hourly_price_fen=800, daily_price_fen=4000, max_booking_minutes=840)
    elif kind == SpaceKind.meeting_room:
        fields.update(capacity=rng.choice([4, 6, 8, 12, 20]), requires_approval=n % 20 == 7)
    elif kind == SpaceKind.private_office:
        fields.update(capacity=rng.randint(4, 8), hourly_price_fen=8000, daily_price_fen=50000,
                      max_booking_minutes=840)
    elif kind == SpaceKind.lab:
        fields.update(capacity=4, hourly_price_fen=10000, daily_price_fen=60000)
    elif kind == SpaceKind.equipment:
        fields.update(hourly_price_fen=3000, daily_price_fen=0, max_booking_minutes=240, requires_check_in=True)
    return fields


def seed_entities(size, rng):
    """Sites, opening hours, spaces, quotas, startups and users, through the ORM (a few hundred rows)."""
    certification = Certification(name='Lab safety training')
    sites = []
    for n in range(size.sites):
        site = Site(name=f'Bench site {n}', address=f'{n} Bench Road', follows_public_holidays=False)
        for weekday in range(7):
            opens, closes = WEEKDAY_HOURS if weekday < 5 else WEEKEND_HOURS
            site.opening_hours.append(SiteOpeningHours(weekday=weekday, opens_minute=opens, closes_minute=closes))
        sites.append(site)
    spaces = []
    for n in range(size.spaces):
        site = sites[n * size.sites // size.spaces]
        kind = KIND_PATTERN[n % len(KIND_PATTERN)]
        spaces.append(Space(site=site, name=f'{kind.value} {n:03d}', kind=kind,
                            certification=certification if kind == SpaceKind.lab else None,
                            **space_fields(kind, rng, n)))
    for tier, hours in ((Tier.maker_space, 20), (Tier.incubator, 40), (Tier.accelerator, 80)):
        for kind in SpaceKind:
            db.session.add(TierQuota(tier=tier, space_kind=kind, free_minutes=hours * 60 * (5 if kind in (
                SpaceKind.hot_desk, SpaceKind.fixed_desk) else 1)))
    manager = User(email='manager@bench.example', name='Manager', password_hash='x')
    manager.set_roles({Role.manager})
    startups = []
    for n in range(STARTUPS):
        startup = Startup(name=f'Bench startup {n:03d}', credit_code=credit_code(n), tier=list(Tier)[n % 3],
                          site=sites[n % size.sites], admitted_on=date(2025, 1, 1), contact_name='C',
                          contact_phone='1')
        for m in range(2):
            email = 'member@bench.example' if n == m == 0 else f'user{n:03d}-{m}@bench.example'
            user = User(email=email, name=f'Member {n}-{m}', password_hash='x')
            startup.memberships.append(StartupMembership(
                user=user, role=MembershipRole.owner if m == 0 else MembershipRole.member))
        if n == 0:
            startup.memberships.append(StartupMembership(
                user=User(email='light@bench.example', name='Light booker', password_hash='x'),
                role=MembershipRole.member))
        startups.append(startup)
    db.session.add_all(sites + spaces + startups + [manager, certification])
    db.session.commit()
    return spaces, startups


def opening_windows(first_day, days):
    """(local day, UTC opening, UTC closing) of each day of the seed."""
    windows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        opens, closes = WEEKDAY_HOURS if day.weekday() < 5 else WEEKEND_HOURS
        midnight = datetime.combine(day, datetime.min.time())
        windows.append((day, from_local(midnight + timedelta(minutes=opens), ZONE),
                        from_local(midnight + timedelta(minutes=closes), ZONE)))
    return windows


def lanes_of(space, rng):
    """Seat widths that never sum past the capacity: each lane is booked like a whole space."""
    if space.kind != SpaceKind.hot_desk:
        return [None]
    lanes, left = [], space.capacity
    while left:
        width = min(left, rng.choice([1, 1, 1, 2, 3]))
        lanes.append(width)
        left -= width
    return lanes


@dataclass(frozen=True)
class SpaceTerms:
    id: int
    kind: SpaceKind
    capacity: int
    max_booking_minutes: int
    hourly_price_fen: int
    daily_price_fen: int
    requires_approval: bool
    requires_check_in: bool


def booking_rows(spaces, startups, total, now, rng):
    """Yield ``total`` bookings as COPY rows: within opening hours, no overlap, within capacity."""
    today = now.astimezone(ZONE).date()
    windows = opening_windows(today - timedelta(days=DAYS_BEFORE), DAYS_BEFORE + DAYS_AFTER)
    weights = [HOT_DESK_WEIGHT if space.kind == SpaceKind.hot_desk else 1 for space in spaces]
    budgets = [total * w // sum(weights) for w in weights]
    for n in range(total - sum(budgets)):
        budgets[n % len(budgets)] += 1
    bookers = [(startup.id, [m.user_id for m in startup.memberships[:2]]) for startup in startups]
    heavy = (startups[0].id, [startups[0].memberships[0].user_id])
    light = (startups[0].id, [startups[0].memberships[2].user_id])
    produced = 0
    # Plain copies: ORM attribute access is slow in a loop of half a million.
    spaces = [SpaceTerms(space.id, space.kind, space.capacity, space.max_booking_minutes, space.hourly_price_fen,
                         space.daily_price_fen, space.requires_approval, space.requires_check_in)
              for space in spaces]
    for space, budget in zip(spaces, budgets, strict=True):
        lanes = lanes_of(space, rng)
        shared = space.kind == SpaceKind.hot_desk
        for index, (day, opens_at, closes_at) in enumerate(windows):
            count = (index + 1) * budget // len(windows) - index * budget // len(windows)
            per_lane = [0] * len(lanes)
            first_lane = rng.randrange(len(lanes))
            for k in range(count):
                per_lane[(first_lane + k) % len(lanes)] += 1
            window = int((closes_at - opens_at).total_seconds() // 60)
            for width, booked in zip(lanes, per_lane, strict=True):
                if not booked:
                    continue
                segment = window // booked // 30 * 30
                assert segment >= 30, (space, day, booked)
                for k in range(booked):
                    length = rng.randrange(30, min(segment, space.max_booking_minutes) + 1, 30)
                    offset = k * segment + rng.randrange(0, segment - length + 1, 30)
                    start_at = opens_at + timedelta(minutes=offset)
                    end_at = start_at + timedelta(minutes=length)
                    seats = width if shared else rng.randint(1, min(space.capacity, 8))
                    produced += 1
                    if produced % (total // LIGHT_BOOKINGS) == 0:
                        startup_id, users = light
                    else:
                        startup_id, users = heavy if rng.random() < 0.02 else rng.choice(bookers)
                    yield booking_row(space, startup_id, rng.choice(users), start_at, end_at, seats, length, day,
                                      now, rng)


def booking_row(space, startup_id, user_id, start_at, end_at, seats, length, day, now, rng):
    usage = length * seats if space.kind == SpaceKind.hot_desk else length
    free = usage if rng.random() < 0.7 else 0
    price = -(-space.hourly_price_fen * (usage - free) // 60)
    if space.daily_price_fen:
        price = min(price, space.daily_price_fen * (seats if space.kind == SpaceKind.hot_desk else 1))
    roll = rng.random()
    checked_in_at = decided_at = cancelled_at = None
    counts = True
    if end_at <= now:
        status = 'confirmed'
        if roll > 0.97:
            status = 'declined' if space.requires_approval else 'cancelled'
        elif roll > 0.93:
            status = 'no_show' if space.requires_check_in else 'confirmed'
        elif roll > 0.85:
            status = 'cancelled'
        if status == 'confirmed' and space.requires_check_in:
            checked_in_at = start_at
    else:
        # Managers decide within days: only the next two weeks still wait for approval.
        waiting = space.requires_approval and roll < 0.4 and start_at < now + timedelta(days=14)
        status = 'pending' if waiting else 'confirmed'
        if roll > 0.9:
            status = 'cancelled'
    if status == 'declined':
        decided_at, counts = start_at - timedelta(days=2), False
    elif status == 'cancelled':
        cancelled_at = start_at - timedelta(days=2)
        counts = roll > 0.95
    return (space.id, startup_id, user_id, start_at, end_at, seats, '', status, day.replace(day=1), space.kind.value,
            usage, free, price, 'CNY', 'on_site' if price else 'free', counts, min(now, start_at - timedelta(days=3)),
            checked_in_at, decided_at, cancelled_at)


BOOKING_COLUMNS = ('space_id', 'startup_id', 'booked_by_id', 'start_at', 'end_at', 'seats', 'purpose', 'status',
                   'quota_month', 'quota_kind', 'usage_minutes', 'free_minutes', 'price_fen', 'currency',
                   'payment_method', 'counts_against_quota', 'created_at', 'checked_in_at', 'decided_at',
                   'cancelled_at')


def copy_bookings(rows):
    """COPY the rows into ``bookings`` on the raw psycopg connection (no ORM events, no audit rows), then sum
    them into ``quota_usage`` as ``flask bookings rebuild-quota-usage`` does."""
    raw = db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY bookings ({", ".join(BOOKING_COLUMNS)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    rebuild_quota_usage(db.session)
    db.session.commit()


def seed(size, fingerprint):
    started = time.perf_counter()
    rng = random.Random(20261126)
    rebuild_schema()
    spaces, startups = seed_entities(size, rng)
    copy_bookings(booking_rows(spaces, startups, size.bookings, now_utc(), rng))
    copied = time.perf_counter()
    # End the seeding session first: while it is open, VACUUM cannot mark the new rows visible to all, and
    # without the visibility map PostgreSQL will not answer the ledger from its covering index.
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
        connection.execute(sa.text('VACUUM ANALYZE'))
        connection.execute(sa.text('CREATE TABLE bench_seed (fingerprint text, seeded_at timestamptz)'))
        connection.execute(sa.text('INSERT INTO bench_seed VALUES (:fingerprint, now())'),
                           {'fingerprint': fingerprint})
    return copied - started, time.perf_counter() - copied


def prepare(size, reseed):
    """The app on the size's database, seeded unless it holds this very seed already."""
    app = make_app(ensure_database(size.database))
    with app.app_context():
        fingerprint = schema_fingerprint(size)
        if not reseed and seeded_already(fingerprint):
            note = 'reused'
        else:
            seconds, analyze = seed(size, fingerprint)
            note = f'seeded in {seconds:.1f} s + VACUUM ANALYZE {analyze:.1f} s'
        counts = [db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
                  for model in (Space, Booking)]
        bookers = []
        for email, label in (('light@bench.example', 'light booker'), ('member@bench.example', 'heavy booker')):
            total, upcoming = db.session.execute(
                sa.select(sa.func.count(), sa.func.count().filter(Booking.end_at > now_utc()))
                .join(Booking.booked_by).where(User.email == email)).one()
            bookers.append(f'{label} {email}: {total:,} bookings, {upcoming:,} to come')
        db.session.remove()
    assert counts == [size.spaces, size.bookings], counts
    print(f'{size.database}: {counts[0]} spaces, {counts[1]:,} bookings ({note}); ' + '; '.join(bookers),
          flush=True)
    return app


# --- measuring ---------------------------------------------------------------------------

class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        self.statements = []
        self.engine = engine

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append((statement, parameters))

    def __enter__(self):
        self.count = 0
        self.statements = []
        sa.event.listen(self.engine, 'before_cursor_execute', self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, 'before_cursor_execute', self)


@dataclass
class Result:
    name: str
    kind: str
    key: str = ''
    timings: list = None
    cpu: list = None
    statements: tuple = ()
    error: str = ''

    @property
    def median(self):
        return statistics.median(self.timings)

    @property
    def p95(self):
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def statement_text(self):
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f'{low}-{high}'


@dataclass
class Measurement:
    """``action(setup())`` timed and its statements counted; ``teardown(state)`` after, untimed."""

    name: str
    kind: str
    setup: object
    action: object
    teardown: object = lambda state: None
    context: object = contextlib.nullcontext  # entered around each run (an app context for queries)
    key: str = ''
    check: object = None                       # called with nothing at the end: an error text, or ''


def run_measurements(measurements, repeat, engine):
    """Each measurement ``repeat`` times in a row, after a warm-up run."""
    results = []
    for measurement in measurements:
        result = Result(measurement.name, measurement.kind, key=measurement.key, timings=[], cpu=[])
        statements = []
        for run in range(repeat + 1):
            with measurement.context():
                state = measurement.setup()
                with StatementCounter(engine) as counter:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    measurement.action(state)
                    elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
                measurement.teardown(state)
            if run:
                result.timings.append(elapsed * 1000)
                result.cpu.append(elapsed_cpu * 1000)
                statements.append(counter.count)
        result.statements = tuple(statements)
        result.error = measurement.check() if measurement.check else ''
        results.append(result)
    return results


def calibration_ms(rounds=7):
    """The median time of a fixed pure-Python loop: how fast this machine is just now."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for number in range(300_000):
            total += number
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


@dataclass
class Scene:
    """What the measurements use: a meeting room, a free slot of it, a week ahead, the member."""

    space_id: int
    site_id: int
    startup_id: int
    member_id: int
    member_session: str
    light_session: str
    week: date
    slot_start: datetime
    slot_end: datetime


def find_scene():
    member = db.session.execute(sa.select(User).filter_by(email='member@bench.example')).scalar_one()
    startup = member.memberships[0].startup
    space = db.session.execute(
        sa.select(Space).where(Space.kind == SpaceKind.meeting_room, Space.requires_approval.is_(False))
        .order_by(Space.id)).scalars().first()
    space = load_space(space.id)
    now = now_utc()
    today = now.astimezone(ZONE).date()
    week = today + timedelta(days=7 - today.weekday() + 7)  # the Monday after next
    for days in range(2, 21):
        day = today + timedelta(days=days)
        if day.weekday() >= 5:
            continue
        for hour in range(10, 20):
            start = from_local(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour), ZONE)
            end = start + timedelta(hours=2)
            if not booking_problems(space, start, end, 2, member, now):
                light = db.session.execute(sa.select(User).filter_by(email='light@bench.example')).scalar_one()
                return Scene(space.id, space.site_id, startup.id, member.id, member.get_id(), light.get_id(), week,
                             start, end)
    raise RuntimeError('no free two-hour slot found for the benchmark')


def query_measurements(app, scene):
    def fresh_space():
        db.session.remove()
        return load_space(scene.space_id)

    def fresh_booker():
        db.session.remove()
        member = db.session.get(User, scene.member_id)
        for membership in member.memberships:  # loaded by the login and permission checks of a request
            _ = membership.startup.status
        return load_space(scene.space_id), member, db.session.get(Startup, scene.startup_id)

    def create(state):
        space, member, startup = state
        operations.create_booking(member, space, startup, scene.slot_start, scene.slot_end, seats=2,
                                  purpose='Benchmark')
        db.session.flush()

    def rollback(state):
        db.session.rollback()
        db.session.remove()

    def search_setup():
        db.session.remove()
        db.session.connection()  # begun, as for the other queries: checkout and BEGIN are a request's, not a query's

    in_app = app.app_context
    return [
        Measurement('week view query (space_week)', 'query', fresh_space,
                    lambda space: space_week(space, scene.week), context=in_app),
        Measurement('free-space search (find_free_spaces)', 'query', search_setup,
                    lambda _: find_free_spaces(SpaceKind.meeting_room, 2, scene.slot_start, scene.slot_end),
                    context=in_app),
        Measurement('conflict check (booking_problems)', 'query', fresh_booker,
                    lambda state: _no_problems(state, scene), context=in_app),
        Measurement('create_booking + flush (rolled back)', 'create', fresh_booker, create, rollback,
                    context=in_app),
    ]


def _no_problems(state, scene):
    space, member, _startup = state
    problems = booking_problems(space, scene.slot_start, scene.slot_end, 2, member, now_utc())
    assert not problems, [str(problem) for problem in problems]


PAGES = [  # name, who, method, endpoint, URL arguments, whether to post the booking form
    ('space week', 'member', 'GET', 'booking.space', 'week', False),
    ('search', 'member', 'GET', 'booking.spaces', 'search', False),
    ('booking form', 'member', 'GET', 'booking.create', 'space', False),
    ('booking preview', 'member', 'POST', 'booking.create', 'space', True),
    ('my bookings, light booker', 'light', 'GET', 'booking.mine', None, False),
    ('my bookings, heavy booker', 'member', 'GET', 'booking.mine', None, False),
    ('startup bookings, heavy (extra)', 'member', 'GET', 'booking.startup_bookings', 'startup', False),
    ('startup quota ledger, heavy (extra)', 'member', 'GET', 'booking.startup_ledger', 'startup', False),
]


def page_measurements(app, scene):
    """Each booking page as a logged-in member; endpoints not written yet are returned as missing."""
    from flask import url_for

    local_start, local_end = scene.slot_start.astimezone(ZONE), scene.slot_end.astimezone(ZONE)
    day, start, end = f'{local_start:%Y-%m-%d}', f'{local_start:%H:%M}', f'{local_end:%H:%M}'
    form = {'day': day, 'start': start, 'end': end, 'seats': '2', 'startup': str(scene.startup_id),
            'recurrence': '', 'count': '', 'until': '', 'purpose': 'Benchmark'}
    arguments = {'week': {'space_id': scene.space_id, 'week': f'{scene.week:%Y-%m-%d}'},
                 'search': {'kind': 'meeting_room', 'people': 2, 'day': day, 'start': start, 'end': end},
                 'space': {'space_id': scene.space_id}, 'startup': {'startup_id': scene.startup_id}, None: {}}
    clients = {}
    for who, session_id in (('member', scene.member_session), ('light', scene.light_session)):
        clients[who] = app.test_client()
        with clients[who].session_transaction() as session:
            session['_user_id'] = session_id
            session['_fresh'] = True
    measurements, missing = [], []
    for name, who, method, endpoint, argument_key, posts in PAGES:
        if endpoint not in app.view_functions:
            missing.append(f'{name} ({endpoint})')
            continue
        with app.test_request_context():
            path = url_for(endpoint, **arguments[argument_key])
        data = form if posts else None
        statuses = set()

        def request(_state, client=clients[who], method=method, path=path, data=data, statuses=statuses):
            response = client.open(path, method=method, data=data)
            statuses.add(response.status_code)
            if data is not None and response.status_code == 200 and b'name="confirm" value="1"' not in response.data:
                statuses.add('no bookable preview')

        def check(statuses=statuses):
            return '' if statuses == {200} else 'HTTP ' + ','.join(map(str, sorted(statuses, key=str)))

        measurements.append(Measurement(f'page: {name} ({method} {path.split("?")[0]})', 'page', lambda: None,
                                        request, key=name, check=check))
    return measurements, missing


# --- EXPLAIN -----------------------------------------------------------------------------

def explain(app, scene):
    """EXPLAIN (ANALYZE, BUFFERS) of the bookings statements the hot queries run, captured as they ran."""
    reports = []
    with app.app_context():
        engine = db.engine
        space = load_space(scene.space_id)
        member = db.session.get(User, scene.member_id)
        startup = db.session.get(Startup, scene.startup_id)
        month = scene.slot_start.astimezone(ZONE).date().replace(day=1)
        cases = [  # title, the table whose statement is explained, the call
            ('conflict check: overlapping_bookings([space], 2-hour slot)', 'bookings',
             lambda: booking_problems(space, scene.slot_start, scene.slot_end, 2, member, now_utc())),
            ('week view: overlapping_bookings([space], week)', 'bookings', lambda: space_week(space, scene.week)),
            ('free-space search: overlapping_bookings(60 meeting rooms, slot)', 'bookings',
             lambda: find_free_spaces(SpaceKind.meeting_room, 2, scene.slot_start, scene.slot_end)),
            ('quota: quota_standing(startup, kind, month)', 'bookings',
             lambda: quota_standing(startup, space.kind, month)),
            ('my bookings, heavy booker: bookings_of_user(upcoming, first page)', 'bookings',
             lambda: bookings_of_user(member, now_utc())),
            ('startup bookings: bookings_of_startup(upcoming, first page)', 'bookings',
             lambda: bookings_of_startup(startup, now_utc())),
            ('startup bookings: no_show_counts([startup])', 'bookings', lambda: no_show_counts([startup.id])),
            ('startup bookings: quota_ledger(startup, this year)', 'quota_usage',
             lambda: quota_ledger(startup, month.year)),
        ]
        for title, table, call in cases:
            with StatementCounter(engine) as counter:
                call()
            statement, parameters = next((s, p) for s, p in counter.statements if f'FROM {table}' in s)
            plan = db.session.connection().exec_driver_sql(
                'EXPLAIN (ANALYZE, BUFFERS) ' + statement, parameters).scalars().all()
            reports.append((title, table, plan))
        db.session.remove()
    return reports


# --- main --------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeat', type=int, default=50, help='runs per measurement (default 50)')
    parser.add_argument('--reseed', action='store_true', help='rebuild the bench databases even if seeded')
    parser.add_argument('--explain-all', action='store_true', help='print every plan in full, not only the first')
    args = parser.parse_args()

    by_size = {}
    for size in (SMALL, LARGE):
        app = prepare(size, args.reseed)
        with app.app_context():
            scene = find_scene()
            db.session.remove()
        pages, missing = page_measurements(app, scene)
        with app.app_context():
            engine = db.engine
        before = calibration_ms()
        results = run_measurements(query_measurements(app, scene) + pages,
                                  args.repeat if size is LARGE else max(5, args.repeat // 5), engine)
        by_size[size] = (app, scene, results, missing, (before, calibration_ms()))

    app, scene, results, missing, calibration = by_size[LARGE]
    load = ', '.join(f'{value:.1f}' for value in os.getloadavg())
    print(f'\nBooking benchmark on PostgreSQL, {LARGE.label}, {args.repeat} runs each '
          f'({os.cpu_count()} CPUs, load average {load})')
    print('Machine speed: a fixed pure-Python loop took {:.1f} ms before and {:.1f} ms after (compare runs by it: '
          'a shared host drifts)'.format(*calibration))
    print(f'{"measurement":60} {"median ms":>9} {"p95 ms":>8} {"stmts":>6} {"target":>7}  {"result":6} '
          f'{"python cpu ms":>13}')
    for result in results:
        target = TARGETS[result.kind]
        verdict = result.error or ('ok' if result.median < target else 'OVER')
        print(f'{result.name:60} {result.median:9.2f} {result.p95:8.2f} {result.statement_text:>6} '
              f'{"< " + format(target, "g"):>7}  {verdict:6} {statistics.median(result.cpu):13.2f}')
    for name in missing:
        print(f'{name:60} {"not measured: the endpoint does not exist yet":>40}')

    small = {result.key or result.name: result for result in by_size[SMALL][2]}
    print('\nStatements per measurement at both sizes (they must not grow with the data)')
    print(f'{"measurement":60} {"stmts small":>11} {"stmts large":>11} {"median small":>12} {"median large":>12}')
    for result in results:
        other = small.get(result.key or result.name)
        print(f'{result.name:60} {other.statement_text if other else "-":>11} {result.statement_text:>11} '
              f'{other.median if other else float("nan"):12.2f} {result.median:12.2f}')

    verbose = args.explain_all
    for number, (title, table, plan) in enumerate(explain(app, scene)):
        print(f'\nEXPLAIN (ANALYZE, BUFFERS) {title}')
        scans = [line.strip().removeprefix('->  ') for line in plan
                 if f' on {table}' in line or f' on ix_{table}' in line or f' on pk_{table}' in line]
        if number == 0 or verbose:  # the conflict query in full, the others in brief
            for line in plan:
                print('   ', line)
        print(f'  => {table} read by:', '; '.join(scan.split('  (')[0] for scan in scans))
        print('  =>', ', '.join(line.strip() for line in plan if line.strip().startswith('Execution Time')))


if __name__ == '__main__':
    main()
