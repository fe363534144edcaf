"""The working-day calendar as data: public holidays and make-up workdays kept in the database.

Only the days that differ from the plain rule (Monday to Friday on, weekends off)
are stored, one :class:`CalendarDay` each. A :class:`CalendarYear` says whether a
year is complete: seeded from the ``chinesecalendar`` package (the migration and
``flask calendar seed``), or entered by an administrator when the State Council
publishes a year the package does not know yet.

Every deadline is computed from :func:`site_calendar`. A day of a year that is not
complete is still computed, on weekdays and whatever days were already entered,
but never silently: :func:`working_deadline` returns a :class:`Deadline` that says
which years it estimated, and :func:`years_without_calendar` lists them for warnings.

Each process keeps the calendar in memory under the years' stamps, which the ORM
renews in the same flush as any change of a year or its days (as sites keep their
``calendar_stamp``). A transaction (so a request) reads the stamps at most once, and
only when it computes with the calendar; a process whose stamps are stale reads the
days again.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc, programme_timezone
from incubator.core.workdays import (
    WorkingCalendar,
    _local_date,
    add_working_days,
    calendar_for,
    package_days,
    package_label,
    package_years,
)
from incubator.extensions import db

#: Years an administrator may enter: wide enough for any real calendar, narrow enough to catch typos.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def new_stamp():
    return uuid.uuid4().hex


class DayKind(LabelledEnum):
    holiday = 'holiday'
    make_up_workday = 'make_up_workday'

    @classmethod
    def labels(cls):
        return {cls.holiday: _l('Public holiday'), cls.make_up_workday: _l('Make-up working day')}


class YearSource(LabelledEnum):
    package = 'package'
    admin = 'admin'

    @classmethod
    def labels(cls):
        return {cls.package: _l('chinesecalendar package'), cls.admin: _l('Entered by an administrator')}


@audited('calendar_year', _l('Working-day calendar year'), label=lambda year: str(year.year),
         exclude=('stamp',))
class CalendarYear(TimestampMixin, db.Model):
    """A year of the calendar: whether all its holidays and make-up workdays are in, and who said so."""

    __tablename__ = 'calendar_years'

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[YearSource] = mapped_column(enum_column(YearSource), default=YearSource.admin)
    is_complete: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Who marked it complete, as they were then (an email), or the package and its version.
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(254))
    confirmed_at: Mapped[datetime | None]
    # Renewed with every change of the year or its days: processes keep the calendar while it is current.
    stamp: Mapped[str] = mapped_column(sa.String(32), default=new_stamp, server_default='')

    def __repr__(self):
        return f'<CalendarYear {self.year} {"complete" if self.is_complete else "incomplete"}>'


@audited('calendar_day', _l('Working-day calendar day'), label=lambda day: f'{day.day} {day.name}')
class CalendarDay(db.Model):
    """A day that differs from the weekday rule: a public holiday, or a make-up workday (调休) on a weekend."""

    __tablename__ = 'calendar_days'

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind))
    name: Mapped[str] = mapped_column(sa.String(50))

    def __repr__(self):
        return f'<CalendarDay {self.day} {self.kind.value}>'


@sa.event.listens_for(Session, 'before_flush')
def _renew_stamps(session, flush_context, instances):
    """A new stamp for every year whose days change in this flush, so no process keeps the old calendar."""
    years = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CalendarDay):
            years.add(obj.day.year)
            history = sa.inspect(obj).attrs.day.history
            years.update(day.year for day in history.deleted or () if day is not None)
        elif isinstance(obj, CalendarYear) and obj not in session.new and session.is_modified(obj):
            years.add(obj.year)
    if not years:
        return
    with session.no_autoflush:
        for year in years:
            row = session.get(CalendarYear, year)
            if row is not None and row not in session.deleted:
                row.stamp = new_stamp()
    _forget_checked()


@sa.event.listens_for(Session, 'after_commit')
@sa.event.listens_for(Session, 'after_rollback')
def _transaction_ended(session):
    """The next transaction may see other processes' changes: it checks the stamps again."""
    _forget_checked()


def _forget_checked():
    if has_app_context():
        g.pop('_stored_calendar', None)


# --- the calendar every computation uses ---------------------------------------------------

#: The names seeded from the package, as each language calls them (an administrator's own names show as typed).
HOLIDAY_LABELS = {
    '元旦': _l("New Year's Day"),
    '春节': _l('Spring Festival'),
    '清明节': _l('Tomb-sweeping Day'),
    '劳动节': _l('Labour Day'),
    '端午节': _l('Dragon Boat Festival'),
    '中秋节': _l('Mid-autumn Festival'),
    '国庆节': _l('National Day'),
    '抗战胜利70周年纪念日': _l('70th anniversary of the victory of the War of Resistance'),
}


def holiday_name(name):
    """A stored holiday name in the reader's language."""
    return HOLIDAY_LABELS.get(name, name)


@dataclass(frozen=True)
class StoredCalendar(WorkingCalendar):
    """A copy of the database's calendar: the days that differ from weekdays, and the complete years."""

    holidays: frozenset
    make_up_workdays: frozenset
    complete_years: frozenset

    def is_working_day(self, d: date) -> bool:
        if d in self.holidays:
            return False
        return d in self.make_up_workdays or d.weekday() < 5

    def is_public_holiday(self, d: date) -> bool:
        return d in self.holidays

    def knows(self, year: int) -> bool:
        return year in self.complete_years


#: (stamps of the years, StoredCalendar) as this process last read them.
_kept = None


def stored_calendar() -> StoredCalendar:
    """The database's calendar, its stamps checked at most once per transaction."""
    global _kept
    if has_app_context() and '_stored_calendar' in g:
        return g._stored_calendar
    stamps = dict(db.session.execute(sa.select(CalendarYear.year, CalendarYear.stamp)).all())
    kept = _kept
    if kept is None or kept[0] != stamps:
        complete = db.session.execute(sa.select(CalendarYear.year).filter_by(is_complete=True)).scalars()
        days = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all()
        calendar = StoredCalendar(frozenset(day for day, kind in days if kind == DayKind.holiday),
                                  frozenset(day for day, kind in days if kind == DayKind.make_up_workday),
                                  frozenset(complete))
        kept = _kept = (stamps, calendar)
    g._stored_calendar = kept[1]
    return kept[1]


class DatabaseCalendar(WorkingCalendar):
    """The stored calendar, read only when first asked: pages that never count days pay no query."""

    def is_working_day(self, d: date) -> bool:
        return stored_calendar().is_working_day(d)

    def is_public_holiday(self, d: date) -> bool:
        return stored_calendar().is_public_holiday(d)

    def knows(self, year: int) -> bool:
        return stored_calendar().knows(year)

    def __repr__(self):
        return 'DatabaseCalendar()'


def site_calendar() -> WorkingCalendar:
    """The deployment's calendar (``WORKING_CALENDAR``): 'china' is the database's, 'weekends' plain weekdays."""
    name = current_app.config['WORKING_CALENDAR']
    if name == 'china':
        return DatabaseCalendar()
    return calendar_for(name)


def years_without_calendar(first: date | datetime, last: date | datetime, calendar: WorkingCalendar | None = None,
                           tz: tzinfo | None = None) -> list[int]:
    """The years from ``first`` to ``last`` (local dates) whose holidays are not all entered yet.

    Always empty for a calendar without public holidays (plain weekends).
    """
    calendar = calendar or site_calendar()
    if not hasattr(calendar, 'knows'):
        return []
    first, last = _local_date(first, tz), _local_date(last, tz)
    return [year for year in range(first.year, last.year + 1) if not calendar.knows(year)]


@dataclass(frozen=True)
class Deadline:
    """When a deadline in working days falls, and the years counted on plain weekdays for want of data."""

    at: date | datetime
    estimated_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)


def working_deadline(start: date | datetime, n: int, calendar: WorkingCalendar | None = None,
                     tz: tzinfo | None = None) -> Deadline:
    """``n`` working days after ``start`` (see :func:`incubator.core.workdays.add_working_days`), with its warning.

    A year without complete calendar data is counted on weekdays (and the days already entered), and the
    result says so: show ``estimated_years`` wherever the deadline is shown (``workcalendar/macros.html``).
    """
    calendar = calendar or site_calendar()
    at = add_working_days(start, n, calendar, tz)
    return Deadline(at, tuple(years_without_calendar(start, at, calendar, tz)))


def years_to_complete(now: datetime | None = None) -> list[int]:
    """This year and the next, where not complete: what administrators are warned about."""
    today = (now or now_utc()).astimezone(programme_timezone()).date()
    return years_without_calendar(today, date(today.year + 1, 1, 1))


# --- seeding from the package ------------------------------------------------------------

def seed_from_package(connection) -> list[int]:
    """Store the package's years that the database does not hold yet; return them.

    Years already there (from the package or from an administrator) are left alone, so this is safe
    to run again after upgrading the package. Runs on a plain connection: the migration seeds with it.
    """
    years_table, days_table = CalendarYear.__table__, CalendarDay.__table__
    held = set(connection.execute(sa.select(years_table.c.year)).scalars())
    new_years = [year for year in package_years() if year not in held]
    if not new_years:
        return []
    now = now_utc()
    connection.execute(sa.insert(years_table), [
        {'year': year, 'source': YearSource.package.value, 'is_complete': True, 'confirmed_at': now,
         'confirmed_by': package_label(),
         'stamp': new_stamp(), 'created_at': now, 'updated_at': now} for year in new_years])
    taken = set(connection.execute(sa.select(days_table.c.day)).scalars())
    rows = [{'day': day, 'kind': kind, 'name': name} for day, kind, name in package_days()
            if day.year in new_years and day not in taken]
    if rows:
        connection.execute(sa.insert(days_table), rows)
    return new_years

