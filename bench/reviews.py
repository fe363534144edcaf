"""Progress reviews benchmark (issue #14): open one period's reviews for 10,000 projects, then run again.

    .venv/bin/python bench/reviews.py [--projects 10000] [--database URL]

Fills a scratch PostgreSQL database ``wutong_bench_reviews`` on the local server (dropped and created;
an SQLite file if no server answers) with one startup, one owner and one quarterly project per project
asked for, under ten managers, in a few bulk statements. Then, in-process and each in its own
transaction (committed, as the job runner does), times ``open_reviews`` for the first day of a
quarter: every review opened with its notifications and emails to the manager and the owner (half
the readers in English, half in Chinese); then the same again, which must open nothing. The table
gives the seconds, the reviews opened, the notifications and emails written, and the SQL statements
run (they must not grow with the projects). Target: the first run under 5 s on PostgreSQL.
Not part of the test suite (pytest collects only ``tests/``).
"""
import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.auth.models import Role, User, UserRole  # noqa: E402
from incubator.core.audit import acting_as  # noqa: E402
from incubator.core.calendar import seed_from_package  # noqa: E402
from incubator.core.transactions import transaction  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.notifications.models import Notification, OutboxEmail  # noqa: E402
from incubator.projects.models import Project, ProjectField, ProjectStatus, ReviewCadence  # noqa: E402
from incubator.projects.reviews import operations  # noqa: E402
from incubator.sites.models import Site  # noqa: E402
from incubator.startups.credit_code import check_character  # noqa: E402
from incubator.startups.models import MembershipRole, Startup, StartupMembership, StartupStatus, Tier  # noqa: E402

POSTGRES = 'postgresql+psycopg://postgres@127.0.0.1:5432/wutong_bench_reviews'
#: 1 October 2026, 00:10 in Shanghai: the job's first run of a quarter.
NOW = datetime(2026, 9, 30, 16, 10, tzinfo=UTC)
MANAGERS = 10


def default_database():
    url = sa.engine.make_url(POSTGRES)
    admin = sa.create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS {url.database} WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE {url.database}'))
        return POSTGRES
    except sa.exc.OperationalError:
        return f'sqlite:///{tempfile.mkdtemp()}/bench_reviews.sqlite3'
    finally:
        admin.dispose()


def fill(projects):
    """Sites, managers, and per project a startup, its owner and the project: bulk statements, no ORM objects."""
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        _fill(connection, projects, now)
    with db.engine.begin() as connection:
        seed_from_package(connection)
    if db.engine.dialect.name == 'postgresql':
        with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
            connection.execute(sa.text('VACUUM ANALYZE'))


def _fill(session, projects, now):
    """On a plain connection: the audit log refuses bulk statements through the session (they are seed data)."""
    session.execute(sa.insert(Site.__table__), [{'name': f'Site {n}'} for n in range(10)])
    site_ids = session.execute(sa.select(Site.id).order_by(Site.id)).scalars().all()
    users = [{'email': f'manager{n}@bench.example', 'name': f'Manager {n}', 'password_hash': 'x',
              'locale': 'en' if n % 2 else 'zh_Hans_CN'} for n in range(MANAGERS)]
    users += [{'email': f'owner{n}@bench.example', 'name': f'Owner {n}', 'password_hash': 'x',
               'locale': 'en' if n % 2 else 'zh_Hans_CN'} for n in range(projects)]
    session.execute(sa.insert(User.__table__), users)
    ids = dict(session.execute(sa.select(User.email, User.id)).all())
    managers = [ids[f'manager{n}@bench.example'] for n in range(MANAGERS)]
    session.execute(sa.insert(UserRole.__table__), [{'user_id': user_id, 'role': Role.manager} for user_id in managers])
    startups = []
    for n in range(projects):
        first = f'91440300{n:09d}'[:17]
        startups.append({'name': f'Startup {n:06d}', 'credit_code': first + check_character(first),
                         'tier': list(Tier)[n % 3], 'site_id': site_ids[n % 10], 'admitted_on': date(2026, 1, 1),
                         'contact_name': 'C', 'contact_phone': '1', 'status': StartupStatus.incubating,
                         'created_at': now, 'updated_at': now})
    session.execute(sa.insert(Startup.__table__), startups)
    startup_ids = dict(session.execute(sa.select(Startup.name, Startup.id)).all())
    session.execute(sa.insert(StartupMembership.__table__), [
        {'startup_id': startup_ids[f'Startup {n:06d}'], 'user_id': ids[f'owner{n}@bench.example'],
         'role': MembershipRole.owner, 'created_at': now} for n in range(projects)])
    session.execute(sa.insert(Project.__table__), [
        {'startup_id': startup_ids[f'Startup {n:06d}'], 'title': f'Project {n}', 'field': ProjectField.other,
         'lead_name': 'Lead', 'start_date': date(2026, 1, 1), 'planned_end_date': date(2027, 12, 31),
         'review_cadence': ReviewCadence.quarterly, 'manager_id': managers[n % MANAGERS],
         'status': ProjectStatus.active, 'created_at': now, 'updated_at': now} for n in range(projects)])


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def timed_run():
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    sa.event.listen(db.engine, 'before_cursor_execute', listener)
    notifications, emails = count(Notification), count(OutboxEmail)
    db.session.commit()
    start = time.perf_counter()
    with acting_as('bench:reviews'), transaction():
        opened = operations.open_reviews(NOW)
    seconds = time.perf_counter() - start
    sa.event.remove(db.engine, 'before_cursor_execute', listener)
    return (seconds, len(opened), count(Notification) - notifications, count(OutboxEmail) - emails,
            len(statements))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--projects', type=int, default=10_000)
    parser.add_argument('--database')
    args = parser.parse_args()
    url = args.database or default_database()

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_PATH = tempfile.mkdtemp()

    app = create_app(Config)
    rows = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        fill(args.projects)
        print(f'seeded {args.projects} projects in {time.perf_counter() - started:.1f} s')
        for run in ('first', 'second'):
            rows.append((run, *timed_run()))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()

    database = url.split('+')[0].split(':')[0]
    print(f'{"database":10} {"projects":>9} {"run":7} {"seconds":>8} {"opened":>7} {"notices":>8} {"emails":>7} '
          f'{"statements":>11}')
    for run, seconds, opened, notices, emails, statements in rows:
        print(f'{database:10} {args.projects:9d} {run:7} {seconds:8.2f} {opened:7d} {notices:8d} {emails:7d} '
              f'{statements:11d}')


if __name__ == '__main__':
    main()
