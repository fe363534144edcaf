"""Where a whole request's time goes: pyinstrument over requests to one page, under the production profile.

    .venv/bin/python bench/profile_request.py [--requests 50] [--as member|manager] [--post] PAGE

PAGE is a path (``/bookings/``). The requests go to ``wutong_bench_http_profile``, a copy of the seed of
``bench/served.py`` (run that first), made when missing and kept: a ``--post`` profile books in it. The
app is built as gunicorn builds it (``WUTONG_ENV=production``, CSRF on), the requests go through the WSGI
test client with a signed session cookie, and the profile of all of them together is printed as a tree.
``--post`` posts the booking form of PAGE (a booking form) with a confirm, each request at another time
20 to 40 days ahead (booked once; refused when run again).
Needs pyinstrument (requirements-dev.txt).
"""
import argparse
import os
import re
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path

os.environ.update(WUTONG_ENV='production', SECRET_KEY=secrets.token_urlsafe(32), SESSION_COOKIE_SECURE='false',
                  PREFERRED_URL_SCHEME='http',
                  DATABASE_URL='postgresql+psycopg://postgres@127.0.0.1:5432/wutong_bench_http_profile')
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import booking  # noqa: E402 (bench/, beside this script)
import sqlalchemy as sa  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from incubator import create_app  # noqa: E402
from incubator.auth.models import User  # noqa: E402
from incubator.extensions import db  # noqa: E402

EMAILS = {'member': 'member@bench.example', 'manager': 'manager@bench.example'}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('page')
    parser.add_argument('--requests', type=int, default=50)
    parser.add_argument('--as', dest='who', choices=EMAILS, default='member')
    parser.add_argument('--post', action='store_true')
    args = parser.parse_args()

    booking.ensure_database('wutong_bench_http_profile', template='wutong_bench_http_seed')
    app = create_app()
    with app.app_context():
        user = db.session.execute(sa.select(User).filter_by(email=EMAILS[args.who])).scalar_one()
        session_id, startup_id = user.get_id(), user.memberships[0].startup_id if user.memberships else None
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({'_user_id': session_id, '_fresh': True})
    page = client.get(args.page)
    assert page.status_code == 200, page.status_code
    data = None
    if args.post:
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1).decode()
        data = [{'csrf_token': token, 'day': f'{day:%Y-%m-%d}', 'start': f'{hour:02d}:00', 'end': f'{hour:02d}:30',
                 'seats': '2', 'startup': str(startup_id), 'purpose': 'Profile', 'confirm': '1'}
                for day in (date.today() + timedelta(days=days) for days in range(20, 40)) if day.weekday() < 5
                for hour in range(9, 21)]
    for number in range(5):
        client.open(args.page, method='POST' if data else 'GET', data=data[-number - 1] if data else None)
    profiler = Profiler(interval=0.0005)
    statuses = set()
    with profiler:
        for number in range(args.requests):
            statuses.add(client.open(args.page, method='POST' if data else 'GET',
                                     data=data[number % len(data)] if data else None).status_code)
    print(f'{args.requests} requests of {args.page}, statuses {sorted(statuses)}')
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == '__main__':
    main()
