"""Benchmarks: one command, prints a table.

    .venv/bin/python bench/run.py [--database URL] [--startups N] [--repeat R]

Fills a scratch database (default: PostgreSQL ``wutong_bench`` on the local server,
else an SQLite file) and times whole pages in-process through the test client,
with the number of SQL statements each page runs.
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestingConfig  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.auth.models import Role, User  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.sites.models import Site  # noqa: E402
from incubator.startups.credit_code import check_character  # noqa: E402
from incubator.startups.models import MembershipRole, Startup, StartupMembership, Tier  # noqa: E402

POSTGRES = 'postgresql+psycopg://postgres@127.0.0.1:5432/wutong_bench'


def default_database():
    url = sa.engine.make_url(POSTGRES)
    admin = sa.create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS wutong_bench WITH (FORCE)'))
            connection.execute(sa.text('CREATE DATABASE wutong_bench'))
        return POSTGRES
    except sa.exc.OperationalError:
        return f'sqlite:///{tempfile.mkdtemp()}/bench.sqlite3'
    finally:
        admin.dispose()


def fill(startups):
    sites = [Site(name=f'Site {n}') for n in range(10)]
    db.session.add_all(sites)
    manager = User(email='manager@bench.example', name='Manager', password_hash='x')
    manager.set_roles({Role.manager})
    owner = User(email='owner@bench.example', name='Owner', password_hash='x')
    db.session.add_all([manager, owner])
    for n in range(startups):
        first = f'91440300{n:08d}X'
        startup = Startup(name=f'Startup {n:06d}', credit_code=first + check_character(first), tier=list(Tier)[n % 3],
                          site=sites[n % 10], admitted_on=date(2026, 1, 1), contact_name='C', contact_phone='1')
        db.session.add(startup)
        if n % 50 == 0:
            db.session.add(StartupMembership(startup=startup, user=owner, role=MembershipRole.owner))
    db.session.commit()
    return manager, owner


def measure(engine, client, path, repeat):
    """Median time of ``repeat`` requests, each in its own app context as in production."""
    counter = []
    listener = lambda *args: counter.append(1)  # noqa: E731
    sa.event.listen(engine, 'before_cursor_execute', listener)
    timings = []
    for _ in range(repeat):
        counter.clear()
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    sa.event.remove(engine, 'before_cursor_execute', listener)
    return statistics.median(timings), len(counter)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database')
    parser.add_argument('--startups', type=int, nargs='+', default=[100, 1000, 5000])
    parser.add_argument('--repeat', type=int, default=20)
    args = parser.parse_args()

    rows = []
    for size in args.startups:
        url = args.database or default_database()

        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            INSTANCE_PATH = tempfile.mkdtemp()

        app = create_app(Config)
        with app.app_context():
            db.drop_all()
            db.create_all()
            users = {who: user.get_id() for who, user in zip(('manager', 'owner'), fill(size), strict=True)}
            engine = db.engine
            db.session.remove()
        for who, session_id in users.items():
            client = app.test_client()
            with client.session_transaction() as session:
                session['_user_id'] = session_id
            for path in ('/', '/startups/'):
                median, statements = measure(engine, client, path, args.repeat)
                rows.append((url.split('+')[0].split(':')[0], size, who, path, median, statements))
        with app.app_context():
            db.drop_all()
            db.engine.dispose()

    print(f'{"database":12} {"startups":>9} {"user":8} {"page":12} {"median ms":>10} {"statements":>11}')
    for database, size, who, path, median, statements in rows:
        print(f'{database:12} {size:9d} {who:8} {path:12} {median:10.1f} {statements:11d}')


if __name__ == '__main__':
    main()
