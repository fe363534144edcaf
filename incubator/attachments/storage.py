"""Files on disk under ``ATTACHMENTS_DIR``, kept in step with the transaction that records them.

A file is written (to a temporary name, then renamed) before its row is flushed. When the
transaction rolls back, the files it wrote are deleted at once; whatever escapes (a killed process)
is left to the ``attachments.clean_orphans`` job. A removed attachment's file is deleted only after
the commit that deleted its row, never before.
"""
import logging
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from incubator.extensions import db

logger = logging.getLogger(__name__)

_WRITTEN = 'attachments.written'      # session.info: [(attachment, path)] written in this transaction
_DOOMED = 'attachments.doomed'        # session.info: [(attachment, path)] to delete once their rows are gone
TEMPORARY_PREFIX = '.part-'


def init_app(app):
    from incubator.attachments.detection import EXTENSIONS
    unknown = set(app.config['ATTACHMENTS_ALLOWED']) - set(EXTENSIONS)
    if unknown:
        raise RuntimeError(f'ATTACHMENTS_ALLOWED names unknown kinds {sorted(unknown)}; known: {", ".join(EXTENSIONS)}')
    app.config.setdefault('ATTACHMENTS_DIR', None)
    if not app.config['ATTACHMENTS_DIR']:
        app.config['ATTACHMENTS_DIR'] = str(Path(app.instance_path) / 'attachments')
    # The whole of one item's files must fit in a request, with room for the other fields.
    room = app.config['ATTACHMENTS_MAX_ITEM_BYTES'] + 1024 * 1024
    if (app.config.get('MAX_CONTENT_LENGTH') or 0) < room:
        app.config['MAX_CONTENT_LENGTH'] = room


def directory():
    path = Path(current_app.config['ATTACHMENTS_DIR'])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name):
    return Path(current_app.config['ATTACHMENTS_DIR']) / stored_name


def new_stored_name():
    return secrets.token_hex(16)


def write(stream, stored_name):
    """Copy ``stream`` to ``stored_name`` through a temporary file, so no half-written file carries the name."""
    folder = directory()
    temporary = folder / f'{TEMPORARY_PREFIX}{stored_name}'
    stream.seek(0)
    try:
        with open(temporary, 'xb') as target:
            while chunk := stream.read(1024 * 1024):
                target.write(chunk)
        os.replace(temporary, folder / stored_name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return folder / stored_name


def written(attachment, path):
    """Delete ``path`` if the transaction that recorded ``attachment`` rolls back."""
    db.session.info.setdefault(_WRITTEN, []).append((attachment, path))


def delete_after_commit(attachment):
    """Delete the file of ``attachment`` once the commit that deletes its row is done."""
    db.session.info.setdefault(_DOOMED, []).append((attachment, path_of(attachment.stored_name)))


def delete_file(path):
    try:
        Path(path).unlink(missing_ok=True)
    except OSError:
        logger.exception('Could not delete the attachment file %s; the orphan job will try again', path)


@sa.event.listens_for(sa.orm.Session, 'after_transaction_end')
def _settle_files(session, transaction):
    """At the end of the outermost transaction: keep what was committed, delete what is no longer recorded.

    A savepoint rolled back expunges the rows it added and restores those it deleted, so the
    objects' states tell which files belong to committed rows.
    """
    if transaction.parent is not None or not (session.info.get(_WRITTEN) or session.info.get(_DOOMED)):
        return
    for attachment, path in session.info.pop(_WRITTEN, []):
        if not sa.inspect(attachment).persistent:
            delete_file(path)
    for attachment, path in session.info.pop(_DOOMED, []):
        if sa.inspect(attachment).was_deleted:
            delete_file(path)
