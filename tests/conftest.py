"""Fixtures: every test that uses the app runs on SQLite and, when reachable, on PostgreSQL.

``TEST_DATABASE_URL`` names the PostgreSQL database (default: the local server's
``wutong_test``; each pytest-xdist worker adds its id to the name). With ``CI=true``
PostgreSQL is required.
"""
import contextvars
import os
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.engine import make_url

from config import TestingConfig
from incubator import create_app
from incubator.extensions import db

POSTGRES_DEFAULT_URL = 'postgresql+psycopg://postgres@127.0.0.1:5432/wutong_test'


def ensure_postgres_database(url):
    """Create the database named by ``url`` if needed; return the URL, or None if no server answers."""
    url = make_url(url)
    admin = sa.create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            exists = connection.execute(sa.text('SELECT 1 FROM pg_database WHERE datname = :name'),
                                        {'name': url.database}).first()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    except sa.exc.OperationalError:
        return None
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def worker_database(url):
    """Under pytest-xdist each worker empties and fills its own database: ``wutong_test_gw0``, …."""
    worker = os.environ.get('PYTEST_XDIST_WORKER')
    if not worker:
        return url
    url = make_url(url)
    return url.set(database=f'{url.database}_{worker}').render_as_string(hide_password=False)


def pytest_configure(config):
    postgres_url = ensure_postgres_database(worker_database(os.environ.get('TEST_DATABASE_URL')
                                                            or POSTGRES_DEFAULT_URL))
    if postgres_url is None and os.environ.get('CI') == 'true':
        raise pytest.UsageError('CI=true but PostgreSQL is not reachable (TEST_DATABASE_URL or '
                                f'{POSTGRES_DEFAULT_URL}): the suite must run on both databases.')
    config.wutong_postgres_url = postgres_url
    config.wutong_backends = ['sqlite'] + (['postgresql'] if postgres_url else [])


def pytest_report_header(config):
    return f'databases: {", ".join(config.wutong_backends)}'


def pytest_generate_tests(metafunc):
    if 'backend' in metafunc.fixturenames:
        metafunc.parametrize('backend', metafunc.config.wutong_backends, scope='session')


#: The slowest tests, slowest first (by their duration in a full run): each database's run starts with them, so that
#: under pytest-xdist no worker is left finishing one while the others have nothing more to do.
SLOW_TESTS = (
    'tests/test_bad_input.py::test_no_route_answers_5xx_to_bad_input',
    'tests/e2e/test_cases_flow.py::',
    'tests/e2e/test_greenchannel_flow.py::',
    'tests/e2e/test_projects_flow.py::',
    'tests/e2e/test_booking_and_payment.py::',
    'tests/payments/test_flow.py::TestRefunds::test_stripe_refusing_a_refund_is_retried_then_left_to_a_manager',
    'tests/e2e/test_browser.py::',
    'tests/booking/test_concurrency.py::test_twenty_bookings_of_one_startup_race_for_its_last_free_quota',
    'tests/cases/test_precedents.py::test_the_list_is_paginated',
    'tests/payments/test_flow.py::TestRelease::',
    'tests/booking/test_search.py::test_the_search_agrees_with_the_booking_rules',
    'tests/test_migrations.py::',
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each stretch of tests on one database (pytest groups them so each app is made once), the slow ones
    first; the order is otherwise kept."""
    def backend(item):
        return getattr(item, 'callspec', None) and item.callspec.params.get('backend')

    def rank(item):
        return next((n for n, prefix in enumerate(SLOW_TESTS) if item.nodeid.startswith(prefix)), len(SLOW_TESTS))

    ordered, start = [], 0
    for end in range(1, len(items) + 1):
        if end == len(items) or backend(items[end]) != backend(items[start]):
            ordered.extend(sorted(items[start:end], key=rank))
            start = end
    items[:] = ordered


@pytest.fixture(scope='session')
def database_url(backend, request, tmp_path_factory):
    if backend == 'sqlite':
        return f'sqlite:///{tmp_path_factory.mktemp("sqlite") / "wutong-test.sqlite3"}'
    return request.config.wutong_postgres_url


@pytest.fixture(scope='session')
def _app(database_url, tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        INSTANCE_PATH = str(tmp_path_factory.mktemp('instance'))

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        _seed_working_calendar()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


#: Seeded once per database (as the migration does) and kept between tests; restored when a test changed it.
CALENDAR_TABLES = frozenset({'calendar_years', 'calendar_days'})
_seeded_calendar_stamps = {}


def _calendar_stamps(connection):
    return dict(connection.execute(sa.text('SELECT year, stamp FROM calendar_years')).all())


def _seed_working_calendar():
    from incubator.core.calendar import seed_from_package
    with db.engine.begin() as connection:
        for table in ('calendar_days', 'calendar_years'):
            connection.execute(sa.text(f'DELETE FROM {table}'))
        seed_from_package(connection)
        _seeded_calendar_stamps[db.engine.url.render_as_string()] = _calendar_stamps(connection)


def _restore_working_calendar():
    with db.engine.connect() as connection:
        changed = _calendar_stamps(connection) != _seeded_calendar_stamps[db.engine.url.render_as_string()]
    if changed:
        _seed_working_calendar()


#: Per PostgreSQL database: the sequences each table owns (its serial and identity columns).
_owned_sequences = {}


def _sequences_by_table(connection):
    key = connection.engine.url.render_as_string()
    if key not in _owned_sequences:
        rows = connection.execute(sa.text(
            "SELECT tab.relname, seq.relname FROM pg_class seq "
            "JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = seq.oid "
            "AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i') "
            "JOIN pg_class tab ON tab.oid = dep.refobjid "
            "WHERE seq.relkind = 'S' AND seq.relnamespace = to_regnamespace(current_schema())::oid"))
        _owned_sequences[key] = {}
        for table, sequence in rows:
            _owned_sequences[key].setdefault(table, []).append(sequence)
    return _owned_sequences[key]


def _tables_with_rows():
    """The names of the tables (but the calendar's) that hold rows, in one query."""
    tables = [table for table in db.metadata.sorted_tables if table.name not in CALENDAR_TABLES]
    with db.engine.connect() as connection:
        return {row[0] for row in connection.execute(sa.text(' UNION ALL '.join(
            f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")" for table in tables)))}


def _empty_all_tables(filled=None):
    """Every table but the calendar's as if just created: no rows and, on PostgreSQL, sequences starting over.

    Only the tables holding rows (``filled``, found when not given) are emptied, with DELETE: TRUNCATE renews the
    files of every table and index it names (CASCADE names nearly all), and cost about a third of a second per test
    on PostgreSQL even for a handful of rows. On PostgreSQL a VACUUM then gives back the pages of every table that
    has any (rows deleted or rolled back), so that, as after TRUNCATE, new rows are stored from the first page on
    and a query without ORDER BY still reads them in the order they were written.
    """
    tables = [table for table in db.metadata.sorted_tables if table.name not in CALENDAR_TABLES]
    if filled is None:
        filled = _tables_with_rows()
    postgresql = db.engine.dialect.name == 'postgresql'
    with db.engine.begin() as connection:
        for table in reversed(tables):
            if table.name in filled:
                connection.execute(table.delete())
        if postgresql:
            # As TRUNCATE ... RESTART IDENTITY: every sequence of these tables that handed out a value starts over
            # (rows rolled back leave a table empty but its sequence moved on).
            owned = [sequence for table in tables for sequence in _sequences_by_table(connection).get(table.name, ())]
            connection.execute(sa.text(
                'SELECT setval(format(\'%I.%I\', schemaname, sequencename)::regclass, start_value, false) '
                'FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL '
                'AND sequencename = ANY(:owned)'), {'owned': owned})
            used = connection.execute(sa.text(
                "SELECT relname FROM pg_class WHERE relnamespace = to_regnamespace(current_schema())::oid "
                "AND relkind = 'r' AND pg_relation_size(oid) > 0")).scalars().all()
    names = ', '.join(f'"{name}"' for name in sorted(used) if name not in CALENDAR_TABLES) if postgresql else None
    if names:
        with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
            connection.execute(sa.text(f'VACUUM {names}'))


def _assert_quota_usage_matches_the_bookings():
    """Whatever a test did to bookings, the ledger's sums must still be the bookings' sums."""
    from incubator.booking.models import QuotaUsage
    from incubator.booking.usage import usage_from_bookings
    with db.engine.connect() as connection:
        expected = {tuple(row[:3]): tuple(row[3:]) for row in connection.execute(usage_from_bookings())}
        kept = {(row.startup_id, row.month, row.space_kind): (row.free_minutes, row.paid_minutes, row.price_fen,
                                                              row.bookings)
                for row in connection.execute(sa.select(QuotaUsage.__table__))}
    assert {key: sums for key, sums in kept.items() if any(sums)} == expected, 'quota_usage is out of step'


def _assert_latest_figures_match_the_figures():
    """Whatever a test did to KPI figures, each target's latest figure must still be its figures' latest."""
    from incubator.projects.latest import latest_from_figures
    from incubator.projects.models import KpiTarget
    with db.engine.connect() as connection:
        expected = {row[0]: tuple(row[1:]) for row in connection.execute(latest_from_figures())}
        kept = {row.id: (row.latest_value, row.latest_recorded_on) for row in connection.execute(
            sa.select(KpiTarget.id, KpiTarget.latest_value, KpiTarget.latest_recorded_on))}
    assert kept == expected, 'the latest KPI figures are out of step'


def _assert_health_inputs_match_their_sources():
    """Whatever a test did to milestones, targets or figures, each project's stored health inputs must still be
    what they give."""
    from incubator.projects.latest import health_inputs_from_sources
    from incubator.projects.models import Project
    with db.engine.connect() as connection:
        expected = {row[0]: tuple(row[1:]) for row in connection.execute(health_inputs_from_sources())}
        kept = {row.id: (row.kpi_share, row.first_open_due_on, row.second_open_due_on) for row in connection.execute(
            sa.select(Project.id, Project.kpi_share, Project.first_open_due_on, Project.second_open_due_on))}
    assert kept == expected, 'the projects\' stored health inputs are out of step'


@pytest.fixture
def app(_app):
    """The app with an application context and an empty database; the quota sums, latest KPI figures and the
    projects' health inputs checked afterwards."""
    with _app.app_context():
        yield _app
        db.session.remove()
        # Each check compares two sides that are both empty when its tables are: it is asked only when they are not.
        filled = _tables_with_rows()
        try:
            if filled & {'bookings', 'quota_usage'}:
                _assert_quota_usage_matches_the_bookings()
            if 'kpi_targets' in filled:
                _assert_latest_figures_match_the_figures()
            if 'projects' in filled:
                _assert_health_inputs_match_their_sources()
        finally:
            _empty_all_tables(filled)
            _restore_working_calendar()


@pytest.fixture
def in_english(app):
    """Messages made outside a request (domain errors, refusals) in English, not the default Chinese."""
    with force_locale('en'):
        yield


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    Each request gets a fresh ``g`` and database session; what the test set up
    is committed first, and the test's session is expired afterwards so it
    reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def login(client):
    """``login(user)`` makes the client act as ``user``, as a completed login would."""
    def login_as(user):
        with client.session_transaction() as session:
            session['_user_id'] = user.get_id()
            session['_fresh'] = True
        return user
    return login_as


@pytest.fixture
def outbox(app):
    """The emails written to the outbox so far, oldest first."""
    from incubator.notifications.models import OutboxEmail

    def emails(recipient=None):
        query = sa.select(OutboxEmail).order_by(OutboxEmail.id)
        if recipient:
            query = query.filter_by(recipient=recipient)
        return db.session.execute(query).scalars().all()
    return emails


@contextmanager
def refused(code):
    """``with refused('booking.ended'):`` expects a DomainError with that code (or a booking refused by that rule)."""
    from incubator.core.errors import DomainError
    with pytest.raises(DomainError) as caught:
        yield caught
    assert code in (getattr(caught.value, 'codes', None) or [caught.value.code]), caught.value


def link_in(email, endpoint_path):
    """The first link in an email's text that contains ``endpoint_path``, as a path."""
    match = re.search(r'https?://[^/\s]+(\S*' + re.escape(endpoint_path) + r'\S*)', email.text_body)
    assert match, f'no link with {endpoint_path!r} in: {email.text_body}'
    return match.group(1)


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter:`` counts the SQL statements run inside."""
    @contextmanager
    def counting():
        counter = QueryCounter()
        sa.event.listen(db.engine, 'before_cursor_execute', counter)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, 'before_cursor_execute', counter)
    return counting
