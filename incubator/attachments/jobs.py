"""Nightly: delete stored files no row refers to (an upload whose transaction rolled back, a killed process)."""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from incubator.attachments import queries, storage
from incubator.scheduling.registry import daily, job

logger = logging.getLogger(__name__)

#: A file younger than this may belong to a transaction still running.
ORPHAN_AGE = timedelta(hours=1)


@job('attachments.clean_orphans', title=_l('Delete orphaned files'),
     trigger={'trigger': 'cron', 'hour': 3, 'minute': 41}, period=daily,
     description=_l('Delete stored attachment files that no record refers to and are older than an hour.'))
def clean_orphans(period, now):
    folder = storage.directory()
    cutoff = (now - ORPHAN_AGE).timestamp()
    old = {path.name: path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < cutoff}
    recorded = queries.recorded_names(old)
    orphans = [path for name, path in old.items() if name not in recorded]
    for path in orphans:
        storage.delete_file(path)
    logger.info('Deleted %d orphaned attachment files (no record refers to them) from %s; %d older files kept',
                len(orphans), folder, len(old) - len(orphans))
    return {'deleted': len(orphans)}
