"""Home pages benchmark (issue #17): each role's home page, its work queues, over the green-channel bench data.

    .venv/bin/python bench/home.py [--repeat 30] [--reseed]

Uses the databases of ``bench/greenchannel.py`` (``wutong_bench_green``: 5,000 requests, 20,000 department
opinions, 400 startups with a project each; ``wutong_bench_green_small``: a tenth), seeding them the same way if
they are missing, and adds an owner of the busiest startup (once). Each role's home page (``/``) is requested
in-process through the test client ``--repeat`` times after a warm-up: median, 95th percentile, and the SQL
statements per request, which must be equal at both sizes. Target: < 30 ms median. Not part of the test suite.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from greenchannel import LARGE, SMALL, seed  # noqa: E402
from projects import Counter, ensure_database, fingerprint, make_app, seeded_already  # noqa: E402

from incubator.auth.models import User  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.greenchannel.models import GreenRequest  # noqa: E402
from incubator.startups.models import MembershipRole, Startup, StartupMembership  # noqa: E402

TARGET_MS = 30.0
ROLES = (('owner', 'owner@bench.example'), ('manager', 'manager@bench.example'), ('committee', 'chair@bench.example'),
         ('department reviewer', 'reviewer0@bench.example'), ('admin', 'admin@bench.example'))


def add_owner():
    """An owner of the startup with the most green-channel requests, added once (the green-channel seed has no
    members; the busiest startup gives its cards items in both databases, so their statements compare)."""
    if db.session.execute(sa.select(User.id).where(User.email == 'owner@bench.example')).scalar() is None:
        owner = User(email='owner@bench.example', name='Owner', password_hash='x')
        busiest = (sa.select(GreenRequest.startup_id).group_by(GreenRequest.startup_id)
                   .order_by(sa.func.count().desc(), GreenRequest.startup_id).limit(1).scalar_subquery())
        startup = db.session.execute(sa.select(Startup).where(Startup.id == busiest)).scalar()
        db.session.add_all([owner, StartupMembership(startup=startup, user=owner, role=MembershipRole.owner)])
        db.session.commit()


def measure(app, repeat):
    with app.app_context():
        ids = {role: db.session.execute(sa.select(User).where(User.email == email)).scalar().get_id()
               for role, email in ROLES}
    results = {}
    for role, _email in ROLES:
        client = app.test_client()
        with client.session_transaction() as session:
            session['_user_id'], session['_fresh'] = ids[role], True
        timings, statements = [], set()
        for run in range(repeat + 1):
            counter = Counter()
            with app.app_context():
                sa.event.listen(db.engine, 'before_cursor_execute', counter)
            started = time.perf_counter()
            response = client.get('/')
            elapsed = (time.perf_counter() - started) * 1000
            with app.app_context():
                sa.event.remove(db.engine, 'before_cursor_execute', counter)
            assert response.status_code == 200, (role, response.status_code)
            if run:
                timings.append(elapsed)
                statements.add(counter.count)
        ordered = sorted(timings)
        results[role] = (statistics.median(timings), ordered[round(0.95 * (len(ordered) - 1))], statements)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=30)
    parser.add_argument('--reseed', action='store_true')
    args = parser.parse_args()
    tables = {}
    for size in (SMALL, LARGE):
        app = make_app(ensure_database(size.database))
        with app.app_context():
            stamp = fingerprint(size)
            if args.reseed or not seeded_already(stamp):
                started = time.perf_counter()
                seed(size, stamp)
                print(f'seeded {size.database} ({size.requests:,} requests) in {time.perf_counter() - started:.1f} s')
            add_owner()
            db.session.remove()
        tables[size.label] = measure(app, args.repeat)
        with app.app_context():
            db.engine.dispose()
    print(f'\nHome pages on PostgreSQL, green-channel bench data ({LARGE.requests:,} requests), '
          f'{args.repeat} runs each')
    print(f'{"home page of":22} {"median ms":>9} {"p95 ms":>7} {"target":>7} {"result":>6} {"stmts large":>11} '
          f'{"stmts small":>11} {"median small":>12}')
    for role, (median, p95, statements) in tables['large'].items():
        small_median, _p95, small_statements = tables['small'][role]
        verdict = 'ok' if median < TARGET_MS and statements == small_statements else 'MISSED'
        print(f'{role:22} {median:9.1f} {p95:7.1f} {"< " + format(TARGET_MS, "g"):>7} {verdict:>6} '
              f'{"/".join(map(str, sorted(statements))):>11} {"/".join(map(str, sorted(small_statements))):>11} '
              f'{small_median:12.1f}')


if __name__ == '__main__':
    main()
