"""The rules of booking, called directly: limits, hours, quota and price, cancel, approval, waitlist, no-shows."""
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from incubator.booking import operations
from incubator.booking.models import Booking, BookingStatus, PaymentMethod, Recurrence, WaitlistStatus
from incubator.booking.operations import BookingRefused
from incubator.booking.queries import Rule, occurrence_times, preview_occurrences, quota_ledger
from incubator.core.errors import NotAllowed
from incubator.extensions import db
from incubator.notifications.kinds import render_title
from incubator.notifications.models import Notification
from incubator.scheduling.runner import run_job
from incubator.sites.models import SiteClosure
from incubator.spaces.models import Blackout, Certification, UserCertification
from tests.booking.conftest import NOW, at, make_space, open_site
from tests.conftest import refused
from tests.factories import SiteFactory

#: The refusals are read in English here; the view tests read them in both languages.
pytestmark = pytest.mark.usefixtures('in_english')


def book(world, start, end, user=None, space=None, seats=1, now=NOW):
    booking = operations.create_booking(user or world.member, space or world.room, world.startup, start, end,
                                        seats=seats, now=now)
    db.session.commit()
    return booking


def notice_text(kind, locale):
    """The one notification of ``kind``, as its reader sees it in ``locale``."""
    [notice] = db.session.execute(sa.select(Notification).filter_by(kind=kind)).scalars()
    with force_locale(locale):
        return render_title(notice.kind, notice.params)


def refusal(world, start, end, **kwargs):
    with pytest.raises(BookingRefused) as caught:
        book(world, start, end, **kwargs)
    db.session.rollback()
    return ' '.join(str(problem) for problem in caught.value.problems)


def active_count():
    return db.session.execute(sa.select(sa.func.count()).select_from(Booking).where(
        Booking.status.in_((BookingStatus.pending, BookingStatus.confirmed)))).scalar_one()


class TestRules:
    def test_a_free_slot_in_opening_hours_is_confirmed(self, world):
        booking = book(world, at(1, 9), at(1, 11))
        assert booking.status == BookingStatus.confirmed
        assert booking.booked_by == world.member and booking.startup == world.startup
        assert booking.quota_month == date(2026, 12, 1)

    @pytest.mark.parametrize('start, end, message', [
        (lambda: at(1, 7), lambda: at(1, 9), 'closed'),                      # before opening
        (lambda: at(1, 19), lambda: at(1, 21), 'closed'),                    # after closing
        (lambda: at(5, 10), lambda: at(5, 12), 'closed'),                    # Saturday: no hours
        (lambda: at(1, 9), lambda: at(1, 9, 15), 'at least 30 minutes'),
        (lambda: at(1, 8), lambda: at(1, 17), 'at most 480 minutes'),
        (lambda: NOW - timedelta(hours=1), lambda: NOW + timedelta(hours=1), 'already begun'),
        (lambda: at(1, 9) + timedelta(days=61), lambda: at(1, 10) + timedelta(days=61), '60 days ahead'),
    ])
    def test_rules_refuse_with_a_clear_message(self, world, start, end, message):
        assert message in refusal(world, start(), end())
        assert active_count() == 0

    def test_the_end_must_follow_the_start(self, world):
        assert 'end must be after' in refusal(world, at(1, 11), at(1, 9))

    def test_more_people_than_the_capacity_are_refused(self, world):
        assert 'at most 8 people' in refusal(world, at(1, 9), at(1, 10), seats=9)

    def test_a_closed_day_of_the_site_is_refused(self, world):
        db.session.add(SiteClosure(site=world.site, starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 3),
                                   reason='Fire drill'))
        db.session.commit()
        assert 'closed' in refusal(world, at(3, 9), at(3, 10))
        assert book(world, at(4, 9), at(4, 10)).status == BookingStatus.confirmed

    def test_a_blackout_is_refused(self, world):
        db.session.add(Blackout(space=world.room, starts_at=at(1, 12), ends_at=at(1, 14), reason='Repainting'))
        db.session.commit()
        assert 'unavailable' in refusal(world, at(1, 13), at(1, 15))
        assert book(world, at(1, 14), at(1, 15)).status == BookingStatus.confirmed

    def test_a_public_holiday_closes_a_site_that_follows_them(self, world):
        # 2026-10-01 (National Day, a Thursday) — checked with "now" a few days before.
        now = datetime(2026, 9, 28, 2, tzinfo=UTC)
        holiday = datetime(2026, 10, 1, 2, tzinfo=UTC)
        with refused(Rule.site_closed):
            operations.create_booking(world.member, world.room, world.startup, holiday,
                                      holiday + timedelta(hours=1), now=now)
        db.session.rollback()
        world.site.follows_public_holidays = False
        db.session.commit()
        booking = operations.create_booking(world.member, world.room, world.startup, holiday,
                                            holiday + timedelta(hours=1), now=now)
        assert booking.status == BookingStatus.confirmed

    def test_a_make_up_workday_opens_a_site_closed_on_weekends(self, world):
        # Sunday 2026-09-20 is a make-up workday for the National Day holiday.
        now = datetime(2026, 9, 14, 2, tzinfo=UTC)
        sunday = datetime(2026, 9, 20, 2, tzinfo=UTC)
        booking = operations.create_booking(world.member, world.room, world.startup, sunday,
                                            sunday + timedelta(hours=1), now=now)
        assert booking.status == BookingStatus.confirmed

    def test_a_certification_is_needed_and_must_be_valid_on_the_day(self, world):
        training = Certification(name='Lab safety training')
        lab = make_space(world.site, 'Wet lab', capacity=4, certification=training)
        assert 'Lab safety training' in refusal(world, at(1, 9), at(1, 10), space=lab)
        db.session.add(UserCertification(user=world.member, certification=training, expires_on=date(2026, 12, 1)))
        db.session.commit()
        assert book(world, at(1, 9), at(1, 10), space=lab).status == BookingStatus.confirmed
        assert 'Lab safety training' in refusal(world, at(2, 9), at(2, 10), space=lab)

    def test_only_members_of_the_startup_book_for_it(self, world):
        with pytest.raises(NotAllowed):
            operations.create_booking(world.outsider, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        with pytest.raises(NotAllowed):
            operations.create_booking(world.manager, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)

    def test_an_inactive_space_cannot_be_booked(self, world):
        world.room.is_active = False
        db.session.commit()
        with pytest.raises(NotAllowed):
            book(world, at(1, 9), at(1, 10))


class TestCapacity:
    def test_a_whole_space_is_booked_once_at_a_time(self, world):
        book(world, at(1, 9), at(1, 11))
        assert 'Already booked' in refusal(world, at(1, 10), at(1, 12), user=world.owner)
        # Half-open: the next booking may start when the first ends.
        assert book(world, at(1, 11), at(1, 12)).status == BookingStatus.confirmed

    def test_a_hot_desk_zone_takes_bookings_until_its_seats_are_full(self, world):
        book(world, at(1, 9), at(1, 12), space=world.desks, seats=2)
        book(world, at(1, 10), at(1, 11), space=world.desks, seats=1)
        assert 'Not enough free seats' in refusal(world, at(1, 10, 30), at(1, 13), space=world.desks)
        # 11:00–12:00 has one seat free again.
        assert book(world, at(1, 11), at(1, 12), space=world.desks).seats == 1

    def test_cancelled_and_declined_bookings_free_their_place(self, world):
        booking = book(world, at(1, 9), at(1, 11))
        operations.cancel_booking(world.member, booking, now=NOW)
        db.session.commit()
        assert book(world, at(1, 9), at(1, 11), user=world.owner).status == BookingStatus.confirmed


class TestQuotaAndPrice:
    def test_free_hours_are_used_first_and_the_rest_is_priced(self, world):
        first = book(world, at(1, 9), at(1, 12))          # 180 of 240 free minutes
        assert (first.free_minutes, first.price_fen, first.payment_method) == (180, 0, PaymentMethod.free)
        second = book(world, at(2, 9), at(2, 11))          # 60 free, 60 paid at 50.00/h
        assert (second.free_minutes, second.price_fen, second.payment_method) == (60, 5000, PaymentMethod.on_site)
        third = book(world, at(3, 9), at(3, 17))           # 8 paid hours = 400.00, capped at the 300.00 day
        assert (third.free_minutes, third.price_fen) == (0, 30000)

    def test_the_quota_is_per_month_of_the_site(self, world):
        book(world, at(1, 9), at(1, 13))
        january = at(1, 9) + timedelta(days=31)            # 2027-01-01 is a Friday
        booking = book(world, january, january + timedelta(hours=1))
        assert booking.quota_month == date(2027, 1, 1) and booking.free_minutes == 60

    def test_a_hot_desk_zone_counts_seat_minutes(self, world):
        booking = book(world, at(1, 9), at(1, 11), space=world.desks, seats=3)
        assert booking.usage_minutes == 360 and booking.free_minutes == 0
        assert booking.price_fen == 6000                  # 6 seat-hours at 10.00, under 3 × 50.00

    def test_price_rounds_up_to_the_fen(self, world):
        world.room.hourly_price_fen = 1001
        world.room.daily_price_fen = 0
        db.session.commit()
        book(world, at(1, 9), at(1, 13))                    # use the whole quota
        booking = book(world, at(2, 9), at(2, 9, 40))
        assert booking.price_fen == 668                    # 1001 × 40/60 = 667.33 → 668

    def test_cancelling_before_the_cutoff_gives_the_quota_back(self, world):
        booking = book(world, at(2, 9), at(2, 13))
        operations.cancel_booking(world.member, booking, now=NOW)
        db.session.commit()
        assert book(world, at(3, 9), at(3, 13)).free_minutes == 240

    def test_cancelling_after_the_cutoff_keeps_the_quota_used(self, world):
        booking = book(world, at(1, 9), at(1, 13))
        operations.cancel_booking(world.member, booking, now=at(1, 8))
        db.session.commit()
        assert booking.counts_against_quota is True
        assert book(world, at(2, 9), at(2, 10), now=at(1, 8)).free_minutes == 0

    def test_a_manager_may_give_the_quota_back_after_the_cutoff(self, world):
        booking = book(world, at(1, 9), at(1, 13))
        with pytest.raises(NotAllowed):
            operations.cancel_booking(world.member, booking, now=at(1, 8), restore_quota=True)
        operations.cancel_booking(world.manager, booking, now=at(1, 8), restore_quota=True)
        db.session.commit()
        assert booking.counts_against_quota is False

    def test_the_ledger_shows_use_per_month_and_kind(self, world):
        book(world, at(1, 9), at(1, 12))
        book(world, at(2, 9), at(2, 11))
        book(world, at(2, 9), at(2, 10), space=world.desks, seats=2)
        cancelled = book(world, at(3, 9), at(3, 10))
        operations.cancel_booking(world.member, cancelled, now=NOW)
        db.session.commit()
        assert quota_ledger(world.startup, 2027) == [] and quota_ledger(world.startup, 2025) == []
        rows = {row.kind.value: row for row in quota_ledger(world.startup, 2026)}
        room = rows['meeting_room']
        assert (room.allowance_minutes, room.free_minutes, room.paid_minutes, room.price_fen, room.bookings) == \
            (240, 240, 60, 5000, 2)
        assert (rows['hot_desk'].allowance_minutes, rows['hot_desk'].free_minutes, rows['hot_desk'].paid_minutes) \
            == (0, 0, 120)


class TestCancel:
    def test_only_the_booker_the_owner_or_staff_may_cancel(self, world):
        booking = book(world, at(1, 9), at(1, 10), user=world.owner)
        with pytest.raises(NotAllowed):
            operations.cancel_booking(world.member, booking, now=NOW)
        with pytest.raises(NotAllowed):
            operations.cancel_booking(world.outsider, booking, now=NOW)
        operations.cancel_booking(world.owner, booking, now=NOW)
        assert booking.status == BookingStatus.cancelled

    def test_staff_cancelling_tells_the_booker(self, world):
        booking = book(world, at(1, 9), at(1, 10))
        operations.cancel_booking(world.manager, booking, now=NOW)
        db.session.commit()
        kinds = db.session.execute(sa.select(Notification.kind).filter_by(user_id=world.member.id)).scalars().all()
        assert kinds == ['booking_cancelled']

    def test_an_ended_or_cancelled_booking_cannot_be_cancelled(self, world):
        booking = book(world, at(1, 9), at(1, 10))
        with refused('booking.ended'):
            operations.cancel_booking(world.member, booking, now=at(1, 10))
        operations.cancel_booking(world.member, booking, now=NOW)
        with refused('booking.already_decided'):
            operations.cancel_booking(world.member, booking, now=NOW)


class TestApproval:
    @pytest.fixture
    def lab(self, world):
        return make_space(world.site, 'Clean room', capacity=2, requires_approval=True)

    def test_a_booking_that_needs_approval_waits_and_holds_its_place(self, world, lab):
        booking = book(world, at(1, 9), at(1, 10), space=lab)
        assert booking.status == BookingStatus.pending
        assert 'Already booked' in refusal(world, at(1, 9), at(1, 10), space=lab, user=world.owner)
        managers = db.session.execute(sa.select(Notification.user_id).filter_by(
            kind='booking_awaits_approval')).scalars().all()
        assert managers == [world.manager.id]

    def test_a_recurring_request_is_one_notice_to_each_manager(self, world, lab):
        operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10), Recurrence.weekly, count=3,
                               now=NOW)
        db.session.commit()
        assert db.session.execute(sa.select(Notification.user_id).filter_by(
            kind='booking_awaits_approval')).scalars().all() == [world.manager.id]
        assert notice_text('booking_awaits_approval', 'en') == \
            'Alpha Robotics asks to book Clean room 3 times, first on Dec 1, 2026 9:00\u202fAM–10:00\u202fAM.'
        assert notice_text('booking_awaits_approval', 'zh_Hans_CN') == \
            'Alpha Robotics申请预约Clean room共3次，首次为2026年12月1日 09:00–10:00。'

    def test_a_series_is_approved_at_once_and_its_booker_told_once(self, world, lab):
        first, second, third = operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10),
                                                      Recurrence.weekly, count=3, now=NOW)
        operations.decline_booking(world.manager, third, 'Cleaning that week', now=NOW)
        db.session.commit()
        approved = operations.approve_booking(world.manager, first, now=NOW, with_series=True)
        db.session.commit()
        assert approved == [first, second]
        assert [b.status for b in (first, second, third)] == [BookingStatus.confirmed, BookingStatus.confirmed,
                                                                 BookingStatus.declined]
        assert {b.decided_by_id for b in approved} == {world.manager.id}
        assert notice_text('booking_approved', 'en') == \
            'Your 2 bookings of Clean room from Dec 1, 2026 9:00\u202fAM–10:00\u202fAM on have been approved.'

    def test_a_series_declined_at_once_gives_all_its_free_hours_back(self, world, lab):
        bookings = operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10), Recurrence.weekly,
                                          count=3, now=NOW)
        db.session.commit()
        operations.decline_booking(world.manager, bookings[1], 'Lab closed for audit', now=NOW, with_series=True)
        db.session.commit()
        assert [b.status for b in bookings] == [BookingStatus.pending, BookingStatus.declined, BookingStatus.declined]
        assert [b.counts_against_quota for b in bookings] == [True, False, False]
        assert notice_text('booking_declined', 'zh_Hans_CN') == \
            '您预约的Clean room自2026年12月8日 09:00–10:00起共2次已被拒绝：Lab closed for audit'

    def test_without_the_series_only_the_one_is_decided(self, world, lab):
        bookings = operations.book_series(world.member, lab, world.startup, at(1, 9), at(1, 10), Recurrence.weekly,
                                          count=2, now=NOW)
        assert operations.approve_booking(world.manager, bookings[0], now=NOW) == [bookings[0]]
        assert bookings[1].status == BookingStatus.pending

    def test_approve_confirms_and_tells_the_booker(self, world, lab):
        booking = book(world, at(1, 9), at(1, 10), space=lab)
        with pytest.raises(NotAllowed):
            operations.approve_booking(world.owner, booking, now=NOW)
        operations.approve_booking(world.manager, booking, now=NOW)
        db.session.commit()
        assert booking.status == BookingStatus.confirmed and booking.decided_by_id == world.manager.id
        assert db.session.execute(sa.select(Notification.kind).filter_by(
            user_id=world.member.id)).scalars().all() == ['booking_approved']
        with refused('booking.already_decided'):
            operations.approve_booking(world.manager, booking, now=NOW)

    def test_decline_needs_a_reason_frees_the_slot_and_gives_the_quota_back(self, world, lab):
        booking = book(world, at(1, 9), at(1, 10), space=lab)
        with refused('booking.reason_needed'):
            operations.decline_booking(world.manager, booking, '   ', now=NOW)
        operations.decline_booking(world.manager, booking, 'Cleaning that day', now=NOW)
        db.session.commit()
        assert booking.status == BookingStatus.declined and not booking.counts_against_quota
        assert booking.decision_reason == 'Cleaning that day'
        assert book(world, at(1, 9), at(1, 10), space=lab, user=world.owner).status == BookingStatus.pending

    def test_a_request_nobody_decided_lapses_when_it_begins(self, world, lab):
        booking = book(world, at(1, 9), at(1, 10), space=lab)
        confirmed = book(world, at(1, 9), at(1, 10))
        entry = operations.join_waitlist(world.outsider, lab, world.other_startup, at(1, 9, 30), at(1, 10), now=NOW)
        db.session.commit()
        assert quota_ledger(world.startup, 2026)[0].free_minutes == 120
        assert operations.lapse_undecided(at(1, 8, 59)) == 0
        run = run_job('booking.lapse_undecided', now=at(1, 9))  # as the scheduler runs it
        assert run.counts == {'lapsed': 1}
        db.session.refresh(booking)
        db.session.refresh(entry)
        assert booking.status == BookingStatus.lapsed and not booking.counts_against_quota
        assert booking.decided_at == at(1, 9) and booking.decided_by_id is None
        assert confirmed.status == BookingStatus.confirmed
        assert quota_ledger(world.startup, 2026)[0].free_minutes == 60
        assert entry.status == WaitlistStatus.notified
        kinds = db.session.execute(sa.select(Notification.kind).filter_by(user_id=world.member.id)).scalars().all()
        assert kinds == ['booking_lapsed']
        assert operations.lapse_undecided(at(1, 9, 1)) == 0
        with refused('booking.already_decided'):
            operations.approve_booking(world.manager, booking, now=at(1, 9, 1))

    def test_a_request_cannot_be_approved_once_it_has_begun(self, world, lab):
        booking = book(world, at(1, 9), at(1, 10), space=lab)
        with refused('booking.begun'):
            operations.approve_booking(world.manager, booking, now=at(1, 9))
        assert booking.status == BookingStatus.pending
        operations.decline_booking(world.manager, booking, 'Too late to decide', now=at(1, 9))
        assert booking.status == BookingStatus.declined


class TestWaitlist:
    def test_join_only_when_full_and_get_told_in_order_when_it_frees(self, world):
        taken = book(world, at(1, 9), at(1, 11), user=world.owner)
        with refused('booking.slot_free'):
            operations.join_waitlist(world.member, world.room, world.startup, at(1, 11), at(1, 12), now=NOW)
        first = operations.join_waitlist(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        second = operations.join_waitlist(world.outsider, world.room, world.other_startup, at(1, 10), at(1, 11),
                                          now=NOW + timedelta(minutes=1))
        with refused('booking.already_waiting'):
            operations.join_waitlist(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        db.session.commit()
        operations.cancel_booking(world.owner, taken, now=NOW)
        db.session.commit()
        assert (first.status, second.status) == (WaitlistStatus.notified, WaitlistStatus.notified)
        notified = db.session.execute(sa.select(Notification.user_id).filter_by(kind='waitlist_slot_free')
                                      .order_by(Notification.id)).scalars().all()
        assert notified == [world.member.id, world.outsider.id]
        # Whoever books first gets it; their entry is fulfilled.
        book(world, at(1, 9), at(1, 11))
        assert first.status == WaitlistStatus.fulfilled
        with pytest.raises(BookingRefused):
            operations.create_booking(world.outsider, world.room, world.other_startup, at(1, 10), at(1, 11),
                                      now=NOW)

    def test_a_slot_that_breaks_other_rules_cannot_be_waited_for(self, world):
        with refused(Rule.site_closed):
            operations.join_waitlist(world.member, world.room, world.startup, at(5, 9), at(5, 10), now=NOW)

    def test_entries_expire_when_their_time_begins(self, world):
        book(world, at(1, 9), at(1, 10), user=world.owner)
        entry = operations.join_waitlist(world.member, world.room, world.startup, at(1, 9), at(1, 10), now=NOW)
        assert operations.expire_waitlist(at(1, 9)) == 1
        db.session.refresh(entry)
        assert entry.status == WaitlistStatus.expired


class TestCheckIn:
    @pytest.fixture
    def bench(self, world):
        return make_space(world.site, '3D printer', capacity=1, requires_check_in=True)

    def test_check_in_window_and_who_may(self, world, bench):
        booking = book(world, at(1, 9), at(1, 10), space=bench)
        with refused('booking.check_in_closed'):
            operations.check_in(world.member, booking, now=at(1, 8, 44))
        with pytest.raises(NotAllowed):
            operations.check_in(world.outsider, booking, now=at(1, 8, 50))
        operations.check_in(world.owner, booking, now=at(1, 8, 50))
        assert booking.checked_in_at == at(1, 8, 50)
        assert operations.release_no_shows(at(1, 9, 30)) == 0

    def test_a_booking_not_checked_in_is_released_after_15_minutes(self, world, bench):
        booking = book(world, at(1, 9), at(1, 10), space=bench)
        entry = operations.join_waitlist(world.outsider, bench, world.other_startup, at(1, 9, 30), at(1, 10),
                                         now=NOW)
        db.session.commit()
        assert operations.release_no_shows(at(1, 9, 14)) == 0
        assert operations.release_no_shows(at(1, 9, 15)) == 1
        db.session.commit()
        assert booking.status == BookingStatus.no_show and booking.counts_against_quota
        assert entry.status == WaitlistStatus.notified
        assert operations.release_no_shows(at(1, 9, 16)) == 0
        kinds = db.session.execute(sa.select(Notification.kind).filter_by(user_id=world.member.id)).scalars().all()
        assert kinds == ['booking_released']

    def test_spaces_without_check_in_are_never_released(self, world):
        booking = book(world, at(1, 9), at(1, 10))
        assert operations.release_no_shows(at(1, 9, 30)) == 0
        assert booking.status == BookingStatus.confirmed


class TestRecurrence:
    def test_weekly_preview_lists_every_occurrence_with_its_conflicts(self, world):
        book(world, at(8, 9), at(8, 10), user=world.owner)
        times = occurrence_times(world.room, at(1, 9), at(1, 10), Recurrence.weekly, count=4)
        assert [start for start, _end in times] == [at(day, 9) for day in (1, 8, 15, 22)]
        preview = preview_occurrences(world.room, world.startup, world.member, times, 1, NOW)
        assert [occurrence.is_free for occurrence in preview] == [True, False, True, True]
        assert [occurrence.quote.free_minutes for occurrence in preview if occurrence.is_free] == [60, 60, 60]

    def test_a_preview_reads_the_quota_once_a_month_and_uses_it_up_in_order(self, world, count_queries):
        """Its statements do not grow with its occurrences; December's 240 free minutes go to the first four."""
        counts = {}
        for count in (1, 2, 4):                           # all in December; the first warms the site's calendar
            times = occurrence_times(world.room, at(1, 9), at(1, 10), Recurrence.weekly, count=count)
            with count_queries() as counter:
                preview_occurrences(world.room, world.startup, world.member, times, 1, NOW)
            counts[count] = counter.count
        assert counts[2] == counts[4]
        times = occurrence_times(world.room, at(1, 9), at(1, 10), Recurrence.weekly, count=6)
        preview = preview_occurrences(world.room, world.startup, world.member, times, 1, NOW)
        assert [(o.start_at.date().isoformat(), o.quote.free_minutes, o.quote.price_fen) for o in preview] == [
            ('2026-12-01', 60, 0), ('2026-12-08', 60, 0), ('2026-12-15', 60, 0), ('2026-12-22', 60, 0),
            ('2026-12-29', 0, 5000), ('2027-01-05', 60, 0)]

    def test_booking_the_free_ones_skips_the_others(self, world):
        book(world, at(2, 9), at(2, 10), user=world.owner)
        bookings = operations.book_series(world.member, world.room, world.startup, at(1, 9), at(1, 10),
                                          Recurrence.daily, until=date(2026, 12, 7), now=NOW)
        db.session.commit()
        # 1–7 Dec: Tue..Mon; the 2nd is taken, the 5th and 6th are a weekend.
        assert [b.start_at for b in bookings] == [at(1, 9), at(3, 9), at(4, 9), at(7, 9)]
        assert len({b.series_id for b in bookings}) == 1 and bookings[0].series.occurrence_count == 4

    def test_nothing_is_booked_when_no_occurrence_is_free(self, world):
        with refused('booking.no_occurrence_free'):
            operations.book_series(world.member, world.room, world.startup, at(5, 9), at(5, 10),
                                   Recurrence.weekly, count=3, now=NOW)
        assert active_count() == 0

    def test_wall_clock_time_holds_across_daylight_saving(self, app):
        site = open_site(SiteFactory(name='Berlin Lab', timezone='Europe/Berlin'))
        space = make_space(site, 'Bench', booking_horizon_days=400)
        # Berlin leaves summer time on Sunday 2026-10-25.
        start = datetime(2026, 10, 22, 7, tzinfo=UTC)       # 09:00 CEST
        times = occurrence_times(space, start, start + timedelta(hours=1), Recurrence.daily, count=5)
        assert [s.hour for s, _e in times] == [7, 7, 7, 8, 8]       # 09:00 local throughout
        assert all(e - s == timedelta(hours=1) for s, e in times)
