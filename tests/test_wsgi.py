"""The production entry point: what the README's gunicorn command serves."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _production_env(tmp_path):
    return {**os.environ, 'WUTONG_ENV': 'production', 'SECRET_KEY': 'a test secret, not used elsewhere',
            'DATABASE_URL': f'sqlite:///{tmp_path / "wsgi.db"}', 'PYTHONPATH': str(PROJECT)}


def test_the_entry_point_freezes_what_startup_built(tmp_path):
    """The app and its startup objects are out of the collector's generations; what comes later is not."""
    script = ('import gc, incubator.wsgi as entry\n'
              'later = [object()]\n'
              'tracked = gc.get_objects()\n'
              'print(gc.get_freeze_count() > 10000, any(o is entry.app for o in tracked),'
              ' any(o is later for o in tracked))')
    result = subprocess.run([sys.executable, '-c', script], env=_production_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ['True', 'False', 'True']


def test_gunicorn_serves_the_entry_point(tmp_path):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, '-m', 'gunicorn', '--workers', '1', '--bind', f'127.0.0.1:{port}',
                               'incubator.wsgi:app'], env=_production_env(tmp_path), cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/login', timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, 'gunicorn did not serve the app'
                time.sleep(0.2)
        assert response.status == 200
        assert '<title>登录 · 梧桐</title>' in page
    finally:
        server.terminate()
        server.wait(timeout=30)
