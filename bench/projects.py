"""Projects benchmark (issue #14, Performance): the managers' dashboard and a project page over 2,000 projects.

    .venv/bin/python bench/projects.py [--repeat 30] [--reseed]

Seeds two PostgreSQL databases on the local server (created if missing): ``wutong_bench_projects`` with
2,000 projects, 20,000 milestones (one KPI target each) and 60,000 KPI figures, and
``wutong_bench_projects_small`` with a tenth of that. Projects, milestones, targets and figures go in with
``COPY`` (no ORM, so no audit rows; the columns the ORM listeners keep, each target's latest figure and each
project's health inputs, are then set by their rebuild statements), then ``VACUUM ANALYZE``; due dates lie
around today, milestone states, review outcomes and figures are drawn so that every health state is common.
A database that already holds this seed (same schema, same sizes) is reused; ``--reseed`` rebuilds it.

Each page is requested in-process through the test client as a signed-in manager, ``--repeat`` times after a
warm-up; the table gives the median and 95th percentile, the SQL statements each request ran and the median
CPU time of this process alone (Python, without the database server's share: steadier on a busy host).
Targets: pages < 50 ms (median), statement counts equal at both sizes and within each page's budget
(``STATEMENTS``: the dashboard 8, the committee view 9, the project page 14, the signed-in user's own
loading included). Last, ``EXPLAIN ANALYZE`` of the dashboard's list query filtered by health. Not part of
the test suite (pytest collects only ``tests/``).
"""
import argparse
import hashlib
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking import ensure_database, make_app  # noqa: E402 (bench/, beside this script)

from incubator.auth.models import Role, User  # noqa: E402
from incubator.core.time import now_utc  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.projects.dashboard import DashboardFilters, _parameters, _shape, _statements  # noqa: E402
from incubator.projects.health import Health  # noqa: E402
from incubator.projects.latest import health_inputs_update, latest_figures_update  # noqa: E402
from incubator.projects.models import (  # noqa: E402
    KpiKind,
    MilestoneState,
    ProjectField,
    ProjectStatus,
    ReviewCadence,
    ReviewOutcome,
    programme_today,
)
from incubator.sites.models import Site  # noqa: E402
from incubator.startups.credit_code import check_character  # noqa: E402
from incubator.startups.models import Startup, Tier  # noqa: E402

SEED_VERSION = 2
TARGET_MS = 50.0
#: The most statements each page may run (a fixed number: none grows with the data).
STATEMENTS = {'dashboard': 8, 'committee': 9, 'project page': 14}


@dataclass(frozen=True)
class Size:
    label: str
    database: str
    projects: int
    milestones_per_project: int = 10
    figures_per_target: int = 3

    @property
    def counts(self):
        milestones = self.projects * self.milestones_per_project
        figures = milestones * self.figures_per_target
        return f'{self.projects:,} projects / {milestones:,} milestones / {figures:,} figures'


LARGE = Size('large', 'wutong_bench_projects', 2_000)
SMALL = Size('small', 'wutong_bench_projects_small', 200)
SITES, STARTUPS, MANAGERS = 4, 400, 20


def fingerprint(size):
    parts = [f'seed {SEED_VERSION} {size}']
    for table in db.metadata.sorted_tables:
        parts.append(table.name + ':' + ','.join(f'{c.name} {c.type!r} {c.nullable}' for c in table.columns))
        parts.extend(sorted(index.name for index in table.indexes))
    return hashlib.sha256('\n'.join(parts).encode()).hexdigest()


def seeded_already(stamp):
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table('bench_seed'):
            return False
        return connection.execute(sa.text('SELECT fingerprint FROM bench_seed')).scalar() == stamp


def seed(size, stamp, today):
    with db.engine.begin() as connection:
        connection.execute(sa.text('DROP SCHEMA public CASCADE'))
        connection.execute(sa.text('CREATE SCHEMA public'))
    db.create_all()
    rng = random.Random(14)
    sites = [Site(name=f'Bench site {n}', address=f'{n} Bench Road') for n in range(SITES)]
    managers = []
    for n in range(MANAGERS):
        manager = User(email=f'manager{n:02d}@bench.example', name=f'Manager {n:02d}', password_hash='x')
        manager.set_roles({Role.manager})
        managers.append(manager)
    startups = []
    for n in range(STARTUPS):
        first = f'91440300{n:08d}P'
        startups.append(Startup(name=f'Bench startup {n:03d}', credit_code=first + check_character(first),
                                tier=list(Tier)[n % 3], site=sites[n % SITES], admitted_on=date(2025, 1, 1),
                                contact_name='C', contact_phone='1'))
    db.session.add_all(sites + managers + startups)
    db.session.commit()
    now = now_utc()
    projects, milestones, targets, figures = [], [], [], []
    for p in range(1, size.projects + 1):
        start = today - timedelta(days=rng.randint(30, 700))
        end = start + timedelta(days=rng.choice([365, 540, 730, 1095]))
        outcome = rng.choice([None] * 6 + [ReviewOutcome.continue_.value, ReviewOutcome.warning.value,
                                          ReviewOutcome.stop.value])
        status = ProjectStatus.stopped.value if outcome == ReviewOutcome.stop.value else ProjectStatus.active.value
        projects.append((p, rng.choice(startups).id, f'Bench project {p:05d}', rng.choice(list(ProjectField)).value,
                         'Lead', start, end, rng.choice(list(ReviewCadence)).value, rng.choice(managers).id, status,
                         outcome, now, now))
        span = (end - start).days
        for m in range(size.milestones_per_project):
            milestone_id = (p - 1) * size.milestones_per_project + m + 1
            due = start + timedelta(days=span * (m + 1) // size.milestones_per_project)
            if due < today:
                state = rng.choice([MilestoneState.accepted.value] * 8 + [MilestoneState.submitted.value,
                                                                          MilestoneState.in_progress.value])
            else:
                state = rng.choice([MilestoneState.planned.value, MilestoneState.in_progress.value])
            milestones.append((milestone_id, p, f'Milestone {m + 1}', '', due, state,
                               now if state == MilestoneState.accepted.value else None, now, now))
            target_value = rng.choice([10, 50, 100, 5_000_000])
            targets.append((milestone_id, milestone_id, rng.choice([KpiKind.hires, KpiKind.revenue]).value,
                            target_value))
            for f in range(size.figures_per_target):
                figures.append((milestone_id, rng.randint(0, target_value), start + timedelta(days=30 * (f + 1)),
                                now))
    copy('projects', ('id', 'startup_id', 'title', 'field', 'lead_name', 'start_date', 'planned_end_date',
                      'review_cadence', 'manager_id', 'status', 'last_review_outcome', 'created_at', 'updated_at'),
         projects)
    copy('milestones', ('id', 'project_id', 'title', 'description', 'due_date', 'state', 'accepted_at', 'created_at',
                        'updated_at'), milestones)
    copy('kpi_targets', ('id', 'milestone_id', 'kind', 'target_value'), targets)
    copy('kpi_figures', ('kpi_target_id', 'value', 'recorded_on', 'recorded_at'), figures)
    with db.engine.begin() as connection:
        # COPY bypasses the ORM listeners that keep the latest figures and the health inputs: set them all.
        connection.execute(latest_figures_update())
        connection.execute(health_inputs_update())
        for table in ('projects', 'milestones', 'kpi_targets'):
            connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f'(SELECT max(id) FROM {table}))'))
        connection.execute(sa.text('CREATE TABLE bench_seed (fingerprint text)'))
        connection.execute(sa.text('INSERT INTO bench_seed VALUES (:stamp)'), {'stamp': stamp})
    with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
        connection.execute(sa.text('VACUUM ANALYZE'))


def copy(table, columns, rows):
    raw = db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as writer:
                for row in rows:
                    writer.write_row(row)
        raw.commit()
    finally:
        raw.close()


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def pages(size):
    """(name, path) of each measured page, with ids chosen in the seeded data."""
    other = db.session.execute(sa.select(User.id).where(User.email == 'manager01@bench.example')).scalar()
    return [
        ('dashboard, unfiltered', '/projects/dashboard'),
        ('dashboard, health off track', f'/projects/dashboard?health={Health.off_track.value}'),
        ('dashboard, health at risk, page 2', f'/projects/dashboard?health={Health.at_risk.value}&page=2'),
        ('dashboard, by manager', f'/projects/dashboard?manager={other}'),
        ('committee view', '/projects/committee'),
        ('project page (10 milestones, 30 figures)', f'/projects/{size.projects // 2}'),
    ]


def measure(app, size, repeat):
    results = {}
    with app.app_context():
        manager_id = db.session.execute(sa.select(User.id).where(User.email == 'manager00@bench.example')).scalar()
        admin = db.session.get(User, manager_id)
        admin.set_roles({Role.manager, Role.admin})  # the project page of any startup
        db.session.commit()
        session_id = admin.get_id()
        measured = pages(size)
    client = app.test_client()
    with client.session_transaction() as session:
        session['_user_id'] = session_id
        session['_fresh'] = True
    for name, path in measured:
        timings, cpu, statements = [], [], set()
        for run in range(repeat + 1):
            counter = Counter()
            with app.app_context():
                sa.event.listen(db.engine, 'before_cursor_execute', counter)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            used = (time.process_time() - started_cpu) * 1000
            with app.app_context():
                sa.event.remove(db.engine, 'before_cursor_execute', counter)
            assert response.status_code == 200, (path, response.status_code)
            if run:
                timings.append(elapsed)
                cpu.append(used)
                statements.add(counter.count)
        ordered = sorted(timings)
        results[name] = (statistics.median(timings), ordered[round(0.95 * (len(ordered) - 1))], statements,
                         statistics.median(cpu))
    return results


def explain(app):
    with app.app_context():
        filters = DashboardFilters(health=Health.off_track)
        query = _statements(_shape(filters))[2].limit(25).params(_parameters(filters, programme_today()))
        compiled = query.compile(db.engine, compile_kwargs={'literal_binds': True})
        sql = str(compiled).replace('%%', '%')  # the driver's escaping: psycopg reads none without parameters
        driver = db.session.connection().connection.driver_connection
        plan = [row[0] for row in driver.execute(f'EXPLAIN ANALYZE {sql}').fetchall()]
        return [line for line in plan if 'Execution Time' in line or 'Scan' in line][:12]


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
                seed(size, stamp, programme_today())
                print(f'seeded {size.database} ({size.counts}) in {time.perf_counter() - started:.1f} s')
            db.session.remove()
        tables[size.label] = measure(app, size, args.repeat)
        if size is LARGE:
            plan = explain(app)
        with app.app_context():
            db.engine.dispose()
    print(f'\nProjects benchmark on PostgreSQL, {LARGE.counts}, {args.repeat} runs each (in-process, test client)')
    print(f'{"page":44} {"median ms":>9} {"p95 ms":>7} {"target":>7} {"result":>6} {"stmts large":>11} '
          f'{"stmts small":>11} {"stmts max":>10} {"median small":>12} {"python cpu":>10}')
    for name, (median, p95, statements, cpu) in tables['large'].items():
        small_median, _p95, small_statements, _cpu = tables['small'][name]
        budget = next(most for page, most in STATEMENTS.items() if name.startswith(page))
        verdict = ('ok' if median < TARGET_MS and statements == small_statements and max(statements) <= budget
                   else 'MISSED')
        print(f'{name:44} {median:9.1f} {p95:7.1f} {"< " + format(TARGET_MS, "g"):>7} {verdict:>6} '
              f'{"/".join(map(str, sorted(statements))):>11} {"/".join(map(str, sorted(small_statements))):>11} '
              f'{"<= " + str(budget):>10} {small_median:12.1f} {cpu:10.1f}')
    print('\nEXPLAIN ANALYZE of the dashboard list filtered by health (scans and time):')
    for line in plan:
        print('   ', line.strip())


if __name__ == '__main__':
    main()
