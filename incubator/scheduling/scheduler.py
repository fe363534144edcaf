"""The one scheduler process: APScheduler's blocking scheduler, started by ``flask scheduler``.

Never start it inside web workers: every gunicorn worker would run every job.
Each registered job becomes an APScheduler job with a fixed id, ``coalesce`` and a
misfire grace time; each run goes through the runner, so a period's effect
happens once even if a second scheduler process runs by mistake. At start-up,
a fire time missed while the process was down (within ``CATCH_UP``) is run for
its period.
"""
import logging
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from incubator.core.time import now_utc, programme_timezone
from incubator.scheduling.registry import load_jobs
from incubator.scheduling.runner import run_job

logger = logging.getLogger(__name__)
CATCH_UP = timedelta(days=1)


def build_trigger(spec, tz=None):
    """An APScheduler trigger firing on the wall clock of ``tz`` (the programme's timezone by default)."""
    spec = dict(spec)
    kind = spec.pop('trigger')
    tz = tz or programme_timezone()
    if kind == 'cron':
        return CronTrigger(timezone=tz, **spec)
    if kind == 'interval':
        return IntervalTrigger(timezone=tz, **spec)
    raise ValueError(f'unknown trigger {kind!r}')


def _runner(app, name):
    def run():
        with app.app_context():
            run_job(name)
    return run


def missed_fire_time(trigger, now, window=CATCH_UP):
    """The latest fire time in ``(now - window, now]``, or None."""
    fire_time, latest = trigger.get_next_fire_time(None, now - window), None
    while fire_time is not None and fire_time <= now:
        latest = fire_time
        fire_time = trigger.get_next_fire_time(fire_time, fire_time + timedelta(microseconds=1))
    return latest


def catch_up(app, jobs, now=None):
    now = now or now_utc()
    with app.app_context():
        tz = programme_timezone()
    for job in jobs.values():
        if not job.once_per_period:
            continue
        fire_time = missed_fire_time(build_trigger(job.trigger, tz), now)
        if fire_time is not None:
            with app.app_context():
                run_job(job.name, now=fire_time)


def create_scheduler(app, scheduler_class=BlockingScheduler):
    with app.app_context():
        tz = programme_timezone()
    scheduler = scheduler_class(timezone=tz)
    for job in load_jobs().values():
        scheduler.add_job(_runner(app, job.name), build_trigger(job.trigger, tz), id=job.name, name=job.name,
                          replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=job.misfire_grace_time)
    return scheduler


def run_scheduler(app):
    jobs = load_jobs()
    catch_up(app, jobs)
    scheduler = create_scheduler(app)
    logger.info('Scheduler started with %d jobs: %s', len(jobs), ', '.join(sorted(jobs)))
    scheduler.start()
