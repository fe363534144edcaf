"""The read side of scheduling: recent runs and failures."""
import sqlalchemy as sa

from incubator.extensions import db
from incubator.scheduling.models import JobRun, RunOutcome


def last_runs_by_job():
    latest = (sa.select(JobRun.job_name, sa.func.max(JobRun.id).label('id'))
              .group_by(JobRun.job_name).subquery())
    query = sa.select(JobRun).join(latest, JobRun.id == latest.c.id)
    return {run.job_name: run for run in db.session.execute(query).scalars()}


def recent_runs(job_name=None, outcome=None, limit=100):
    query = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job_name:
        query = query.where(JobRun.job_name == job_name)
    if outcome:
        query = query.where(JobRun.outcome == RunOutcome(outcome))
    return db.session.execute(query).scalars().all()


def _latest_runs():
    return sa.select(JobRun.job_name, sa.func.max(JobRun.id).label('id')).group_by(JobRun.job_name).subquery()


def failed_jobs_count():
    """The select counting the jobs whose latest run failed."""
    latest = _latest_runs()
    return (sa.select(sa.func.count(JobRun.id)).join(latest, JobRun.id == latest.c.id)
            .where(JobRun.outcome == RunOutcome.failed))


def failed_jobs_first(limit):
    """The latest failed runs of the jobs whose latest run failed, the most recent first."""
    latest = _latest_runs()
    return db.session.execute(
        sa.select(JobRun).join(latest, JobRun.id == latest.c.id).where(JobRun.outcome == RunOutcome.failed)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)).scalars().all()
