"""Migrating an empty database to head gives exactly the models' schema, on both databases."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from config import TestingConfig
from incubator import create_app
from incubator.extensions import db
from tests.conftest import ensure_postgres_database


@pytest.fixture
def empty_database_url(backend, request, tmp_path):
    """A database with nothing in it. On PostgreSQL its one schema is dropped and made again rather than the database
    itself: DROP DATABASE waits for a checkpoint, which took up to 99 s of a busy server's time."""
    if backend == 'sqlite':
        yield f'sqlite:///{tmp_path / "migrated.sqlite3"}'
        return
    url = make_url(request.config.wutong_postgres_url)
    url = make_url(ensure_postgres_database(url.set(database=f'{url.database}_migrations')))
    _empty_public_schema(url)
    yield url.render_as_string(hide_password=False)
    _empty_public_schema(url)


def _empty_public_schema(url):
    engine = sa.create_engine(url, isolation_level='AUTOCOMMIT')
    try:
        with engine.connect() as connection:
            connection.execute(sa.text('DROP SCHEMA IF EXISTS public CASCADE'))
            connection.execute(sa.text('CREATE SCHEMA public'))
    finally:
        engine.dispose()


def _app_on(database_url, instance_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        INSTANCE_PATH = str(instance_path)

    return create_app(Config)


def test_upgrade_to_head_matches_the_models_and_downgrade_removes_everything(empty_database_url, tmp_path):
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={'compare_type': True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        if db.engine.dialect.name == 'postgresql':
            _assert_audit_log_is_append_only()
            _assert_indexes_cover_what_the_models_include()

        downgrade(revision='base')
        with db.engine.connect() as connection:
            remaining = set(sa.inspect(connection).get_table_names()) - {'alembic_version'}
        assert remaining == set()
        db.engine.dispose()


def _assert_audit_log_is_append_only():
    """The migration's trigger refuses changes to audit entries, except the user foreign key's SET NULL."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO users (email, name, password_hash, is_active, session_version, created_at, updated_at) "
            "VALUES ('gone@example.com', 'Gone', 'x', true, 1, now(), now())"))
        connection.execute(sa.text(
            "INSERT INTO audit_entries (occurred_at, actor_id, actor_label, action, object_type, object_id, "
            "summary, changes) SELECT now(), id, email, 'created', 'site', '1', 'Site', '{}' FROM users"))
    for statement in ("UPDATE audit_entries SET summary = 'forged'", 'DELETE FROM audit_entries'):
        with pytest.raises(sa.exc.DBAPIError, match='append-only'):
            with db.engine.begin() as connection:
                connection.execute(sa.text(statement))
    with db.engine.begin() as connection:
        connection.execute(sa.text('DELETE FROM users'))
        row = connection.execute(sa.text('SELECT actor_id, summary FROM audit_entries')).one()
    assert tuple(row) == (None, 'Site')


def _assert_indexes_cover_what_the_models_include():
    """Alembic does not compare INCLUDE columns: check the migrated indexes against the models here."""
    with db.engine.connect() as connection:
        migrated = {index['name']: index.get('include_columns', [])
                    for table in db.metadata.sorted_tables
                    for index in sa.inspect(connection).get_indexes(table.name)}
    declared = {index.name: list(index.dialect_options['postgresql']['include'] or [])
                for table in db.metadata.sorted_tables for index in table.indexes}
    assert {name: migrated[name] for name in declared} == declared
    assert migrated['ix_bookings_startup_id_quota_month']  # at least one index does cover columns


def test_upgrading_a_database_with_bookings_fills_in_their_kind_and_the_quota_sums(empty_database_url, tmp_path):
    """Revision 5d907d6e4f34 copies each booking's kind of space and sums what counts against the quota."""
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision='5d0c1e9a7b42')
        stamps = "'2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00'"
        with db.engine.begin() as connection:
            for statement in (
                f"INSERT INTO sites (id, name, created_at, updated_at) VALUES (1, 'Campus', {stamps})",
                "INSERT INTO startups (id, name, credit_code, tier, site_id, admitted_on, status, contact_name, "
                f"contact_phone, created_at, updated_at) VALUES (1, 'Alpha', '91440300MA5F000001', 'incubator', 1, "
                f"'2026-01-01', 'incubating', 'A', '1', {stamps})",
                *(f"INSERT INTO spaces (id, site_id, name, kind, capacity, hourly_price_fen, daily_price_fen, "
                  f"min_booking_minutes, max_booking_minutes, booking_horizon_days, cancellation_cutoff_hours, "
                  f"requires_approval, requires_check_in, created_at, updated_at) VALUES ({id_}, 1, '{kind}', "
                  f"'{kind}', 4, 5000, 0, 30, 480, 30, 24, false, false, {stamps})"
                  for id_, kind in ((1, 'meeting_room'), (2, 'lab'))),
                *(f"INSERT INTO bookings (space_id, startup_id, start_at, end_at, seats, status, quota_month, "
                  f"usage_minutes, free_minutes, price_fen, payment_method, counts_against_quota, created_at) "
                  f"VALUES ({space}, 1, '2026-12-01 01:00:00+00:00', '2026-12-01 03:00:00+00:00', 1, '{status}', "
                  f"'{month}', 120, {free}, {price}, 'free', {counts}, '2026-11-01 00:00:00+00:00')"
                  for space, status, month, free, price, counts in (
                      (1, 'confirmed', '2026-12-01', 120, 0, 'true'),
                      (1, 'no_show', '2026-12-01', 60, 5000, 'true'),
                      (1, 'cancelled', '2026-12-01', 120, 0, 'false'),
                      (2, 'confirmed', '2027-01-01', 0, 10000, 'true'))),
            ):
                connection.execute(sa.text(statement))

        upgrade()
        with db.engine.connect() as connection:
            kinds = connection.execute(sa.text('SELECT quota_kind FROM bookings ORDER BY id')).scalars().all()
            usage = connection.execute(sa.text(
                'SELECT month, space_kind, free_minutes, paid_minutes, price_fen, bookings FROM quota_usage '
                'ORDER BY month')).all()
        assert kinds == ['meeting_room', 'meeting_room', 'meeting_room', 'lab']
        assert [(str(month), *rest) for month, *rest in usage] == [
            ('2026-12-01', 'meeting_room', 180, 60, 5000, 2), ('2027-01-01', 'lab', 0, 120, 10000, 1)]
        db.engine.dispose()


def test_upgrading_a_database_with_kpi_figures_keeps_each_targets_latest_figure(empty_database_url, tmp_path):
    """Revision 9e5c4a1b6f05 copies each KPI target's latest figure (greatest day, then id) onto the target."""
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision='8d4b3f0a5e04')
        stamp = "'2026-11-01 00:00:00+00:00'"
        with db.engine.begin() as connection:
            for statement in (
                f"INSERT INTO sites (id, name, created_at, updated_at) VALUES (1, 'Campus', {stamp}, {stamp})",
                "INSERT INTO startups (id, name, credit_code, tier, site_id, admitted_on, status, contact_name, "
                f"contact_phone, created_at, updated_at) VALUES (1, 'Alpha', '91440300MA5F000001', 'incubator', 1, "
                f"'2026-01-01', 'incubating', 'A', '1', {stamp}, {stamp})",
                "INSERT INTO users (id, email, name, password_hash, is_active, session_version, created_at, "
                f"updated_at) VALUES (1, 'm@example.com', 'M', 'x', true, 1, {stamp}, {stamp})",
                "INSERT INTO projects (id, startup_id, title, field, lead_name, start_date, planned_end_date, "
                "review_cadence, manager_id, status, created_at, updated_at) VALUES (1, 1, 'Robot', 'other', 'L', "
                f"'2026-01-01', '2026-12-31', 'monthly', 1, 'active', {stamp}, {stamp})",
                "INSERT INTO milestones (id, project_id, title, description, due_date, state, created_at, "
                f"updated_at) VALUES (1, 1, 'Prototype', '', '2026-06-30', 'in_progress', {stamp}, {stamp})",
                "INSERT INTO kpi_targets (id, milestone_id, kind, target_value) VALUES "
                "(1, 1, 'hires', 10), (2, 1, 'hires', 20), (3, 1, 'hires', 30)",
                "INSERT INTO kpi_figures (id, kpi_target_id, value, recorded_on, recorded_at) VALUES "
                f"(1, 1, 4, '2026-06-01', {stamp}), (2, 1, 3, '2026-05-01', {stamp}), "
                f"(3, 2, 5, '2026-05-01', {stamp}), (4, 2, 6, '2026-05-01', {stamp})",
            ):
                connection.execute(sa.text(statement))

        upgrade()
        with db.engine.connect() as connection:
            latest = connection.execute(sa.text(
                'SELECT id, latest_value, latest_recorded_on FROM kpi_targets ORDER BY id')).all()
        assert [(id_, value, day and str(day)) for id_, value, day in latest] == [
            (1, 4, '2026-06-01'), (2, 6, '2026-05-01'), (3, None, None)]
        db.engine.dispose()


def test_upgrading_a_database_with_projects_fills_their_health_inputs(empty_database_url, tmp_path):
    """Revision 0a1b2c3d4e08 stores each project's KPI share and the two earliest due dates of its milestones not
    accepted, as projects.latest computes them."""
    app = _app_on(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision='9e5c4a1b6f05')
        stamp = "'2026-11-01 00:00:00+00:00'"
        project = ("INSERT INTO projects (id, startup_id, title, field, lead_name, start_date, planned_end_date, "
                   "review_cadence, manager_id, status, created_at, updated_at) VALUES ({id}, 1, 'P{id}', 'other', "
                   f"'L', '2026-01-01', '2026-12-31', 'monthly', 1, 'active', {stamp}, {stamp})")
        milestone = ("INSERT INTO milestones (id, project_id, title, description, due_date, state, created_at, "
                     "updated_at) VALUES ({id}, {project}, 'M', '', '{due}', '{state}', " + f"{stamp}, {stamp})")
        with db.engine.begin() as connection:
            for statement in (
                f"INSERT INTO sites (id, name, created_at, updated_at) VALUES (1, 'Campus', {stamp}, {stamp})",
                "INSERT INTO startups (id, name, credit_code, tier, site_id, admitted_on, status, contact_name, "
                f"contact_phone, created_at, updated_at) VALUES (1, 'Alpha', '91440300MA5F000001', 'incubator', 1, "
                f"'2026-01-01', 'incubating', 'A', '1', {stamp}, {stamp})",
                "INSERT INTO users (id, email, name, password_hash, is_active, session_version, created_at, "
                f"updated_at) VALUES (1, 'm@example.com', 'M', 'x', true, 1, {stamp}, {stamp})",
                project.format(id=1), project.format(id=2),
                milestone.format(id=1, project=1, due='2026-03-31', state='accepted'),
                milestone.format(id=2, project=1, due='2026-09-30', state='planned'),
                milestone.format(id=3, project=1, due='2026-06-30', state='submitted'),
                milestone.format(id=4, project=1, due='2026-12-31', state='in_progress'),
                "INSERT INTO kpi_targets (id, milestone_id, kind, target_value, latest_value) VALUES "
                "(1, 1, 'hires', 10, 4), (2, 2, 'hires', 20, 30), (3, 3, 'hires', 0, NULL), (4, 4, 'hires', 8, NULL)",
            ):
                connection.execute(sa.text(statement))

        upgrade()
        with db.engine.connect() as connection:
            stored = connection.execute(sa.text(
                'SELECT id, kpi_share, first_open_due_on, second_open_due_on FROM projects ORDER BY id')).all()
        # Shares 0.4, 1 (over the target), 1 (a target of 0), 0 (no figure): a mean of 0.6.
        assert [(id_, share and round(share, 9), first and str(first), second and str(second))
                for id_, share, first, second in stored] == [(1, 0.6, '2026-06-30', '2026-09-30'),
                                                             (2, None, None, None)]
        db.engine.dispose()
