"""What people found trying bookings: the waitlist only where it helps, cancellations that say what they do,
series cancelled from one occurrence, cancelled bookings out of "upcoming", mail links to the configured site."""
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from incubator.booking import operations
from incubator.booking.models import BookingStatus, CancelScope, Recurrence
from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.notifications.models import Notification
from tests.booking.conftest import NOW, at

EN = {'Accept-Language': 'en'}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def preview(client, space, day=1, start='09:00', end='10:00', seats='1', startup=None, headers=EN):
    data = {'startup': startup, 'day': f'2026-12-{day:02d}', 'start': start, 'end': end, 'seats': seats,
            'purpose': '', 'recurrence': '', 'count': '', 'until': ''}
    return client.post(f'/spaces/{space.id}/book', data=data, headers=headers).get_data(as_text=True)


def flashed(client, response, headers=EN):
    assert response.status_code == 302
    return client.get(response.headers['Location'], headers=headers).get_data(as_text=True)


def weekly(world, count=4, booker=None, space=None):
    return operations.book_series(booker or world.member, space or world.room, world.startup, at(1, 9), at(1, 10),
                                  Recurrence.weekly, count=count, now=NOW)


class TestWaitlistOffer:
    def test_offered_when_others_hold_the_slot(self, world, client, login):
        operations.create_booking(world.outsider, world.room, world.other_startup, at(1, 9), at(1, 10), now=NOW)
        db.session.commit()
        login(world.member)
        page = preview(client, world.room, startup=world.startup.id)
        assert 'Already booked at this time.' in page and 'Join the waitlist for this time' in page

    @pytest.mark.parametrize('case', ['closed', 'capacity', 'certification'])
    def test_not_offered_when_waiting_cannot_help(self, world, client, login, case):
        from incubator.spaces.models import Certification
        operations.create_booking(world.outsider, world.room, world.other_startup, at(1, 9), at(1, 10), now=NOW)
        day, seats = 1, '1'
        if case == 'closed':
            day = 5  # a Saturday: the site opens on working days
        elif case == 'capacity':
            seats = '9'
        else:
            certification = Certification(name='Laser safety')
            db.session.add(certification)
            world.room.certification = certification
        db.session.commit()
        login(world.member)
        page = preview(client, world.room, day=day, seats=seats, startup=world.startup.id)
        assert 'Nothing can be booked as asked.' in page
        assert 'Join the waitlist for this time' not in page


class TestCancelMessages:
    def test_free_hours_back_only_when_some_were_used(self, world, client, login):
        room = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 11), now=NOW)
        desk = operations.create_booking(world.member, world.desks, world.startup, at(2, 9), at(2, 10), now=NOW)
        db.session.commit()
        assert room.free_minutes == 120 and desk.free_minutes == 0
        login(world.member)
        page = flashed(client, client.post(f'/bookings/{room.id}/cancel', headers=EN))
        assert 'The booking is cancelled. Free hours given back: 2 h.' in page
        page = flashed(client, client.post(f'/bookings/{desk.id}/cancel', headers=EN))
        assert 'The booking is cancelled.' in page and 'free hours' not in page.lower().split('the booking is')[1][:80]
        assert 'refunded' not in page

    def test_the_message_reads_as_one_chinese_sentence_pair(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 11), now=NOW)
        db.session.commit()
        login(world.member)
        page = flashed(client, client.post(f'/bookings/{booking.id}/cancel'), headers={})
        assert '预约已取消。已退还免费时长：2小时。' in page

    def test_after_the_cutoff_the_free_hours_stay_used(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        db.session.commit()
        with time_machine.travel(at(1, 8), tick=False):
            login(world.member)
            page = flashed(client, client.post(f'/bookings/{booking.id}/cancel', headers=EN))
            assert 'Past the cancellation cutoff, the free hours stay used: 1 h.' in page
            chinese = client.get(f'/bookings/{booking.id}').get_data(as_text=True)
        assert booking.counts_against_quota and 'Free hours given back' not in page
        assert '免费' in chinese

    def test_the_confirm_dialog_names_the_booking(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10), now=NOW)
        db.session.commit()
        login(world.member)
        for url in (f'/bookings/{booking.id}', '/bookings/'):
            page = client.get(url, headers=EN).get_data(as_text=True)
            assert 'data-confirm="Cancel the booking of Meeting room A, Dec 2, 2026' in page
            assert 'Cancel this booking?' not in page

    def test_the_booking_page_gives_numbers_their_units(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 11), seats=3,
                                            now=NOW)
        db.session.commit()
        login(world.member)
        assert '3 people' in client.get(f'/bookings/{booking.id}', headers=EN).get_data(as_text=True)
        chinese = client.get(f'/bookings/{booking.id}').get_data(as_text=True)
        assert '>3人<' in chinese and '2 / 2小时' in chinese

    def test_an_unknown_scope_changes_nothing(self, world, client, login):
        booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10), now=NOW)
        db.session.commit()
        login(world.member)
        page = flashed(client, client.post(f'/bookings/{booking.id}/cancel', data={'scope': 'everything'},
                                           headers=EN))
        assert 'The cancellation request was incomplete' in page
        assert booking.status == BookingStatus.confirmed


class TestSeriesCancellation:
    @pytest.mark.parametrize(('scope', 'kept'), [(CancelScope.this, [0, 2, 3]), (CancelScope.following, [0]),
                                                 (CancelScope.all, [])])
    def test_one_occurrence_cancels_by_scope(self, world, scope, kept):
        bookings = weekly(world)
        db.session.commit()
        cancellation = operations.cancel_booking(world.member, bookings[1], scope=scope, now=NOW)
        db.session.commit()
        assert [b.status == BookingStatus.confirmed for b in bookings] == [i in kept for i in range(4)]
        assert cancellation.bookings == [b for i, b in enumerate(bookings) if i not in kept]
        # The first occurrence (1 December 09:00) is already past its 24-hour cutoff: its free hour stays used.
        assert [b.counts_against_quota for b in cancellation.bookings] == [b is bookings[0]
                                                                            for b in cancellation.bookings]
        assert cancellation.free_minutes_given_back == 60 * len([b for b in cancellation.bookings
                                                                 if b is not bookings[0]])

    def test_each_occurrence_by_its_own_cutoff_and_ended_ones_are_left(self, world):
        bookings = weekly(world, count=3)
        db.session.commit()
        # Tuesday 1 December 08:00: the first occurrence is past its cutoff, the others are not.
        cancellation = operations.cancel_booking(world.member, bookings[0], scope=CancelScope.all, now=at(1, 8))
        assert [b.counts_against_quota for b in bookings] == [True, False, False]
        assert (cancellation.free_minutes_kept, cancellation.free_minutes_given_back) == (60, 120)
        db.session.commit()
        with pytest.raises(DomainError) as error:
            operations.cancel_booking(world.member, bookings[0], scope=CancelScope.all, now=at(1, 8))
        assert error.value.code == 'booking.already_decided'

    def test_later_scope_skips_what_has_ended_or_was_cancelled(self, world):
        bookings = weekly(world, count=3)
        operations.cancel_booking(world.member, bookings[2], now=NOW)
        db.session.commit()
        with time_machine.travel(at(1, 12), tick=False):
            cancellation = operations.cancel_booking(world.member, bookings[1], scope=CancelScope.all, now=at(1, 12))
        assert cancellation.bookings == [bookings[1]]
        assert bookings[0].status == BookingStatus.confirmed

    def test_the_booker_is_told_once_when_staff_cancel_a_series(self, world):
        bookings = weekly(world, count=3)
        db.session.commit()
        operations.cancel_booking(world.manager, bookings[0], scope=CancelScope.all, now=NOW)
        db.session.commit()
        told = db.session.execute(sa.select(Notification).filter_by(user_id=world.member.id,
                                                                     kind='booking_cancelled')).scalars().all()
        assert len(told) == 1 and told[0].params['occurrences'] == 3

    def test_series_cancellation_is_audited_per_occurrence(self, world):
        from incubator.core.audit import AuditEntry
        bookings = weekly(world, count=2)
        db.session.commit()
        operations.cancel_booking(world.member, bookings[0], scope=CancelScope.all, now=NOW)
        db.session.commit()
        entries = db.session.execute(sa.select(AuditEntry).where(AuditEntry.object_type == 'booking')).scalars().all()
        changed = {entry.object_id for entry in entries if 'status' in (entry.changes or {})
                   and entry.changes['status'][1] == 'cancelled'}
        assert changed == {str(b.id) for b in bookings}

    def test_through_the_pages_occurrence_links_to_series(self, world, client, login):
        bookings = weekly(world, count=3)
        db.session.commit()
        login(world.member)
        page = client.get(f'/bookings/{bookings[1].id}', headers=EN).get_data(as_text=True)
        series_url = f'/bookings/series/{bookings[0].series_id}'
        assert f'href="{series_url}"' in page and 'This and later occurrences' in page
        assert '仅此一次' in client.get(f'/bookings/{bookings[1].id}').get_data(as_text=True)
        listing = client.get(series_url, headers=EN).get_data(as_text=True)
        assert all(f'/bookings/{b.id}"' in listing for b in bookings)
        assert 'Cancel the 3 occurrences of Meeting room A still to come?' in listing
        page = flashed(client, client.post(f'/bookings/{bookings[1].id}/cancel', data={'scope': 'following'},
                                           headers=EN))
        assert '2 bookings are cancelled. Free hours given back: 2 h.' in page
        assert [b.status for b in bookings] == [BookingStatus.confirmed] + [BookingStatus.cancelled] * 2

    def test_others_do_not_see_a_series(self, world, client, login):
        bookings = weekly(world, count=2)
        db.session.commit()
        login(world.outsider)
        assert client.get(f'/bookings/series/{bookings[0].series_id}').status_code == 404
        login(world.owner)
        assert client.get(f'/bookings/series/{bookings[0].series_id}').status_code == 200
        login(world.manager)
        assert client.get(f'/bookings/series/{bookings[0].series_id}').status_code == 200
        assert client.get('/bookings/series/999999').status_code == 404


def test_cancelled_bookings_leave_the_upcoming_tab(world, client, login):
    kept = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10), now=NOW)
    cancelled = operations.create_booking(world.member, world.room, world.startup, at(3, 9), at(3, 10), now=NOW)
    operations.cancel_booking(world.member, cancelled, now=NOW)
    db.session.commit()
    for user, url in ((world.member, '/bookings/'), (world.owner, f'/startups/{world.startup.id}/bookings')):
        login(user)
        upcoming = client.get(url, headers=EN).get_data(as_text=True)
        earlier = client.get(f'{url}?when=past', headers=EN).get_data(as_text=True)
        assert f'/bookings/{kept.id}"' in upcoming and f'/bookings/{cancelled.id}"' not in upcoming
        assert f'/bookings/{cancelled.id}"' in earlier and f'/bookings/{kept.id}"' not in earlier
        assert 'Past and cancelled' in upcoming


class TestMailLinks:
    def test_mail_written_in_a_request_links_to_the_configured_address(self, world, app, outbox, monkeypatch):
        monkeypatch.setitem(app.config, 'SERVER_NAME', '127.0.0.1:5123')
        booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10), now=NOW)
        db.session.commit()
        with app.test_request_context(base_url='http://internal-host:8080'):
            operations.cancel_booking(world.manager, booking, now=NOW)
        (email,) = outbox(world.member.email)
        assert f'http://127.0.0.1:5123/bookings/{booking.id}' in email.text_body
        assert 'internal-host' not in email.text_body + email.html_body

    def test_make_run_port_sets_the_address_of_mail_links(self):
        root = Path(__file__).resolve().parents[2]
        commands = subprocess.run(['make', '-n', '-C', str(root), 'run', 'PORT=5123'], capture_output=True,
                                  text=True, check=True).stdout
        (serve,) = [line for line in commands.splitlines() if ' run --host' in line]
        assert 'SERVER_NAME=127.0.0.1:5123 ' in serve and '--port 5123' in serve
        chosen = subprocess.run(['make', '-n', '-C', str(root), 'run', 'PORT=5123', 'SERVER_NAME=wutong.lan:5123'],
                                capture_output=True, text=True, check=True).stdout
        assert 'SERVER_NAME=wutong.lan:5123 ' in chosen

    def test_development_reads_the_address_from_the_environment(self):
        root = Path(__file__).resolve().parents[2]
        code = ('import config; print(config.DevelopmentConfig.SERVER_NAME, '
                'config.DevelopmentConfig.PREFERRED_URL_SCHEME)')
        out = subprocess.run(['python3', '-c', code], cwd=root, capture_output=True, text=True, check=True,
                             env={'SERVER_NAME': '127.0.0.1:5123', 'PATH': '/usr/bin:/bin'}).stdout
        assert out.split() == ['127.0.0.1:5123', 'http']


def test_notification_dates_read_as_pages_write_them_in_each_language(world, app):
    from flask_babel import force_locale

    from incubator.notifications.kinds import get_kind
    booking = operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10), now=NOW)
    operations.cancel_booking(world.manager, booking, now=NOW)
    db.session.commit()
    notice = db.session.execute(sa.select(Notification).filter_by(kind='booking_cancelled')).scalar_one()
    kind = get_kind('booking_cancelled')
    with force_locale('zh_Hans_CN'):
        assert '2026年12月2日 09:00–10:00' in kind.render_title(notice.params)
    with force_locale('en'):
        assert 'Dec 2, 2026 9:00\u202fAM–10:00\u202fAM' in kind.render_title(notice.params)
    older = {key: value for key, value in notice.params.items() if key not in ('start_at', 'end_at', 'zone')}
    with force_locale('en'):
        assert '2026-12-02 09:00–10:00' in kind.render_title(older)
