"""Whole-request HTTP benchmark (issue #18): the app served for real, against a bare-Flask floor, in one run.

    .venv/bin/python bench/served.py [--rounds 3] [--seconds 5] [--connections 4] [--reseed]   (or: make bench-http)

Seeds ``wutong_bench_http_seed`` as ``bench/booking.py`` seeds its large database (200 spaces, 500,000
bookings; reused when already seeded) and copies it to ``wutong_bench_http`` (``CREATE DATABASE ... TEMPLATE``)
so the bookings the run creates never change the seed. Then it serves the app from that copy with gunicorn
(2 sync workers, the production profile) and, beside it, the floor of ``bench/served_floor.py`` (bare Flask and
SQLAlchemy, one indexed SELECT or one INSERT per request, also 2 sync workers) on the same database, and drives
each endpoint in turn with wrk (installed from Debian's packages when missing and running as root), round after
round, so the app and the floor see the same machine. Per endpoint it prints the median over the rounds of
req/s, p50 and p99 latency, the ratio to the floor (pages to its read, the booking POST to its write), the
statuses seen and the CPU the two app workers used; the create POST counts bookings made (302) apart from
refusals (409/422: slot already taken by then). Last, a machine-load line: absolute figures on a shared host
drift, the ratio to the floor measured in the same rounds is what to compare.

Targets (printed, never asserted): pages at least 0.4x the floor's read with p99 under 60 ms, the create POST
at least 0.25x the floor's write.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import booking  # noqa: E402 (its seed, reused)

from incubator.auth.models import User  # noqa: E402
from incubator.extensions import db  # noqa: E402
from incubator.spaces.models import Space, SpaceKind  # noqa: E402

SEED = booking.Size('200 spaces / 500,000 bookings', 'wutong_bench_http_seed', 4, 200, 500_000)
COPY = 'wutong_bench_http'
WORKERS = 2
PAGE_RATIO, WRITE_RATIO, PAGE_P99_MS = 0.4, 0.25, 60.0


# --- set-up ----------------------------------------------------------------------------------

def ensure_wrk():
    if shutil.which('wrk'):
        return
    if os.geteuid() != 0:
        raise SystemExit("wrk not found: run 'sudo apt-get install wrk' first")
    subprocess.run(['apt-get', 'update', '-qq'], check=True)
    subprocess.run(['apt-get', 'install', '-y', '-qq', 'wrk'], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))


def copy_database():
    """A fresh copy of the seed, and the floor's table for its writes."""
    admin = sa.create_engine(sa.engine.make_url(booking.SERVER).set(database='postgres'), isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{COPY}" TEMPLATE "{SEED.database}"'))
    finally:
        admin.dispose()
    engine = sa.create_engine(booking.SERVER + COPY)
    with engine.begin() as connection:
        connection.execute(sa.text('CREATE TABLE bench_floor_writes (id serial PRIMARY KEY, note text NOT NULL, '
                                   'created_at timestamptz NOT NULL DEFAULT now())'))
    engine.dispose()
    return booking.SERVER + COPY


def app_environment(url, secret, instance_path):
    """The environment the app is served with: the production profile on ``url``, over plain HTTP, mail to the
    console (``bench/instructions.py --served`` builds it the same way)."""
    return {'WUTONG_ENV': 'production', 'DATABASE_URL': url, 'SECRET_KEY': secret, 'SESSION_COOKIE_SECURE': 'false',
            'MAIL_BACKEND': 'console', 'WUTONG_INSTANCE_PATH': str(instance_path)}


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn of ``WORKERS`` sync workers, its master's pid, and the CPU time of its workers."""

    def __init__(self, name, app, port, env, cwd):
        self.name, self.port = name, port
        self.log = tempfile.NamedTemporaryFile(prefix=f'wutong-bench-{name}-', suffix='.log', delete=False)
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'gunicorn', '--workers', str(WORKERS), '--worker-class', 'sync',
             '--bind', f'127.0.0.1:{port}', '--log-level', 'warning', app],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, path, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f'{self.name} server exited: see {self.log.name}')
            try:
                connection = http.client.HTTPConnection('127.0.0.1', self.port, timeout=5)
                connection.request('GET', path)
                connection.getresponse().read()
                if len(self.workers()) == WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f'{self.name} server did not answer: see {self.log.name}')

    def workers(self):
        try:
            children = Path(f'/proc/{self.process.pid}/task/{self.process.pid}/children').read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def cpu_seconds(self):
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf('SC_CLK_TCK')

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def fetch(port, path, cookie):
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    connection.request('GET', path, headers={'Cookie': cookie})  # no User-Agent, as wrk sends none
    response = connection.getresponse()
    body = response.read().decode()
    cookie_header = response.getheader('Set-Cookie')
    return response.status, body, cookie_header.split(';', 1)[0] if cookie_header else cookie


def session_cookie(app, secret, session_id, port, warm_path):
    """A signed session as after logging in, then once through the app so it holds what the app keeps there
    (Flask-Login's identifier, a CSRF secret): sent unchanged, no request rewrites it."""
    app.secret_key = secret
    value = app.session_interface.get_signing_serializer(app).dumps({'_user_id': session_id, '_fresh': True})
    cookie = f'{app.config["SESSION_COOKIE_NAME"]}={value}'
    status, body, cookie = fetch(port, warm_path, cookie)
    if status != 200:
        raise SystemExit(f'GET {warm_path} as {session_id}: HTTP {status}')
    return cookie, body


def scene_and_paths(app):
    """Who and what the requests are about: URLs of each page, and booking bodies of many likely free slots."""
    from flask import url_for

    with app.app_context():
        scene = booking.find_scene()
        manager = db.session.execute(sa.select(User).filter_by(email='manager@bench.example')).scalar_one()
        rooms = db.session.execute(
            sa.select(Space.id).where(Space.kind == SpaceKind.meeting_room, Space.requires_approval.is_(False))
            .order_by(Space.id)).scalars().all()
        manager_session = manager.get_id()
        db.session.remove()
    local_start, local_end = scene.slot_start.astimezone(booking.ZONE), scene.slot_end.astimezone(booking.ZONE)
    day, start, end = f'{local_start:%Y-%m-%d}', f'{local_start:%H:%M}', f'{local_end:%H:%M}'
    with app.test_request_context():
        paths = {
            'week': url_for('booking.space', space_id=scene.space_id, week=f'{scene.week:%Y-%m-%d}'),
            'search': url_for('booking.spaces', kind='meeting_room', people=2, day=day, start=start, end=end),
            'form': url_for('booking.create', space_id=scene.space_id),
            'mine': url_for('booking.mine'),
            'startup bookings': url_for('booking.startup_bookings', startup_id=scene.startup_id),
            'ledger': url_for('booking.startup_ledger', startup_id=scene.startup_id),
            'approvals': url_for('booking.approvals'),
            'projects dashboard': url_for('projects.dashboard'),
            'cases': url_for('case.index'),
            'green channel': url_for('greenchannel.index'),
            'home': url_for('dashboard.index'),
        }
        bodies = []
        today = datetime.now(booking.ZONE).date()
        for days in range(2, 56):  # within every meeting room's 60-day horizon
            when = today + timedelta(days=days)
            if when.weekday() >= 5:
                continue
            for hour in range(9, 21):
                for room in rooms:
                    form = {'day': f'{when:%Y-%m-%d}', 'start': f'{hour:02d}:00', 'end': f'{hour:02d}:30',
                            'seats': '2', 'startup': str(scene.startup_id), 'recurrence': '', 'count': '',
                            'until': '', 'purpose': 'HTTP benchmark', 'confirm': '1'}
                    bodies.append(f'{url_for("booking.create", space_id=room)} {urlencode(form)}')
    # Spread over days and rooms, so that successive requests rarely hit the same slot.
    bodies.sort(key=lambda line: hash(line) % 1_000_003)
    return scene, manager_session, paths, bodies


# --- measuring -------------------------------------------------------------------------------

def run_wrk(port, path, seconds, connections, script_args):
    command = ['wrk', '--threads', str(connections), '--connections', str(connections), '--duration', f'{seconds}s',
               '--timeout', '10s', '--script', str(BENCH_DIR / 'served.lua'), f'http://127.0.0.1:{port}{path}', '--',
               *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith('WRK-RESULT '))
    result = json.loads(line.removeprefix('WRK-RESULT '))
    statuses = {}
    for status, count in result['statuses']:
        statuses[status] = statuses.get(status, 0) + count
    result['statuses'] = statuses
    result['rps'] = result['requests'] / (result['duration_us'] / 1e6)
    return result


def summarize(rounds):
    statuses = {}
    for result in rounds:
        for status, count in result['statuses'].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        'rps': statistics.median(result['rps'] for result in rounds),
        'p50': statistics.median(result['p50_us'] for result in rounds) / 1000,
        'p99': statistics.median(result['p99_us'] for result in rounds) / 1000,
        'cpu': statistics.median(result['cpu'] for result in rounds),
        'statuses': statuses,
        'socket_errors': sum(result['socket_errors'] for result in rounds),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=3, help='interleaved rounds (default 3)')
    parser.add_argument('--seconds', type=int, default=5, help='seconds per endpoint and round (default 5)')
    parser.add_argument('--connections', type=int, default=4, help='wrk connections (default 4)')
    parser.add_argument('--port', type=int, default=5101, help="the app's port (the floor takes a free one)")
    parser.add_argument('--reseed', action='store_true', help='rebuild the seed database even if seeded')
    args = parser.parse_args()

    ensure_wrk()
    app = booking.prepare(SEED, args.reseed)
    scene, manager_session, paths, bodies = scene_and_paths(app)
    with app.app_context():
        db.engine.dispose()  # the seed must have no connection left to be copied
    url = copy_database()

    secret = secrets.token_urlsafe(32)
    env = dict(os.environ, **app_environment(url, secret, tempfile.mkdtemp()))
    env.pop('SERVER_NAME', None)
    floor_port = free_port()
    servers = [Server('app', 'incubator.wsgi:app', args.port, env, PROJECT_DIR),
               Server('floor', 'served_floor:app', floor_port, env, BENCH_DIR)]
    try:
        servers[0].wait_ready('/auth/login')
        servers[1].wait_ready('/read')
        member_cookie, form_page = session_cookie(app, secret, scene.member_session, args.port, paths['form'])
        manager_cookie, _ = session_cookie(app, secret, manager_session, args.port, paths['approvals'])
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page) or re.search(
            r'name="csrf_token" value="([^"]+)"', form_page)
        if not token:
            raise SystemExit('no CSRF token in the booking form')
        with tempfile.TemporaryDirectory() as scratch:
            chunks = []
            share = len(bodies) // (args.rounds + 1)
            for number in range(args.rounds + 1):  # the warm-up round takes its own slots too
                chunk = Path(scratch) / f'bodies-{number}.txt'
                chunk.write_text('\n'.join(bodies[number * share:(number + 1) * share]) + '\n')
                chunks.append(chunk)
            endpoints = [  # name, server, path, wrk script arguments by round, kind
                ('floor: read (one indexed SELECT)', servers[1], '/read', lambda n: [''], 'floor read'),
                ('floor: write (one INSERT, POST)', servers[1], '/write',
                 lambda n: ['', str(_floor_body(scratch)), 'x', str(args.connections)], 'floor write'),
                ('week page', servers[0], paths['week'], lambda n: [member_cookie], 'page'),
                ('free-space search', servers[0], paths['search'], lambda n: [member_cookie], 'page'),
                ('booking form (GET)', servers[0], paths['form'], lambda n: [member_cookie], 'page'),
                ('create a booking (POST)', servers[0], paths['form'],
                 lambda n: [member_cookie, str(chunks[n]), token.group(1), str(args.connections)], 'write'),
                ('my bookings (heavy booker)', servers[0], paths['mine'], lambda n: [member_cookie], 'page'),
                ("startup's bookings", servers[0], paths['startup bookings'], lambda n: [member_cookie], 'page'),
                ("startup's quota ledger", servers[0], paths['ledger'], lambda n: [member_cookie], 'page'),
                ('approval queue (manager)', servers[0], paths['approvals'], lambda n: [manager_cookie], 'page'),
                ('projects dashboard (manager)', servers[0], paths['projects dashboard'],
                 lambda n: [manager_cookie], 'page'),
                ('cases list (manager)', servers[0], paths['cases'], lambda n: [manager_cookie], 'page'),
                ('green channel list (manager)', servers[0], paths['green channel'],
                 lambda n: [manager_cookie], 'page'),
                ("home page (startup's member)", servers[0], paths['home'], lambda n: [member_cookie], 'page'),
                ('home page (manager)', servers[0], paths['home'], lambda n: [manager_cookie], 'page'),
            ]
            load_before = os.getloadavg()
            calibration = [booking.calibration_ms()]
            results = {name: [] for name, *_ in endpoints}
            for number in range(args.rounds + 1):
                for name, server, path, script_args, _kind in endpoints:
                    seconds = 1 if number == 0 else args.seconds
                    cpu_before = server.cpu_seconds()
                    result = run_wrk(server.port, path, seconds, args.connections, script_args(number))
                    result['cpu'] = 100 * (server.cpu_seconds() - cpu_before) / (result['duration_us'] / 1e6)
                    if number:
                        results[name].append(result)
                print(f'round {number or "warm-up"} done', file=sys.stderr, flush=True)
            calibration.append(booking.calibration_ms())
            load_after = os.getloadavg()
    finally:
        for server in servers:
            server.stop()

    report(endpoints, {name: summarize(rounds) for name, rounds in results.items()}, args,
           (load_before, load_after), calibration)


def _floor_body(scratch):
    path = Path(scratch) / 'floor-write.txt'
    path.write_text('/write note=floor\n')
    return path


def report(endpoints, summaries, args, loads, calibration):
    floor_read = summaries[endpoints[0][0]]['rps']
    floor_write = summaries[endpoints[1][0]]['rps']
    print(f'\nHTTP benchmark: gunicorn {WORKERS} sync workers each (production profile), PostgreSQL {COPY} '
          f'({SEED.label}), wrk {args.connections} connections, {args.rounds} interleaved rounds of '
          f'{args.seconds} s; medians over the rounds')
    print(f'{"endpoint":34} {"req/s":>7} {"p50 ms":>7} {"p99 ms":>7} {"ratio":>6} {"target":>7} {"result":6} '
          f'{"workers cpu":>11} {"cpu ms/req":>10}  statuses')
    for name, _server, _path, _args, kind in endpoints:
        summary = summaries[name]
        statuses = ', '.join(f'{status}: {count}' for status, count in sorted(summary['statuses'].items()))
        if summary['socket_errors']:
            statuses += f', socket errors: {summary["socket_errors"]}'
        ratio = target = verdict = ''
        if kind == 'page':
            ratio = summary['rps'] / floor_read
            target = f'>= {PAGE_RATIO}'
            good = ratio >= PAGE_RATIO and summary['p99'] < PAGE_P99_MS and set(summary['statuses']) == {200}
            verdict = 'ok' if good else 'MISS'
        elif kind == 'write':
            ratio = summary['rps'] / floor_write
            target = f'>= {WRITE_RATIO}'
            good = ratio >= WRITE_RATIO and set(summary['statuses']) <= {302, 409, 422}
            verdict = 'ok' if good else 'MISS'
            made, refused = summary['statuses'].get(302, 0), sum(
                summary['statuses'].get(status, 0) for status in (409, 422))
            statuses += f' (booked {made}, refused {refused})'
        ratio_text = f'{ratio:6.2f}' if ratio != '' else f'{"":6}'
        cpu_per_request = 10 * summary['cpu'] / summary['rps']  # percent of a core per request per second, in ms
        print(f'{name:34} {summary["rps"]:7.0f} {summary["p50"]:7.1f} {summary["p99"]:7.1f} {ratio_text} '
              f'{target:>7} {verdict:6} {summary["cpu"]:10.0f}% {cpu_per_request:10.2f}  {statuses}')
    before, after = loads
    print(f'Targets: pages >= {PAGE_RATIO}x the floor read with p99 < {PAGE_P99_MS:g} ms, the create POST >= '
          f'{WRITE_RATIO}x the floor write. Workers cpu: both workers together (200% = both cores busy); cpu ms/req: '
          f'the workers\' CPU time per request (what a request costs in Python, whatever the load).')
    print(f'Machine: {os.cpu_count()} CPUs, load average {before[0]:.2f} before and {after[0]:.2f} after '
          f'(5 min: {before[1]:.2f} / {after[1]:.2f}); a fixed Python loop took {calibration[0]:.1f} ms before and '
          f'{calibration[1]:.1f} ms after (compare runs by it and by the ratios, not by req/s).')


if __name__ == '__main__':
    main()
