"""Project pages against the issue's data size: 2,000 projects, 20,000 milestones, 60,000 KPI figures.

    .venv/bin/python bench/projects.py [--database URL] [--repeat R]

Fills a scratch database (default: PostgreSQL ``wutong_bench_projects`` on the local server, else an
SQLite file) with table inserts, then prints, per page, the median in-process time and the number of SQL
statements, at a tenth of the size and at full size: the statements must not grow. Target (issue #14): a
project page under 50 ms median on PostgreSQL.
"""
import argparse
import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import measure  # noqa: E402
from config import TestingConfig  # noqa: E402
from incubator import create_app  # noqa: E402
from incubator.auth.models import Role, User  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.projects.models import (  # noqa: E402
    KpiFigure,
    KpiTarget,
    Milestone,
    ProgressSubmission,
    Project,
)
from incubator.sites.models import Site  # noqa: E402
from incubator.startups.credit_code import check_character  # noqa: E402
from incubator.startups.models import MembershipRole, Startup, StartupMembership, Tier  # noqa: E402

POSTGRES = 'postgresql+psycopg://postgres@127.0.0.1:5432/wutong_bench_projects'
MILESTONES_PER_PROJECT = 10
FIGURES_PER_MILESTONE = 3   # one target, three figures over time


def default_database():
    url = sa.engine.make_url(POSTGRES)
    admin = sa.create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS wutong_bench_projects WITH (FORCE)'))
            connection.execute(sa.text('CREATE DATABASE wutong_bench_projects'))
        return POSTGRES
    except sa.exc.OperationalError:
        return f'sqlite:///{tempfile.mkdtemp()}/bench.sqlite3'
    finally:
        admin.dispose()


def fill(projects):
    """``projects`` projects over projects / 10 startups; the owner belongs to the first startup."""
    random.seed(14)
    site = Site(name='Site')
    manager = User(email='manager@bench.example', name='Manager', password_hash='x')
    manager.set_roles({Role.manager})
    owner = User(email='owner@bench.example', name='Owner', password_hash='x')
    db.session.add_all([site, manager, owner])
    startups = []
    for n in range(max(projects // 10, 1)):
        first = f'91440300{n:08d}X'
        startups.append(Startup(name=f'Startup {n:05d}', credit_code=first + check_character(first),
                                tier=Tier.incubator, site=site, admitted_on=date(2026, 1, 1), contact_name='C',
                                contact_phone='1'))
    db.session.add_all(startups)
    db.session.add(StartupMembership(startup=startups[0], user=owner, role=MembershipRole.owner))
    db.session.flush()
    now = datetime(2026, 12, 1, tzinfo=UTC)
    start = date(2026, 1, 1)
    db.session.execute(sa.insert(Project.__table__), [
        {'id': n + 1, 'startup_id': startups[n % len(startups)].id, 'title': f'Project {n}', 'field': 'other',
         'lead_name': 'Lead', 'start_date': start, 'planned_end_date': date(2027, 12, 31),
         'review_cadence': 'quarterly', 'manager_id': manager.id, 'status': 'active', 'created_at': now,
         'updated_at': now} for n in range(projects)])
    milestones, targets, submissions, figures = [], [], [], []
    for n in range(projects * MILESTONES_PER_PROJECT):
        milestone_id = n + 1
        due = start + timedelta(days=30 * (n % MILESTONES_PER_PROJECT + 1))
        state = random.choice(['planned', 'in_progress', 'submitted', 'changes_requested', 'accepted'])
        milestones.append({'id': milestone_id, 'project_id': n // MILESTONES_PER_PROJECT + 1, 'title': f'M{n}',
                           'description': '', 'due_date': due, 'state': state, 'created_at': now,
                           'updated_at': now})
        targets.append({'id': milestone_id, 'milestone_id': milestone_id, 'kind': 'hires', 'target_value': 10})
        submissions.append({'id': milestone_id, 'milestone_id': milestone_id, 'submitted_by_id': owner.id,
                            'submitted_at': now, 'narrative': 'Progress', 'state': 'pending'})
        for k in range(FIGURES_PER_MILESTONE):
            figures.append({'kpi_target_id': milestone_id, 'submission_id': milestone_id, 'value': 3 * (k + 1),
                            'recorded_on': due - timedelta(days=20 - 5 * k), 'recorded_at': now})
    for table, rows in ((Milestone.__table__, milestones), (KpiTarget.__table__, targets),
                        (ProgressSubmission.__table__, submissions), (KpiFigure.__table__, figures)):
        for chunk in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[chunk:chunk + 5000])
    if db.engine.dialect.name == 'postgresql':
        for table in ('projects', 'milestones', 'kpi_targets', 'progress_submissions', 'kpi_figures'):
            db.session.execute(sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    db.session.commit()
    if db.engine.dialect.name == 'postgresql':
        with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as connection:
            connection.execute(sa.text('ANALYZE'))
    return manager, owner


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database')
    parser.add_argument('--projects', type=int, nargs='+', default=[200, 2000])
    parser.add_argument('--repeat', type=int, default=20)
    args = parser.parse_args()

    rows = []
    for size in args.projects:
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
        pages = {'manager': ('/projects/', f'/projects/{size // 2}'), 'owner': ('/projects/', '/projects/1')}
        for who, session_id in users.items():
            client = app.test_client()
            with client.session_transaction() as session:
                session['_user_id'] = session_id
            for path in pages[who]:
                median, statements = measure(engine, client, path, args.repeat)
                rows.append((url.split('+')[0].split(':')[0], size, who, path, median, statements))
        with app.app_context():
            db.drop_all()
            db.engine.dispose()

    print(f'{"database":12} {"projects":>9} {"user":8} {"page":16} {"median ms":>10} {"statements":>11}')
    for database, size, who, path, median, statements in rows:
        print(f'{database:12} {size:9d} {who:8} {path:16} {median:10.1f} {statements:11d}')


if __name__ == '__main__':
    main()
