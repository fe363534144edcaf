"""Instructions per request of each booking page, counted by valgrind's callgrind.

    .venv/bin/python bench/instructions.py [--requests 5] [name filter ...]

Milliseconds on a shared host drift by half from one minute to the next; the
number of instructions the Python process executes for a request does not, so
it shows what a change saved (or cost) at once, with one run before and one
after. It leaves out the database server's share, which ``bench/booking.py``
includes. Needs valgrind, its headers and gcc (Debian: valgrind, gcc): a tiny
helper is compiled to zero and dump callgrind's counters around each page, so one
process measures them all. Uses the large database of ``bench/booking.py``
(seeded there first). Takes a few minutes: callgrind runs Python ~50 times slower.
"""
import argparse
import ctypes
import gc
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
    parser.add_argument('names', nargs='*', help='measure only pages whose name contains one of these')
    args = parser.parse_args()
    if os.environ.get('WUTONG_CALLGRIND_HELPER'):
        return measure(args)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / 'helper.c').write_text(HELPER)
        subprocess.run(['gcc', '-O2', '-shared', '-fPIC', '-o', scratch / 'helper.so', scratch / 'helper.c'],
                       check=True)
        env = dict(os.environ, WUTONG_CALLGRIND_HELPER=str(scratch / 'helper.so'))
        subprocess.run(['valgrind', '--tool=callgrind', f'--callgrind-out-file={scratch}/out.%p', sys.executable,
                        *sys.argv], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f'Instructions per request (callgrind, {args.requests} requests per page, Python process only)')
        dumps = sorted(scratch.glob('out.*.*'), key=lambda path: int(path.suffix[1:]))
        for dump in dumps:
            text = dump.read_text(errors='replace')
            label = next(line for line in text.splitlines() if line.startswith('desc: Trigger'))
            total = next(line for line in text.splitlines() if line.startswith(('summary:', 'totals:')))
            name = label.split('Client Request: ', 1)[-1]
            print(f'{name:75} {int(total.split()[1]) / args.requests / 1e6:8.2f} M')


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


if __name__ == '__main__':
    main()
