"""Home pages benchmark (issue #17): each role's home page, its work queues, over the green-channel bench data.

    .venv/bin/python bench/home.py [--repeat 30] [--reseed]

Uses the databases of ``bench/greenchannel.py`` (``wutong_bench_green``: 5,000 requests, 20,000 department
opinions, 400 startups with a project each; ``wutong_bench_green_small``: a tenth), seeding them the same way if
they are missing, and adds an owner of the busiest startup (once). Each role's home page (``/``) is requested
in-process through the test client ``--repeat`` times after a warm-up: median, 95th percentile, and the SQL
statements per request, which must be equal at both sizes. Target: < 30 ms median. Not part of the test suite.
"""
import argparse
import sys
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from greenchannel import LARGE, on_both_sizes, print_pages, time_pages, user_ids  # noqa: E402

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
        add_owner()
    ids = user_ids(app, [email for _role, email in ROLES])
    return time_pages(app, [(role, ids[email], '/') for role, email in ROLES], repeat)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=30)
    parser.add_argument('--reseed', action='store_true')
    args = parser.parse_args()
    tables, _none = on_both_sizes(args.reseed, lambda app: measure(app, args.repeat))
    print(f'\nHome pages on PostgreSQL, green-channel bench data ({LARGE.requests:,} requests), '
          f'{args.repeat} runs each')
    print_pages(tables, 'home page of', TARGET_MS)


if __name__ == '__main__':
    main()
