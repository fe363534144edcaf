"""The read side of scheduling: recent runs and failures."""
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.extensions import db
from incubator.scheduling.models import JobRun, RunOutcome


def _latest_runs():
    """Each job's latest run, as a subquery of ids."""
    return sa.select(JobRun.job_name, sa.func.max(JobRun.id).label('id')).group_by(JobRun.job_name).subquery()


def _latest(*columns):
    latest = _latest_runs()
    return sa.select(*columns).join(latest, JobRun.id == latest.c.id)


def last_runs_by_job():
    return {run.job_name: run for run in db.session.execute(_latest(JobRun)).scalars()}


def recent_runs(job_name=None, outcome=None, limit=100):
    query = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job_name:
        query = query.where(JobRun.job_name == job_name)
    if outcome:
        query = query.where(JobRun.outcome == RunOutcome(outcome))
    return db.session.execute(query).scalars().all()


def failed_jobs_count():
    """The select counting the jobs whose latest run failed."""
    return _latest(sa.func.count(JobRun.id)).where(JobRun.outcome == RunOutcome.failed)


def failed_jobs_first(limit):
    """The latest failed runs of the jobs whose latest run failed, the most recent first."""
    return db.session.execute(
        _latest(JobRun).where(JobRun.outcome == RunOutcome.failed)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)).scalars().all()


@dataclass
class IdleRuns:
    """Runs of one job in a row that did nothing (every count zero, or the period already done): one line."""

    job_name: str
    runs: list

    @property
    def first(self):
        return self.runs[-1]

    @property
    def last(self):
        return self.runs[0]


def did_nothing(run):
    return (run.outcome == RunOutcome.skipped
            or (run.outcome == RunOutcome.succeeded and not any((run.counts or {}).values())))


def fold_idle_runs(runs):
    """``runs`` (newest first) with each stretch of a job's idle runs folded into one :class:`IdleRuns`;
    a stretch of one stays a run. Runs that did something or failed are shown as they are."""
    shown = []
    for run in runs:
        previous = shown[-1] if shown else None
        if did_nothing(run):
            if isinstance(previous, IdleRuns) and previous.job_name == run.job_name:
                previous.runs.append(run)
                continue
            shown.append(IdleRuns(run.job_name, [run]))
        else:
            shown.append(run)
    return [item.runs[0] if isinstance(item, IdleRuns) and len(item.runs) == 1 else item for item in shown]
