"""One transaction per request or job, committed in one place.

Operations only flush. A successful request (status below 400) is committed
after its view returns; anything else rolls back. Jobs and CLI commands wrap
their work in :func:`transaction`.

On PostgreSQL a request that only reads (GET, HEAD, OPTIONS, its view not
marked ``writes_on_get``) runs without a transaction: its statements see what
they would see in one (at READ COMMITTED each statement takes its own
snapshot anyway), and the BEGIN and COMMIT round trips, a quarter of a small
page's, are saved. A write there (an operation, a flush, an ORM insert, update
or delete) is refused at once, so it can never be committed piecemeal.
"""
import functools
from contextlib import contextmanager

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import Session

from incubator.core.db import expecting_writes, writes_expected
from incubator.extensions import db

_READING_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS'})
_READS_ONLY = 'wutong.reads_only'


class WriteWhileReading(RuntimeError):
    """A request run without a transaction tried to write: its view needs ``writes_on_get``."""


def _refuse(what):
    raise WriteWhileReading(f'{what} in a request that only reads: mark its view with core.db.writes_on_get')


@sa.event.listens_for(Session, 'before_flush')
def _refuse_flushes_while_reading(session, flush_context, instances):
    if session.info.get(_READS_ONLY) and (session.new or session.deleted or any(
            session.is_modified(instance) for instance in session.dirty)):
        _refuse('a flush')


@sa.event.listens_for(Session, 'do_orm_execute')
def _refuse_statements_while_reading(orm_execute_state):
    state = orm_execute_state
    if (state.is_insert or state.is_update or state.is_delete) and state.session.info.get(_READS_ONLY):
        _refuse('an ORM write statement')


def writes_on_this_request():
    """Whether the current request's transaction writes: not a GET, or its view is marked ``writes_on_get`` (on
    SQLite it then holds the write lock, so a write elsewhere must go through it, not beside it)."""
    from flask import current_app
    return request.method not in _READING_METHODS or getattr(
        current_app.view_functions.get(request.endpoint), 'writes_on_get', False)


def init_app(app):
    @app.before_request
    def read_without_transaction():
        if request.method not in _READING_METHODS or writes_expected.get() or request.endpoint is None:
            return
        if request.endpoint == 'static' or request.endpoint.endswith('.static'):
            return  # no database at all
        if getattr(app.view_functions.get(request.endpoint), 'writes_on_get', False):
            return
        if db.engine.dialect.name != 'postgresql' or db.session().in_transaction():
            return
        db.session.connection(execution_options={'isolation_level': 'AUTOCOMMIT'})
        db.session.info[_READS_ONLY] = True

    @app.after_request
    def commit_or_roll_back(response):
        if db.session.info.pop(_READS_ONLY, None):
            _end_reading(db.session())
            return response
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def forget_reading(_error):
        db.session.info.pop(_READS_ONLY, None)


def _end_reading(session):
    """End a request that only read: its connection goes back to the pool, and what it loaded stays loaded, as
    it wrote nothing (expiring every object loaded, as a commit does, cost a list page 5 % of its instructions)."""
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


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
        if db.session.info.get(_READS_ONLY):
            _refuse(f'the operation {func.__name__}')
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
