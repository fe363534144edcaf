"""Housekeeping of the scheduling records themselves."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.extensions import db
from incubator.scheduling.models import JobRun, RunOutcome
from incubator.scheduling.registry import daily, job

#: Name → ``func(now)`` deleting a domain's stale records and giving how many; domains add theirs with ``purge``.
_purges = {}


def purge(name):
    """Register ``func(now) -> rows deleted`` with the daily housekeeping, reported under ``name``."""
    def decorator(func):
        _purges[name] = func
        return func
    return decorator


@job('housekeeping.purge', title=_l('Purge old records'),
     trigger={'trigger': 'cron', 'hour': 3, 'minute': 17}, period=daily,
     description=_l('Forget login attempts older than a day and job runs older than 90 days (failures: a year).'))
def purge_old_records(period, now):
    """Forget login attempts older than a day and job runs older than 90 days (failures: a year)."""
    counts = {name: func(now) for name, func in _purges.items()}
    runs = db.session.execute(sa.delete(JobRun).where(
        JobRun.started_at < now - timedelta(days=90),
        sa.or_(JobRun.outcome != RunOutcome.failed, JobRun.started_at < now - timedelta(days=365)))).rowcount
    return counts | {'job_runs': runs}
