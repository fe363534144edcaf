"""Run a job for a period inside an app context and a transaction, and record the run."""
import logging
import socket
import traceback

import sqlalchemy as sa

from incubator.core.audit import acting_as
from incubator.core.db import expecting_writes
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.scheduling.models import JobClaim, JobRun, RunOutcome
from incubator.scheduling.registry import get_job

logger = logging.getLogger(__name__)


def run_job(name, period=None, now=None):
    """Run job ``name`` for ``period`` (default: the period of ``now``); return its JobRun.

    The run record is committed on its own so failures stay visible. The claim and
    the job's effect commit together: if the job fails, both roll back and a later
    run may try again; if another process claimed the period first, this run is
    recorded as skipped and changes nothing. Every transaction of a run writes, so
    on SQLite each takes the write lock first (see ``expecting_writes``).
    """
    with expecting_writes():
        return _run_job(name, period, now)


def _run_job(name, period, now):
    job = get_job(name)
    now = now or now_utc()
    period = period or job.period(now)
    run = JobRun(job_name=name, period_key=period, host=socket.gethostname()[:100])
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        if job.once_per_period:
            db.session.add(JobClaim(job_name=name, period_key=period, run_id=run_id))
            db.session.flush()
        with acting_as(f'job:{name}'):
            counts = job.func(period=period, now=now) or {}
            db.session.flush()
        db.session.commit()
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        if not _claimed_elsewhere(name, period):
            return _finish(run_id, RunOutcome.failed, error=_describe(error))
        logger.info('Job %s for %s was already done; skipped', name, period)
        return _finish(run_id, RunOutcome.skipped)
    except Exception as error:
        db.session.rollback()
        logger.exception('Job %s for %s failed', name, period)
        return _finish(run_id, RunOutcome.failed, error=_describe(error))
    logger.info('Job %s for %s done: %s', name, period, counts)
    return _finish(run_id, RunOutcome.succeeded, counts=counts)


def _claimed_elsewhere(name, period):
    query = sa.select(JobClaim.id).filter_by(job_name=name, period_key=period)
    return db.session.execute(query).first() is not None


def _describe(error):
    return ''.join(traceback.format_exception_only(type(error), error)).strip()[:4000]


def _finish(run_id, outcome, counts=None, error=None):
    run = db.session.get(JobRun, run_id)
    run.outcome = outcome
    run.finished_at = now_utc()
    run.counts = counts
    run.error = error
    db.session.commit()
    return run
