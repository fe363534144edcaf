"""A site open 08:00–20:00 on working days, its spaces, and a startup with two members."""
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from incubator.extensions import db
from incubator.sites.models import Site, SiteOpeningHours
from incubator.spaces.models import Space, SpaceKind, TierQuota
from incubator.startups.models import MembershipRole, Startup, Tier
from tests.factories import SiteFactory, StartupFactory, UserFactory, member_of

#: Monday 30 November 2026, 10:00 in Shanghai: "now" for most booking tests.
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def at(day, hour, minute=0, tz=None):
    """An aware UTC instant for a wall-clock time on 2026-12-``day`` in Shanghai (or ``tz``)."""
    from zoneinfo import ZoneInfo
    local = datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo(tz or 'Asia/Shanghai'))
    return local.astimezone(UTC)


def open_site(site, weekdays=range(7), opens=8 * 60, closes=20 * 60):
    for weekday in weekdays:
        db.session.add(SiteOpeningHours(site=site, weekday=weekday, opens_minute=opens, closes_minute=closes))
    db.session.commit()
    return site


def clear_bookings():
    """Empty the bookings table and its quota sums between hypothesis examples (table statements: no audit
    entries wanted)."""
    from incubator.booking.models import Booking, QuotaUsage
    db.session.rollback()
    db.session.execute(Booking.__table__.delete())
    db.session.execute(QuotaUsage.__table__.delete())
    db.session.commit()


def make_space(site, name='Room 1', kind=SpaceKind.meeting_room, capacity=8, **fields):
    values = dict(hourly_price_fen=5000, daily_price_fen=30000, min_booking_minutes=30, max_booking_minutes=480,
                  booking_horizon_days=60, cancellation_cutoff_hours=24)
    values.update(fields)
    space = Space(site=site, name=name, kind=kind, capacity=capacity, **values)
    db.session.add(space)
    db.session.commit()
    return space


@dataclass
class BookingWorld:
    site: Site
    room: Space
    desks: Space
    startup: Startup
    owner: object
    member: object
    other_startup: Startup
    outsider: object
    manager: object


@pytest.fixture
def world(app):
    site = open_site(SiteFactory(name='Nanshan Campus'), weekdays=range(5))
    room = make_space(site, 'Meeting room A', SpaceKind.meeting_room, capacity=8)
    desks = make_space(site, 'Hot desks', SpaceKind.hot_desk, capacity=3, hourly_price_fen=1000,
                       daily_price_fen=5000)
    startup = StartupFactory(name='Alpha Robotics', site=site, tier=Tier.incubator)
    other = StartupFactory(name='Beta Biotech', site=site, tier=Tier.incubator)
    owner = member_of(startup, MembershipRole.owner, name='Olivia Owner')
    member = member_of(startup, name='Mark Member')
    outsider = member_of(other, MembershipRole.owner, name='Bob Owner')
    manager = UserFactory(roles=['manager'], name='Mia Manager')
    db.session.add(TierQuota(tier=Tier.incubator, space_kind=SpaceKind.meeting_room, free_minutes=240))
    db.session.commit()
    return BookingWorld(site, room, desks, startup, owner, member, other, outsider, manager)
