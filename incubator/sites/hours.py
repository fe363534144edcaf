"""When a site is open: its weekly hours, its own closed days and the public holidays.

Everything here works on the site's local calendar and hands back aware UTC
instants, so a site in a timezone with daylight saving gets a 23- or 25-hour
day right. Rules:

* A weekday without opening hours is closed.
* A site that follows public holidays is closed on them (National Day, Spring
  Festival, …) and open on the make-up workdays (调休) that compensate them;
  a make-up workday on a weekend uses that weekday's hours, or Monday's if the
  site is normally closed then.
* A year the working calendar does not know yet has no public holidays: only
  the site's own closed days apply (managers add them by hand until the
  calendar package is upgraded); :func:`unknown_holiday_years` tells which.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from incubator.core.time import from_local
from incubator.core.workdays import CalendarNotAvailable, site_calendar


@dataclass(frozen=True)
class OpenWindow:
    day: date
    start_at: datetime
    end_at: datetime


def _hours_by_weekday(site):
    return {hours.weekday: hours for hours in site.opening_hours}


def _hours_for(site, day, by_weekday, calendar):
    if any(closure.starts_on <= day <= closure.ends_on for closure in site.closures):
        return None
    if site.follows_public_holidays:
        try:
            if calendar.is_public_holiday(day):
                return None
            if day.weekday() >= 5 and calendar.is_working_day(day):
                return by_weekday.get(day.weekday()) or by_weekday.get(0)
        except CalendarNotAvailable:
            pass
    return by_weekday.get(day.weekday())


def _instant(site, day, minute):
    return from_local(datetime.combine(day, time()) + timedelta(minutes=minute), site.zone)


def opening_windows(site, first_day, last_day):
    """The open window of each local day from ``first_day`` to ``last_day`` (inclusive), closed days left out."""
    by_weekday = _hours_by_weekday(site)
    calendar = site_calendar()
    windows = []
    day = first_day
    while day <= last_day:
        hours = _hours_for(site, day, by_weekday, calendar)
        if hours is not None:
            windows.append(OpenWindow(day, _instant(site, day, hours.opens_minute),
                                      _instant(site, day, hours.closes_minute)))
        day += timedelta(days=1)
    return windows


def window_containing(site, start_at, end_at):
    """The open window that holds all of ``[start_at, end_at)``, or None."""
    local_day = start_at.astimezone(site.zone).date()
    for window in opening_windows(site, local_day - timedelta(days=1), local_day):
        if window.start_at <= start_at and end_at <= window.end_at:
            return window
    return None


def open_minutes(site, first_day, last_day):
    """How many minutes the site is open over the local days ``first_day`` to ``last_day``."""
    return sum(int((window.end_at - window.start_at).total_seconds() // 60)
               for window in opening_windows(site, first_day, last_day))


def unknown_holiday_years(site, first_day, last_day):
    """The years in the range whose public holidays the working calendar does not know."""
    if not site.follows_public_holidays:
        return []
    calendar = site_calendar()
    years = []
    for year in range(first_day.year, last_day.year + 1):
        try:
            calendar.is_public_holiday(date(year, 1, 1))
        except CalendarNotAvailable:
            years.append(year)
    return years
