"""Job id → function, trigger and period: the one list the scheduler process runs.

A job is a plain function ``func(period, now)`` returning a dict of counts. Jobs
with ``once_per_period`` get their effect claimed per period key, so a second
scheduler, a retry or an operator's manual run for the same period does nothing.
Jobs without it (the outbox sender) must be safe to overlap on their own.
Period keys are days, months and quarters of the programme's timezone (``WUTONG_TIMEZONE``).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import format_time, gettext, ngettext, pgettext

from incubator.core.formatting import local_date, local_month
from incubator.core.time import programme_timezone


def daily(now):
    return now.astimezone(programme_timezone()).strftime('%Y-%m-%d')


def hourly(now):
    return now.astimezone(programme_timezone()).strftime('%Y-%m-%dT%H')


def every_minute(now):
    return now.astimezone(programme_timezone()).strftime('%Y-%m-%dT%H:%M')


def quarterly(now):
    local = now.astimezone(programme_timezone())
    return f'{local.year}-Q{(local.month - 1) // 3 + 1}'


def monthly(now):
    return now.astimezone(programme_timezone()).strftime('%Y-%m')


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable
    trigger: dict
    period: Callable[[datetime], str]
    once_per_period: bool = True
    description: str = ''
    title: str = ''
    misfire_grace_time: int = field(default=3600)

    @property
    def schedule(self):
        """When the job runs, in the reader's words (administrators read it on the jobs page)."""
        return describe_trigger(self.trigger)

    def current_period(self, now):
        """The period ``now`` falls in, in the reader's words."""
        return describe_period(self.period(now))


def describe_trigger(trigger):
    """APScheduler trigger arguments as a sentence; the arguments themselves for a shape not described."""
    fields = {key: value for key, value in trigger.items() if key not in ('trigger', 'jitter')}
    if trigger['trigger'] == 'interval' and len(fields) == 1:
        (unit, count), = fields.items()
        # One unit has its own words (Chinese has one plural form: "every 1 minute" would read so).
        ones = {'seconds': lambda: pgettext('schedule', 'every second'),
                'minutes': lambda: pgettext('schedule', 'every minute'),
                'hours': lambda: pgettext('schedule', 'every hour'), 'days': lambda: pgettext('schedule', 'every day')}
        texts = {'seconds': lambda n: ngettext('every second', 'every %(num)d seconds', n),
                 'minutes': lambda n: ngettext('every minute', 'every %(num)d minutes', n),
                 'hours': lambda n: ngettext('every hour', 'every %(num)d hours', n),
                 'days': lambda n: ngettext('every day', 'every %(num)d days', n)}
        if unit in texts:
            return ones[unit]() if count == 1 else texts[unit](count)
    if trigger['trigger'] == 'cron':
        if set(fields) == {'minute'}:
            return gettext('every hour at minute %(minute)d', minute=int(fields['minute']))
        if set(fields) == {'hour', 'minute'}:
            return gettext('every day at %(time)s', time=f"{int(fields['hour']):02d}:{int(fields['minute']):02d}")
    return ' '.join(f'{key}={value}' for key, value in fields.items()) + f" ({trigger['trigger']})"


def describe_period(key):
    """A period key (``2026-12-07T22``, ``2026-Q4``) as administrators say it, in their language: the day, the hour
    or minute, the month or the quarter of the programme's timezone. Any other key is shown as it is."""
    match = re.fullmatch(r'(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2}))?)?)?|(\d{4})-Q([1-4])', key or '')
    try:
        if match is None:
            return key
        if match[6]:
            return gettext('Q%(quarter)d %(year)d', quarter=int(match[7]), year=int(match[6]))
        year, month = int(match[1]), int(match[2])
        if match[3] is None:
            return local_month(date(year, month, 1))
        day = local_date(date(year, month, int(match[3])))
        if match[4] is None:
            return day
        hour = int(match[4])
        if match[5] is None:
            return gettext('%(day)s, %(start)s–%(end)s', day=day, start=format_time(time(hour), 'short'),
                           end=format_time(time((hour + 1) % 24), 'short'))
        return f"{day} {format_time(time(hour, int(match[5])), 'short')}"
    except ValueError:
        return key


_jobs: dict[str, Job] = {}


def job(name, *, trigger, period=daily, once_per_period=True, misfire_grace_time=3600, description=None,
        title=None):
    """Register ``func`` under ``name``; ``trigger`` holds APScheduler trigger arguments.

    ``title`` and ``description`` (translatable) are what administrators read: the title names the job in
    their language (the name by default), the description says what it does (the docstring by default).
    """
    def decorator(func):
        if name in _jobs and _jobs[name].func is not func:
            raise ValueError(f'job {name!r} registered twice')
        _jobs[name] = Job(name=name, func=func, trigger=dict(trigger), period=period,
                          once_per_period=once_per_period, title=title or name,
                          description=description or (func.__doc__ or '').strip().split('\n')[0],
                          misfire_grace_time=misfire_grace_time)
        return func
    return decorator


def load_jobs():
    """Every registered job: each domain's ``init_app`` imports its ``jobs`` module, whose decorators register."""
    return dict(_jobs)


def get_job(name):
    load_jobs()
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f'no job named {name!r}; see "flask jobs list"') from None


def unregister(name):
    """For tests that register a job of their own."""
    _jobs.pop(name, None)

