"""Home pages as work queues (issue #17): each role's queues with their counts and most urgent items, startup
isolation, the navigation's badges, statement counts that do not grow with rows; the unpaid on-site list; a
notification read when its page is opened."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from incubator.booking.models import Booking, BookingStatus, PaymentMethod
from incubator.extensions import db
from incubator.notifications.models import EmailStatus, Notification, OutboxEmail
from incubator.payments import operations as payment_operations
from incubator.scheduling.models import JobRun, RunOutcome
from tests.booking.conftest import NOW, at
from tests.factories import UserFactory

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}


@pytest.fixture(autouse=True)
def frozen(app):
    with time_machine.travel(NOW, tick=True):
        yield


def booking(world, day, hour=9, status=BookingStatus.confirmed, price_fen=18000, method=PaymentMethod.on_site,
            startup=None, booked_by=None):
    """A two-hour booking of the meeting room as the booking operations leave it (no free minutes)."""
    made = Booking(space=world.room, startup=startup or world.startup, booked_by=booked_by or world.member,
                   start_at=at(day, hour), end_at=at(day, hour + 2), seats=1, status=status,
                   quota_month=date(2026, 12, 1), usage_minutes=120, free_minutes=0, price_fen=price_fen,
                   payment_method=method, created_at=NOW)
    db.session.add(made)
    db.session.commit()
    return made


def home(client, headers=EN):
    response = client.get('/', headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def card(page, card_id):
    """The text of one queue card of the home page."""
    start = page.index(f'id="{card_id}"')
    return page[start:page.index('</section>', start)]


def nav_of(page):
    """The text of the navigation's "To do" dropdown."""
    start = page.index('id="nav-queues"')
    return page[start:page.index('</ul>', start)]


def count_of(card_text):
    return int(card_text.split('queue-count">', 1)[1].split('<', 1)[0])


class TestStartupHome:
    def test_the_owner_sees_next_bookings_and_what_is_owed_on_site(self, world, client, login):
        first = booking(world, 2, price_fen=18000)
        booking(world, 3, price_fen=0, method=PaymentMethod.free)
        booking(world, 4, startup=world.other_startup, booked_by=world.outsider, price_fen=99000)
        login(world.owner)
        page = home(client)
        upcoming = card(page, 'bookings')
        assert count_of(upcoming) == 2 and f'/bookings/{first.id}' in upcoming
        owed = card(page, 'owed')
        assert count_of(owed) == 1 and '¥180.00 to pay at the front desk' in owed
        assert '¥990.00' not in page and 'Beta Biotech' not in page
        assert 'Owed on site' in page and 'data-queue="owed"' in page

    def test_the_counts_follow_the_clock_though_their_statement_is_built_once(self, world, client, login):
        """The counts' statement is built once per set of queues, with the moment as a parameter of each run."""
        booking(world, 2)
        booking(world, 3)
        login(world.owner)
        assert count_of(card(home(client), 'bookings')) == 2
        with time_machine.travel(at(2, 12), tick=False):       # the first is over
            login(world.owner)
            assert count_of(card(home(client), 'bookings')) == 1
        with time_machine.travel(at(3, 12), tick=False):       # both are
            login(world.owner)
            page = home(client)
            assert count_of(card(page, 'bookings')) == 0 and 'No booking coming up.' in page

    def test_in_chinese(self, world, client, login):
        booking(world, 2)
        login(world.member)
        page = home(client, ZH)
        assert '近期预约' in page and '需在前台支付¥180.00' in page and '待办' in page

    def test_nothing_waiting_is_said_in_words(self, world, client, login):
        login(world.outsider)
        page = home(client)
        assert 'No booking coming up.' in page and 'Nothing to pay at the front desk.' in page
        assert 'No review waits for your self-assessment.' in page and 'No green-channel request under way.' in page

    def test_a_startup_never_sees_another_startups_items(self, world, client, login):
        mine = booking(world, 2)
        theirs = booking(world, 3, startup=world.other_startup, booked_by=world.outsider)
        login(world.outsider)
        page = home(client)
        assert f'/bookings/{theirs.id}"' in page and f'/bookings/{mine.id}"' not in page


class TestManagerHome:
    def test_approvals_and_unpaid_on_site_with_amounts(self, world, client, login):
        pending = booking(world, 5, status=BookingStatus.pending, price_fen=0, method=PaymentMethod.free)
        booking(world, 2, price_fen=18000)
        booking(world, 3, startup=world.other_startup, booked_by=world.outsider, price_fen=5000)
        login(world.manager)
        page = home(client)
        approvals = card(page, 'approvals')
        assert count_of(approvals) == 1 and f'/bookings/{pending.id}' in approvals
        unpaid = card(page, 'unpaid')
        assert count_of(unpaid) == 2 and '¥230.00 owed in all' in unpaid
        assert unpaid.index('Alpha Robotics') < unpaid.index('Beta Biotech')     # by date
        assert 'No milestone waits for your decision.' in page and 'No case waits for a manager.' in page
        nav = nav_of(page)
        assert 'Bookings awaiting approval<span class="badge rounded-pill text-bg-primary">1</span>' in nav
        assert 'Unpaid on-site payments<span class="badge rounded-pill text-bg-primary">2</span>' in nav

    def test_badges_and_cards_count_a_long_queue_only_up_to_the_cap(self, world, client, login, monkeypatch):
        """Every page shows the badges, home its cards: beyond the cap they say "N+", and an amount that would
        be short is left out (the list's page has it)."""
        from incubator.dashboard import queries as dashboard_queries
        monkeypatch.setattr(dashboard_queries, 'COUNT_CAP', 2)
        monkeypatch.setattr(dashboard_queries, 'HOME_ITEMS', 1)
        for day in (2, 3, 4):
            booking(world, day, status=BookingStatus.pending, price_fen=0, method=PaymentMethod.free)
        booking(world, 5, price_fen=18000)
        login(world.manager)
        elsewhere = nav_of(client.get('/bookings/mine', headers=EN).get_data(as_text=True))
        assert 'Bookings awaiting approval<span class="badge rounded-pill text-bg-primary">2+</span>' in elsewhere
        assert 'Unpaid on-site payments<span class="badge rounded-pill text-bg-primary">1</span>' in elsewhere
        assert 'text-bg-warning">2+</span>' in elsewhere        # the total of capped counts is capped too
        page = home(client)
        approvals = card(page, 'approvals')
        assert 'queue-count">2+</span>' in approvals and 'See all (2+)' in approvals
        assert 'Bookings awaiting approval<span class="badge rounded-pill text-bg-primary">2+</span>' in nav_of(page)
        assert count_of(card(page, 'unpaid')) == 1 and '¥180.00 owed in all' in card(page, 'unpaid')
        for day in (6, 7):
            booking(world, day, startup=world.other_startup, booked_by=world.outsider, price_fen=5000)
        unpaid = card(home(client), 'unpaid')
        assert 'queue-count">2+</span>' in unpaid and 'owed in all' not in unpaid and '¥' in unpaid
        assert 'See all (2+)' in unpaid

    def test_in_chinese(self, world, client, login):
        booking(world, 2)
        login(world.manager)
        page = home(client, ZH)
        assert '未付的现场付款' in page and '共欠¥180.00' in page

    def test_the_navigation_names_its_sections_not_their_counts_in_chinese(self, world, client, login):
        """"Cases" and "Bookings" also head count columns (案例数, 预约数): the navigation has its own words."""
        login(world.manager)
        page = home(client, ZH)
        nav = page[:page.index('</nav>')]
        assert 'href="/cases/">容错案例</a>' in nav and 'aria-expanded="false">预约</a>' in nav
        assert '案例数' not in nav and '预约数' not in nav

    def test_a_recorded_payment_leaves_the_queue(self, world, client, login):
        owed = booking(world, 2)
        payment_operations.record_payment_on_site(world.manager, [owed])
        db.session.commit()
        login(world.manager)
        assert count_of(card(home(client), 'unpaid')) == 0

    def test_statements_do_not_grow_with_rows(self, world, client, login, count_queries):
        booking(world, 2)
        booking(world, 3, status=BookingStatus.pending)
        login(world.manager)
        home(client)
        with count_queries() as few:
            home(client)
        for day in range(4, 12):
            booking(world, day, startup=world.other_startup if day % 2 else world.startup, booked_by=world.outsider)
            booking(world, day, hour=14, status=BookingStatus.pending)
        with count_queries() as many:
            page = home(client)
        assert count_of(card(page, 'unpaid')) == 9 and 'See all (9)' in page
        assert many.count == few.count


class TestGreenChannelQueues:
    def test_the_manager_checks_submitted_requests_and_the_reviewer_sees_routed_ones(self, green, client, login):
        submitted = green.submitted()
        routed = green.routed()
        db.session.commit()
        login(green.manager)
        triage = card(home(client), 'triage')
        assert count_of(triage) == 1 and f'/greenchannel/{submitted.id}"' in triage
        login(green.land_reviewer)
        page = home(client)
        mine = card(page, 'routed')
        assert count_of(mine) == 1 and f'/greenchannel/{routed.id}"' in mine and 'Overdue' in mine
        assert '待出具的意见' in home(client, ZH)
        login(green.owner)
        requests = card(home(client), 'requests')
        assert count_of(requests) == 2
        login(green.other_owner)
        assert 'No green-channel request under way.' in home(client)

    def test_with_no_opinion_due_the_reviewer_still_reaches_the_departments_requests(self, green, client, login):
        login(green.land_reviewer)
        empty = card(home(client), 'routed')
        assert count_of(empty) == 0 and 'href="/greenchannel/">All requests routed to your department' in empty
        login(green.manager)
        assert 'All requests routed' not in home(client)                 # other empty queues link to nothing


class TestAdminHome:
    def test_failed_jobs_undelivered_mail_and_missing_calendar_years(self, app, client, login):
        """The package's calendar data ends with 2026: next year is missing on 30 November 2026."""
        admin = UserFactory(roles=['admin'])
        db.session.add_all([
            JobRun(job_name='send_outbox', period_key='a', outcome=RunOutcome.failed, error='boom',
                   started_at=NOW - timedelta(hours=2)),
            JobRun(job_name='release_no_shows', period_key='a', outcome=RunOutcome.failed,
                   started_at=NOW - timedelta(hours=2)),
            JobRun(job_name='release_no_shows', period_key='b', outcome=RunOutcome.succeeded,
                   started_at=NOW - timedelta(hours=1)),
            OutboxEmail(recipient='lost@example.com', subject='Your booking', text_body='', html_body='',
                        locale='en', kind='booking_approved', status=EmailStatus.failed, last_error='550 no such user'),
        ])
        db.session.commit()
        login(admin)
        page = home(client)
        jobs = card(page, 'failed-jobs')
        assert count_of(jobs) == 1 and 'send_outbox' in jobs and 'release_no_shows' not in jobs
        mail = card(page, 'undelivered')
        assert count_of(mail) == 1 and 'lost@example.com' in mail and '550 no such user' in mail
        assert '2027 has no working-day data yet' in card(page, 'calendar-years')
        assert '2027年尚无工作日数据' in home(client, ZH)


class TestOwedOnSitePages:
    def test_the_managers_list_by_date_with_the_amount_owed(self, world, client, login):
        later = booking(world, 8, price_fen=5000)
        sooner = booking(world, 2, startup=world.other_startup, booked_by=world.outsider, price_fen=18000)
        login(world.manager)
        page = client.get('/payments/owed-on-site', headers=EN).get_data(as_text=True)
        assert '2 bookings owe ¥230.00 in all' in page
        assert page.index(f'/bookings/{sooner.id}"') < page.index(f'/bookings/{later.id}"')
        assert 'data-label="Amount owed"' in page

    @pytest.mark.parametrize('who', ['owner', 'member', 'outsider'])
    def test_startups_may_not_open_it(self, world, client, login, who):
        login(getattr(world, who))
        assert client.get('/payments/owed-on-site').status_code in (403, 404)

    def test_the_startup_sees_what_it_owes(self, world, client, login):
        booking(world, 2, price_fen=18000)
        booking(world, 3, startup=world.other_startup, booked_by=world.outsider, price_fen=99000)
        login(world.owner)
        page = client.get(f'/startups/{world.startup.id}/payments', headers=EN).get_data(as_text=True)
        assert '1 booking to pay at the front desk: ¥180.00 in all.' in page and '¥990.00' not in page
        assert '需在前台支付，共¥180.00' in client.get(f'/startups/{world.startup.id}/payments',
                                                   headers=ZH).get_data(as_text=True)

    def test_the_startup_is_told_when_more_are_owed_than_shown(self, world, client, login, monkeypatch):
        from incubator.payments import record_views
        monkeypatch.setattr(record_views, 'OWED_SHOWN', 2)
        oldest, second, third = booking(world, 2), booking(world, 3), booking(world, 4)
        login(world.owner)
        page = client.get(f'/startups/{world.startup.id}/payments', headers=EN).get_data(as_text=True)
        assert '3 bookings to pay at the front desk' in page
        assert f'/bookings/{oldest.id}"' in page and f'/bookings/{second.id}"' in page
        assert f'/bookings/{third.id}"' not in page
        assert 'The 2 oldest are shown; 1 more booking is owed after them.' in page
        zh = client.get(f'/startups/{world.startup.id}/payments', headers=ZH).get_data(as_text=True)
        assert '仅显示最早的2个；其后还有1个预约待付。' in zh
        monkeypatch.setattr(record_views, 'OWED_SHOWN', 3)
        assert 'oldest are shown' not in client.get(f'/startups/{world.startup.id}/payments',
                                                    headers=EN).get_data(as_text=True)

    def test_the_payments_page_lists_only_months_with_payments(self, world, client, login):
        payment_operations.record_payment_on_site(world.manager, [booking(world, 2)])
        db.session.commit()
        login(world.manager)
        page = client.get('/payments/', headers=EN).get_data(as_text=True)
        totals = page[page.index('id="monthly-totals"'):page.index('<tfoot>')]
        assert '>November 2026</a>' in totals
        assert '>October 2026</a>' not in totals and '>December 2026</a>' not in totals


class TestReadOnOpen:
    def test_opening_the_target_marks_its_notifications_read(self, world, client, login):
        target = booking(world, 2)
        db.session.add_all([
            Notification(user_id=world.member.id, kind='booking_approved', params={}, link=f'/bookings/{target.id}'),
            Notification(user_id=world.member.id, kind='booking_approved', params={}, link='/bookings/approvals'),
            Notification(user_id=world.owner.id, kind='booking_approved', params={}, link=f'/bookings/{target.id}'),
        ])
        db.session.commit()
        login(world.member)
        page = client.get(f'/bookings/{target.id}', headers=EN).get_data(as_text=True)
        assert 'id="unread-notifications">1<' in page
        unread = db.session.execute(sa.select(Notification.user_id, Notification.link)
                                    .where(Notification.read_at.is_(None)).order_by(Notification.id)).all()
        assert unread == [(world.member.id, '/bookings/approvals'), (world.owner.id, f'/bookings/{target.id}')]

    def test_a_page_that_fails_marks_nothing(self, world, client, login):
        db.session.add(Notification(user_id=world.member.id, kind='booking_approved', params={},
                                    link='/bookings/999999'))
        db.session.commit()
        login(world.member)
        assert client.get('/bookings/999999').status_code == 404
        assert db.session.execute(sa.select(Notification.read_at)).scalar() is None

    def test_a_link_with_its_query_string(self, world, client, login):
        db.session.add(Notification(user_id=world.manager.id, kind='fapiao_requested', params={},
                                    link='/payments/?status=open'))
        db.session.commit()
        login(world.manager)
        client.get('/payments/')
        assert db.session.execute(sa.select(Notification.read_at)).scalar() is None
        client.get('/payments/?status=open')
        assert isinstance(db.session.execute(sa.select(Notification.read_at)).scalar(), datetime)
