"""Occupancy of spaces over a week or a month, and no-shows per startup: the managers' report.

Definitions (minutes internally, hours on screen and in the CSV):

* The period is a week (Monday to Sunday) or a calendar month of local dates;
  each site reads it in its own timezone, ``[first day 00:00, day after the last 00:00)``.
* **Open time** of a space: the opening hours of its site on the days of the
  period (weekly hours, the site's closed days and, if it follows them, public
  holidays and make-up workdays: :mod:`incubator.sites.hours`), less the part
  of them covered by the space's blackouts; times the capacity in a hot-desk
  zone (seat-hours, each seat is booked separately), times one for any other
  space (booked whole).
* **Booked time**: confirmed bookings (checked in or not needing it), clipped
  to the period, times the seats booked in a hot-desk zone. Pending,
  cancelled and declined bookings do not count.
* **No-show time and count**: bookings released as no-shows, weighted and
  clipped the same way; a booking counts in every period it overlaps.
* **Utilisation** = booked time / open time, in per cent; none without open time.

Only active spaces of active sites are reported. The statement count does not
depend on the number of spaces or bookings: spaces with their sites' hours and
closed days (three statements), the blackouts and the bookings of the period
(one bounded statement each, columns only, clipped here), and the all-time
no-shows per startup (one grouped statement).
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from incubator.booking.models import Booking, BookingStatus
from incubator.core.time import from_local
from incubator.extensions import db
from incubator.sites.hours import opening_windows, unknown_holiday_years
from incubator.sites.models import Site
from incubator.spaces.models import MAX_BOOKING_LENGTH, Blackout, Space, SpaceKind
from incubator.startups.models import Startup

PERIOD_LENGTHS = ('week', 'month')


@dataclass(frozen=True)
class Period:
    """A week from its Monday, or a month from its first day (local dates)."""

    length: str
    first_day: date

    @classmethod
    def containing(cls, length, day):
        if length == 'month':
            return cls('month', day.replace(day=1))
        return cls('week', day - timedelta(days=day.weekday()))

    @property
    def last_day(self):
        if self.length == 'month':
            following = (self.first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
            return following - timedelta(days=1)
        return self.first_day + timedelta(days=6)

    @property
    def previous(self):
        return Period.containing(self.length, self.first_day - timedelta(days=1))

    @property
    def next(self):
        return Period.containing(self.length, self.last_day + timedelta(days=1))

    def bounds(self, zone):
        """The period as aware UTC instants ``[start, end)`` in ``zone``."""
        return (from_local(datetime.combine(self.first_day, time()), zone),
                from_local(datetime.combine(self.last_day + timedelta(days=1), time()), zone))

    @property
    def slug(self):
        """For file names: ``week-2026-12-07`` or ``month-2026-12``."""
        if self.length == 'month':
            return f'month-{self.first_day:%Y-%m}'
        return f'week-{self.first_day.isoformat()}'


@dataclass
class Usage:
    """Minutes of a space or a group of spaces: open and booked (seat-minutes in hot-desk zones), no-shows."""

    open_minutes: int = 0
    booked_minutes: int = 0
    no_show_minutes: int = 0
    no_shows: int = 0

    @property
    def utilisation(self):
        """Booked time as a percentage of open time; None if the space was never open."""
        if self.open_minutes <= 0:
            return None
        return self.booked_minutes * 100 / self.open_minutes

    def add(self, other):
        self.open_minutes += other.open_minutes
        self.booked_minutes += other.booked_minutes
        self.no_show_minutes += other.no_show_minutes
        self.no_shows += other.no_shows


@dataclass
class SpaceUsage(Usage):
    space: Space | None = None
    #: Open minutes of the space lost to blackouts (not weighted by seats).
    blackout_minutes: int = 0

    @property
    def seat_factor(self):
        return self.space.capacity if self.space.is_shared else 1


@dataclass
class GroupUsage(Usage):
    key: object = None
    spaces: int = 0


@dataclass
class StartupNoShows:
    startup_id: int
    name: str
    no_shows: int
    no_show_minutes: int
    all_time: int


@dataclass
class OccupancyReport:
    period: Period
    lines: list = field(default_factory=list)
    by_kind: list = field(default_factory=list)
    by_site: list = field(default_factory=list)
    total: Usage = field(default_factory=Usage)
    startups: list = field(default_factory=list)
    #: Years of the period whose public holidays the working calendar does not know yet.
    unknown_holiday_years: list = field(default_factory=list)


def _space_filters(site_id, kind):
    conditions = []
    if site_id is not None:
        conditions.append(Space.site_id == site_id)
    if kind is not None:
        conditions.append(Space.kind == kind)
    return conditions


def reported_spaces(site_id=None, kind=None):
    """Active spaces of active sites, with their sites' opening hours and closed days (three statements)."""
    return db.session.execute(
        sa.select(Space).join(Space.site)
        .where(Space.is_active.is_(True), Site.is_active.is_(True), *_space_filters(site_id, kind))
        .options(contains_eager(Space.site).selectinload(Site.opening_hours),
                 contains_eager(Space.site).selectinload(Site.closures))
        .order_by(Site.name, Site.id, Space.name, Space.id)).scalars().all()


def _active_spaces_clause(site_id, kind):
    return sa.and_(Space.is_active.is_(True), Site.is_active.is_(True), *_space_filters(site_id, kind))


def occupancy_report(period, site_id=None, kind=None):
    """Open, booked and no-show time of every reported space in ``period``, with subtotals and no-shows per startup."""
    report = OccupancyReport(period)
    spaces = reported_spaces(site_id, kind)
    sites = {space.site_id: space.site for space in spaces}
    bounds = {site_id_: period.bounds(site.zone) for site_id_, site in sites.items()}
    windows = {site_id_: opening_windows(site, period.first_day, period.last_day)
               for site_id_, site in sites.items()}
    report.unknown_holiday_years = sorted({year for site in sites.values()
                                           for year in unknown_holiday_years(site, period.first_day,
                                                                             period.last_day)})
    lines = {space.id: SpaceUsage(space=space) for space in spaces}
    if spaces:
        envelope = (min(start for start, _end in bounds.values()), max(end for _start, end in bounds.values()))
        blackouts = _blackouts(envelope, site_id, kind)
        bookings = _bookings(envelope, site_id, kind)
    else:
        blackouts = bookings = []

    blackouts_of = defaultdict(list)
    for space_id, starts_at, ends_at in blackouts:
        blackouts_of[space_id].append((starts_at, ends_at))
    for space in spaces:
        line = lines[space.id]
        open_windows = [(window.start_at, window.end_at) for window in windows[space.site_id]]
        open_minutes = sum(_minutes(start, end) for start, end in open_windows)
        line.blackout_minutes = _overlap_minutes(open_windows, _merged(blackouts_of[space.id]))
        line.open_minutes = (open_minutes - line.blackout_minutes) * line.seat_factor

    period_no_shows = defaultdict(lambda: [0, 0])
    for space_id, startup_id, start_at, end_at, seats, status in bookings:
        line = lines.get(space_id)
        if line is None:
            continue
        period_start, period_end = bounds[line.space.site_id]
        minutes = _minutes(max(start_at, period_start), min(end_at, period_end))
        if minutes <= 0:
            continue
        weighted = minutes * (seats if line.space.is_shared else 1)
        if status == BookingStatus.confirmed:
            line.booked_minutes += weighted
        elif status == BookingStatus.no_show:
            line.no_show_minutes += weighted
            line.no_shows += 1
            period_no_shows[startup_id][0] += 1
            period_no_shows[startup_id][1] += weighted

    report.lines = [lines[space.id] for space in spaces]
    report.by_kind = _grouped(report.lines, lambda line: line.space.kind,
                              order=lambda kind_: list(SpaceKind).index(kind_))
    report.by_site = _grouped(report.lines, lambda line: line.space.site,
                              order=lambda site: (site.name, site.id))
    for line in report.lines:
        report.total.add(line)
    report.startups = _startup_no_shows(period_no_shows, site_id, kind)
    return report


def _blackouts(envelope, site_id, kind):
    start, end = envelope
    return db.session.execute(
        sa.select(Blackout.space_id, Blackout.starts_at, Blackout.ends_at)
        .join(Space, Blackout.space_id == Space.id).join(Site, Space.site_id == Site.id)
        .where(_active_spaces_clause(site_id, kind), Blackout.starts_at < end, Blackout.ends_at > start)).all()


def _bookings(envelope, site_id, kind):
    """Confirmed and no-show bookings that may overlap the envelope: one statement, bounded by the index on start."""
    start, end = envelope
    return db.session.execute(
        sa.select(Booking.space_id, Booking.startup_id, Booking.start_at, Booking.end_at, Booking.seats,
                  Booking.status)
        .join(Space, Booking.space_id == Space.id).join(Site, Space.site_id == Site.id)
        .where(_active_spaces_clause(site_id, kind),
               Booking.status.in_((BookingStatus.confirmed, BookingStatus.no_show)),
               Booking.start_at < end, Booking.start_at > start - MAX_BOOKING_LENGTH,
               Booking.end_at > start)).all()


def _startup_no_shows(period_no_shows, site_id, kind):
    """Startups with no-shows in the period, most first, with their all-time no-shows under the same filters."""
    all_time = {startup_id: (name, count) for startup_id, name, count in db.session.execute(
        sa.select(Startup.id, Startup.name, sa.func.count(Booking.id))
        .join(Booking, Booking.startup_id == Startup.id).join(Space, Booking.space_id == Space.id)
        .where(Booking.status == BookingStatus.no_show, *_space_filters(site_id, kind))
        .group_by(Startup.id, Startup.name)).all()}
    rows = [StartupNoShows(startup_id, all_time[startup_id][0], count, minutes, all_time[startup_id][1])
            for startup_id, (count, minutes) in period_no_shows.items() if startup_id in all_time]
    return sorted(rows, key=lambda row: (-row.no_shows, -row.all_time, row.name))


def _grouped(lines, key, order):
    groups = {}
    for line in lines:
        group = groups.setdefault(key(line), GroupUsage(key=key(line)))
        group.add(line)
        group.spaces += 1
    return [groups[group_key] for group_key in sorted(groups, key=order)]


def _minutes(start, end):
    return int((end - start).total_seconds() // 60) if end > start else 0


def _merged(intervals):
    """Overlapping intervals joined, so a minute covered by two blackouts is counted once."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap_minutes(windows, intervals):
    return sum(_minutes(max(window_start, start), min(window_end, end))
               for window_start, window_end in windows for start, end in intervals)
