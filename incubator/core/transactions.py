"""One transaction per request or job, committed in one place.

Operations only flush. A successful request (status below 400) is committed
after its view returns; anything else rolls back. Jobs and CLI commands wrap
their work in :func:`transaction`.
"""
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
