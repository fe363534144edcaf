"""The write side of a site's opening hours and closed days, called directly."""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.core.errors import DomainError, NotAllowed
from incubator.extensions import db
from incubator.sites import operations
from incubator.sites.models import Site, SiteClosure, SiteOpeningHours
from tests.factories import SiteFactory, StartupFactory, UserFactory, member_of

pytestmark = pytest.mark.usefixtures('in_english')


@pytest.fixture
def site(app):
    return SiteFactory(name='Qianhai Hub')


@pytest.fixture
def manager(app):
    return UserFactory(roles=['manager'])


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize('roles', [['manager'], ['admin']])
def test_managers_and_admins_set_hours_and_closed_days(site, roles):
    actor = UserFactory(roles=roles)
    operations.set_opening_hours(actor, site, {0: (480, 1080)}, True)
    operations.add_closure(actor, site, date(2026, 6, 1), date(2026, 6, 1), 'x')
    db.session.commit()
    assert (count(SiteOpeningHours), count(SiteClosure)) == (1, 1)


@pytest.mark.parametrize('who', ['member', 'committee', 'nobody'])
def test_others_may_not_set_hours_or_closed_days(site, who):
    actor = {'member': lambda: member_of(StartupFactory()), 'committee': lambda: UserFactory(roles=['committee']),
             'nobody': UserFactory}[who]()
    closure = SiteClosure(site=site, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 1), reason='x')
    db.session.add(closure)
    db.session.commit()
    calls = [
        lambda: operations.set_opening_hours(actor, site, {0: (480, 1080)}, True),
        lambda: operations.add_closure(actor, site, date(2026, 6, 2), date(2026, 6, 2), 'x'),
        lambda: operations.delete_closure(actor, closure),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    db.session.rollback()
    assert (count(SiteOpeningHours), count(SiteClosure)) == (0, 1)


def week_of(site_id):
    db.session.expire_all()
    site = db.session.get(Site, site_id)
    return site.follows_public_holidays, [(row.weekday, row.opens_minute, row.closes_minute)
                                          for row in site.opening_hours]


def test_opening_hours_are_replaced_day_by_day(site, manager):
    operations.set_opening_hours(manager, site, {0: (480, 1080), 1: (480, 1080), 6: (600, 720)}, True)
    db.session.commit()
    assert week_of(site.id) == (True, [(0, 480, 1080), (1, 480, 1080), (6, 600, 720)])

    operations.set_opening_hours(manager, site, {1: (540, 1440), 2: (0, 1440)}, False)
    db.session.commit()
    assert week_of(site.id) == (False, [(1, 540, 1440), (2, 0, 1440)])


@pytest.mark.parametrize('hours', [{0: (600, 600)}, {0: (600, 500)}, {0: (-1, 600)}, {0: (0, 1441)},
                                   {7: (480, 1080)}, {0: (480.0, 1080)}])
def test_impossible_hours_change_nothing(site, manager, hours):
    operations.set_opening_hours(manager, site, {3: (480, 1080)}, True)
    db.session.commit()
    with pytest.raises(DomainError):
        operations.set_opening_hours(manager, site, {1: (480, 1080), **hours}, False)
    db.session.rollback()
    assert week_of(site.id) == (True, [(3, 480, 1080)])


def test_closed_days_are_inclusive_ranges(site, manager):
    with pytest.raises(DomainError) as refused:
        operations.add_closure(manager, site, date(2026, 8, 10), date(2026, 8, 9), 'Works')
    assert refused.value.field == 'ends_on'
    closure = operations.add_closure(manager, site, date(2026, 8, 10), date(2026, 8, 10), 'Open day')
    db.session.commit()
    assert (closure.starts_on, closure.ends_on) == (date(2026, 8, 10), date(2026, 8, 10))
    operations.delete_closure(manager, closure)
    db.session.commit()
    assert count(SiteClosure) == 0
