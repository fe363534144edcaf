"""The write side of the calendar: add, correct and remove days, mark a year complete. Flush, never commit."""
import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.core.calendar import FIRST_YEAR, LAST_YEAR, CalendarDay, CalendarYear, DayKind, YearSource
from incubator.core.errors import Conflict, DomainError
from incubator.core.time import now_utc
from incubator.core.transactions import helper, operation
from incubator.extensions import db

logger = logging.getLogger(__name__)


@helper
def year_of(year, create=False):
    """The year's row; a year an administrator starts entering gets one (incomplete) when ``create``."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(_l('Enter a date between %(first)d and %(last)d.'), code='calendar.year_out_of_range',
                          first=FIRST_YEAR, last=LAST_YEAR)
    row = db.session.get(CalendarYear, year)
    if row is None and create:
        row = CalendarYear(year=year, source=YearSource.admin, is_complete=False)
        db.session.add(row)
    return row


def _check_day(day, kind, ignore=None):
    year_of(day.year)
    if kind == DayKind.make_up_workday and day.weekday() < 5:
        raise DomainError(_l('A make-up working day falls on a Saturday or Sunday: Monday to Friday are '
                             'working days anyway.'), code='calendar.make_up_on_weekday')
    taken = db.session.execute(sa.select(CalendarDay).filter_by(day=day)).scalar_one_or_none()
    if taken is not None and taken is not ignore:
        raise Conflict(_l('%(day)s is already in the calendar: correct that entry instead.'),
                       code='calendar.day_taken', day=day.isoformat())


@operation
def add_day(actor, day, kind, name):
    """Add a public holiday or make-up workday; its year is created (incomplete) if it has no row yet."""
    _check_day(day, kind)
    year_of(day.year, create=True)
    entry = CalendarDay(day=day, kind=kind, name=name)
    db.session.add(entry)
    db.session.flush()
    logger.info('Calendar day %s (%s) added by %s', day, kind.value, actor.email)
    return entry


@operation
def update_day(actor, entry, day, kind, name):
    """Correct a day: its date (within or into another year), kind or name."""
    _check_day(day, kind, ignore=entry)
    year_of(day.year, create=True)
    entry.day, entry.kind, entry.name = day, kind, name
    db.session.flush()
    logger.info('Calendar day %s corrected by %s', entry.id, actor.email)
    return entry


@operation
def remove_day(actor, entry):
    db.session.delete(entry)
    db.session.flush()
    logger.info('Calendar day %s (%s) removed by %s', entry.day, entry.kind.value, actor.email)


@operation
def mark_year_complete(actor, year):
    """Every holiday and make-up workday of the year is in: its deadlines are no longer estimated."""
    row = year_of(year, create=True)
    if row.is_complete:
        raise Conflict(_l('%(year)d is already complete.'), code='calendar.year_already_complete', year=year)
    row.is_complete, row.confirmed_by, row.confirmed_at = True, actor.email, now_utc()
    if row.source != YearSource.package:
        row.source = YearSource.admin
    db.session.flush()
    logger.info('Calendar year %s marked complete by %s', year, actor.email)
    return row


@operation
def reopen_year(actor, year):
    """Take back "complete" (e.g. the State Council changed the year): deadlines are estimated again."""
    row = year_of(year)
    if row is None or not row.is_complete:
        raise Conflict(_l('%(year)d is not complete.'), code='calendar.year_not_complete', year=year)
    row.is_complete, row.confirmed_by, row.confirmed_at = False, None, None
    db.session.flush()
    logger.info('Calendar year %s reopened by %s', year, actor.email)
    return row
