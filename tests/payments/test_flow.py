"""A booking beyond quota, paid online end to end: hold, checkout, webhook or return page, release, refund.

The app talks to the fake Stripe over HTTP with the stripe library; webhooks
are signed as Stripe signs them and posted to the app's endpoint.
"""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from incubator.booking import operations as booking_operations
from incubator.booking.models import Booking, BookingStatus, PaymentMethod, Recurrence
from incubator.booking.operations import BookingRefused
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.notifications.kinds import render_title
from incubator.notifications.models import Notification
from incubator.payments import operations
from incubator.payments.models import Payment, PaymentChannel, PaymentStatus, Refund, RefundCause, RefundStatus
from tests.booking.conftest import NOW, at
from tests.factories import UserFactory

EN = {'Accept-Language': 'en'}
HOLD = timedelta(minutes=15)


def book_desks(world, day=2, start=9, end=11, seats=1, user=None, now=NOW):
    """Hot desks have no free quota in this world: every booking of them is priced (¥10 an hour a seat)."""
    booking = booking_operations.create_booking(user or world.member, world.desks, world.startup, at(day, start),
                                                at(day, end), seats=seats, now=now)
    db.session.commit()
    return booking


def notifications(kind):
    return db.session.execute(sa.select(Notification).filter_by(kind=kind)).scalars().all()


def checkout(client, *bookings):
    response = client.post('/payments/checkout', data={'bookings': [booking.id for booking in bookings]})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers['Location']


def session_of(payment):
    db.session.refresh(payment)
    return payment.stripe_checkout_session_id


def deliver(client, stripe_server, kind, session_id):
    payload, headers = stripe_server.event(kind, stripe_server.sessions[session_id])
    return client.post('/payments/stripe/webhook', data=payload, headers=headers)


def followed(client, response, headers=EN):
    """The page a redirect leads to (the isolated test client does not follow redirects itself)."""
    assert response.status_code in (302, 303), response.status_code
    return client.get(response.headers['Location'], headers=headers).get_data(as_text=True)


def only_payment():
    return db.session.execute(sa.select(Payment)).scalar_one()


class TestWithoutStripe:
    def test_a_priced_booking_is_confirmed_to_pay_on_site_and_a_manager_marks_it_paid(self, world, client, login,
                                                                                      frozen):
        booking = book_desks(world)
        assert (booking.status, booking.payment_method, booking.price_fen) == \
            (BookingStatus.confirmed, PaymentMethod.on_site, 2000)
        login(world.member)
        page = client.get(f'/bookings/{booking.id}', headers=EN).get_data(as_text=True)
        assert 'To pay on site: ¥20.00' in page and 'Mark paid' not in page and 'Pay now' not in page
        assert client.post(f'/bookings/{booking.id}/paid-on-site').status_code == 403
        login(world.manager)
        response = client.post(f'/bookings/{booking.id}/paid-on-site', data={'note': 'Slip 0042'}, headers=EN)
        assert response.status_code == 302
        payment = only_payment()
        assert (payment.channel, payment.status, payment.amount_fen, payment.note) == \
            (PaymentChannel.on_site, PaymentStatus.paid, 2000, 'Slip 0042')
        assert booking.payment == payment and re.fullmatch(r'WT\d{6}-\d{6}', payment.receipt_number)
        assert client.post(f'/bookings/{booking.id}/paid-on-site', headers=EN).status_code == 302
        assert db.session.execute(sa.select(sa.func.count()).select_from(Payment)).scalar_one() == 1

    def test_the_webhook_is_not_there_and_checkout_is_refused(self, world, client, login, frozen):
        assert client.post('/payments/stripe/webhook', data=b'{}').status_code == 404
        booking = book_desks(world)
        login(world.member)
        response = client.post('/payments/checkout', data={'bookings': [booking.id]}, headers=EN)
        assert response.status_code == 302
        assert db.session.execute(sa.select(Payment)).first() is None


class TestHold:
    def test_a_priced_booking_waits_for_payment_and_holds_its_place(self, world, stripe_server):
        booking = book_desks(world, seats=3)
        assert (booking.status, booking.payment_method, booking.price_fen) == \
            (BookingStatus.awaiting_payment, PaymentMethod.online, 6000)
        assert booking.payment_due_at == NOW + HOLD
        with pytest.raises(BookingRefused):
            book_desks(world, user=world.owner)

    def test_free_bookings_need_no_payment(self, world, stripe_server):
        booking = booking_operations.create_booking(world.member, world.room, world.startup, at(2, 9), at(2, 10),
                                                    now=NOW)
        assert (booking.status, booking.payment_method) == (BookingStatus.confirmed, PaymentMethod.free)

    def test_an_approved_booking_gets_a_day_to_pay(self, world, stripe_server):
        world.desks.requires_approval = True
        booking = book_desks(world, day=10)
        assert booking.status == BookingStatus.pending
        booking_operations.approve_booking(world.manager, booking, now=NOW)
        assert (booking.status, booking.payment_due_at) == (BookingStatus.awaiting_payment, NOW + timedelta(days=1))


def test_the_preview_says_how_a_price_is_paid(world, client, login, stripe_server, frozen):
    login(world.member)
    form = {'startup': world.startup.id, 'day': '2026-12-02', 'start': '09:00', 'end': '11:00', 'seats': 1}
    page = client.post(f'/spaces/{world.desks.id}/book', data=form, headers=EN).get_data(as_text=True)
    assert 'Total to pay: ¥20.00' in page and 'held for 15 minutes while you pay' in page
    assert db.session.execute(sa.select(Booking)).first() is None


class TestCheckout:
    def test_checkout_asks_stripe_for_the_servers_price_in_cny_and_pressing_twice_reuses_it(
            self, world, client, login, stripe_server, frozen):
        booking = book_desks(world, seats=2)
        login(world.member)
        location = checkout(client, booking)
        payment = only_payment()
        assert location == payment.checkout_url and location.startswith(stripe_server.url)
        created = [r for r in stripe_server.requests if r.method == 'POST' and r.path == '/v1/checkout/sessions']
        assert len(created) == 1
        form = created[0].form
        assert (form['line_items[0][price_data][unit_amount]'], form['line_items[0][price_data][currency]']) == \
            ('4000', 'cny')
        session = stripe_server.sessions[payment.stripe_checkout_session_id]
        assert (session['amount_total'], session['currency']) == (4000, 'cny')
        assert session['payment_method_types'] == ['card', 'alipay', 'wechat_pay']
        assert session['metadata']['booking_ids'] == str(booking.id)
        assert session['expires_at'] >= int((NOW + timedelta(minutes=30)).timestamp())
        assert (payment.status, payment.amount_fen, payment.startup_id) == (PaymentStatus.open, 4000, world.startup.id)
        assert checkout(client, booking) == location
        assert db.session.execute(sa.select(sa.func.count()).select_from(Payment)).scalar_one() == 1

    def test_a_recurring_booking_is_paid_in_one_checkout(self, world, client, login, stripe_server, frozen):
        bookings = booking_operations.book_series(world.member, world.desks, world.startup, at(1, 9), at(1, 10),
                                                  Recurrence.daily, count=3, now=NOW)
        db.session.commit()
        login(world.member)
        page = client.get(f'/bookings/{bookings[0].id}', headers=EN).get_data(as_text=True)
        assert 'Pay ¥30.00 online' in page and 'all 3 occurrences' in page
        checkout(client, *bookings)
        payment = only_payment()
        assert payment.amount_fen == 3000 and sorted(b.id for b in payment.bookings) == [b.id for b in bookings]

    def test_only_the_booker_or_the_startups_owner_may_pay(self, world, client, login, stripe_server, frozen):
        booking = book_desks(world)
        login(world.outsider)
        assert client.post('/payments/checkout', data={'bookings': [booking.id]}).status_code == 404
        login(world.manager)
        assert client.post('/payments/checkout', data={'bookings': [booking.id]}).status_code == 403
        assert db.session.execute(sa.select(Payment)).first() is None
        login(world.owner)
        checkout(client, booking)

    def test_a_stripe_outage_leaves_nothing_behind(self, world, client, login, stripe_server, frozen):
        booking = book_desks(world)
        stripe_server.fail_next('/v1/checkout/sessions', status=500, times=5)
        login(world.member)
        response = client.post('/payments/checkout', data={'bookings': [booking.id]}, headers=EN)
        assert 'could not be reached' in followed(client, response)
        assert db.session.execute(sa.select(Payment)).first() is None
        assert booking.status == BookingStatus.awaiting_payment and booking.payment_id is None


class TestPaid:
    def test_the_webhook_confirms_and_a_replay_changes_nothing(self, world, client, login, stripe_server, frozen):
        booking = book_desks(world)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        stripe_server.pay(session_id)
        payload, headers = stripe_server.event('checkout.session.completed', stripe_server.sessions[session_id])
        for _ in range(2):
            response = client.post('/payments/stripe/webhook', data=payload, headers=headers)
            assert response.status_code == 200
        assert response.get_json()['outcome'] == 'duplicate'
        payment = only_payment()
        assert (payment.status, booking.status, booking.payment_due_at) == \
            (PaymentStatus.paid, BookingStatus.confirmed, None)
        assert payment.stripe_payment_intent_id.startswith('pi_') and payment.receipt_number
        assert len(notifications('payment_received')) == 1
        page = client.get(f'/payments/{payment.id}', headers=EN).get_data(as_text=True)
        assert 'Paid' in page and payment.receipt_number in page

    def test_the_return_page_shows_the_truth_when_the_webhook_is_late(self, world, client, login, stripe_server,
                                                                      frozen):
        booking = book_desks(world)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        stripe_server.pay(session_id)
        response = client.get(f'/payments/return?session_id={session_id}', headers=EN)
        assert 'your payment has been received' in followed(client, response)
        assert booking.status == BookingStatus.confirmed and only_payment().status == PaymentStatus.paid
        assert deliver(client, stripe_server, 'checkout.session.completed', session_id).status_code == 200
        assert len(notifications('payment_received')) == 1

    def test_the_return_page_before_payment_says_it_is_not_done(self, world, client, login, stripe_server, frozen):
        booking = book_desks(world)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        page = followed(client, client.get(f'/payments/return?session_id={session_id}', headers=EN))
        assert 'has not been completed' in page and booking.status == BookingStatus.awaiting_payment
        login(world.outsider)
        assert client.get(f'/payments/return?session_id={session_id}').status_code == 404
        assert client.get('/payments/return?session_id=cs_unknown').status_code == 404


class TestRelease:
    def test_an_unpaid_booking_is_released_and_its_checkout_expired(self, world, client, login, stripe_server,
                                                                    frozen):
        booking = book_desks(world, seats=3)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        with transaction():
            assert operations.release_overdue_bookings(NOW + HOLD - timedelta(seconds=1)) == 0
        with transaction():
            assert operations.release_overdue_bookings(NOW + HOLD) == 1
        assert (booking.status, booking.counts_against_quota) == (BookingStatus.expired, False)
        assert only_payment().status == PaymentStatus.expired
        assert stripe_server.sessions[session_id]['status'] == 'expired'
        assert [n.user_id for n in notifications('booking_payment_expired')] == [world.member.id]
        book_desks(world, seats=3, user=world.owner, now=NOW + HOLD)       # the seats are free again

    def test_a_checkout_paid_at_the_last_moment_confirms_instead_of_releasing(self, world, client, login,
                                                                              stripe_server, frozen):
        booking = book_desks(world)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        stripe_server.pay(session_id)                 # paid; its webhook has not come yet
        with transaction():
            assert operations.release_overdue_bookings(NOW + HOLD) == 0
        assert booking.status == BookingStatus.confirmed and only_payment().status == PaymentStatus.paid
        assert db.session.execute(sa.select(Refund)).first() is None

    def test_money_that_arrives_after_the_release_goes_back_and_nothing_is_double_booked(
            self, world, client, login, stripe_server, frozen):
        booking = book_desks(world, seats=3)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        stripe_server.fail_next('/v1/checkout/sessions/', status=500, times=5)   # the expiry does not reach Stripe
        with transaction():
            operations.release_overdue_bookings(NOW + HOLD)
        rebooked = book_desks(world, seats=3, user=world.owner, now=NOW + HOLD)
        stripe_server.pay(session_id)
        assert deliver(client, stripe_server, 'checkout.session.completed', session_id).status_code == 200
        payment = only_payment()
        assert payment.status == PaymentStatus.paid and booking.status == BookingStatus.expired
        assert rebooked.status == BookingStatus.awaiting_payment
        refund = db.session.execute(sa.select(Refund)).scalar_one()
        assert (refund.amount_fen, refund.cause, refund.status) == (6000, RefundCause.late_payment,
                                                                    RefundStatus.requested)
        assert notifications('payment_after_release')
        assert [n.user_id for n in notifications('payment_needs_attention')] == [world.manager.id]
        with transaction():
            assert operations.send_requested_refunds(NOW + HOLD) == 1
        assert refund.status == RefundStatus.succeeded and payment.refunded_fen == 6000
        (sent,) = stripe_server.refunds.values()
        assert sent['amount'] == 6000 and sent['payment_intent'] == payment.stripe_payment_intent_id

    def test_an_expired_event_releases_and_a_later_completed_event_cannot_undo_a_payment(
            self, world, client, login, stripe_server, frozen):
        booking = book_desks(world)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        stripe_server.pay(session_id)
        completed = stripe_server.event('checkout.session.completed', stripe_server.sessions[session_id])
        stale = dict(stripe_server.sessions[session_id], status='expired', payment_status='unpaid')
        expired = stripe_server.event('checkout.session.expired', stale)
        assert client.post('/payments/stripe/webhook', data=completed[0], headers=completed[1]).status_code == 200
        assert client.post('/payments/stripe/webhook', data=expired[0], headers=expired[1]).status_code == 200
        assert only_payment().status == PaymentStatus.paid and booking.status == BookingStatus.confirmed


class TestRefunds:
    def paid_booking(self, world, client, login, stripe_server, day=2, seats=2):
        booking = book_desks(world, day=day, seats=seats)
        login(world.member)
        checkout(client, booking)
        session_id = session_of(only_payment())
        stripe_server.pay(session_id)
        deliver(client, stripe_server, 'checkout.session.completed', session_id)
        return booking, only_payment()

    def test_cancelling_before_the_cutoff_refunds_all_once(self, world, client, login, stripe_server, frozen):
        booking, payment = self.paid_booking(world, client, login, stripe_server)
        assert client.post(f'/bookings/{booking.id}/cancel', headers=EN).status_code == 302
        assert '¥40.00 will be refunded' in client.get(f'/bookings/{booking.id}', headers=EN).get_data(as_text=True)
        refund = db.session.execute(sa.select(Refund)).scalar_one()
        assert (refund.amount_fen, refund.cause, refund.status) == (4000, RefundCause.cancellation,
                                                                    RefundStatus.requested)
        stripe_server.refund_outcome = 'pending'
        for _ in range(2):
            with transaction():
                operations.send_requested_refunds(NOW)
        assert refund.status == RefundStatus.pending and len(stripe_server.refunds) == 1
        (sent,) = [r for r in stripe_server.requests if r.path == '/v1/refunds']
        assert sent.idempotency_key == f'refund-{refund.id}'
        payload, headers = stripe_server.settle_refund(refund.stripe_refund_id, 'succeeded')
        for _ in range(2):
            assert client.post('/payments/stripe/webhook', data=payload, headers=headers).status_code == 200
        assert refund.status == RefundStatus.succeeded and payment.refunded_fen == 4000
        assert payment.refund_state == 'full'
        page = client.get(f'/payments/{payment.id}', headers=EN).get_data(as_text=True)
        assert 'Refunded' in page and 'Cancelled before the cutoff' in page
        client.post(f'/payments/{payment.id}/fapiao', data={'title': 'Alpha', 'taxpayer_number': '1' * 15})
        assert payment.fapiao_requests == []

    def test_after_the_cutoff_nothing_is_refunded_unless_a_manager_decides(self, world, client, login,
                                                                           stripe_server, frozen):
        booking, payment = self.paid_booking(world, client, login, stripe_server, day=1)
        with time_machine.travel(at(1, 8, 30), tick=False):
            login(world.member)
            response = client.post(f'/bookings/{booking.id}/cancel', headers=EN)
            assert 'cancelled' in followed(client, response).lower()
        assert booking.status == BookingStatus.cancelled
        assert db.session.execute(sa.select(Refund)).first() is None
        login(world.member)
        assert client.post(f'/payments/{payment.id}/refund', data={'amount': '20', 'reason': 'Illness'}
                           ).status_code == 403
        login(world.manager)
        response = client.post(f'/payments/{payment.id}/refund', data={'amount': '45', 'reason': 'Goodwill'},
                               headers=EN)
        assert 'At most ¥40.00' in followed(client, response)
        response = client.post(f'/payments/{payment.id}/refund', data={'amount': '20.50', 'reason': ''}, headers=EN)
        assert 'This field is required.' in followed(client, response)
        assert db.session.execute(sa.select(Refund)).first() is None
        client.post(f'/payments/{payment.id}/refund', data={'amount': '20.50', 'reason': 'Goodwill'})
        refund = db.session.execute(sa.select(Refund)).scalar_one()
        assert (refund.amount_fen, refund.cause, refund.reason) == (2050, RefundCause.manager, 'Goodwill')
        with transaction():
            operations.send_requested_refunds(NOW)
        assert payment.refunded_fen == 2050 and payment.refund_state == 'partial' and payment.refundable_fen == 1950

    def test_a_refund_stripe_fails_is_shown_and_managers_are_told(self, world, client, login, stripe_server, frozen):
        booking, payment = self.paid_booking(world, client, login, stripe_server)
        client.post(f'/bookings/{booking.id}/cancel')
        stripe_server.refund_outcome = 'pending'
        with transaction():
            operations.send_requested_refunds(NOW)
        refund = db.session.execute(sa.select(Refund)).scalar_one()
        payload, headers = stripe_server.settle_refund(refund.stripe_refund_id, 'failed')
        assert client.post('/payments/stripe/webhook', data=payload, headers=headers).status_code == 200
        assert refund.status == RefundStatus.failed and payment.refunded_fen == 0
        assert notifications('payment_needs_attention')

    def test_stripe_refusing_a_refund_is_retried_then_left_to_a_manager(self, world, client, login, stripe_server,
                                                                        frozen):
        booking, payment = self.paid_booking(world, client, login, stripe_server)
        client.post(f'/bookings/{booking.id}/cancel')
        stripe_server.fail_next('/v1/refunds', status=500, times=100)
        for _attempt in range(operations.MAX_REFUND_ATTEMPTS):
            with transaction():
                operations.send_requested_refunds(NOW)
        refund = db.session.execute(sa.select(Refund)).scalar_one()
        assert (refund.status, refund.attempts) == (RefundStatus.failed, operations.MAX_REFUND_ATTEMPTS)
        assert payment.refunded_fen == 0 and notifications('payment_needs_attention')

    @pytest.mark.parametrize('causer', ['zh_Hans_CN', 'en'])
    def test_managers_are_alerted_each_in_their_own_language(
            self, world, client, login, stripe_server, frozen, outbox, causer):
        """Whoever's action (or job) leads to the alert, each reader gets it in their own language."""
        world.manager.locale = 'zh_Hans_CN'
        english = UserFactory(roles=['manager'], name='Emma Manager', locale='en')
        db.session.commit()
        booking, payment = self.paid_booking(world, client, login, stripe_server)
        client.post(f'/bookings/{booking.id}/cancel')
        stripe_server.fail_next('/v1/refunds', status=400, code='charge_disputed', times=100)
        for _attempt in range(operations.MAX_REFUND_ATTEMPTS):
            with force_locale(causer), transaction():
                operations.send_requested_refunds(NOW)
        receipt = payment.receipt_number
        english_alert = f'Payment {receipt} needs attention: a refund of ¥40.00 failed: charge_disputed'
        chinese_alert = f'付款{receipt}需要处理：退款¥40.00失败：charge_disputed'
        alerts = {n.user_id: n for n in notifications('payment_needs_attention')}
        assert set(alerts) == {world.manager.id, english.id}
        for reader, text in ((english, english_alert), (world.manager, chinese_alert)):
            with force_locale(reader.locale):
                assert render_title(alerts[reader.id].kind, alerts[reader.id].params) == text
            [email] = [email for email in outbox(reader.email) if email.subject == text]
            assert f'/payments/{payment.id}' in email.text_body
        assert alerts[english.id].link == f'/payments/{payment.id}'


def test_the_pay_form_may_lead_to_the_checkout_page_and_nowhere_else(app, client, stripe_server):
    """Browsers apply the policy's form-action to the redirect after "Pay now"."""
    policy = client.get('/login').headers['Content-Security-Policy']
    assert f"form-action 'self' {stripe_server.url};" in policy
    app.config['STRIPE_API_BASE'] = None
    assert "form-action 'self' https://checkout.stripe.com;" in client.get('/login').headers['Content-Security-Policy']
    app.config.update(STRIPE_SECRET_KEY=None)
    assert "form-action 'self';" in client.get('/login').headers['Content-Security-Policy']


def test_receipt_numbers_count_months_in_china(world):
    """Paid at 00:30 on 1 December in Shanghai (16:30 UTC the day before): a December receipt."""
    booking = book_desks(world)
    payment = operations.record_payment_on_site(world.manager, [booking], now=at(1, 0, 30))
    assert payment.receipt_number == f'WT202612-{payment.id:06d}'


def test_paying_speaks_chinese_by_default(world, client, login, stripe_server, frozen):
    login(world.member)
    form = {'startup': world.startup.id, 'day': '2026-12-02', 'start': '09:00', 'end': '11:00', 'seats': 1}
    preview = client.post(f'/spaces/{world.desks.id}/book', data=form).get_data(as_text=True)
    assert '支付期间该时段为您保留15分钟' in preview
    booked = client.post(f'/spaces/{world.desks.id}/book', data=dict(form, confirm='1'))
    assert '立即支付' in followed(client, booked, headers={})
    booking = db.session.execute(sa.select(Booking)).scalar_one()
    checkout(client, booking)
    session_id = session_of(only_payment())
    stripe_server.pay(session_id)
    page = followed(client, client.get(f'/payments/return?session_id={session_id}'), headers={})
    assert '谢谢！已收到您的付款，预约已确认。' in page and '已支付' in page
