"""The application a production WSGI server runs: ``gunicorn 'incubator.wsgi:app'``.

What a worker builds at startup (modules, mappers, the app and its extensions) lives as long as the
worker. ``gc.freeze()`` moves it out of the collector's reach, so a full collection walks only what
requests left behind: on the bench's booking list such a pause, every few hundred requests, took about
100 ms, and 8 ms once the startup objects were frozen. Only the server's entry point freezes: tests and
the command line build many apps in one process and need them collected.
"""
import gc

import sqlalchemy.orm

from incubator import create_app

app = create_app()
sqlalchemy.orm.configure_mappers()
gc.collect()
gc.freeze()
