"""Green-channel benchmark (issue #16, Performance): a department's pending list, the figures page and the
deadline job over 5,000 requests and 20,000 department opinions.

    .venv/bin/python bench/greenchannel.py [--repeat 30] [--reseed]

Seeds two PostgreSQL databases on the local server (created if missing): ``wutong_bench_green`` with 5,000
requests routed to four of six departments each (20,000 reviews, given or pending as the request's stage
says) and their clocks, and ``wutong_bench_green_small`` with a tenth of that. Rows go in with Core inserts (no
ORM listeners, no audit rows), then ``VACUUM ANALYZE``; a database that already holds this seed is reused.

Pages are requested in-process through the test client (the pending list as a reviewer of the first department,
the figures page as a manager), ``--repeat`` times after a warm-up: median, 95th percentile and the SQL
statements per request, which must be equal at both sizes. The deadline job (``greenchannel.operations.escalate``)
runs once over the large seed inside a transaction that is rolled back, so every run measures the same work.
Targets: pages < 50 ms median, the job < 2 s. Not part of the test suite (pytest collects only ``tests/``).
"""
import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from projects import Counter, ensure_database, fingerprint, make_app, seeded_already  # noqa: E402

from incubator.auth.models import Role, User  # noqa: E402
from incubator.committees import operations as committee_operations  # noqa: E402
from incubator.core.calendar import seed_from_package, site_calendar, working_deadline  # noqa: E402
from incubator.core.time import now_utc  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.greenchannel import operations  # noqa: E402
from incubator.greenchannel.models import (  # noqa: E402
    Department,
    DepartmentReview,
    DepartmentReviewer,
    GreenRequest,
    OpinionKind,
    Outcome,
    RequestCategory,
    RequestState,
    ReviewState,
    Stage,
    StageKind,
)
from incubator.projects.models import Project, ProjectField, ReviewCadence  # noqa: E402
from incubator.sites.models import Site  # noqa: E402
from incubator.startups.credit_code import check_character  # noqa: E402
from incubator.startups.models import Startup, Tier  # noqa: E402

TARGET_MS, JOB_TARGET_S = 50.0, 2.0
DEPARTMENTS, CATEGORIES, STARTUPS, ROUTED = 6, 5, 400, 5
STAGES = [RequestState.submitted, RequestState.returned, RequestState.in_review, RequestState.in_review,
          RequestState.in_committee, RequestState.in_fulfilment, RequestState.closed, RequestState.closed,
          RequestState.closed, RequestState.in_notice]


class Size:
    def __init__(self, label, database, requests):
        self.label, self.database, self.requests = label, database, requests

    def __str__(self):
        return f'green {self.requests}'


LARGE, SMALL = Size('large', 'wutong_bench_green', 5_000), Size('small', 'wutong_bench_green_small', 500)


def insert(model, rows):
    if rows:
        db.session.connection().execute(sa.insert(model.__table__), rows)


def seed(size, stamp):
    with db.engine.begin() as connection:
        connection.execute(sa.text('DROP SCHEMA public CASCADE'))
        connection.execute(sa.text('CREATE SCHEMA public'))
    db.create_all()
    with db.engine.begin() as connection:
        seed_from_package(connection)
    rng = random.Random(16)
    site = Site(name='Bench site', address='1 Bench Road')
    people = {}
    for name, roles in (('manager', {Role.manager}), ('admin', {Role.admin}), ('chair', {Role.committee}),
                        ('voter', {Role.committee}), *((f'reviewer{n}', {Role.department_reviewer})
                                                      for n in range(DEPARTMENTS))):
        people[name] = User(email=f'{name}@bench.example', name=name.title(), password_hash='x')
        people[name].set_roles(roles)
    startups = []
    for n in range(STARTUPS):
        first = f'91440300{n:08d}G'
        startups.append(Startup(name=f'Bench startup {n:03d}', credit_code=first + check_character(first),
                                tier=Tier.incubator, site=site, admitted_on=date(2025, 1, 1), contact_name='C',
                                contact_phone='1'))
    departments = [Department(name_zh=f'部门{n}', name_en=f'Department {n}', head=people['admin'],
                              reviewer_rows=[DepartmentReviewer(user=people[f'reviewer{n}'])])
                   for n in range(DEPARTMENTS)]
    categories = [RequestCategory(name_zh=f'类别{n}', name_en=f'Category {n}', needs_notice=n % 2 == 0)
                  for n in range(CATEGORIES)]
    db.session.add_all([site, *people.values(), *startups, *departments, *categories])
    db.session.commit()
    committee_operations.create_committee(user=people['admin'], name='Bench green committee',
                                          purpose='greenchannel', chair=people['chair'],
                                          members=[people['chair'], people['voter']])
    insert(Project, [{'id': n + 1, 'startup_id': startup.id, 'title': f'Project {n}', 'field': ProjectField.other,
                      'lead_name': 'Lead', 'start_date': date(2026, 1, 1), 'planned_end_date': date(2027, 12, 31),
                      'review_cadence': ReviewCadence.quarterly, 'manager_id': people['manager'].id}
                     for n, startup in enumerate(startups)])
    calendar, now = site_calendar(), now_utc()
    requests, reviews, stages = [], [], []
    for r in range(1, size.requests + 1):
        state = rng.choice(STAGES)
        # Open requests are mostly within their deadlines (a few dozen overdue); decided ones older.
        recent = state in (RequestState.submitted, RequestState.returned, RequestState.in_review,
                           RequestState.in_committee)
        submitted = now - timedelta(days=rng.randint(1, 9) if recent else rng.randint(20, 90),
                                    hours=rng.randint(0, 23))
        decided = state in (RequestState.in_fulfilment, RequestState.closed, RequestState.in_notice)
        outcome = (rng.choice([Outcome.approved, Outcome.partly_approved, Outcome.rejected]) if decided else None)
        if outcome == Outcome.rejected:
            state = RequestState.closed
        decided_at = submitted + timedelta(days=rng.randint(5, 30)) if decided else None
        startup = r % STARTUPS
        requests.append({'id': r, 'startup_id': startups[startup].id, 'project_id': startup + 1,
                         'category_id': categories[r % CATEGORIES].id, 'service_contact_id': people['manager'].id,
                         'state': state, 'needed': 'Lab', 'justification': '', 'submitted_at': submitted,
                         'decided_at': decided_at, 'outcome': outcome, 'created_at': now, 'updated_at': now})
        due = working_deadline(submitted, 15, calendar).at
        stages.append({'request_id': r, 'kind': StageKind.request, 'review_id': None, 'working_days': 15,
                       'started_at': submitted,
                       'due_at': due, 'finished_at': decided_at,
                       'met': None if decided_at is None else decided_at <= due,
                       'paused_working_days': 0,
                       'used_working_days': None if decided_at is None else rng.randint(3, 25)})
        if state in (RequestState.submitted, RequestState.returned):
            continue
        routed = submitted + timedelta(days=1)
        for department in rng.sample(departments, ROUTED):
            pending = state == RequestState.in_review and rng.random() < 0.6
            review_id = len(reviews) + 1
            reviews.append({'id': review_id, 'request_id': r, 'department_id': department.id,
                            'state': ReviewState.pending if pending else ReviewState.given, 'routed_at': routed,
                            'opinion': None if pending else rng.choice(list(OpinionKind)), 'comment': ''})
            stages.append({'request_id': r, 'kind': StageKind.department, 'review_id': review_id,
                           'working_days': 5, 'started_at': routed,
                           'due_at': working_deadline(routed, 5, calendar).at,
                           'finished_at': None if pending else routed + timedelta(days=2), 'met': None if pending
                           else True, 'paused_working_days': 0, 'used_working_days': None if pending else 2})
    insert(GreenRequest, requests)
    insert(DepartmentReview, reviews)
    insert(Stage, stages)
    with db.engine.begin() as connection:
        for table in ('projects', 'green_requests', 'green_reviews'):
            connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f'(SELECT max(id) FROM {table}))'))
    db.session.execute(sa.text('CREATE TABLE bench_seed (fingerprint text)'))
    db.session.execute(sa.text('INSERT INTO bench_seed VALUES (:stamp)'), {'stamp': stamp})
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
        connection.execute(sa.text('VACUUM ANALYZE'))


def time_pages(app, pages, repeat):
    """Each ``(name, user id, path)`` of ``pages`` as that user, ``repeat`` times after a warm-up: its median and
    95th percentile (ms) and the set of SQL statement counts per request."""
    results = {}
    for name, user_id, path in pages:
        client = app.test_client()
        with client.session_transaction() as session:
            session['_user_id'], session['_fresh'] = user_id, True
        timings, statements = [], set()
        for run in range(repeat + 1):
            counter = Counter()
            with app.app_context():
                sa.event.listen(db.engine, 'before_cursor_execute', counter)
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            with app.app_context():
                sa.event.remove(db.engine, 'before_cursor_execute', counter)
            assert response.status_code == 200, (name, path, response.status_code)
            if run:
                timings.append(elapsed)
                statements.add(counter.count)
        ordered = sorted(timings)
        results[name] = (statistics.median(timings), ordered[round(0.95 * (len(ordered) - 1))], statements)
    return results


def user_ids(app, emails):
    with app.app_context():
        return {email: db.session.execute(sa.select(User).where(User.email == email)).scalar().get_id()
                for email in emails}


def measure(app, repeat):
    ids = user_ids(app, ('manager@bench.example', 'reviewer0@bench.example'))
    with app.app_context():
        department = db.session.execute(sa.select(Department.id).order_by(Department.id).limit(1)).scalar()
    return time_pages(app, [
        ('department pending list', ids['reviewer0@bench.example'], f'/greenchannel/departments/{department}'),
        ('figures page', ids['manager@bench.example'], '/greenchannel/figures')], repeat)


def on_both_sizes(reseed, measure, on_large=None):
    """``measure(app)`` on the small and the large seed (seeded first if missing or ``reseed``), and
    ``on_large(app)`` once on the large one: ``({size label: measured}, on_large's result)``."""
    tables, extra = {}, None
    for size in (SMALL, LARGE):
        app = make_app(ensure_database(size.database))
        with app.app_context():
            stamp = fingerprint(size)
            if reseed or not seeded_already(stamp):
                started = time.perf_counter()
                seed(size, stamp)
                print(f'seeded {size.database} ({size.requests:,} requests) in {time.perf_counter() - started:.1f} s')
            db.session.remove()
        tables[size.label] = measure(app)
        if size is LARGE and on_large is not None:
            extra = on_large(app)
        with app.app_context():
            db.engine.dispose()
    return tables, extra


def print_pages(tables, column, target_ms):
    """The table of pages: the large seed's figures, the verdict (under ``target_ms`` with the same statement
    counts at both sizes) and the small seed's."""
    width = max(len(column), *map(len, tables['large'])) + 2
    print(f'{column:{width}} {"median ms":>9} {"p95 ms":>7} {"target":>7} {"result":>6} {"stmts large":>11} '
          f'{"stmts small":>11} {"median small":>12}')
    for name, (median, p95, statements) in tables['large'].items():
        small_median, _p95, small_statements = tables['small'][name]
        verdict = 'ok' if median < target_ms and statements == small_statements else 'MISSED'
        print(f'{name:{width}} {median:9.1f} {p95:7.1f} {"< " + format(target_ms, "g"):>7} {verdict:>6} '
              f'{"/".join(map(str, sorted(statements))):>11} {"/".join(map(str, sorted(small_statements))):>11} '
              f'{small_median:12.1f}')
    return width


def run_job(app):
    """The deadline job once over every open request; rolled back so the next run finds the same work."""
    with app.app_context():
        open_requests = db.session.execute(sa.select(sa.func.count()).select_from(GreenRequest).where(
            GreenRequest.state.in_([RequestState.submitted, RequestState.returned, RequestState.in_review,
                                    RequestState.in_committee]))).scalar()
        started = time.perf_counter()
        counts = operations.escalate(now_utc())
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return open_requests, counts, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=30)
    parser.add_argument('--reseed', action='store_true')
    args = parser.parse_args()
    tables, job = on_both_sizes(args.reseed, lambda app: measure(app, args.repeat), run_job)
    reviews = LARGE.requests * ROUTED * 8 // 10
    print(f'\nGreen-channel benchmark on PostgreSQL, {LARGE.requests:,} requests / about {reviews:,} reviews, '
          f'{args.repeat} runs each (in-process, test client)')
    width = print_pages(tables, 'page', TARGET_MS)
    open_requests, counts, elapsed = job
    verdict = 'ok' if elapsed < JOB_TARGET_S else 'MISSED'
    print(f'{"deadline job":{width}} {elapsed * 1000:9.0f} {"":>7} {"< " + format(JOB_TARGET_S * 1000, "g"):>7} '
          f'{verdict:>6}  over {open_requests:,} open requests: {counts}')


if __name__ == '__main__':
    main()
