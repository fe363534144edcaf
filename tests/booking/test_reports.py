"""The occupancy report: open, booked and no-show hours per space and period, on screen and as CSV, for managers."""
import csv
import io
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from incubator.booking.models import Booking, BookingStatus, PaymentMethod
from incubator.booking.reports import Period, occupancy_report
from incubator.extensions import db
from incubator.sites.models import SiteClosure
from incubator.spaces.models import Blackout, SpaceKind
from tests.booking.conftest import NOW, at, make_space, open_site
from tests.factories import SiteFactory, StartupFactory, UserFactory

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}
#: Monday 7 to Sunday 13 December 2026: five open days of 08:00–20:00 at the world's site.
WEEK = Period('week', date(2026, 12, 7))
WEEK_ARGS = {'period': 'week', 'start': '2026-12-07'}


def add_booking(world, start, end, status=BookingStatus.confirmed, space=None, seats=1, startup=None):
    """A booking row as the operations would leave it (no rules checked: also in the past, or on a closed day)."""
    booking = Booking(space=space or world.room, startup=startup or world.startup, booked_by=world.member,
                      start_at=start, end_at=end, seats=seats, status=status,
                      quota_month=date(start.year, start.month, 1), usage_minutes=60, free_minutes=0, price_fen=0,
                      payment_method=PaymentMethod.free, created_at=NOW)
    db.session.add(booking)
    db.session.commit()
    return booking


def line_of(report, space):
    return next(line for line in report.lines if line.space.id == space.id)


def hours(usage):
    """(open, booked, no-show) hours and the no-show count."""
    return usage.open_minutes / 60, usage.booked_minutes / 60, usage.no_show_minutes / 60, usage.no_shows


# --- the numbers ---------------------------------------------------------------------------

class TestNumbers:
    def test_a_week_of_a_site_open_08_to_20_on_weekdays(self, world):
        add_booking(world, at(8, 9), at(8, 11))                                  # 2 h of the room
        add_booking(world, at(9, 10), at(9, 11), space=world.desks, seats=2)     # 2 seats × 1 h of 3 seats

        report = occupancy_report(WEEK)

        assert [line.space.name for line in report.lines] == ['Hot desks', 'Meeting room A']
        assert hours(line_of(report, world.room)) == (60, 2, 0, 0)
        assert line_of(report, world.room).utilisation == pytest.approx(100 * 2 / 60)
        assert hours(line_of(report, world.desks)) == (180, 2, 0, 0)
        assert line_of(report, world.desks).utilisation == pytest.approx(100 * 2 / 180)
        assert hours(report.total) == (240, 4, 0, 0)

    def test_only_confirmed_bookings_count_as_booked(self, world):
        add_booking(world, at(8, 9), at(8, 10))
        for status in (BookingStatus.pending, BookingStatus.cancelled, BookingStatus.declined):
            add_booking(world, at(8, 10), at(8, 12), status=status)
        add_booking(world, at(1, 9), at(1, 10))                                  # the week before
        add_booking(world, at(14, 9), at(14, 10))                                # the week after
        assert hours(line_of(occupancy_report(WEEK), world.room)) == (60, 1, 0, 0)

    def test_bookings_are_clipped_to_the_period(self, world):
        add_booking(world, at(13, 22), at(14, 2))   # Sunday 22:00 to Monday 02:00, across two weeks
        assert line_of(occupancy_report(WEEK), world.room).booked_minutes == 120
        assert line_of(occupancy_report(WEEK.next), world.room).booked_minutes == 120

    def test_no_shows_are_counted_apart_and_per_startup(self, world):
        add_booking(world, at(8, 9), at(8, 10), status=BookingStatus.no_show)
        add_booking(world, at(10, 14), at(10, 16, 30), status=BookingStatus.no_show, space=world.desks, seats=2)
        add_booking(world, at(11, 9), at(11, 10), status=BookingStatus.no_show, startup=world.other_startup)
        add_booking(world, at(1, 9), at(1, 10), status=BookingStatus.no_show)   # earlier: all-time only

        report = occupancy_report(WEEK)

        assert hours(line_of(report, world.room)) == (60, 0, 2, 2)
        assert hours(line_of(report, world.desks)) == (180, 0, 5, 1)
        assert [(row.name, row.no_shows, row.no_show_minutes, row.all_time) for row in report.startups] == [
            ('Alpha Robotics', 2, 60 + 300, 3), ('Beta Biotech', 1, 60, 1)]

    def test_a_closed_day_reduces_the_open_hours(self, world):
        db.session.add(SiteClosure(site=world.site, starts_on=date(2026, 12, 9), ends_on=date(2026, 12, 9),
                                   reason='Fire drill'))
        db.session.commit()
        report = occupancy_report(WEEK)
        assert line_of(report, world.room).open_minutes == 48 * 60
        assert line_of(report, world.desks).open_minutes == 3 * 48 * 60

    def test_public_holidays_and_make_up_workdays(self, world):
        # 5–7 October 2026 are National Day holidays; Saturday 10 October is a make-up workday.
        report = occupancy_report(Period('week', date(2026, 10, 5)))
        assert line_of(report, world.room).open_minutes == 3 * 12 * 60

    def test_blackouts_within_opening_hours_are_not_open(self, world):
        db.session.add_all([
            Blackout(space=world.room, starts_at=at(8, 10), ends_at=at(8, 12), reason='Repainting'),
            Blackout(space=world.room, starts_at=at(8, 11), ends_at=at(8, 13), reason='Overlapping'),
            Blackout(space=world.room, starts_at=at(9, 19), ends_at=at(9, 23), reason='Half outside hours'),
            Blackout(space=world.desks, starts_at=at(12, 9), ends_at=at(12, 17), reason='Saturday: closed anyway'),
        ])
        db.session.commit()
        report = occupancy_report(WEEK)
        assert line_of(report, world.room).blackout_minutes == 4 * 60
        assert line_of(report, world.room).open_minutes == 56 * 60
        assert line_of(report, world.desks).open_minutes == 180 * 60

    def test_a_month(self, world):
        add_booking(world, at(31, 9), at(31, 12))
        report = occupancy_report(Period.containing('month', date(2026, 12, 17)))
        assert report.period.first_day == date(2026, 12, 1) and report.period.last_day == date(2026, 12, 31)
        assert hours(line_of(report, world.room)) == (23 * 12, 3, 0, 0)   # 23 weekdays in December 2026

    def test_subtotals_by_kind_and_by_site(self, world):
        other_site = open_site(SiteFactory(name='Futian Hub'), weekdays=range(7), opens=9 * 60, closes=17 * 60)
        make_space(other_site, 'Room B', SpaceKind.meeting_room, capacity=4)
        make_space(world.site, 'Old room', SpaceKind.meeting_room, is_active=False)
        add_booking(world, at(8, 9), at(8, 11))
        add_booking(world, at(9, 9), at(9, 12), space=world.desks, seats=3)

        report = occupancy_report(WEEK)

        assert [(group.key, group.spaces, hours(group)) for group in report.by_kind] == [
            (SpaceKind.hot_desk, 1, (180, 9, 0, 0)), (SpaceKind.meeting_room, 2, (60 + 56, 2, 0, 0))]
        assert [(group.key.name, group.spaces, hours(group)) for group in report.by_site] == [
            ('Futian Hub', 1, (56, 0, 0, 0)), ('Nanshan Campus', 2, (240, 11, 0, 0))]
        assert hours(report.total) == (296, 11, 0, 0)

    def test_filters_by_site_and_kind(self, world):
        other_site = open_site(SiteFactory(name='Futian Hub'))
        make_space(other_site, 'Room B', SpaceKind.meeting_room)
        assert [line.space.name for line in occupancy_report(WEEK, kind=SpaceKind.meeting_room).lines] == [
            'Room B', 'Meeting room A']
        assert [line.space.name for line in occupancy_report(WEEK, site_id=world.site.id).lines] == [
            'Hot desks', 'Meeting room A']
        assert occupancy_report(WEEK, site_id=world.site.id, kind=SpaceKind.lab).lines == []

    def test_a_site_in_another_timezone_reads_the_period_in_its_own(self, world):
        berlin = open_site(SiteFactory(name='Berlin Lab', timezone='Europe/Berlin',
                                       follows_public_holidays=False), weekdays=range(5))
        lab = make_space(berlin, 'Wet lab', SpaceKind.lab, capacity=1)
        # Monday 7 December 2026, 08:00–09:00 in Berlin (15:00 in Shanghai).
        add_booking(world, datetime(2026, 12, 7, 7, tzinfo=UTC),
                    datetime(2026, 12, 7, 8, tzinfo=UTC), space=lab)
        # Sunday 6 December 23:00 in Berlin: Monday 7 December in Shanghai, but the week before in Berlin.
        add_booking(world, datetime(2026, 12, 6, 22, tzinfo=UTC),
                    datetime(2026, 12, 6, 23, tzinfo=UTC), space=lab)
        assert hours(line_of(occupancy_report(WEEK), lab)) == (60, 1, 0, 0)


# --- the page and the CSV ------------------------------------------------------------------

@pytest.fixture
def manager(login, world):
    return login(world.manager)


def cells_of_row(page, marker):
    start = page.rindex('<tr>', 0, page.index(marker))
    return [cell.strip() for cell in re.findall(r'<td[^>]*>(.*?)</td>', page[start:page.index('</tr>', start)],
                                                re.S)]


def test_the_page_shows_the_figures(client, world, manager):
    add_booking(world, at(8, 9), at(8, 11))
    add_booking(world, at(9, 10), at(9, 11), space=world.desks, seats=2)
    add_booking(world, at(10, 9), at(10, 10), status=BookingStatus.no_show)

    response = client.get('/bookings/occupancy', query_string=WEEK_ARGS, headers=EN)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'Week from Dec 7, 2026 to Dec 13, 2026' in page
    assert cells_of_row(page, '>Meeting room A</td>') == ['Nanshan Campus', 'Meeting room A', 'Meeting room', '8',
                                                        '60', '2', '1', '1', '3.3&nbsp;%']
    assert '1.1&nbsp;%' in page                                  # the hot desks: 2 / 180
    assert 'Alpha Robotics' in page[page.index('id="occupancy-no-shows"'):]
    assert 'style=' not in page and '<script>' not in page


def test_previous_and_next_links_keep_the_filters(client, world, manager):
    page = client.get('/bookings/occupancy', query_string={'period': 'month', 'start': '2026-12-15',
                                                           'kind': 'hot_desk', 'site': world.site.id},
                      headers=EN).get_data(as_text=True)
    assert 'December 2026' in page
    links = {rel: parse_qs(urlsplit(part.split('"')[0].replace('&amp;', '&')).query)
             for part in page.split('href="')[1:] for rel in ('prev', 'next') if f'rel="{rel}"' in part[:200]}
    filters = {'period': ['month'], 'kind': ['hot_desk'], 'site': [str(world.site.id)]}
    assert links['prev'] == {**filters, 'start': ['2026-11-01']}
    assert links['next'] == {**filters, 'start': ['2027-01-01']}
    assert 'Meeting room A' not in page and 'Hot desks' in page


@pytest.mark.parametrize('now, period, first_day', [
    (NOW, 'week', 'Nov 30, 2026'),                                           # Monday 30 November
    (datetime(2026, 12, 6, 17, tzinfo=UTC), 'week', 'Dec 7, 2026'),  # Sunday in UTC, Monday in Shanghai
    (datetime(2026, 12, 6, 17, tzinfo=UTC), 'month', 'December 2026'),
    (datetime(2026, 11, 30, 16, 30, tzinfo=UTC), 'month', 'December 2026'),
])
def test_the_default_period_is_the_current_one_in_shanghai(client, login, world, now, period, first_day):
    with time_machine.travel(now, tick=False):
        login(world.manager)  # signed now: a session cookie from the future would not be read
        page = client.get('/bookings/occupancy', query_string={'period': period}, headers=EN).get_data(as_text=True)
    assert first_day in page[page.index('id="period-label"'):][:200]


@pytest.mark.parametrize('query, message', [
    ({'period': 'decade'}, 'Not a valid choice.'),
    ({'start': '2026-13-45'}, 'Not a valid date value.'),
    ({'start': '1066-10-14'}, 'Enter a date between 2000 and 2100.'),
    ({'kind': 'spaceship'}, 'Not a valid choice.'),
    ({'site': 'abc'}, 'Not a valid choice.'),
    ({'site': '99999'}, 'Not a valid choice.'),
])
def test_bad_filters_are_pointed_out_and_fall_back(client, login, world, query, message):
    with time_machine.travel(NOW, tick=False):
        login(world.manager)
        response = client.get('/bookings/occupancy', query_string=query, headers=EN)
        export = client.get('/bookings/occupancy.csv', query_string=query, headers=EN)
    assert response.status_code == 200 and export.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'is-invalid' in page
    assert 'Week from Nov 30, 2026 to Dec 6, 2026' in page
    assert 'Meeting room A' in page and 'Hot desks' in page


def read_csv(response):
    assert response.data.startswith(b'\xef\xbb\xbf'), 'Excel needs the UTF-8 BOM to read Chinese'
    return list(csv.reader(io.StringIO(response.data.decode('utf-8-sig'), newline='')))


def test_the_csv_has_one_row_per_space(client, world, manager):
    add_booking(world, at(8, 9), at(8, 11))
    add_booking(world, at(9, 10), at(9, 10, 45), space=world.desks, seats=2)
    add_booking(world, at(10, 9), at(10, 10), status=BookingStatus.no_show)
    make_space(world.site, '=HYPERLINK("http://evil.example")', SpaceKind.lab, capacity=1)

    response = client.get('/bookings/occupancy.csv', query_string=WEEK_ARGS, headers=EN)

    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'text/csv; charset=utf-8'
    assert response.headers['Content-Disposition'] == 'attachment; filename="occupancy-week-2026-12-07.csv"'
    assert read_csv(response) == [
        ['Site', 'Space', 'Kind', 'Capacity', 'Open hours', 'Booked hours', 'No-show hours', 'No-shows',
         'Utilisation (%)'],
        ['Nanshan Campus', '\'=HYPERLINK("http://evil.example")', 'Lab', '1', '60', '0', '0', '0', '0.0'],
        ['Nanshan Campus', 'Hot desks', 'Hot-desk zone', '3', '180', '1.5', '0', '0', '0.8'],
        ['Nanshan Campus', 'Meeting room A', 'Meeting room', '8', '60', '2', '1', '1', '3.3'],
    ]


def test_the_csv_of_a_month_and_of_a_space_never_open(client, world, manager):
    make_space(open_site(SiteFactory(name='深圳湾创新中心'), weekdays=[]), '会议室 1', SpaceKind.meeting_room)
    response = client.get('/bookings/occupancy.csv', query_string={'period': 'month', 'start': '2026-12-01',
                                                                   'kind': 'meeting_room'}, headers=ZH)
    assert response.headers['Content-Disposition'] == 'attachment; filename="occupancy-month-2026-12.csv"'
    rows = {row[1]: row for row in read_csv(response)[1:]}
    assert set(rows) == {'会议室 1', 'Meeting room A'}
    assert rows['会议室 1'][0] == '深圳湾创新中心' and rows['会议室 1'][4:] == ['0', '0', '0', '0', '']
    assert rows['Meeting room A'][4] == '276'   # 23 weekdays of 12 hours


# --- who may see it, languages, cost ---------------------------------------------------------

@pytest.mark.parametrize('path', ['/bookings/occupancy', '/bookings/occupancy.csv'])
@pytest.mark.parametrize('who, status', [('manager', 200), ('admin', 200), ('owner', 403), ('member', 403),
                                         ('outsider', 403), ('committee', 403)])
def test_only_managers_and_admins_see_the_report(client, login, world, path, who, status):
    add_booking(world, at(8, 9), at(8, 11))
    users = {'admin': lambda: UserFactory(roles=['admin']), 'committee': lambda: UserFactory(roles=['committee'])}
    login(users[who]() if who in users else getattr(world, who))
    response = client.get(path, query_string=WEEK_ARGS, headers=EN)
    assert response.status_code == status
    if status == 403:
        assert 'Meeting room A' not in response.get_data(as_text=True)


@pytest.mark.parametrize('path', ['/bookings/occupancy', '/bookings/occupancy.csv'])
def test_visitors_are_sent_to_log_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers['Location'])
    assert location.path == '/login' and parse_qs(location.query)['next'] == [path]


@pytest.mark.parametrize('headers, lang', [(ZH, 'zh-CN'), (EN, 'en')])
@pytest.mark.parametrize('period', ['week', 'month'])
def test_both_languages_render(client, world, manager, headers, lang, period):
    add_booking(world, at(8, 9), at(8, 10), status=BookingStatus.no_show)
    response = client.get('/bookings/occupancy', query_string={'period': period, 'start': '2026-12-07'},
                          headers=headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert ('2026年12月' if lang == 'zh-CN' else 'Dec') in page
    assert client.get('/bookings/occupancy.csv', query_string={'period': period}, headers=headers).status_code == 200


def test_the_cost_does_not_grow_with_spaces_or_bookings(client, world, manager, count_queries):
    other = open_site(SiteFactory(name='Futian Hub'))
    startups = [world.startup, world.other_startup, StartupFactory(name='Gamma AI', site=other)]

    def measure():
        with count_queries() as counter:
            assert client.get('/bookings/occupancy', query_string=WEEK_ARGS).status_code == 200
            assert client.get('/bookings/occupancy.csv', query_string=WEEK_ARGS).status_code == 200
        return counter

    add_booking(world, at(8, 9), at(8, 10), status=BookingStatus.no_show)
    few = measure()
    for n in range(18):
        space = make_space(other if n % 2 else world.site, f'Space {n:02d}',
                           [SpaceKind.lab, SpaceKind.hot_desk, SpaceKind.private_office][n % 3], capacity=4)
        db.session.add(Blackout(space=space, starts_at=at(9, 9), ends_at=at(9, 10), reason='Cleaning'))
        for day in (7, 8, 9, 10, 11):
            add_booking(world, at(day, 9), at(day, 10), space=space, seats=2, startup=startups[day % 3],
                        status=BookingStatus.no_show if day == 11 else BookingStatus.confirmed)
    db.session.add(SiteClosure(site=other, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2), reason='Move'))
    db.session.commit()
    many = measure()
    assert many.count == few.count, '\n'.join(statement[:200] for statement in many.statements)
    assert many.count <= 30
