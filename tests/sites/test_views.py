"""Managers set a site's weekly hours and closed days over HTTP (the pages stay under /spaces/manage/).

Who may open and post to these pages is checked with the spaces' set-up pages in tests/spaces/test_views.py.
"""
import re
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.sites.models import Site, SiteClosure, SiteOpeningHours
from tests.factories import SiteFactory, UserFactory

EN = {'Accept-Language': 'en'}


@pytest.fixture
def site(app):
    return SiteFactory(name='Qianhai Hub')


@pytest.fixture
def manager(login):
    return login(UserFactory(roles=['manager'], name='Mia Manager'))


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def body(response):
    return response.get_data(as_text=True)


def field_errors(html, field):
    """The error messages rendered under the input named ``field``."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(field)}"', html)
    assert match, f'no field {field!r} in the page'
    rest = html[match.end():]
    following = re.search(r'<(?:input|select|textarea) ', rest)
    rest = rest[:following.start()] if following else rest
    return [message.strip() for message in re.findall(r'class="invalid-feedback[^"]*">(.*?)</div>', rest, re.S)]


def hours_data(**overrides):
    data = {'follows_public_holidays': 'y'}
    for weekday in range(5):
        data.update({f'open_{weekday}': 'y', f'opens_{weekday}': '08:00', f'closes_{weekday}': '18:00'})
    data.update({'open_5': 'y', 'opens_5': '9:30', 'closes_5': '24:00', 'opens_6': 'whatever'})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def stored_hours(site_id):
    db.session.expire_all()
    site = db.session.get(Site, site_id)
    return site.follows_public_holidays, [(row.weekday, row.opens_minute, row.closes_minute)
                                          for row in site.opening_hours]


def test_the_weekly_hours_are_saved(client, manager, site):
    db.session.add(SiteOpeningHours(site=site, weekday=6, opens_minute=600, closes_minute=720))
    db.session.add(SiteOpeningHours(site=site, weekday=0, opens_minute=0, closes_minute=60))
    db.session.commit()
    page = body(client.get(f'/spaces/manage/sites/{site.id}/hours', headers=EN))
    assert 'Monday' in page and 'value="10:00"' in page and 'value="12:00"' in page

    response = client.post(f'/spaces/manage/sites/{site.id}/hours', data=hours_data(follows_public_holidays=None))

    assert response.status_code == 302
    assert stored_hours(site.id) == (False, [(weekday, 480, 1080) for weekday in range(5)] + [(5, 570, 1440)])
    page = body(client.get(f'/spaces/manage/sites/{site.id}/hours', headers=EN))
    assert 'value="24:00"' in page and 'value="09:30"' in page


def test_the_day_names_follow_the_language(client, manager, site):
    assert '星期一' in body(client.get(f'/spaces/manage/sites/{site.id}/hours'))


@pytest.mark.parametrize('overrides, field, message', [
    ({'closes_2': '07:00'}, 'closes_2', 'The closing time must be after the opening time.'),
    ({'closes_2': '08:00'}, 'closes_2', 'The closing time must be after the opening time.'),
    ({'opens_1': '24:00'}, 'opens_1', 'Enter a time from 00:00 to 23:59.'),
    ({'closes_1': '24:30'}, 'closes_1', 'Enter a time from 00:00 to 24:00.'),
    ({'opens_3': '8h'}, 'opens_3', 'Enter a time as HH:MM, such as 08:30.'),
    ({'opens_3': '08:60'}, 'opens_3', 'Enter a time from 00:00 to 23:59.'),
    ({'opens_4': ''}, 'opens_4', 'Enter the opening time, such as 08:00.'),
    ({'open_6': 'y', 'opens_6': '10:00', 'closes_6': ''}, 'closes_6',
     'Enter the closing time, such as 18:00 (24:00 for midnight).'),
])
def test_bad_hours_change_nothing(client, manager, site, overrides, field, message):
    db.session.add(SiteOpeningHours(site=site, weekday=2, opens_minute=600, closes_minute=720))
    db.session.commit()
    before = stored_hours(site.id)
    response = client.post(f'/spaces/manage/sites/{site.id}/hours', data=hours_data(**overrides), headers=EN)
    assert response.status_code == 200
    assert message in field_errors(body(response), field)
    assert stored_hours(site.id) == before


def test_full_width_times_are_understood(client, manager, site):
    response = client.post(f'/spaces/manage/sites/{site.id}/hours',
                           data={'open_0': 'y', 'opens_0': '０８：００', 'closes_0': '１８：００'})
    assert response.status_code == 302
    assert stored_hours(site.id)[1] == [(0, 480, 1080)]


def test_closed_days_are_added_and_deleted(client, manager, site):
    response = client.post(f'/spaces/manage/sites/{site.id}/closures',
                           data={'starts_on': '2026-08-10', 'ends_on': '2026-08-14', 'reason': 'Building works'})
    assert response.status_code == 302
    one_day = client.post(f'/spaces/manage/sites/{site.id}/closures',
                          data={'starts_on': '2026-09-01', 'reason': 'Open day'})
    assert one_day.status_code == 302
    closures = db.session.execute(sa.select(SiteClosure).order_by(SiteClosure.starts_on)).scalars().all()
    assert [(c.starts_on, c.ends_on, c.reason) for c in closures] == [
        (date(2026, 8, 10), date(2026, 8, 14), 'Building works'), (date(2026, 9, 1), date(2026, 9, 1), 'Open day')]
    page = body(client.get(f'/spaces/manage/sites/{site.id}/hours', headers=EN))
    assert 'Building works' in page

    response = client.post(f'/spaces/manage/sites/{site.id}/closures/{closures[0].id}/delete')
    assert response.status_code == 302
    assert count(SiteClosure) == 1


@pytest.mark.parametrize('data, field, message', [
    ({'starts_on': '2026-08-10', 'ends_on': '2026-08-09'}, 'ends_on', 'The last day cannot be before the first day.'),
    ({'starts_on': ''}, 'starts_on', 'Enter a date such as 2026-03-01.'),
    ({'starts_on': '10/08/2026'}, 'starts_on', 'Not a valid date value.'),
    ({'reason': ''}, 'reason', 'This field is required.'),
])
def test_bad_closed_days_change_nothing(client, manager, site, data, field, message):
    values = {'starts_on': '2026-08-10', 'ends_on': '2026-08-14', 'reason': 'Works'}
    values.update(data)
    response = client.post(f'/spaces/manage/sites/{site.id}/closures', data=values, headers=EN)
    assert response.status_code == 200
    assert message in field_errors(body(response), field)
    assert count(SiteClosure) == 0
    assert 'Weekly hours' in body(response)
