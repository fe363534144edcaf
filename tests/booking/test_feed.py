"""Calendar feeds: a secret iCalendar URL per user, renewed and revoked from a page, read without a login."""
import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine
from flask_babel import force_locale

from incubator.auth.models import hash_token
from incubator.booking import operations
from incubator.booking.models import Booking, BookingStatus, CalendarFeed, PaymentMethod
from incubator.extensions import db
from tests.booking.conftest import NOW, at

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def add_booking(world, start, end, status=BookingStatus.confirmed, booked_by=None, space=None, seats=1,
                purpose='', startup=None):
    """A booking row as the operations would leave it (no rules checked: also in the past)."""
    space = space or world.room
    booking = Booking(space=space, startup=startup or world.startup, booked_by=booked_by or world.member,
                      start_at=start, end_at=end, seats=seats, purpose=purpose, status=status,
                      quota_month=date(start.year, start.month, 1), usage_minutes=60, free_minutes=0, price_fen=0,
                      payment_method=PaymentMethod.free, created_at=NOW - timedelta(days=90))
    if status == BookingStatus.cancelled:
        booking.cancelled_at = NOW - timedelta(days=1)
    if status == BookingStatus.declined:
        booking.decided_at = NOW - timedelta(days=1)
    db.session.add(booking)
    db.session.commit()
    return booking


def new_feed(user):
    token = operations.renew_calendar_feed(user)
    db.session.commit()
    return token


def feed_path(token):
    return f'/calendar/{token}.ics'


def read_feed(client, token, status=200):
    response = client.get(feed_path(token))
    assert response.status_code == status
    if status != 200:
        return response
    assert response.headers['Content-Type'] == 'text/calendar; charset=utf-8'
    return icalendar.Calendar.from_ical(response.data)


def events(calendar):
    return {str(event['uid']): event for event in calendar.walk('VEVENT')}


def uid(booking):
    return f'booking-{booking.id}@localhost'


# --- the feed ----------------------------------------------------------------------------

def test_the_feed_lists_the_users_bookings_in_utc_with_their_status(client, world):
    world.site.address = '1 Keyuan Road, Nanshan'
    confirmed = add_booking(world, at(1, 9), at(1, 11), purpose='Investor meeting')
    pending = add_booking(world, at(2, 14), at(2, 15), status=BookingStatus.pending)
    desk = add_booking(world, at(3, 9), at(3, 17), space=world.desks, seats=2)
    token = new_feed(world.member)

    response = client.get(feed_path(token))

    assert response.status_code == 200
    assert response.headers['Cache-Control'] == 'private, max-age=300'
    assert b'DTSTART:20261201T010000Z' in response.data  # 09:00 in Shanghai
    assert b'\r\nX-PUBLISHED-TTL:PT1H\r\n' in response.data
    assert b'\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n' in response.data
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar['prodid']) == '-//Wutong//Bookings//ZH'
    assert str(calendar['version']) == '2.0'
    assert 'Mark Member' in str(calendar['x-wr-calname'])
    found = events(calendar)
    assert set(found) == {uid(confirmed), uid(pending), uid(desk)}

    event = found[uid(confirmed)]
    assert event.decoded('dtstart') == datetime(2026, 12, 1, 1, tzinfo=UTC)
    assert event.decoded('dtend') == datetime(2026, 12, 1, 3, tzinfo=UTC)
    assert event.decoded('dtstamp') == NOW
    assert str(event['status']) == 'CONFIRMED'
    assert str(event['summary']) == 'Meeting room A'
    assert str(event['location']) == 'Nanshan Campus, 1 Keyuan Road, Nanshan'
    assert 'Alpha Robotics' in str(event['description'])
    assert 'Investor meeting' in str(event['description'])
    assert str(event['url']) == f'http://localhost/bookings/{confirmed.id}'

    assert str(found[uid(pending)]['status']) == 'TENTATIVE'
    assert str(found[uid(pending)]['summary']).startswith('Meeting room A (')
    assert str(found[uid(desk)]['summary']) == 'Hot desks'


def test_the_feed_speaks_the_users_language(client, world):
    add_booking(world, at(2, 14), at(2, 15), status=BookingStatus.pending)
    world.member.locale = 'en'
    token = new_feed(world.member)
    event = next(iter(events(read_feed(client, token)).values()))
    assert str(event['summary']) == 'Meeting room A (Awaiting approval)'
    assert 'Startup: Alpha Robotics' in str(event['description'])

    world.member.locale = 'zh_CN'
    db.session.commit()
    with force_locale('zh_CN'):
        label = str(BookingStatus.pending.label)
    event = next(iter(events(read_feed(client, token)).values()))
    assert str(event['summary']) == f'Meeting room A ({label})'


@pytest.mark.parametrize('status', [BookingStatus.pending, BookingStatus.awaiting_payment])
def test_bookings_not_confirmed_yet_are_tentative(client, world, status):
    booking = add_booking(world, at(1, 9), at(1, 10), status=status)
    event = events(read_feed(client, new_feed(world.member)))[uid(booking)]
    assert str(event['status']) == 'TENTATIVE'


@pytest.mark.parametrize('status', [BookingStatus.cancelled, BookingStatus.declined, BookingStatus.no_show,
                                    BookingStatus.expired])
def test_bookings_that_no_longer_hold_their_space_are_cancelled_events(client, world, status):
    booking = add_booking(world, at(1, 9), at(1, 10), status=status)
    token = new_feed(world.member)
    event = events(read_feed(client, token))[uid(booking)]
    assert str(event['status']) == 'CANCELLED'
    assert event['sequence'] >= 1


def test_the_uid_stays_the_same_when_the_booking_changes(client, world):
    booking = add_booking(world, at(1, 9), at(1, 10))
    token = new_feed(world.member)
    before = events(read_feed(client, token))[uid(booking)]
    operations.cancel_booking(world.member, booking, now=NOW)
    db.session.commit()
    after = events(read_feed(client, token))[uid(booking)]
    assert str(after['status']) == 'CANCELLED'
    assert after['sequence'] > before['sequence']


def test_the_feed_reaches_back_sixty_days(client, world):
    recent = add_booking(world, NOW - timedelta(days=59), NOW - timedelta(days=59) + timedelta(hours=1))
    add_booking(world, NOW - timedelta(days=61), NOW - timedelta(days=61) + timedelta(hours=1))
    future = add_booking(world, at(28, 9), at(28, 10))
    token = new_feed(world.member)
    assert set(events(read_feed(client, token))) == {uid(recent), uid(future)}


def test_another_users_bookings_never_appear(client, world):
    mine = add_booking(world, at(1, 9), at(1, 10))
    add_booking(world, at(1, 10), at(1, 11), booked_by=world.owner)  # same startup, someone else booked
    add_booking(world, at(1, 11), at(1, 12), booked_by=world.outsider, startup=world.other_startup)
    token = new_feed(world.member)
    new_feed(world.owner)
    assert set(events(read_feed(client, token))) == {uid(mine)}


def test_an_empty_feed_is_still_a_calendar(client, world):
    calendar = read_feed(client, new_feed(world.member))
    assert events(calendar) == {}
    assert str(calendar['prodid']) == '-//Wutong//Bookings//ZH'


@pytest.mark.parametrize('token, status', [('nonsense', 404), ('x' * 300, 404), ('%00', 400)])
def test_unknown_tokens_are_not_found(client, world, token, status):
    """A NUL character is refused as bad input before any lookup; other unknown tokens are simply not found."""
    new_feed(world.member)
    assert client.get(feed_path(token)).status_code == status


def test_only_the_hash_of_the_token_is_stored(app, world):
    token = new_feed(world.member)
    feed = db.session.query(CalendarFeed).one()
    assert feed.token_hash == hash_token(token) and token not in feed.token_hash


def test_a_deactivated_users_feed_is_not_found(client, world):
    token = new_feed(world.member)
    world.member.is_active = False
    db.session.commit()
    assert client.get(feed_path(token)).status_code == 404


def test_the_feed_needs_no_login_and_sets_no_session(client, world):
    add_booking(world, at(1, 9), at(1, 10))
    response = client.get(feed_path(new_feed(world.member)))
    assert response.status_code == 200
    assert 'Set-Cookie' not in response.headers


def test_the_feed_costs_the_same_statements_for_1_booking_as_for_20(client, world, count_queries):
    token = new_feed(world.member)
    add_booking(world, at(1, 9), at(1, 10))
    with count_queries() as one:
        assert len(events(read_feed(client, token))) == 1
    for day in range(2, 21):
        add_booking(world, at(day, 9), at(day, 10), space=world.desks if day % 2 else world.room,
                    startup=world.startup if day % 3 else world.other_startup)
    with count_queries() as twenty:
        assert len(events(read_feed(client, token))) == 20
    assert twenty.count == one.count, twenty.statements
    selects = [s for s in one.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2, "\n\n".join(s[:300] for s in selects)


# --- the page: create, renew, revoke -------------------------------------------------------

def feed_url_on(page):
    match = re.search(r'value="(http://localhost/calendar/[^"]+\.ics)"', page)
    return match.group(1) if match else None


def test_the_page_offers_a_feed_to_any_logged_in_user(client, login, world):
    login(world.outsider)
    page = client.get('/bookings/calendar-feed', headers=EN).get_data(as_text=True)
    assert 'You have no calendar feed.' in page
    assert 'action="/bookings/calendar-feed/renew"' in page
    assert 'action="/bookings/calendar-feed/revoke"' not in page


def test_renewing_shows_the_new_url_once_and_the_old_one_stops_working(client, login, world):
    add_booking(world, at(1, 9), at(1, 10))
    login(world.member)

    first = client.post('/bookings/calendar-feed/renew', headers=EN)
    assert first.status_code == 200
    assert first.headers['Cache-Control'] == 'no-store'
    page = first.get_data(as_text=True)
    first_url = feed_url_on(page)
    assert first_url is not None
    assert 'it will not be shown again' in page
    assert client.get(first_url.removeprefix('http://localhost')).status_code == 200

    again = client.get('/bookings/calendar-feed', headers=EN).get_data(as_text=True)
    assert feed_url_on(again) is None and first_url not in again
    assert 'Your calendar feed has been on since' in again
    assert 'action="/bookings/calendar-feed/revoke"' in again

    second_url = feed_url_on(client.post('/bookings/calendar-feed/renew', headers=EN).get_data(as_text=True))
    assert second_url != first_url
    assert client.get(first_url.removeprefix('http://localhost')).status_code == 404
    assert client.get(second_url.removeprefix('http://localhost')).status_code == 200
    assert db.session.query(CalendarFeed).count() == 1


def test_revoking_turns_the_feed_off(client, login, world):
    login(world.member)
    url = feed_url_on(client.post('/bookings/calendar-feed/renew').get_data(as_text=True))
    response = client.post('/bookings/calendar-feed/revoke', headers=EN)
    assert response.status_code == 302 and response.headers['Location'] == '/bookings/calendar-feed'
    page = client.get('/bookings/calendar-feed', headers=EN).get_data(as_text=True)
    assert 'Your calendar feed has been turned off' in page and 'You have no calendar feed.' in page
    assert client.get(url.removeprefix('http://localhost')).status_code == 404
    assert db.session.query(CalendarFeed).count() == 0


@pytest.mark.parametrize('path', ['/bookings/calendar-feed/renew', '/bookings/calendar-feed/revoke'])
def test_renew_and_revoke_take_only_posts(client, login, world, path):
    login(world.member)
    assert client.get(path).status_code == 405
    assert db.session.query(CalendarFeed).count() == 0


@pytest.mark.parametrize('method, path', [('get', '/bookings/calendar-feed'),
                                          ('post', '/bookings/calendar-feed/renew'),
                                          ('post', '/bookings/calendar-feed/revoke')])
def test_the_page_and_its_buttons_need_a_login(client, world, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers['Location'].startswith('/login')
    assert db.session.query(CalendarFeed).count() == 0


def test_renew_and_revoke_are_csrf_protected(app, client, login, world):
    app.config['WTF_CSRF_ENABLED'] = True
    try:
        login(world.member)
        for path in ('/bookings/calendar-feed/renew', '/bookings/calendar-feed/revoke'):
            response = client.post(path, headers=EN)
            assert response.status_code == 400
            assert 'The form has expired' in response.get_data(as_text=True)
        assert db.session.query(CalendarFeed).count() == 0
    finally:
        app.config['WTF_CSRF_ENABLED'] = False


@pytest.mark.parametrize('headers, lang', [(ZH, 'zh-CN'), (EN, 'en')])
def test_the_page_in_both_languages(client, login, world, headers, lang):
    login(world.member)
    new_feed(world.member)
    response = client.get('/bookings/calendar-feed', headers=headers)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    renewed = client.post('/bookings/calendar-feed/renew', headers=headers)
    assert renewed.status_code == 200 and feed_url_on(renewed.get_data(as_text=True))
    if lang == 'en':
        assert 'Calendar feed' in response.get_data(as_text=True)
