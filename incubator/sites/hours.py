"""When a site is open: its weekly hours, its own closed days and the public holidays.

Everything here works on the site's local calendar and hands back aware UTC
instants, so a site in a timezone with daylight saving gets a 23- or 25-hour
day right. Rules:

* A weekday without opening hours is closed.
* A site that follows public holidays is closed on them (National Day, Spring
  Festival, …) and open on the make-up workdays (调休) that compensate them;
  a make-up workday on a weekend uses that weekday's hours, or Monday's if the
  site is normally closed then.
* A year the working calendar does not hold completely yet has only the public
  holidays already entered (administrators enter each year's calendar at
  /admin/calendar/ when the State Council publishes it); beyond them the site's
  own closed days apply. :func:`unknown_holiday_years` tells which years.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from incubator.core.calendar import site_calendar, years_without_calendar
from incubator.core.time import from_local


@dataclass(frozen=True)
class OpenWindow:
    day: date
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True)
class SiteCalendar:
    """What decides when a site is open, copied out of the session so that a process can keep it."""

    zone: ZoneInfo
    follows_public_holidays: bool
    hours: dict         # weekday -> (opens_minute, closes_minute)
    closures: tuple     # (starts_on, ends_on), inclusive

    @classmethod
    def of(cls, site):
        return cls(site.zone, site.follows_public_holidays,
                   {hours.weekday: (hours.opens_minute, hours.closes_minute) for hours in site.opening_hours},
                   tuple((closure.starts_on, closure.ends_on) for closure in site.closures))

    def hours_on(self, day, working_calendar):
        """``(opens_minute, closes_minute)`` of a local day, or None if the site is closed then."""
        if any(starts_on <= day <= ends_on for starts_on, ends_on in self.closures):
            return None
        if self.follows_public_holidays:
            if working_calendar.is_public_holiday(day):
                return None
            if day.weekday() >= 5 and working_calendar.is_working_day(day):
                return self.hours.get(day.weekday()) or self.hours.get(0)
        return self.hours.get(day.weekday())


#: site id -> (calendar_stamp, SiteCalendar): a booking page then needs no query for hours and closures.
_calendars = {}


def calendar_of(site):
    """The site's calendar, read from the database once per change of its ``calendar_stamp`` in a process.

    A site with changes not yet flushed is read afresh and not kept.
    """
    if sa.inspect(site).modified:
        return SiteCalendar.of(site)
    kept = _calendars.get(site.id)
    if kept is not None and kept[0] == site.calendar_stamp:
        return kept[1]
    stamp = site.calendar_stamp  # read before the hours: what is kept is never older than its stamp
    calendar = SiteCalendar.of(site)
    _calendars[site.id] = (stamp, calendar)
    return calendar


def _instant(zone, day, minute):
    return from_local(datetime.combine(day, time()) + timedelta(minutes=minute), zone)


def opening_windows(site, first_day, last_day):
    """The open window of each local day from ``first_day`` to ``last_day`` (inclusive), closed days left out."""
    return _windows(calendar_of(site), first_day, last_day)


def _windows(calendar, first_day, last_day):
    working_calendar = site_calendar()
    windows = []
    day = first_day
    while day <= last_day:
        hours = calendar.hours_on(day, working_calendar)
        if hours is not None:
            windows.append(OpenWindow(day, _instant(calendar.zone, day, hours[0]),
                                      _instant(calendar.zone, day, hours[1])))
        day += timedelta(days=1)
    return windows


def window_containing(site, start_at, end_at):
    """The open window that holds all of ``[start_at, end_at)``, or None."""
    calendar = calendar_of(site)
    local_day = start_at.astimezone(calendar.zone).date()
    for window in _windows(calendar, local_day - timedelta(days=1), local_day):
        if window.start_at <= start_at and end_at <= window.end_at:
            return window
    return None


def open_minutes(site, first_day, last_day):
    """How many minutes the site is open over the local days ``first_day`` to ``last_day``."""
    return sum(int((window.end_at - window.start_at).total_seconds() // 60)
               for window in opening_windows(site, first_day, last_day))


def unknown_holiday_years(site, first_day, last_day):
    """The years in the range whose public holidays the working calendar does not hold completely."""
    if not site.follows_public_holidays:
        return []
    return years_without_calendar(first_day, last_day)
