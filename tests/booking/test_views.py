"""Booking through the pages: find, calendar, preview and confirm, my bookings, approvals, waitlist."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from incubator.booking import operations
from incubator.booking.models import Booking, BookingStatus, PaymentMethod, Recurrence, WaitlistEntry
from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.spaces.models import SpaceKind
from tests.booking.conftest import NOW, at, make_space

EN = {'Accept-Language': 'en'}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form(day=1, start='09:00', end='10:00', **fields):
    values = {'startup': fields.pop('startup_id'), 'day': f'2026-12-{day:02d}', 'start': start, 'end': end,
              'seats': '1', 'purpose': 'Weekly stand-up', 'recurrence': '', 'count': '', 'until': ''}
    values.update(fields)
    return values


def bookings():
    return db.session.execute(sa.select(Booking).order_by(Booking.start_at)).scalars().all()


class TestFind:
    def test_the_space_list_shows_every_bookable_space(self, world, client, login):
        login(world.member)
        page = client.get('/spaces/', headers=EN).get_data(as_text=True)
        assert 'Meeting room A' in page and 'Hot desks' in page and '¥50.00' in page

    def test_search_finds_only_spaces_free_for_the_people_and_time(self, world, client, login):
        book = make_space(world.site, 'Small room', capacity=2)
        operations.create_booking(world.owner, world.room, world.startup, at(1, 9), at(1, 11), now=NOW)
        db.session.commit()
        login(world.member)
        page = client.get('/spaces/?kind=meeting_room&people=2&day=2026-12-01&start=10:00&end=11:00',
                          headers=EN).get_data(as_text=True)
        assert 'Small room' in page and 'Meeting room A' not in page and '>1 free space<' in page
        page = client.get('/spaces/?kind=meeting_room&people=3&day=2026-12-01&start=11:00&end=12:00',
                          headers=EN).get_data(as_text=True)
        assert 'Meeting room A' in page and 'Small room' not in page
        assert f'/spaces/{book.id}/book' not in page
        page = client.get('/spaces/?kind=meeting_room&people=2&day=2026-12-01&start=11:00&end=12:00',
                          headers=EN).get_data(as_text=True)
        assert '>2 free spaces<' in page
        assert '>2个空间可预约<' in client.get('/spaces/?kind=meeting_room&people=2&day=2026-12-01&start=11:00'
                                              '&end=12:00').get_data(as_text=True)

    def test_capacity_reads_right_in_both_languages(self, world, client, login):
        printer = make_space(world.site, 'Printer', SpaceKind.equipment, capacity=1)
        login(world.member)
        search = '/spaces/?kind=&people=1&day=2026-12-01&start=10:00&end=11:00'
        english = client.get(search, headers=EN).get_data(as_text=True)
        assert 'up to 1 person<' in english and 'up to 8 people<' in english
        assert '最多1人' in client.get(search).get_data(as_text=True)
        assert 'up to 1 person<' in client.get(f'/spaces/{printer.id}', headers=EN).get_data(as_text=True)

    def test_a_bad_search_explains_itself(self, world, client, login):
        login(world.member)
        response = client.get('/spaces/?kind=castle&people=0&day=2026-13-01&start=9&end=08:00', headers=EN)
        assert response.status_code == 200
        assert 'Not a valid choice' in response.get_data(as_text=True) or 'valid' in response.get_data(as_text=True)

    def test_the_week_calendar_shows_busy_never_who(self, world, client, login):
        operations.create_booking(world.owner, world.room, world.startup, at(1, 9), at(1, 11),
                                  purpose='Secret board meeting', now=NOW)
        db.session.commit()
        login(world.outsider)
        page = client.get(f'/spaces/{world.room.id}?week=2026-12-01', headers=EN).get_data(as_text=True)
        assert page.count('>Busy</a>') == 4           # 09:00–11:00 in half hours
        assert 'Secret board meeting' not in page and 'Alpha Robotics' not in page
        assert 'day=2026-12-01&amp;start=11:00' in page

    def test_the_calendar_marks_ones_own_and_ones_startups_bookings_with_links(self, world, client, login):
        """The member's own booking and the owner's (same startup) stand apart from another startup's, which
        stays "busy" without details; the link appears only where the booking may be opened."""
        mine = operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        colleagues = operations.create_booking(world.owner, world.room, world.startup, at(1, 11), at(1, 12),
                                               now=NOW)
        others = operations.create_booking(world.outsider, world.room, world.other_startup, at(1, 14), at(1, 15),
                                           purpose='Beta board', now=NOW)
        db.session.commit()
        path = f'/spaces/{world.room.id}?week=2026-11-30'

        def cells(page, css):
            return re.findall(rf'<td class="{css} day-\d">(.*?)</td>', page, re.S)

        login(world.member)
        page = client.get(path, headers=EN).get_data(as_text=True)
        assert cells(page, 'slot-mine') == [f'<a class="d-block text-decoration-none" href="/bookings/{mine.id}">'
                                            'Yours</a>'] * 2
        assert cells(page, 'slot-ours') == ['Your startup’s'] * 2           # the owner's: not the member's to open
        assert page.count('>Busy</a>') == 2 and f'/bookings/{others.id}"' not in page and 'Beta' not in page
        login(world.owner)
        page = client.get(path).get_data(as_text=True)                                  # Chinese by default
        assert [f'/bookings/{mine.id}"' in cell for cell in cells(page, 'slot-ours')] == [True, True]
        assert [f'/bookings/{colleagues.id}"' in cell for cell in cells(page, 'slot-mine')] == [True, True]
        assert '我的预约' in page and '本企业的预约' in page
        login(world.outsider)
        page = client.get(path, headers=EN).get_data(as_text=True)
        assert len(cells(page, 'slot-mine')) == 2 and not cells(page, 'slot-ours')
        assert page.count('>Busy</a>') == 4 and f'/bookings/{mine.id}"' not in page
        assert f'/bookings/{colleagues.id}"' not in page and 'Alpha' not in page
        login(world.manager)                                   # staff may open any booking, but none is theirs
        page = client.get(path, headers=EN).get_data(as_text=True)
        assert not cells(page, 'slot-mine') and not cells(page, 'slot-ours') and len(cells(page, 'slot-full')) == 6

    def test_a_cancelled_booking_is_no_longer_marked_as_mine(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        operations.cancel_booking(world.member, booking, now=NOW)
        db.session.commit()
        login(world.member)
        page = client.get(f'/spaces/{world.room.id}?week=2026-11-30', headers=EN).get_data(as_text=True)
        assert 'slot-mine' not in page.split('</thead>')[1] and 'Yours<' not in page

    def test_on_a_phone_the_calendar_shows_one_day_with_the_previous_and_next(self, world, client, login):
        login(world.member)
        space = f'/spaces/{world.room.id}'
        page = client.get(space, headers=EN).get_data(as_text=True)                     # today: Monday 30 Nov
        assert 'week-grid show-day-0 ' in page and page.split('id="shown-day">')[1].startswith('Mon ')
        assert f'href="{space}?day=2026-11-29" rel="prev">&larr; Previous day' in page
        assert f'href="{space}?day=2026-12-01" rel="next">Next day &rarr;' in page
        page = client.get(f'{space}?day=2026-12-03', headers=EN).get_data(as_text=True)
        assert 'week-grid show-day-3 ' in page and page.split('id="shown-day">')[1].startswith('Thu ')
        assert f'href="{space}?day=2026-12-04" rel="next"' in page
        page = client.get(f'{space}?week=2026-12-07', headers=EN).get_data(as_text=True)  # another week: Monday
        assert 'week-grid show-day-0 ' in page and f'href="{space}?day=2026-12-06" rel="prev"' in page
        for wrong in ('?day=2026-13-01', '?day=soon', '?day=0001-01-01'):
            response = client.get(space + wrong, headers=EN)
            assert response.status_code == 200 and 'week-grid show-day-0 ' in response.get_data(as_text=True)
        page = client.get(f'{space}?day=2026-12-05').get_data(as_text=True)              # Chinese by default
        assert '前一天' in page and '后一天' in page and 'show-day-5 ' in page

    def test_a_hot_desk_zone_shows_free_seats(self, world, client, login):
        operations.create_booking(world.owner, world.desks, world.startup, at(1, 9), at(1, 10), seats=2, now=NOW)
        db.session.commit()
        login(world.member)
        page = client.get(f'/spaces/{world.desks.id}?week=2026-11-30', headers=EN).get_data(as_text=True)
        assert page.count('1 free') == 2

    def test_an_inactive_space_is_hidden_from_startups(self, world, client, login):
        world.room.is_active = False
        db.session.commit()
        login(world.member)
        assert client.get(f'/spaces/{world.room.id}').status_code == 404
        login(world.manager)
        assert client.get(f'/spaces/{world.room.id}').status_code == 200


class TestBook:
    def test_preview_then_confirm(self, world, client, login):
        login(world.member)
        page = client.post(f'/spaces/{world.room.id}/book', data=form(startup_id=world.startup.id),
                           headers=EN).get_data(as_text=True)
        assert 'Before you confirm' in page and 'Confirm the booking' in page
        assert bookings() == []
        response = client.post(f'/spaces/{world.room.id}/book',
                               data=form(startup_id=world.startup.id, confirm='1'), headers=EN)
        [booking] = bookings()
        assert response.status_code == 302 and response.location.endswith(f'/bookings/{booking.id}')
        assert (booking.start_at, booking.end_at, booking.purpose) == (at(1, 9), at(1, 10), 'Weekly stand-up')

    def test_price_and_quota_are_shown_before_confirming(self, world, client, login):
        login(world.member)
        page = client.post(f'/spaces/{world.room.id}/book',
                           data=form(start='09:00', end='14:00', startup_id=world.startup.id),
                           headers=EN).get_data(as_text=True)
        # 4 free hours of 5, one hour at ¥50.00
        assert '4 / 5 h' in page and 'Total to pay: ¥50.00' in page

    def test_hours_read_in_chinese(self, world, client, login):
        login(world.member)
        data = form(start='09:00', end='14:00', startup_id=world.startup.id)
        page = client.post(f'/spaces/{world.room.id}/book', data=data).get_data(as_text=True)
        assert '4 / 5小时' in page and ' h<' not in page
        client.post(f'/spaces/{world.room.id}/book', data=dict(data, confirm='1'))
        [booking] = bookings()
        page = client.get(f'/bookings/{booking.id}').get_data(as_text=True)
        assert '4 / 5小时' in page and ' h<' not in page

    def test_a_conflict_is_explained_and_offers_the_waitlist(self, world, client, login):
        operations.create_booking(world.owner, world.room, world.startup, at(1, 9), at(1, 11), now=NOW)
        db.session.commit()
        login(world.outsider)
        page = client.post(f'/spaces/{world.room.id}/book', data=form(startup_id=world.other_startup.id),
                           headers=EN).get_data(as_text=True)
        assert 'Already booked at this time.' in page and 'Join the waitlist' in page
        response = client.post(f'/spaces/{world.room.id}/waitlist', data=form(startup_id=world.other_startup.id))
        assert response.status_code == 302
        entry = db.session.execute(sa.select(WaitlistEntry)).scalar_one()
        assert entry.user_id == world.outsider.id and entry.start_at == at(1, 9)

    def test_confirming_a_taken_slot_books_nothing(self, world, client, login):
        operations.create_booking(world.owner, world.room, world.startup, at(1, 9), at(1, 11), now=NOW)
        db.session.commit()
        login(world.member)
        response = client.post(f'/spaces/{world.room.id}/book',
                               data=form(startup_id=world.startup.id, confirm='1'), headers=EN)
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and 'Already booked' in page and 'name="start"' in page
        assert len(bookings()) == 1

    def test_a_refused_confirmation_answers_409_in_chinese_too(self, world, client, login):
        operations.create_booking(world.owner, world.room, world.startup, at(1, 9), at(1, 11), now=NOW)
        db.session.commit()
        login(world.member)
        response = client.post(f'/spaces/{world.room.id}/book', data=form(startup_id=world.startup.id, confirm='1'))
        assert response.status_code == 409 and '该时段已被预约。' in response.get_data(as_text=True)
        preview = client.post(f'/spaces/{world.room.id}/book', data=form(startup_id=world.startup.id))
        assert preview.status_code == 200 and '该时段已被预约。' in preview.get_data(as_text=True)
        assert len(bookings()) == 1

    def test_weekly_series_preview_and_book_the_free_ones(self, world, client, login):
        operations.create_booking(world.owner, world.room, world.startup, at(8, 9), at(8, 10), now=NOW)
        db.session.commit()
        login(world.member)
        data = form(startup_id=world.startup.id, recurrence='weekly', count='3')
        page = client.post(f'/spaces/{world.room.id}/book', data=data, headers=EN).get_data(as_text=True)
        assert 'Book the 2 free ones' in page and 'Already booked at this time.' in page
        client.post(f'/spaces/{world.room.id}/book', data=dict(data, confirm='1'))
        starts = [b.start_at for b in bookings() if b.booked_by_id == world.member.id]
        assert starts == [at(1, 9), at(15, 9)]

    @pytest.mark.parametrize('fields, message', [
        ({'start': '10:00', 'end': '09:00'}, 'The end must be after the start.'),
        ({'day': 'tomorrow'}, 'Not a valid date value.'),
        ({'seats': '0'}, 'Enter a number from 1 to 500.'),
        ({'recurrence': 'weekly'}, 'Give a number of occurrences or an end date.'),
        ({'recurrence': 'weekly', 'count': '3', 'until': '2026-12-31'}, 'not both'),
        ({'recurrence': 'daily', 'count': '999'}, 'Enter a number from 2 to 260.'),
        ({'recurrence': 'monthly', 'count': '3'}, 'Not a valid choice'),
    ])
    def test_bad_input_is_explained_and_books_nothing(self, world, client, login, fields, message):
        login(world.member)
        data = dict(form(startup_id=world.startup.id, confirm='1'), **fields)
        response = client.post(f'/spaces/{world.room.id}/book', data=data, headers=EN)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
        assert bookings() == []

    def test_booking_for_someone_elses_startup_is_refused(self, world, client, login):
        login(world.member)
        response = client.post(f'/spaces/{world.room.id}/book',
                               data=form(startup_id=world.other_startup.id, confirm='1'), headers=EN)
        assert response.status_code == 200 and 'Not a valid choice' in response.get_data(as_text=True)
        assert bookings() == []

    def test_staff_without_a_startup_cannot_book(self, world, client, login):
        login(world.manager)
        assert client.get(f'/spaces/{world.room.id}/book').status_code == 403

    def test_the_form_is_chinese_by_default(self, world, client, login):
        login(world.member)
        page = client.get(f'/spaces/{world.room.id}/book?day=2026-12-01&start=09:00').get_data(as_text=True)
        assert '预约' in page and 'value="10:00"' in page


class TestMyBookings:
    def test_upcoming_and_past_and_cancel(self, world, client, login):
        past = operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        future = operations.create_booking(world.member, world.room, world.startup, at(3, 9), at(3, 10), now=NOW)
        db.session.commit()
        with time_machine.travel(at(2, 9), tick=False):
            login(world.member)
            upcoming = client.get('/bookings/', headers=EN).get_data(as_text=True)
            earlier = client.get('/bookings/?when=past', headers=EN).get_data(as_text=True)
            assert f'/bookings/{future.id}"' in upcoming and f'/bookings/{past.id}"' not in upcoming
            assert f'/bookings/{past.id}"' in earlier and f'/bookings/{future.id}"' not in earlier
            assert f'/bookings/{past.id}/cancel' not in earlier
            response = client.post(f'/bookings/{future.id}/cancel', headers=EN)
        assert response.status_code == 302
        assert future.status == BookingStatus.cancelled and not future.counts_against_quota

    def test_long_lists_come_a_page_at_a_time_in_order(self, world, client, login):
        desk = make_space(world.site, 'Desk 9', SpaceKind.fixed_desk, capacity=1)
        booked = [operations.create_booking(world.member, desk, world.startup, at(day, hour), at(day, hour + 1),
                                            now=NOW) for day in (1, 2, 3) for hour in range(9, 18)]
        db.session.commit()
        login(world.member)
        pages = [client.get(f'/bookings/?page={page}', headers=EN).get_data(as_text=True) for page in (1, 2)]
        shown = [[int(i) for i in re.findall(r'href="/bookings/(\d+)"', page)] for page in pages]
        assert shown == [[b.id for b in booked[:20]], [b.id for b in booked[20:]]]
        assert 'Page 1' in pages[0] and '?page=2' in pages[0] and '?page=0' not in pages[0]
        assert '?page=1' in pages[1] and '?page=3' not in pages[1]
        beyond = client.get('/bookings/?page=99', headers=EN).get_data(as_text=True)
        assert 'No more bookings.' in beyond and '?page=98' in beyond
        assert '没有更多预约了' in client.get('/bookings/?page=99').get_data(as_text=True)
        assert '第1页' in client.get('/bookings/').get_data(as_text=True)
        assert 'Page 1' in client.get('/bookings/?page=x', headers=EN).get_data(as_text=True)

    def test_a_list_that_fits_one_page_has_no_page_links(self, world, client, login):
        for hour in range(9, 11):
            operations.create_booking(world.member, world.room, world.startup, at(1, hour), at(1, hour + 1), now=NOW)
        db.session.commit()
        login(world.member)
        page = client.get('/bookings/', headers=EN).get_data(as_text=True)
        assert 'Page 1' not in page and '?page=' not in page

    def test_nobody_else_sees_or_cancels_a_booking(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        db.session.commit()
        login(world.outsider)
        assert client.get(f'/bookings/{booking.id}').status_code == 404
        assert client.post(f'/bookings/{booking.id}/cancel').status_code == 404
        assert booking.status == BookingStatus.confirmed
        login(world.owner)
        assert client.get(f'/bookings/{booking.id}').status_code == 200

    def test_the_owner_sees_all_bookings_and_the_ledger_of_the_startup(self, world, client, login):
        operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 14), now=NOW)
        db.session.commit()
        login(world.owner)
        bookings, ledger = f'/startups/{world.startup.id}/bookings', f'/startups/{world.startup.id}/free-hours'
        page = client.get(bookings, headers=EN).get_data(as_text=True)
        assert 'Mark Member' in page and 'id="ledger"' not in page
        assert f'href="{ledger}">Free hours and charges</a>' in page
        page = client.get(ledger, headers=EN).get_data(as_text=True)
        assert f'href="{bookings}">All bookings</a>' in page and 'Mark Member' not in page
        table = re.search(r'<table class="table table-sm table-cards" id="ledger">(.*?)</table>', page, re.S).group(1)
        assert '>December 2026<' in table and '2026-12' not in table
        assert 'Meeting room' in table and '¥50.00' in table
        page = client.get(ledger).get_data(as_text=True)                                     # Chinese by default
        table = re.search(r'<table class="table table-sm table-cards" id="ledger">(.*?)</table>', page, re.S).group(1)
        assert '会议室' in table and 'Meeting room' not in table and '免费时长与费用</a>' in page
        assert '>2026年12月<' in table
        for path in (bookings, ledger):
            login(world.member)
            assert client.get(path).status_code == 403
            login(world.outsider)
            assert client.get(path).status_code == 404
            login(world.owner)

    def test_both_startup_pages_tell_its_own_no_shows(self, world, client, login):
        for day, startup in ((1, world.startup), (2, world.startup), (3, world.other_startup)):
            db.session.add(Booking(space=world.room, startup=startup, booked_by=world.member, start_at=at(day, 9),
                                   end_at=at(day, 10), seats=1, status=BookingStatus.no_show,
                                   quota_month=at(day, 9).date().replace(day=1), usage_minutes=60,
                                   payment_method=PaymentMethod.free))
        db.session.commit()
        login(world.owner)
        for path in (f'/startups/{world.startup.id}/bookings', f'/startups/{world.startup.id}/free-hours'):
            assert 'No-shows: 2' in client.get(path, headers=EN).get_data(as_text=True)
        login(world.outsider)
        page = client.get(f'/startups/{world.other_startup.id}/free-hours', headers=EN).get_data(as_text=True)
        assert 'No-shows: 1' in page

    def test_the_ledger_shows_a_year_at_a_time(self, world, client, login):
        january = at(1, 9) + timedelta(days=35)                       # Tuesday 5 January 2027, 09:00
        operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 11), now=NOW)
        operations.create_booking(world.member, world.room, world.startup, january, january + timedelta(hours=1),
                                  now=NOW)
        db.session.commit()
        login(world.owner)
        path = f'/startups/{world.startup.id}/free-hours'

        def ledger_of(query='', headers=EN):
            page = client.get(path + query, headers=headers).get_data(as_text=True)
            table = re.search(r'<table class="table table-sm table-cards" id="ledger">(.*?)</table>', page, re.S)
            return page, table.group(1) if table else ''

        page, ledger = ledger_of()
        assert 'Free hours and charges per month in 2026' in page
        assert 'December 2026' in ledger and 'January 2027' not in ledger
        assert f'{path}?year=2027' in page and '?year=2025' not in page      # admitted in 2026
        page, ledger = ledger_of('?year=2027')
        assert 'January 2027' in ledger and 'December 2026' not in ledger and f'{path}?year=2026' in page
        page, ledger = ledger_of('?year=2028')
        assert not ledger and 'No bookings in 2028.' in page and '?year=2029' not in page
        for wrong in ('?year=1999', '?year=2031', '?year=next'):
            page, ledger = ledger_of(wrong)
            assert 'per month in 2026' in page and 'December 2026' in ledger
        page, ledger = ledger_of('?year=2027', headers={})                   # Chinese by default
        assert '2027年每月免费时长与费用' in page and '2027年1月' in ledger

    def test_the_pages_statement_count_does_not_grow_with_bookings(self, world, client, login, count_queries):
        login(world.owner)
        counts = []
        for day in (1, 2):
            for hour in (9, 11, 13, 15):
                operations.create_booking(world.member, world.room, world.startup, at(day, hour),
                                          at(day, hour + 1), now=NOW)
            db.session.commit()
            with count_queries() as counter:
                assert client.get('/bookings/').status_code == 200
                assert client.get(f'/spaces/{world.room.id}?week=2026-11-30').status_code == 200
                assert client.get(f'/startups/{world.startup.id}/bookings').status_code == 200
                assert client.get(f'/startups/{world.startup.id}/free-hours').status_code == 200
            counts.append(counter.count)
        assert counts[0] == counts[1]


class TestApprovals:
    @pytest.fixture
    def pending(self, world):
        lab = make_space(world.site, 'Clean room', capacity=2, requires_approval=True)
        booking = operations.create_booking(world.member, lab, world.startup, at(1, 9), at(1, 10), now=NOW)
        db.session.commit()
        return booking

    def test_managers_approve_from_the_queue(self, world, client, login, pending):
        login(world.manager)
        assert 'Clean room' in client.get('/bookings/approvals').get_data(as_text=True)
        client.post(f'/bookings/{pending.id}/approve')
        assert pending.status == BookingStatus.confirmed
        assert 'Clean room' not in client.get('/bookings/approvals').get_data(as_text=True)

    def test_the_queue_s_forms_carry_a_token_the_app_accepts(self, app, world, client, login, pending):
        login(world.manager)
        app.config['WTF_CSRF_ENABLED'] = True
        try:
            page = client.get('/bookings/approvals').get_data(as_text=True)
            tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
            assert len(tokens) == 1
            client.post(f'/bookings/{pending.id}/decline', data={'reason': '设备维护', 'csrf_token': tokens.pop()})
        finally:
            app.config['WTF_CSRF_ENABLED'] = False
        assert pending.status == BookingStatus.declined

    def test_declining_needs_a_reason(self, world, client, login, pending):
        login(world.manager)
        client.post(f'/bookings/{pending.id}/decline', data={'reason': ''})
        assert pending.status == BookingStatus.pending
        client.post(f'/bookings/{pending.id}/decline', data={'reason': '设备维护'})
        assert pending.status == BookingStatus.declined and pending.decision_reason == '设备维护'

    @pytest.mark.parametrize('headers, says', [
        (EN, 'Requested: Clean room, Dec 2, 2026 9:00\u202fAM–10:00\u202fAM. A manager will approve or decline it'),
        ({}, '已提交预约申请：Clean room，2026年12月2日 09:00–10:00。孵化经理审批后会通知您。'),
    ])
    def test_the_booker_is_told_the_booking_awaits_a_manager(self, world, client, login, headers, says):
        lab = make_space(world.site, 'Clean room', capacity=2, requires_approval=True)
        db.session.commit()
        login(world.member)
        response = client.post(f'/spaces/{lab.id}/book', data=form(day=2, startup_id=world.startup.id, confirm='1'),
                               headers=headers)
        page = client.get(response.location, headers=headers).get_data(as_text=True)
        assert says in page and 'Booked:' not in page and '预约成功' not in page
        [booking] = bookings()
        assert booking.status == BookingStatus.pending

    def test_the_queue_lists_the_soonest_first(self, world, client, login, pending):
        later = operations.create_booking(world.member, pending.space, world.startup, at(1, 8), at(1, 9), now=NOW)
        db.session.commit()
        login(world.manager)
        page = client.get('/bookings/approvals').get_data(as_text=True)
        assert page.index(f'/bookings/{later.id}"') < page.index(f'/bookings/{pending.id}"')

    @pytest.mark.parametrize('headers, repeats, approve_all, approved', [
        (EN, 'Repeats: 2 more occurrences await approval:', 'Approve all 3',
         '3 bookings approved; the booker has been told.'),
        ({}, '重复预约：另有2次待审批：', '全部批准（3个）', '已批准3个预约，并已通知预约人。'),
    ])
    def test_a_series_is_one_request_in_the_queue(self, world, client, login, headers, repeats, approve_all,
                                                  approved):
        lab = make_space(world.site, 'Clean room', capacity=2, requires_approval=True)
        series = operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10), Recurrence.weekly,
                                        count=3, now=NOW)
        db.session.commit()
        login(world.manager)
        page = client.get('/bookings/approvals', headers=headers).get_data(as_text=True)
        assert page.count('name="with_series" value="1"') == 2 and approve_all in page and repeats in page
        assert all(f'/bookings/{booking.id}"' in page for booking in series)
        response = client.post(f'/bookings/{series[0].id}/approve', data={'with_series': '1'}, headers=headers)
        assert [booking.status for booking in bookings()] == [BookingStatus.confirmed] * 3
        page = client.get(response.location, headers=headers).get_data(as_text=True)
        assert approved in page

    def test_the_queue_is_paged_by_request_never_splitting_a_series(self, world, client, login, monkeypatch,
                                                                    count_queries):
        from incubator.booking import queries as booking_queries
        monkeypatch.setattr(booking_queries, 'APPROVALS_PER_PAGE', 2)
        lab = make_space(world.site, 'Clean room', capacity=2, requires_approval=True)
        first = operations.create_booking(world.member, lab, world.startup, at(1, 8), at(1, 9), now=NOW)
        series = operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10), Recurrence.weekly,
                                        count=3, now=NOW)
        last = operations.create_booking(world.member, lab, world.startup, at(2, 15), at(2, 16), now=NOW)
        db.session.commit()
        login(world.manager)
        with count_queries() as few:
            one = client.get('/bookings/approvals', headers=EN).get_data(as_text=True)
        assert '3 requests wait, the soonest to begin first.' in one and 'Page 1 of 2' in one
        assert f'/bookings/{first.id}"' in one and all(f'/bookings/{booking.id}"' in one for booking in series)
        assert f'/bookings/{last.id}"' not in one and 'Approve all 3' in one
        two = client.get('/bookings/approvals?page=2', headers=EN).get_data(as_text=True)
        assert f'/bookings/{last.id}"' in two and f'/bookings/{series[1].id}"' not in two
        operations.book_series(world.member, lab, world.startup, at(2, 11), at(2, 12), Recurrence.weekly, count=2,
                               now=NOW)
        for hour in range(12, 15):
            operations.create_booking(world.member, lab, world.startup, at(2, hour), at(2, hour + 1), now=NOW)
        db.session.commit()
        with count_queries() as many:
            client.get('/bookings/approvals', headers=EN)
        assert many.count == few.count
        zh = client.get('/bookings/approvals', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
        assert '7项申请待审批，按开始时间排列，最早的在前。' in zh

    def test_an_approval_that_fails_after_its_flush_leaves_nothing_behind(self, world, client, login, monkeypatch):
        """The view catches the error and redirects (a response that commits): the flushed approvals are undone."""
        lab = make_space(world.site, 'Clean room', capacity=2, requires_approval=True)
        operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10), Recurrence.weekly, count=3,
                               now=NOW)
        db.session.commit()

        def fail_after_the_flush(*args, **kwargs):
            assert db.session.execute(sa.select(sa.func.count()).select_from(Booking).where(
                Booking.status == BookingStatus.confirmed)).scalar_one() == 3
            raise DomainError('The booker could not be told.', code='test.told_nobody')

        monkeypatch.setattr(operations, 'notify', fail_after_the_flush)
        login(world.manager)
        response = client.post(f'/bookings/{bookings()[0].id}/approve', data={'with_series': '1'}, headers=EN)
        assert response.status_code == 302
        assert [booking.status for booking in bookings()] == [BookingStatus.pending] * 3
        assert {booking.decided_at for booking in bookings()} == {None}
        assert 'The booker could not be told.' in client.get(response.location, headers=EN).get_data(as_text=True)

    def test_startups_cannot_approve(self, world, client, login, pending):
        login(world.owner)
        assert client.get('/bookings/approvals').status_code == 403
        assert client.post(f'/bookings/{pending.id}/approve').status_code == 403
        assert pending.status == BookingStatus.pending


class TestCheckIn:
    def test_check_in_through_the_page(self, world, client, login):
        printer = make_space(world.site, '3D printer', capacity=1, requires_check_in=True)
        booking = operations.create_booking(world.member, printer, world.startup, at(1, 9), at(1, 10), now=NOW)
        db.session.commit()
        with time_machine.travel(at(1, 8, 50), tick=False):
            login(world.member)
            assert 'Check in' in client.get(f'/bookings/{booking.id}', headers=EN).get_data(as_text=True)
            client.post(f'/bookings/{booking.id}/check-in')
        assert booking.checked_in_at == at(1, 8, 50)
        assert NOW < booking.start_at - timedelta(minutes=15)


def test_how_a_price_is_paid_reads_in_each_language_whichever_came_first(app):
    from flask_babel import force_locale

    from incubator.booking.models import PaymentMethod
    with app.test_request_context():
        for locale, note in (('en', '(Pay on site)'), ('zh_CN', '（现场支付）'), ('en', '(Pay on site)')):
            with force_locale(locale):
                assert PaymentMethod.translated_notes()[PaymentMethod.on_site] == note
