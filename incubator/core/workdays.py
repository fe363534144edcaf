"""Working-day arithmetic for deadlines.

Deadlines in Wutong are counted in working days, not calendar days. In
mainland China that means the official calendar published each year by the
State Council General Office: public holidays are off, and the make-up
workdays (调休) that compensate for them are on, even when they fall on a
Saturday or Sunday. Deployments elsewhere can use plain weekends instead.

The calendar is chosen by name (``calendar_for('china')`` or
``calendar_for('weekends')``) so the app can wire it from configuration.

Counting rules, used consistently by every function here:

* Days are counted on the *local* calendar date. Aware datetimes are first
  converted to ``tz`` (default: the programme's timezone, ``WUTONG_TIMEZONE``),
  because "the next working day" depends on where the office is, not on UTC.
* The start day never counts, whether or not it is a working day; the end
  day does. ``add_working_days(d, n)`` is the n-th working day strictly after
  ``d``, and ``working_days_between(d, add_working_days(d, n)) == n``.
* ``n == 0`` means no time passes: the start is returned as is, even if it
  falls on a holiday (it is *not* rolled forward to the next working day).

``ChinaCalendar`` is the ``chinesecalendar`` package itself, known only for the
years it ships data for (the State Council publishes each year's calendar late
in the previous year); outside them it raises ``CalendarNotAvailable`` rather
than guess. The app does not count on it directly: it seeds the database from it
(:func:`package_days`), administrators complete the years the package lacks,
and :mod:`incubator.core.calendar` computes deadlines from the database.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol, overload, runtime_checkable

import chinese_calendar

from incubator.core.time import programme_timezone

__all__ = [
    'CalendarNotAvailable',
    'WorkingCalendar',
    'ChinaCalendar',
    'WeekendCalendar',
    'CALENDARS',
    'calendar_for',
    'add_working_days',
    'working_days_between',
    'next_working_day',
    'package_label',
    'package_years',
    'package_days',
]

# No real calendar has a year without working days; a longer gap means a
# broken calendar, and we would rather fail than loop forever.
_MAX_CONSECUTIVE_DAYS_OFF = 366


class CalendarNotAvailable(ValueError):
    """The calendar has no data for ``year`` (e.g. a year not yet published)."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f'no working-day calendar data for {year}; '
            'upgrade the chinesecalendar package once that year is published'
        )


@runtime_checkable
class WorkingCalendar(Protocol):
    """Anything that can say whether a given local date is a working day."""

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` (a plain date, not a datetime) is a working day."""
        ...

    def is_public_holiday(self, d: date) -> bool:
        """True if ``d`` is a public holiday (not merely a weekend)."""
        ...


def _require_date(d: date) -> date:
    """Refuse datetimes where a date is meant: their 'date' depends on a timezone."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f'expected a date, got {type(d).__name__}')
    return d


class ChinaCalendar(WorkingCalendar):
    """Mainland China: official holidays off, make-up workdays (调休) on."""

    def is_working_day(self, d: date) -> bool:
        _require_date(d)
        try:
            # is_workday already knows both holidays and make-up workdays.
            return chinese_calendar.is_workday(d)
        except NotImplementedError as exc:  # the package's "year not supported"
            raise CalendarNotAvailable(d.year) from exc

    def is_public_holiday(self, d: date) -> bool:
        """A named public holiday (National Day, Spring Festival…), whatever the weekday; not a plain weekend."""
        _require_date(d)
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError as exc:
            raise CalendarNotAvailable(d.year) from exc
        return on_holiday and name is not None

    def __repr__(self) -> str:
        return 'ChinaCalendar()'


class WeekendCalendar(WorkingCalendar):
    """Monday to Friday are working days, except the given extra closed dates."""

    def __init__(self, closed: Iterable[date] = ()) -> None:
        self.closed: frozenset[date] = frozenset(_require_date(d) for d in closed)

    def is_working_day(self, d: date) -> bool:
        _require_date(d)
        return d.weekday() < 5 and d not in self.closed

    def is_public_holiday(self, d: date) -> bool:
        return _require_date(d) in self.closed

    def __repr__(self) -> str:
        return f'WeekendCalendar(closed={sorted(self.closed)!r})'


CALENDARS: dict[str, type[WorkingCalendar]] = {
    'china': ChinaCalendar,
    'weekends': WeekendCalendar,
}


def calendar_for(name: str) -> WorkingCalendar:
    """The calendar configured as ``name``: 'china' or 'weekends'."""
    try:
        return CALENDARS[name]()
    except KeyError:
        known = ', '.join(repr(key) for key in CALENDARS)
        raise ValueError(f'unknown working-day calendar {name!r}; expected one of {known}') from None


def next_working_day(d: date, calendar: WorkingCalendar) -> date:
    """The first working day strictly after ``d`` (``d`` itself never counts)."""
    _require_date(d)
    day = d
    for _ in range(_MAX_CONSECUTIVE_DAYS_OFF):
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            return day
    raise ValueError(f'{calendar!r} has no working day within a year after {d}')


def _local_date(value: date, tz: tzinfo) -> date:
    """The calendar date of ``value`` where the office is; dates pass through."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError('naive datetime: give an aware datetime so its local date is unambiguous')
        return value.astimezone(tz or programme_timezone()).date()
    return _require_date(value)


@overload
def add_working_days(start: datetime, n: int, calendar: WorkingCalendar,
                     tz: tzinfo | None = None) -> datetime: ...
@overload
def add_working_days(start: date, n: int, calendar: WorkingCalendar,
                     tz: tzinfo | None = None) -> date: ...
def add_working_days(start: date | datetime, n: int, calendar: WorkingCalendar,
                     tz: tzinfo | None = None) -> date | datetime:
    """The deadline ``n`` working days after ``start``.

    For a date, the n-th working day strictly after it. For an aware datetime,
    the same wall-clock time in ``tz`` on the n-th working day after its local
    date, returned as an aware UTC datetime (what the app stores). With
    ``n == 0`` the start itself is returned (a datetime as the same instant in
    UTC), even on a day off: no working time has to pass, so nothing moves.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f'n must be a non-negative integer, got {n!r}')
    start_day = _local_date(start, tz)  # also refuses naive datetimes, even for n == 0
    day = start_day
    for _ in range(n):
        day = next_working_day(day, calendar)

    if not isinstance(start, datetime):
        return day
    if n == 0:
        return start.astimezone(UTC)
    # Same wall-clock time on the new local date; tz's offset for that date applies.
    local = start.astimezone(tz or programme_timezone())
    return local.replace(year=day.year, month=day.month, day=day.day).astimezone(UTC)


def working_days_between(start: date | datetime, end: date | datetime, calendar: WorkingCalendar,
                         tz: tzinfo | None = None) -> int:
    """How many working days d have local(start) < d <= local(end).

    The start day does not count and the end day does, so this inverts
    ``add_working_days``. Returns 0 when end is not after start: the count is
    never negative. Dates and aware datetimes (converted to ``tz``) may be mixed.
    """
    first = _local_date(start, tz)
    last = _local_date(end, tz)
    count = 0
    day = first + timedelta(days=1)
    while day <= last:
        if calendar.is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


# --- the package's data, to seed the database with ------------------------------------

#: The package's holiday names and the names Wutong keeps (the official Chinese ones).
HOLIDAY_NAMES = {
    "New Year's Day": '元旦',
    'Spring Festival': '春节',
    'Tomb-sweeping Day': '清明节',
    'Labour Day': '劳动节',
    'Dragon Boat Festival': '端午节',
    'Mid-autumn Festival': '中秋节',
    'National Day': '国庆节',
    'Anti-Fascist 70th Day': '抗战胜利70周年纪念日',
}


def package_label() -> str:
    """The package and its version, as the source of the years seeded from it."""
    return f'chinesecalendar {getattr(chinese_calendar, "__version__", "")}'.strip()


def package_years() -> list[int]:
    """The years the installed ``chinesecalendar`` package knows completely."""
    known = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    return list(range(min(known).year, max(known).year + 1))


def package_days() -> list[tuple[date, str, str]]:
    """``(date, kind, name)`` of every public holiday (kind 'holiday') and make-up workday ('make_up_workday').

    Only the days that differ from the plain rule: weekends off, Monday to Friday on. ``name`` is the
    holiday's Chinese name; a make-up workday takes the name of the holiday it makes up for.
    """
    days = [(day, 'holiday', HOLIDAY_NAMES.get(name, name)) for day, name in chinese_calendar.holidays.items()]
    days += [(day, 'make_up_workday', HOLIDAY_NAMES.get(name, name))
             for day, name in chinese_calendar.workdays.items() if day.weekday() >= 5]
    return sorted(days)
