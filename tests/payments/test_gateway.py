"""The Stripe gateway against the fake Stripe over real HTTP: what goes on the wire, what comes back, what fails."""
import json
import logging
import socket
import time
from datetime import timedelta

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from incubator.core.time import now_utc
from incubator.payments import gateway
from incubator.payments.gateway import InvalidWebhook, PaymentGatewayError
from tests.payments.fake_stripe import FakeStripe

SECRET_KEY = 'sk_test_gateway_0123456789abcdef'
WEBHOOK_SECRET = 'whsec_gateway_0123456789abcdef'
STRIPE_KEYS = ('STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE', 'STRIPE_PAYMENT_METHOD_TYPES')


@pytest.fixture
def fake_stripe(app):
    """A fake Stripe on loopback, with the app's Stripe settings pointing at it for the test."""
    fake = FakeStripe(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    fake.start()
    saved = {key: app.config.get(key) for key in STRIPE_KEYS}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake.url,
                      STRIPE_PAYMENT_METHOD_TYPES=['card', 'alipay', 'wechat_pay'])
    yield fake
    app.config.update(saved)
    fake.stop()
    fake.check_handler_errors()


def start_checkout(amount=12345, key='checkout-payment-1', **overrides):
    arguments = dict(amount_fen=amount, currency='CNY', description='Meeting room A · 3 June 10:00–12:00',
                     reference='payment-1', metadata={'payment_id': '1', 'booking_ids': '4,5'},
                     customer_email='founder@example.com',
                     success_url='http://localhost/payments/1/done?session={CHECKOUT_SESSION_ID}',
                     cancel_url='http://localhost/payments/1/cancelled',
                     expires_at=now_utc() + timedelta(hours=1), idempotency_key=key)
    return gateway.create_checkout_session(**{**arguments, **overrides})


def paid_checkout(fake, amount=10000, key='checkout-payment-1'):
    session = start_checkout(amount, key)
    fake.pay(session.id)
    return gateway.retrieve_checkout_session(session.id)


def api_calls(fake, method, path):
    return [request for request in fake.requests if (request.method, request.path) == (method, path)]


def test_is_configured_needs_both_keys(app, fake_stripe):
    assert gateway.is_configured()
    app.config['STRIPE_WEBHOOK_SECRET'] = None
    assert not gateway.is_configured()
    app.config.update(STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_SECRET_KEY='')
    assert not gateway.is_configured()


# --- checkout sessions -------------------------------------------------------------------------

def test_checkout_session_sends_amount_currency_methods_metadata_and_expiry(fake_stripe):
    expires_at = now_utc().replace(microsecond=0) + timedelta(minutes=45)
    session = start_checkout(expires_at=expires_at)

    [sent] = fake_stripe.requests
    assert (sent.method, sent.path, sent.idempotency_key) == ('POST', '/v1/checkout/sessions', 'checkout-payment-1')
    assert sent.form == {
        'mode': 'payment',
        'line_items[0][price_data][currency]': 'cny',
        'line_items[0][price_data][unit_amount]': '12345',
        'line_items[0][price_data][product_data][name]': 'Meeting room A · 3 June 10:00–12:00',
        'line_items[0][quantity]': '1',
        'client_reference_id': 'payment-1',
        'metadata[payment_id]': '1',
        'metadata[booking_ids]': '4,5',
        'payment_intent_data[description]': 'Meeting room A · 3 June 10:00–12:00',
        'payment_intent_data[metadata][payment_id]': '1',
        'payment_intent_data[metadata][booking_ids]': '4,5',
        'payment_method_types[0]': 'card',
        'payment_method_types[1]': 'alipay',
        'payment_method_types[2]': 'wechat_pay',
        'payment_method_options[wechat_pay][client]': 'web',
        'customer_email': 'founder@example.com',
        'success_url': 'http://localhost/payments/1/done?session={CHECKOUT_SESSION_ID}',
        'cancel_url': 'http://localhost/payments/1/cancelled',
        'expires_at': str(int(expires_at.timestamp())),
    }
    assert session == gateway.CheckoutSession(
        id=session.id, url=f'{fake_stripe.url}/checkout/{session.id}', status='open', payment_status='unpaid',
        amount_total=12345, currency='cny', payment_intent=None, client_reference_id='payment-1',
        metadata={'payment_id': '1', 'booking_ids': '4,5'})
    assert session.id.startswith('cs_test_')
    assert fake_stripe.sessions[session.id]['expires_at'] == int(expires_at.timestamp())


def test_wechat_pay_options_only_when_wechat_pay_is_offered(app, fake_stripe):
    app.config['STRIPE_PAYMENT_METHOD_TYPES'] = ['card', 'alipay']
    start_checkout()
    form = fake_stripe.requests[-1].form
    assert [form['payment_method_types[0]'], form['payment_method_types[1]']] == ['card', 'alipay']
    assert not any(name.startswith('payment_method_options') for name in form)


def test_naive_expiry_is_refused_before_calling_stripe(fake_stripe):
    with pytest.raises(ValueError):
        start_checkout(expires_at=now_utc().replace(tzinfo=None) + timedelta(hours=1))
    assert fake_stripe.requests == []


def test_stripe_refuses_an_expiry_under_30_minutes(fake_stripe):
    """Stripe's own rule (30 min to 24 h): a shorter payment hold must not become the session's expiry."""
    with pytest.raises(PaymentGatewayError) as caught:
        start_checkout(expires_at=now_utc() + timedelta(minutes=15))
    assert caught.value.http_status == 400
    assert fake_stripe.sessions == {}


def test_same_idempotency_key_gives_the_same_session(fake_stripe):
    expires_at = now_utc() + timedelta(hours=1)
    first, second = start_checkout(expires_at=expires_at), start_checkout(expires_at=expires_at)
    assert first.id == second.id
    assert len(fake_stripe.sessions) == 1
    assert start_checkout(key='checkout-payment-2', expires_at=expires_at).id != first.id


def test_same_idempotency_key_with_another_expiry_is_refused(fake_stripe):
    """A retry must send exactly the same parameters: an expiry computed anew from the clock breaks it."""
    expires_at = now_utc() + timedelta(hours=1)
    start_checkout(expires_at=expires_at)
    with pytest.raises(PaymentGatewayError) as caught:
        start_checkout(expires_at=expires_at + timedelta(seconds=1))
    assert caught.value.http_status == 400
    assert len(fake_stripe.sessions) == 1


def test_retrieve_shows_the_session_paid_after_payment(fake_stripe):
    session = start_checkout()
    assert gateway.retrieve_checkout_session(session.id).payment_status == 'unpaid'

    fake_stripe.pay(session.id)
    paid = gateway.retrieve_checkout_session(session.id)

    assert (paid.status, paid.payment_status, paid.url) == ('complete', 'paid', None)
    assert paid.payment_intent.startswith('pi_')
    assert paid.metadata == {'payment_id': '1', 'booking_ids': '4,5'}
    assert fake_stripe.payment_intents[paid.payment_intent]['metadata'] == {'payment_id': '1', 'booking_ids': '4,5'}


def test_expire_closes_an_open_session_and_is_refused_afterwards(fake_stripe):
    session = start_checkout()

    expired = gateway.expire_checkout_session(session.id)

    assert (expired.status, expired.payment_status, expired.url) == ('expired', 'unpaid', None)
    assert gateway.retrieve_checkout_session(session.id).status == 'expired'
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.expire_checkout_session(session.id)
    assert caught.value.http_status == 400


def test_expiring_a_paid_session_is_refused(fake_stripe):
    session = paid_checkout(fake_stripe)
    with pytest.raises(PaymentGatewayError):
        gateway.expire_checkout_session(session.id)
    assert gateway.retrieve_checkout_session(session.id).payment_status == 'paid'


def test_unknown_session_is_a_gateway_error_with_stripes_code(fake_stripe, in_english):
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.retrieve_checkout_session('cs_test_missing')
    error = caught.value
    assert (error.http_status, error.stripe_code, error.status_code) == (404, 'resource_missing', 502)
    assert error.code == 'payments.gateway_refused'
    assert error.request_id.startswith('req_')
    assert str(error) == 'The payment service refused the request.'


# --- refunds -----------------------------------------------------------------------------------

def refund(session, amount, key, **metadata):
    return gateway.create_refund(payment_intent=session.payment_intent, amount_fen=amount,
                                 reason_metadata=metadata or {'refund_id': key}, idempotency_key=key)


def test_full_refund(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)

    answer = refund(session, 10000, 'refund-1', refund_id='1', payment_id='1')

    assert answer == gateway.Refund(id=answer.id, status='succeeded', amount=10000,
                                    payment_intent=session.payment_intent, failure_reason=None)
    assert answer.id.startswith('re_')
    sent = fake_stripe.requests[-1]
    assert sent.form == {'payment_intent': session.payment_intent, 'amount': '10000',
                         'metadata[refund_id]': '1', 'metadata[payment_id]': '1'}
    assert sent.idempotency_key == 'refund-1'
    assert gateway.retrieve_refund(answer.id) == answer


def test_partial_refunds_up_to_the_amount_paid(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)
    assert refund(session, 3000, 'refund-1').amount == 3000
    assert refund(session, 7000, 'refund-2').amount == 7000
    with pytest.raises(PaymentGatewayError) as caught:
        refund(session, 1, 'refund-3')
    assert caught.value.stripe_code == 'charge_already_refunded'


def test_refund_larger_than_what_remains_is_refused(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)
    refund(session, 6000, 'refund-1')

    with pytest.raises(PaymentGatewayError) as caught:
        refund(session, 5000, 'refund-2')

    assert (caught.value.stripe_code, caught.value.http_status) == ('amount_too_large', 400)
    assert len(fake_stripe.refunds) == 1


def test_same_idempotency_key_twice_creates_one_refund(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)

    first = refund(session, 4000, 'refund-booking-7')
    second = refund(session, 4000, 'refund-booking-7')

    assert first == second
    assert len(fake_stripe.refunds) == 1
    assert [call.idempotency_key for call in api_calls(fake_stripe, 'POST', '/v1/refunds')] == ['refund-booking-7'] * 2


def test_same_idempotency_key_with_another_amount_is_refused(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)
    refund(session, 4000, 'refund-booking-7')
    with pytest.raises(PaymentGatewayError) as caught:
        refund(session, 5000, 'refund-booking-7')
    assert caught.value.http_status == 400
    assert len(fake_stripe.refunds) == 1


def test_refund_of_an_unknown_payment_intent_is_refused(fake_stripe):
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.create_refund(payment_intent='pi_missing', amount_fen=100, reason_metadata={},
                              idempotency_key='refund-x')
    assert caught.value.stripe_code == 'resource_missing'


@pytest.mark.parametrize('outcome, event_type, failure_reason', [
    ('succeeded', 'refund.updated', None),
    ('failed', 'refund.failed', 'expired_or_canceled_card'),
])
def test_pending_refund_settles_later_by_event(fake_stripe, outcome, event_type, failure_reason):
    session = paid_checkout(fake_stripe, 10000)
    fake_stripe.refund_outcome = 'pending'
    pending = refund(session, 10000, 'refund-1')
    assert pending.status == 'pending'

    payload, headers = fake_stripe.settle_refund(pending.id, outcome)
    event = gateway.construct_event(payload, headers['Stripe-Signature'])

    assert event['type'] == event_type
    settled = gateway.refund_from_event_object(event['data']['object'])
    assert (settled.id, settled.status, settled.failure_reason) == (pending.id, outcome, failure_reason)
    assert gateway.retrieve_refund(pending.id) == settled


def test_refund_that_fails_at_once(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)
    fake_stripe.refund_outcome = 'failed'
    failed = refund(session, 10000, 'refund-1')
    assert (failed.status, failed.failure_reason) == ('failed', 'declined')
    assert refund(session, 10000, 'refund-2').status == 'failed'   # a failed refund leaves the money refundable


# --- failures and retries ----------------------------------------------------------------------

def test_one_server_error_is_retried_with_the_same_idempotency_key(fake_stripe):
    """stripe-python retries a 5xx (max_network_retries=2) after a short back-off; the key makes it safe."""
    fake_stripe.fail_next('/v1/checkout/sessions', status=500)

    session = start_checkout()

    attempts = api_calls(fake_stripe, 'POST', '/v1/checkout/sessions')
    assert [call.idempotency_key for call in attempts] == ['checkout-payment-1'] * 2
    assert list(fake_stripe.sessions) == [session.id]


def test_server_errors_past_the_retries_surface_as_gateway_error(fake_stripe, in_english):
    fake_stripe.fail_next('/v1/refunds', status=500, times=3)
    session = paid_checkout(fake_stripe, 10000)

    with pytest.raises(PaymentGatewayError) as caught:
        refund(session, 10000, 'refund-1')

    assert caught.value.http_status == 500
    assert str(caught.value) == 'The payment service could not be reached. Please try again.'
    assert len(api_calls(fake_stripe, 'POST', '/v1/refunds')) == 3      # the call and two retries
    assert fake_stripe.refunds == {}
    assert refund(session, 10000, 'refund-1').status == 'succeeded'    # the next attempt gets through


def test_a_client_error_is_not_retried(fake_stripe):
    fake_stripe.fail_next('/v1/refunds', status=402, code='card_declined')
    session = paid_checkout(fake_stripe, 10000)
    with pytest.raises(PaymentGatewayError) as caught:
        refund(session, 10000, 'refund-1')
    assert (caught.value.http_status, caught.value.stripe_code) == (402, 'card_declined')
    assert len(api_calls(fake_stripe, 'POST', '/v1/refunds')) == 1


def test_unreachable_stripe_is_a_gateway_error(app, fake_stripe):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed_port = probe.getsockname()[1]
    app.config['STRIPE_API_BASE'] = f'http://127.0.0.1:{closed_port}'
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.retrieve_checkout_session('cs_test_any')
    assert (caught.value.http_status, caught.value.stripe_code) == (None, None)


def test_wrong_secret_key_is_refused(app, fake_stripe):
    app.config['STRIPE_SECRET_KEY'] = 'sk_test_wrong_0123456789'
    with pytest.raises(PaymentGatewayError) as caught:
        start_checkout()
    assert caught.value.http_status == 401
    assert fake_stripe.sessions == {}


def test_no_key_ever_reaches_the_log(app, fake_stripe, caplog):
    caplog.set_level(logging.DEBUG)
    session = paid_checkout(fake_stripe, 10000)
    refund(session, 10000, 'refund-1')
    fake_stripe.fail_next('/v1/refunds', status=500, times=3)
    with pytest.raises(PaymentGatewayError):
        refund(session, 1, 'refund-2')
    payload, headers = fake_stripe.event('checkout.session.completed', fake_stripe.sessions[session.id])
    with pytest.raises(InvalidWebhook):
        gateway.construct_event(payload + b' ', headers['Stripe-Signature'])
    app.config['STRIPE_SECRET_KEY'] = 'sk_test_wrong_0123456789'
    with pytest.raises(PaymentGatewayError):
        gateway.retrieve_checkout_session(session.id)

    logged = '\n'.join(record.getMessage() for record in caplog.records)
    assert 'Stripe retrieve checkout session' in logged and 'request req_' in logged
    for secret in (SECRET_KEY, 'sk_test_wrong_0123456789', WEBHOOK_SECRET):
        assert secret not in logged


# --- webhooks ----------------------------------------------------------------------------------

def test_construct_event_accepts_a_correctly_signed_event(fake_stripe):
    session = paid_checkout(fake_stripe, 10000)
    payload, headers = fake_stripe.event('checkout.session.completed', fake_stripe.sessions[session.id])

    event = gateway.construct_event(payload, headers['Stripe-Signature'])

    assert event['id'].startswith('evt_') and event['type'] == 'checkout.session.completed'
    assert gateway.checkout_session_from_event_object(event['data']['object']) == session


def test_conversion_takes_a_plain_dict_too(fake_stripe):
    session = start_checkout()
    assert gateway.checkout_session_from_event_object(fake_stripe.sessions[session.id]) == session


def signed(fake, payload, **kwargs):
    return payload, fake.sign(payload, **kwargs)


@pytest.mark.parametrize('forge', [
    pytest.param(lambda fake, payload: (payload.replace(b'10000', b'1'), fake.sign(payload)), id='tampered'),
    pytest.param(lambda fake, payload: signed(fake, payload, secret='whsec_someone_else'), id='other-secret'),
    pytest.param(lambda fake, payload: signed(fake, payload, timestamp=int(time.time()) - 301), id='stale'),
    pytest.param(lambda fake, payload: (payload, ''), id='no-signature'),
    pytest.param(lambda fake, payload: (payload, 't=now,v1=abc'), id='garbled-header'),
    pytest.param(lambda fake, payload: signed(fake, b'{"id": "evt_1", "type": '), id='garbage-json'),
    pytest.param(lambda fake, payload: signed(fake, b'[1, 2]'), id='json-not-an-object'),
    pytest.param(lambda fake, payload: (b'\xff\xfe', fake.sign(b'')), id='not-utf8'),
])
def test_construct_event_rejects(fake_stripe, forge):
    session = paid_checkout(fake_stripe, 10000)
    payload, _ = fake_stripe.event('checkout.session.completed', fake_stripe.sessions[session.id])
    body, signature = forge(fake_stripe, payload)
    with pytest.raises(InvalidWebhook):
        gateway.construct_event(body, signature)


def test_recent_timestamp_within_tolerance_is_accepted(fake_stripe):
    payload, _ = fake_stripe.event('checkout.session.expired', {'id': 'cs_test_x', 'object': 'checkout.session'})
    event = gateway.construct_event(payload, fake_stripe.sign(payload, timestamp=int(time.time()) - 290))
    assert event['type'] == 'checkout.session.expired'


# --- the hosted page, as a payer and the app's webhook endpoint see it ------------------------

@pytest.fixture
def webhook_endpoint(fake_stripe):
    """A stand-in for the app's webhook route, recording what the fake Stripe sends."""
    received = []
    with HTTPServer(host='127.0.0.1') as endpoint:
        def record(request):
            received.append((request.get_data(), request.headers.get('Stripe-Signature')))
            return Response('{}', 200, content_type='application/json')
        endpoint.expect_request('/payments/stripe/webhook', method='POST').respond_with_handler(record)
        fake_stripe.webhook_url = endpoint.url_for('/payments/stripe/webhook')
        yield received


def test_hosted_page_pays_sends_the_signed_event_and_returns_to_the_app(fake_stripe, webhook_endpoint):
    session = start_checkout(amount=12345)

    page = requests.get(session.url, timeout=5)
    assert page.status_code == 200
    assert '¥123.45' in page.text and 'Meeting room A · 3 June 10:00–12:00' in page.text
    assert 'id="pay"' in page.text and 'id="cancel"' in page.text

    paid = requests.post(f'{fake_stripe.url}/checkout/{session.id}/pay', allow_redirects=False, timeout=5)

    assert paid.status_code == 303
    assert paid.headers['Location'] == f'http://localhost/payments/1/done?session={session.id}'
    [(body, signature)] = webhook_endpoint
    event = gateway.construct_event(body, signature)
    assert event['type'] == 'checkout.session.completed'
    completed = gateway.checkout_session_from_event_object(event['data']['object'])
    assert (completed.id, completed.status, completed.payment_status) == (session.id, 'complete', 'paid')
    assert fake_stripe.deliveries == [('checkout.session.completed', 200)]
    assert requests.get(session.url, timeout=5).status_code == 410


def test_hosted_page_cancel_returns_to_the_cancel_url_and_leaves_the_session_open(fake_stripe):
    session = start_checkout()
    cancelled = requests.post(f'{fake_stripe.url}/checkout/{session.id}/cancel', allow_redirects=False, timeout=5)
    assert (cancelled.status_code, cancelled.headers['Location']) == (303, 'http://localhost/payments/1/cancelled')
    assert gateway.retrieve_checkout_session(session.id).status == 'open'


def test_api_needs_the_secret_key_and_answers_in_stripes_shape(fake_stripe):
    answer = requests.get(f'{fake_stripe.url}/v1/refunds/re_x', timeout=5)
    assert answer.status_code == 401
    assert answer.json()['error']['type'] == 'invalid_request_error'
    assert answer.headers['Request-Id'].startswith('req_')
    assert json.loads(requests.get(f'{fake_stripe.url}/v1/refunds/re_x', timeout=5,
                                   headers={'Authorization': f'Bearer {SECRET_KEY}'}).text)['error']['code'] == (
        'resource_missing')
