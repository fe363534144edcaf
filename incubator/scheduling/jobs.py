"""Housekeeping of the scheduling records themselves."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.auth.models import LoginAttempt
from incubator.extensions import db
from incubator.scheduling.models import JobRun, RunOutcome
from incubator.scheduling.registry import daily, job


@job('housekeeping.purge', trigger={'trigger': 'cron', 'hour': 3, 'minute': 17}, period=daily,
     description=_l('Forget login attempts older than a day and job runs older than 90 days (failures: a year).'))
def purge_old_records(period, now):
    """Forget login attempts older than a day and job runs older than 90 days (failures: a year)."""
    attempts = db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.attempted_at < now - timedelta(days=1))).rowcount
    runs = db.session.execute(sa.delete(JobRun).where(
        JobRun.started_at < now - timedelta(days=90),
        sa.or_(JobRun.outcome != RunOutcome.failed, JobRun.started_at < now - timedelta(days=365)))).rowcount
    return {'login_attempts': attempts, 'job_runs': runs}
