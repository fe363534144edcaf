"""``flask jobs list``, ``flask jobs run NAME [--period P]`` and ``flask scheduler``."""
import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from incubator.core.time import now_utc
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.queries import last_runs_by_job
from incubator.scheduling.registry import get_job, load_jobs
from incubator.scheduling.runner import run_job

jobs_cli = AppGroup('jobs', help='Scheduled jobs.')


@jobs_cli.command('list')
def list_jobs():
    """List the registered jobs with their trigger and last run."""
    last = last_runs_by_job()
    for name, job in sorted(load_jobs().items()):
        trigger = ', '.join(f'{key}={value}' for key, value in job.trigger.items())
        run = last.get(name)
        last_text = f'{run.outcome.value} {run.period_key} {run.started_at:%Y-%m-%d %H:%M}Z' if run else 'never run'
        once = 'once per period' if job.once_per_period else 'overlap-safe'
        click.echo(f'{name:32} {trigger:40} {once:16} now: {job.period(now_utc()):18} last: {last_text}')
        if job.description:
            click.echo(f'{"":32} {job.description}')


@jobs_cli.command('run')
@click.argument('name')
@click.option('--period', help='Period key (default: the current period of the job).')
def run_job_command(name, period):
    """Run one job now, for the current period or the one given."""
    try:
        get_job(name)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    run = run_job(name, period=period)
    click.echo(f'{name} {run.period_key}: {run.outcome.value} {run.counts or ""}')
    if run.outcome == RunOutcome.failed:
        click.echo(run.error, err=True)
        raise SystemExit(1)


@click.command('scheduler')
@with_appcontext
def scheduler_command():
    """Run the scheduler process (exactly one per deployment; never inside web workers)."""
    from incubator.scheduling.scheduler import run_scheduler
    run_scheduler(current_app._get_current_object())
