"""Instructions per request of each booking page, counted by valgrind's callgrind.

    .venv/bin/python bench/instructions.py [--requests 5] [--served] [name filter ...]

Milliseconds on a shared host drift by half from one minute to the next; the
number of instructions the Python process executes for a request does not, so
it shows what a change saved (or cost) at once, with one run before and one
after. It leaves out the database server's share, which ``bench/booking.py``
includes. Needs valgrind, its headers and gcc (Debian: valgrind, gcc): a tiny
helper is compiled to zero and dump callgrind's counters around each page, so one
process measures them all. Uses the large database of ``bench/booking.py``
(seeded there first). Takes a few minutes: callgrind runs Python ~50 times slower.

``--served`` counts instead the pages of ``bench/served.py`` (issue #18), in its production profile, for its
users and on a copy of its seed (``wutong_bench_http_instructions``, made once; the pages only read), with the
floor's read (``bench/served_floor.py``) first and, per page, its multiple of the floor and its statements:
the whole request from the WSGI call to the response, without HTTP and the database server's share, which
the HTTP bench adds to both.
"""
import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HELPER = r'''
#include <valgrind/callgrind.h>
void wutong_zero(void) { CALLGRIND_ZERO_STATS; }
void wutong_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--requests', type=int, default=5, help='requests counted per page (default 5)')
    parser.add_argument('--served', action='store_true', help="the pages of bench/served.py and its floor")
    parser.add_argument('names', nargs='*', help='measure only pages whose name contains one of these')
    args = parser.parse_args()
    if os.environ.get('WUTONG_CALLGRIND_HELPER'):
        return measure_served(args) if args.served else measure(args)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        served_env = served_environment(scratch) if args.served else {}
        (scratch / 'helper.c').write_text(HELPER)
        subprocess.run(['gcc', '-O2', '-shared', '-fPIC', '-o', scratch / 'helper.so', scratch / 'helper.c'],
                       check=True)
        env = dict(os.environ, WUTONG_CALLGRIND_HELPER=str(scratch / 'helper.so'), **served_env)
        subprocess.run(['valgrind', '--tool=callgrind', f'--callgrind-out-file={scratch}/out.%p', sys.executable,
                        *sys.argv], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f'Instructions per request (callgrind, {args.requests} requests per page, Python process only)')
        statements = json.loads((scratch / 'statements.json').read_text()) if args.served else {}
        floor = None
        dumps = sorted(scratch.glob('out.*.*'), key=lambda path: int(path.suffix[1:]))
        for dump in dumps:
            text = dump.read_text(errors='replace')
            label = next(line for line in text.splitlines() if line.startswith('desc: Trigger'))
            total = next(line for line in text.splitlines() if line.startswith(('summary:', 'totals:')))
            name = label.split('Client Request: ', 1)[-1]
            instructions = int(total.split()[1]) / args.requests
            line = f'{name:75} {instructions / 1e6:8.2f} M'
            if name in statements:
                floor = floor or instructions
                line += f'  {instructions / floor:5.1f}x the floor  {statements[name]:4.1f} statements'
            print(line)


def measure(args):
    """Inside callgrind: each page warmed up, then its requests counted between a zero and a dump."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import booking

    from incubator.extensions import db

    helper = ctypes.CDLL(os.environ['WUTONG_CALLGRIND_HELPER'])
    app = booking.prepare(booking.LARGE, reseed=False)
    with app.app_context():
        scene = booking.find_scene()
        db.session.remove()
    pages, _missing = booking.page_measurements(app, scene)
    for page in pages:
        if args.names and not any(name in page.name for name in args.names):
            continue
        for _ in range(3):
            page.action(None)
        gc.collect()  # each page starts from the same collector state, whatever ran before it
        helper.wutong_zero()
        for _ in range(args.requests):
            page.action(None)
        helper.wutong_dump(page.name.encode())
        if page.check():
            raise SystemExit(f'{page.name}: {page.check()}')


SERVED_COPY = 'wutong_bench_http_instructions'
#: The pages of ``bench/served.py`` (its names), the floor's read first: (label, who, page).
SERVED_PAGES = [('floor: read (one indexed SELECT)', 'floor', None), ('week page', 'member', 'week'),
                ('free-space search', 'member', 'search'), ('booking form (GET)', 'member', 'form'),
                ('my bookings (heavy booker)', 'member', 'mine'), ("startup's bookings", 'member', 'startup bookings'),
                ("startup's quota ledger", 'member', 'ledger'), ('approval queue (manager)', 'manager', 'approvals'),
                ('projects dashboard (manager)', 'manager', 'projects dashboard'),
                ('cases list (manager)', 'manager', 'cases'),
                ('green channel list (manager)', 'manager', 'green channel'),
                ("home page (startup's member)", 'member', 'home'), ('home page (manager)', 'manager', 'home')]


def served_environment(scratch):
    """Outside callgrind: the HTTP bench's seed (seeded if missing), this bench's copy of it, and the environment
    that builds the app as gunicorn does there."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import booking
    import served

    app = booking.prepare(served.SEED, reseed=False)
    with app.app_context():
        from incubator.extensions import db
        db.engine.dispose()  # the seed must have no connection left to be copied
    url = booking.ensure_database(SERVED_COPY, template=served.SEED.database)
    return served.app_environment(url, 'instructions-bench-secret-key-' * 2, scratch)


def measure_served(args):
    """Inside callgrind: the floor and each page of ``bench/served.py`` warmed up, then counted, with the
    statements each sends."""
    import sqlalchemy as sa

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import served
    import served_floor

    from incubator import create_app
    from incubator.extensions import db

    helper = ctypes.CDLL(os.environ['WUTONG_CALLGRIND_HELPER'])
    app = create_app()
    scene, manager_session, paths, _bodies = served.scene_and_paths(app)
    clients = {'floor': served_floor.app.test_client()}
    for who, session_id in (('member', scene.member_session), ('manager', manager_session)):
        clients[who] = app.test_client()
        with clients[who].session_transaction() as session:
            session.update({'_user_id': session_id, '_fresh': True})
    sent = []
    with app.app_context():
        engines = (db.engine, served_floor.engine)
    for engine in engines:
        sa.event.listen(engine, 'before_cursor_execute', lambda *arguments: sent.append(1))
    statements = {}
    for label, who, page in SERVED_PAGES:
        if args.names and who != 'floor' and not any(name in label for name in args.names):
            continue
        path = paths[page] if page else '/read'
        for _ in range(10):
            response = clients[who].get(path)
        if response.status_code != 200:
            raise SystemExit(f'GET {path} as {who}: HTTP {response.status_code}')
        gc.collect()
        sent.clear()
        helper.wutong_zero()
        for _ in range(args.requests):
            clients[who].get(path)
        helper.wutong_dump(label.encode())
        statements[label] = len(sent) / args.requests
    Path(os.environ['WUTONG_INSTANCE_PATH'], 'statements.json').write_text(json.dumps(statements))


if __name__ == '__main__':
    main()
