"""Users see a city, not "Asia/Shanghai", and nothing at all when the site is in the programme's own zone."""
import pytest
import time_machine

from incubator.booking import operations
from incubator.extensions import db
from tests.booking.conftest import NOW, at, make_space, open_site
from tests.factories import SiteFactory


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_sites_own_zone_is_left_out(world, client, login):
    booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10), now=NOW)
    db.session.commit()
    login(world.member)
    for url in (f'/bookings/{booking.id}', f'/spaces/{world.room.id}', f'/spaces/{world.room.id}/book'):
        for headers in ({'Accept-Language': 'en'}, {'Accept-Language': 'zh-CN'}):
            page = client.get(url, headers=headers).get_data(as_text=True)
            assert 'Asia/Shanghai' not in page and 'Times in' not in page and '时区' not in page


def test_another_zone_is_named_by_its_city(world, client, login):
    berlin = open_site(SiteFactory(name='Berlin Hub', timezone='Europe/Berlin'))
    space = make_space(berlin, 'Studio')
    login(world.member)
    assert 'Times in Berlin' in client.get(f'/spaces/{space.id}', headers={'Accept-Language': 'en'}).get_data(
        as_text=True)
    chinese = client.get(f'/spaces/{space.id}').get_data(as_text=True)
    assert '时区：柏林' in chinese and 'Europe/Berlin' not in chinese
