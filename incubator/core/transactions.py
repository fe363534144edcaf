"""One transaction per request or job, committed in one place.

Operations only flush. A successful request (status below 400) is committed
after its view returns; anything else rolls back. Jobs and CLI commands wrap
their work in :func:`transaction`.
"""
import functools
from contextlib import contextmanager

from incubator.core.db import expecting_writes
from incubator.extensions import db


def init_app(app):
    @app.after_request
    def commit_or_roll_back(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


@contextmanager
def transaction():
    try:
        with expecting_writes():
            yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def operation(func=None, *, keeping=()):
    """Run a write-side operation in a savepoint: if it raises, whatever it flushed is undone.

    The request or job that called it goes on, so a view that catches the
    ``DomainError`` and redirects commits nothing of the failed operation, and a
    job that catches one failing item keeps the others. Every public function of
    an ``operations`` module is an operation or a :func:`helper` (a test checks).

    ``keeping`` names errors whose writes are kept anyway because recording the
    refusal is part of the rule (a refused login is counted by the throttle).
    The savepoint costs two statements (``SAVEPOINT``, ``RELEASE``) per call,
    also when one operation calls another: so an operation that catches the
    error of another it called still finds nothing of it left behind.
    """
    if func is None:
        return functools.partial(operation, keeping=keeping)

    @functools.wraps(func)
    def in_savepoint(*args, **kwargs):
        savepoint = db.session.begin_nested()
        try:
            result = func(*args, **kwargs)
        except keeping:
            savepoint.commit()
            raise
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        savepoint.commit()
        return result

    in_savepoint.is_operation = True
    return in_savepoint


def helper(func):
    """Mark a public function of an ``operations`` module that needs no savepoint of its own.

    For lookups and formatters that write nothing, and for building blocks
    (``notify``) that only ever run inside the operation that calls them.
    """
    func.is_operation = False
    return func
