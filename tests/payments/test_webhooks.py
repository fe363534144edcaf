"""The Stripe webhook: signed events only, each taken in once, in any order, also when delivered at once."""
import json
import threading
import time

import sqlalchemy as sa
from flask.testing import FlaskClient

from incubator.booking.models import BookingStatus
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.payments.models import PaymentStatus, StripeEvent
from tests.payments.test_flow import book_desks, checkout, only_payment, session_of

WEBHOOK = '/payments/stripe/webhook'


def paid_session(world, client, login, stripe_server):
    booking = book_desks(world)
    login(world.member)
    checkout(client, booking)
    session_id = session_of(only_payment())
    stripe_server.pay(session_id)
    return booking, session_id


def nothing_recorded(booking):
    return (db.session.execute(sa.select(StripeEvent)).first() is None
            and booking.status == BookingStatus.awaiting_payment and only_payment().status == PaymentStatus.open)


def test_a_bad_signature_is_refused_and_changes_nothing(world, client, login, stripe_server, frozen):
    booking, session_id = paid_session(world, client, login, stripe_server)
    payload, headers = stripe_server.event('checkout.session.completed', stripe_server.sessions[session_id])
    forged = dict(headers, **{'Stripe-Signature': stripe_server.sign(payload, secret='whsec_someone_else')})
    stale = dict(headers, **{'Stripe-Signature': stripe_server.sign(payload, timestamp=int(time.time()) - 3600)})
    tampered = payload.replace(b'"paid"', b'"unpaid"', 1)
    for body, sent_headers in ((payload, forged), (payload, stale), (tampered, headers),
                               (payload, {'Content-Type': 'application/json'}), (b'not json', headers)):
        response = client.post(WEBHOOK, data=body, headers=sent_headers)
        assert response.status_code == 400
        assert nothing_recorded(booking)


def test_unknown_event_types_and_sessions_are_acknowledged_and_ignored(world, client, login, stripe_server, frozen):
    booking, session_id = paid_session(world, client, login, stripe_server)
    payload, headers = stripe_server.event('customer.created', {'id': 'cus_123', 'object': 'customer'})
    assert client.post(WEBHOOK, data=payload, headers=headers).get_json()['outcome'] == 'ignored'
    foreign = dict(stripe_server.sessions[session_id], id='cs_test_not_ours')
    payload, headers = stripe_server.event('checkout.session.completed', foreign)
    assert client.post(WEBHOOK, data=payload, headers=headers).status_code == 200
    assert booking.status == BookingStatus.awaiting_payment and only_payment().status == PaymentStatus.open


def test_a_failed_delayed_payment_releases_the_booking(world, client, login, stripe_server, frozen):
    booking = book_desks(world)
    login(world.member)
    checkout(client, booking)
    session = dict(stripe_server.sessions[session_of(only_payment())], status='complete', payment_status='unpaid')
    payload, headers = stripe_server.event('checkout.session.completed', session)
    client.post(WEBHOOK, data=payload, headers=headers)
    assert booking.status == BookingStatus.awaiting_payment      # an Alipay or bank payment still under way
    payload, headers = stripe_server.event('checkout.session.async_payment_failed', session)
    assert client.post(WEBHOOK, data=payload, headers=headers).status_code == 200
    assert booking.status == BookingStatus.expired and only_payment().status == PaymentStatus.expired


def test_the_same_event_delivered_five_times_at_once_has_one_effect(app, world, client, login, stripe_server,
                                                                    frozen):
    booking, session_id = paid_session(world, client, login, stripe_server)
    payload, headers = stripe_server.event('checkout.session.completed', stripe_server.sessions[session_id])
    db.session.commit()
    barrier, statuses = threading.Barrier(5), []

    def deliver():
        sender = FlaskClient(app, app.response_class)
        barrier.wait(timeout=30)
        statuses.append(sender.post(WEBHOOK, data=payload, headers=headers).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    assert statuses == [200] * 5
    assert only_payment().status == PaymentStatus.paid and booking.status == BookingStatus.confirmed
    assert db.session.execute(sa.select(sa.func.count()).select_from(StripeEvent)).scalar_one() == 1
    received = db.session.execute(sa.select(Notification).filter_by(kind='payment_received')).scalars().all()
    assert len(received) == 1


def test_the_answer_says_what_happened_without_echoing_the_payload(world, client, login, stripe_server, frozen):
    _booking, session_id = paid_session(world, client, login, stripe_server)
    payload, headers = stripe_server.event('checkout.session.completed', stripe_server.sessions[session_id])
    answer = client.post(WEBHOOK, data=payload, headers=headers).get_json()
    assert answer == {'received': True, 'outcome': 'processed'}
    assert json.loads(payload)['id'] not in json.dumps(answer)


def test_a_signed_body_that_is_not_an_event_is_refused(world, client, login, stripe_server, frozen):
    booking, _session_id = paid_session(world, client, login, stripe_server)
    body = b'{}'
    response = client.post(WEBHOOK, data=body, headers={'Stripe-Signature': stripe_server.sign(body)})
    assert response.status_code == 400 and nothing_recorded(booking)


def test_a_signed_event_that_lacks_fields_is_logged_and_refused(world, client, login, stripe_server, frozen, caplog):
    booking, session_id = paid_session(world, client, login, stripe_server)
    session = stripe_server.sessions[session_id]
    lacking = [
        ('checkout.session.completed', {'id': session_id}),
        ('checkout.session.completed', {key: value for key, value in session.items() if key != 'status'}),
        ('checkout.session.expired', 'cs_test_just_a_string'),
        ('refund.updated', {'object': 'refund'}),
        ('refund.failed', None),
    ]
    for kind, obj in lacking:
        payload, headers = stripe_server.event(kind, obj)
        response = client.post(WEBHOOK, data=payload, headers=headers)
        assert response.status_code == 400 and response.get_json() == {'error': 'payments.webhook_missing_fields'}
        assert nothing_recorded(booking)
    assert caplog.text.count('Stripe webhook refused: payments.webhook_missing_fields') == len(lacking)


def test_a_signed_event_without_an_id_or_type_is_refused(world, client, login, stripe_server, frozen):
    booking, _session_id = paid_session(world, client, login, stripe_server)
    for event in ({'id': None, 'type': 'customer.created', 'data': {'object': {}}},
                  {'id': 'evt_1', 'type': 7, 'data': {'object': {}}}, {'id': 'evt_2', 'type': 'x', 'data': []}):
        body = json.dumps(event).encode()
        response = client.post(WEBHOOK, data=body, headers={'Stripe-Signature': stripe_server.sign(body)})
        assert response.status_code == 400 and response.get_json() == {'error': 'payments.not_a_stripe_event'}
        assert nothing_recorded(booking)
