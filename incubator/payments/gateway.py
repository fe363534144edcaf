"""The one module that talks to Stripe: Checkout Sessions, refunds and signed webhook events.

Everything else in the app sees small frozen dataclasses and two exceptions,
never a Stripe object, so that the rest of the payments domain does not depend
on stripe-python's types. Every call that changes something carries the
caller's idempotency key, which makes the client's own retries (and ours)
safe: Stripe answers a repeated key with the first answer.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from incubator.core.errors import DomainError

logger = logging.getLogger(__name__)

#: Seconds to connect and to wait for an answer. With two retries and their back-off a call gives up within
#: about half a minute, before a web worker's own timeout.
NETWORK_TIMEOUT = (3, 8)
MAX_NETWORK_RETRIES = 2
#: Where Stripe serves its hosted Checkout pages (the browser is redirected there to pay).
STRIPE_CHECKOUT_ORIGIN = 'https://checkout.stripe.com'


class PaymentGatewayError(DomainError):
    """Stripe could not be reached or refused the request; ``stripe_code`` is Stripe's error code, if it gave one."""

    status_code = 502
    code = 'payments.gateway_failed'

    def __init__(self, message, *, code=None, stripe_code=None, http_status=None, request_id=None):
        super().__init__(message, code=code)
        self.stripe_code = stripe_code
        self.http_status = http_status
        self.request_id = request_id


class InvalidWebhook(DomainError):
    """A webhook whose signature, timestamp or body does not check out: answered 400 and otherwise ignored."""

    code = 'payments.invalid_webhook'


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None                  # the hosted payment page; None once the session is complete or expired
    status: str                         # 'open' | 'complete' | 'expired'
    payment_status: str                 # 'paid' | 'unpaid' | 'no_payment_required'
    amount_total: int
    currency: str
    payment_intent: str | None
    client_reference_id: str | None
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    id: str
    status: str                         # 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action'
    amount: int
    payment_intent: str | None
    failure_reason: str | None


def is_configured():
    config = current_app.config
    return bool(config.get('STRIPE_SECRET_KEY') and config.get('STRIPE_WEBHOOK_SECRET'))


def checkout_origin():
    """Where Checkout pages are served: Stripe's, or the Stripe-compatible server's in tests and trials."""
    base = current_app.config.get('STRIPE_API_BASE')
    if not base:
        return STRIPE_CHECKOUT_ORIGIN
    parts = urlsplit(base)
    return f'{parts.scheme}://{parts.netloc}'


def create_checkout_session(*, amount_fen, currency, description, reference, metadata, customer_email,
                            success_url, cancel_url, expires_at, idempotency_key):
    """Start a one-line Checkout payment; ``expires_at`` is aware and 30 min to 24 h ahead, as Stripe demands."""
    if expires_at.tzinfo is None:
        raise ValueError('expires_at must be timezone-aware')
    methods = list(current_app.config.get('STRIPE_PAYMENT_METHOD_TYPES') or [])
    params = {
        'mode': 'payment',
        'line_items': [{'price_data': {'currency': currency.lower(), 'unit_amount': amount_fen,
                                       'product_data': {'name': description}},
                        'quantity': 1}],
        'client_reference_id': reference,
        'metadata': metadata,
        'payment_intent_data': {'description': description, 'metadata': metadata},
        'payment_method_types': methods,
        'customer_email': customer_email,
        'success_url': success_url,
        'cancel_url': cancel_url,
        # Sent as an int: stripe-python would read a naive datetime as local time.
        'expires_at': int(expires_at.timestamp()),
    }
    if 'wechat_pay' in methods:
        # Stripe refuses WeChat Pay in Checkout unless it is told which client pays.
        params['payment_method_options'] = {'wechat_pay': {'client': 'web'}}
    with _stripe_errors('create checkout session', reference):
        session = _client().v1.checkout.sessions.create(params, {'idempotency_key': idempotency_key})
    return checkout_session_from_event_object(session)


def retrieve_checkout_session(session_id):
    with _stripe_errors('retrieve checkout session', session_id):
        session = _client().v1.checkout.sessions.retrieve(session_id)
    return checkout_session_from_event_object(session)


def expire_checkout_session(session_id):
    """Close an open session so it can no longer be paid; Stripe refuses (an error) once it is complete."""
    with _stripe_errors('expire checkout session', session_id):
        session = _client().v1.checkout.sessions.expire(session_id)
    return checkout_session_from_event_object(session)


def create_refund(*, payment_intent, amount_fen, reason_metadata, idempotency_key):
    params = {'payment_intent': payment_intent, 'amount': amount_fen, 'metadata': reason_metadata}
    with _stripe_errors('create refund', payment_intent):
        refund = _client().v1.refunds.create(params, {'idempotency_key': idempotency_key})
    return refund_from_event_object(refund)


def retrieve_refund(refund_id):
    with _stripe_errors('retrieve refund', refund_id):
        refund = _client().v1.refunds.retrieve(refund_id)
    return refund_from_event_object(refund)


def construct_event(payload, signature_header):
    """Verify a webhook's signature (within Stripe's default 300 s tolerance) and parse it into a Stripe event."""
    try:
        event = stripe.Webhook.construct_event(payload, signature_header,
                                               current_app.config.get('STRIPE_WEBHOOK_SECRET'))
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook(_l('The webhook signature is not valid.'),
                             code='payments.bad_webhook_signature') from error
    except (ValueError, AttributeError) as error:
        # Not UTF-8, not JSON, or JSON that is not an event object (stripe-python fails on it with these).
        raise InvalidWebhook(_l('The webhook body is not a Stripe event.'), code='payments.bad_webhook_body') from error
    return event


def checkout_session_from_event_object(obj):
    """The dataclass for a Checkout Session, from the API's answer or an event's ``data.object``."""
    data = _as_dict(obj)
    return CheckoutSession(
        id=data['id'], url=data.get('url'), status=data['status'], payment_status=data['payment_status'],
        amount_total=data.get('amount_total'), currency=data.get('currency'),
        payment_intent=_id_of(data.get('payment_intent')), client_reference_id=data.get('client_reference_id'),
        metadata=dict(data.get('metadata') or {}))


def refund_from_event_object(obj):
    """The dataclass for a refund, from the API's answer or an event's ``data.object``."""
    data = _as_dict(obj)
    return Refund(id=data['id'], status=data['status'], amount=data['amount'],
                  payment_intent=_id_of(data.get('payment_intent')), failure_reason=data.get('failure_reason'))


def _as_dict(obj):
    # A StripeObject is not a dict in stripe-python 16 (no .get, not iterable): it must be converted.
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else dict(obj)


def _id_of(value):
    """An id from a field that Stripe sends as an id, or as the whole object when it was expanded."""
    return value.get('id') if isinstance(value, dict) else value


def _client():
    """One client per app and settings, kept so that its HTTP connections are reused."""
    config = current_app.config
    secret_key = config.get('STRIPE_SECRET_KEY')
    if not secret_key:
        raise RuntimeError('STRIPE_SECRET_KEY is not set: check gateway.is_configured() before paying online.')
    settings = (secret_key, config.get('STRIPE_API_BASE'))
    cached = current_app.extensions.get('wutong_stripe')
    if cached is None or cached[0] != settings:
        client = stripe.StripeClient(
            secret_key,
            base_addresses={'api': settings[1]} if settings[1] else None,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=NETWORK_TIMEOUT))
        cached = current_app.extensions['wutong_stripe'] = (settings, client)
    return cached[1]


@contextmanager
def _stripe_errors(operation, subject):
    """Turn any Stripe error into a PaymentGatewayError, logging what identifies it (never the key)."""
    try:
        yield
    except stripe.StripeError as error:
        logger.warning('Stripe %s for %s failed: %s (HTTP %s, code %s, request %s): %s', operation, subject,
                       type(error).__name__, error.http_status, error.code, error.request_id, error.user_message)
        unreachable = isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)) or (
            error.http_status or 500) >= 500
        message = (_l('The payment service could not be reached. Please try again.') if unreachable
                   else _l('The payment service refused the request.'))
        raise PaymentGatewayError(message, code='payments.gateway_unreachable' if unreachable else
                                  'payments.gateway_refused', stripe_code=error.code, http_status=error.http_status,
                                  request_id=error.request_id) from error
