"""The read side: the years with their status, and a year's days."""
from datetime import date

import sqlalchemy as sa

from incubator.core.calendar import CalendarDay, CalendarYear, years_to_complete
from incubator.extensions import db


def year_overview(now=None):
    """Every stored year, newest first, with its counts; this year and next listed even without a row."""
    counts = dict(db.session.execute(
        sa.select(sa.extract('year', CalendarDay.day).cast(sa.Integer), sa.func.count())
        .group_by(sa.extract('year', CalendarDay.day))).all())
    rows = {row.year: row for row in db.session.execute(sa.select(CalendarYear)).scalars()}
    missing = years_to_complete(now)
    years = sorted(set(rows) | set(missing), reverse=True)
    return [(year, rows.get(year), counts.get(year, 0)) for year in years], missing


def days_of(year):
    return db.session.execute(
        sa.select(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day)).scalars().all()
