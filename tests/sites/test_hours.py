"""Each process keeps a site's calendar (hours, closures) under the site's stamp: no change may go unseen."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from incubator.extensions import db
from incubator.sites import operations
from incubator.sites.hours import opening_windows, window_containing
from incubator.sites.models import Site, SiteClosure, SiteOpeningHours
from tests.factories import SiteFactory, UserFactory

SHANGHAI = ZoneInfo('Asia/Shanghai')
MONDAY = date(2026, 12, 7)


def at(day, hour, zone=SHANGHAI):
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


@pytest.fixture
def manager(app):
    return UserFactory(roles=['manager'])


@pytest.fixture
def site(app, manager):
    site = SiteFactory(name='Nanshan Hub', follows_public_holidays=False)
    operations.set_opening_hours(manager, site, {weekday: (9 * 60, 18 * 60) for weekday in range(5)}, False)
    db.session.commit()
    return site


def fresh(site_id):
    """The site as a new transaction reads it: nothing remembered from before."""
    db.session.rollback()
    return db.session.get(Site, site_id)


def is_open(site, day, start_hour, end_hour):
    return window_containing(site, at(day, start_hour), at(day, end_hour)) is not None


def test_every_change_of_hours_closures_and_settings_is_seen_at_once(site, manager):
    site_id = site.id
    assert is_open(site, MONDAY, 9, 10) and not is_open(site, MONDAY, 7, 8)

    operations.set_opening_hours(manager, fresh(site_id), {0: (7 * 60, 12 * 60)}, False)
    db.session.commit()
    site = fresh(site_id)
    assert is_open(site, MONDAY, 7, 8) and not is_open(site, MONDAY, 13, 14)
    assert not is_open(site, MONDAY + timedelta(days=1), 9, 10)

    closure = operations.add_closure(manager, fresh(site_id), MONDAY, MONDAY, 'Fire drill')
    db.session.commit()
    assert not is_open(fresh(site_id), MONDAY, 7, 8)
    operations.delete_closure(manager, db.session.get(SiteClosure, closure.id))
    db.session.commit()
    assert is_open(fresh(site_id), MONDAY, 7, 8)

    site = fresh(site_id)
    site.timezone = 'Europe/Berlin'
    db.session.commit()
    site = fresh(site_id)
    assert is_open(site, MONDAY, 7, 8) is False
    assert window_containing(site, at(MONDAY, 7, ZoneInfo('Europe/Berlin')),
                             at(MONDAY, 8, ZoneInfo('Europe/Berlin'))) is not None


def test_public_holidays_are_followed_again_when_switched_on(site):
    national_day = date(2026, 10, 1)  # a Thursday
    assert is_open(site, national_day, 9, 10)
    site = fresh(site.id)
    site.follows_public_holidays = True
    db.session.commit()
    assert not is_open(fresh(site.id), national_day, 9, 10)


def test_a_change_committed_by_another_process_is_seen(app, site):
    """Another process's change renews the stamp in the database; this process's kept calendar is then stale."""
    site_id = site.id
    assert is_open(fresh(site_id), MONDAY, 9, 10)
    with Session(db.engine) as other:
        other.delete(other.execute(sa.select(SiteOpeningHours).filter_by(site_id=site_id, weekday=0)).scalar_one())
        other.commit()
    assert not is_open(fresh(site_id), MONDAY, 9, 10)
    with Session(db.engine) as other:
        other.add(SiteClosure(site_id=site_id, starts_on=MONDAY, ends_on=MONDAY + timedelta(days=1), reason='Works'))
        other.commit()
    assert not is_open(fresh(site_id), MONDAY + timedelta(days=1), 9, 10)


def test_changes_not_yet_flushed_count_and_are_not_kept(site):
    site = fresh(site.id)
    site.closures.append(SiteClosure(starts_on=MONDAY, ends_on=MONDAY, reason='Drill'))
    assert not is_open(site, MONDAY, 9, 10)
    db.session.rollback()
    assert is_open(fresh(site.id), MONDAY, 9, 10)


def test_a_kept_calendar_needs_no_query(site, count_queries):
    site = fresh(site.id)
    opening_windows(site, MONDAY, MONDAY + timedelta(days=6))
    site = fresh(site.id)
    _ = site.calendar_stamp  # the site row itself is loaded by every page that shows a space
    with count_queries() as counter:
        windows = opening_windows(site, MONDAY, MONDAY + timedelta(days=6))
    assert counter.count == 0
    assert [window.day.weekday() for window in windows] == [0, 1, 2, 3, 4]


def test_a_new_site_never_takes_a_kept_calendar_of_a_deleted_one(manager):
    first = SiteFactory(name='Temporary')
    operations.set_opening_hours(manager, first, {0: (9 * 60, 18 * 60)}, False)
    db.session.commit()
    first_id = first.id
    assert is_open(fresh(first_id), MONDAY, 9, 10)
    db.session.delete(fresh(first_id))
    db.session.commit()
    second = SiteFactory(name='Permanent', follows_public_holidays=False)
    db.session.commit()
    assert not is_open(fresh(second.id), MONDAY, 9, 10)  # no hours yet, whatever id it got
