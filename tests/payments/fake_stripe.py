"""A small stateful Stripe for tests and for trying payments by hand, over real HTTP.

It speaks Stripe's wire format for exactly what ``incubator.payments.gateway``
uses: form-encoded bodies in bracket notation, ``Authorization: Bearer`` keys,
JSON objects with an ``object`` field, Stripe-style error bodies, idempotency
keys and request ids. A hosted checkout page stands in for Stripe's, and
signed webhook events are built (and delivered) the way Stripe signs them.

Run by hand, next to ``make run`` with the same keys in the app's environment::

    python -m tests.payments.fake_stripe --port 12111 \\
        --webhook-url http://127.0.0.1:5000/payments/stripe/webhook \\
        --secret-key sk_test_fake --webhook-secret whsec_fake
"""
import argparse
import copy
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import stripe
from pytest_httpserver import HTTPServer
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

logger = logging.getLogger(__name__)

DEFAULT_PORT = 12111
#: Stripe's limits on a Checkout Session's expiry, from its creation.
MIN_EXPIRY, MAX_EXPIRY = 30 * 60, 24 * 60 * 60

_ROUTES = Map([
    Rule('/v1/checkout/sessions', methods=['POST'], endpoint='create_session'),
    Rule('/v1/checkout/sessions/<session_id>', methods=['GET'], endpoint='retrieve_session'),
    Rule('/v1/checkout/sessions/<session_id>/expire', methods=['POST'], endpoint='expire_session'),
    Rule('/v1/refunds', methods=['POST'], endpoint='create_refund'),
    Rule('/v1/refunds/<refund_id>', methods=['GET'], endpoint='retrieve_refund'),
    Rule('/checkout/<session_id>', methods=['GET'], endpoint='checkout_page'),
    Rule('/checkout/<session_id>/pay', methods=['POST'], endpoint='checkout_pay'),
    Rule('/checkout/<session_id>/cancel', methods=['POST'], endpoint='checkout_cancel'),
])


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    form: dict                       # the raw fields as sent, e.g. {'line_items[0][quantity]': '1'}
    idempotency_key: str | None


class StripeApiError(Exception):
    """An error answer in Stripe's shape."""

    def __init__(self, status, message, *, type='invalid_request_error', code=None, param=None):
        super().__init__(message)
        self.status = status
        self.body = {'error': {key: value for key, value in
                               {'type': type, 'message': message, 'code': code, 'param': param}.items()
                               if value is not None}}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow a webhook endpoint's redirects: a 3xx is a failed delivery."""

    def redirect_request(self, *args, **kwargs):
        return None


_webhook_opener = urllib.request.build_opener(_NoRedirect)


class FakeStripe(HTTPServer):
    """A Stripe-compatible server on loopback; start it, point ``STRIPE_API_BASE`` at ``.url``."""

    def __init__(self, secret_key='sk_test_fake', webhook_secret='whsec_fake', webhook_url=None, *,
                 host='127.0.0.1', port=0):
        super().__init__(host=host, port=port, threaded=True)
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.sessions = {}           # id → the Checkout Session as the API shows it
        self.payment_intents = {}    # id → the payment intent a paid session created
        self.refunds = {}            # id → the refund as the API shows it
        self.requests = []           # RecordedRequest for every /v1 call, failed ones included
        self.deliveries = []         # (event type, HTTP status or error text) per webhook sent
        #: What a new refund becomes: 'succeeded', 'pending' (settle later) or 'failed'.
        self.refund_outcome = 'succeeded'
        self._failures = []          # [path prefix, status, code, times left]
        self._idempotent = {}        # key → (method, path, form, status, body)
        self._checkout_extras = {}   # session id → line items and payment intent data, not shown by the API
        self._lock = threading.RLock()
        self.expect_request(re.compile('.*')).respond_with_handler(self._handle)

    def thread_target(self):
        # Poll for shutdown often: stopping the server then takes milliseconds, not half a second per test.
        self.server.serve_forever(poll_interval=0.05)

    @property
    def url(self):
        return f'http://{self.format_host(self.host)}:{self.port}'

    # --- controls for tests ------------------------------------------------------------------

    def fail_next(self, path_prefix, status=500, code=None, times=1):
        """Answer the next ``times`` API calls whose path starts with ``path_prefix`` with an error."""
        with self._lock:
            self._failures.append([path_prefix, status, code, times])

    def pay(self, session_id):
        """Complete an open session as a paid one, as the hosted page does, without sending any event."""
        with self._lock:
            session = self._session(session_id)
            if session['status'] != 'open':
                raise ValueError(f'Checkout Session {session_id} is {session["status"]}, not open')
            intent_id, charge_id = _new_id('pi'), _new_id('ch')
            self.payment_intents[intent_id] = {
                'id': intent_id, 'object': 'payment_intent', 'amount': session['amount_total'],
                'amount_received': session['amount_total'], 'currency': session['currency'],
                'latest_charge': charge_id, 'status': 'succeeded', 'livemode': False,
                'metadata': dict(self._checkout_extras[session_id]['payment_intent_data'].get('metadata', {}))}
            session.update(status='complete', payment_status='paid', payment_intent=intent_id, url=None)
            return session

    def expire(self, session_id):
        """Expire an open session as Stripe does when its time runs out, without sending any event."""
        with self._lock:
            session = self._session(session_id)
            if session['status'] != 'open':
                raise ValueError(f'Checkout Session {session_id} is {session["status"]}, not open')
            session.update(status='expired', url=None)
            return session

    def settle_refund(self, refund_id, outcome, failure_reason='expired_or_canceled_card'):
        """Finish a refund ('succeeded' or 'failed'); return the event Stripe would send, ready to deliver."""
        if outcome not in ('succeeded', 'failed'):
            raise ValueError(outcome)
        with self._lock:
            refund = self.refunds[refund_id]
            refund.update(status=outcome, failure_reason=failure_reason if outcome == 'failed' else None)
            return self.event('refund.failed' if outcome == 'failed' else 'refund.updated', refund)

    def event(self, type, obj):
        """A Stripe event about ``obj`` (snapshotted now) as ``(payload bytes, headers)`` with its signature."""
        event = {'id': _new_id('evt'), 'object': 'event', 'api_version': stripe.api_version,
                 'created': int(time.time()), 'data': {'object': copy.deepcopy(obj)}, 'livemode': False,
                 'pending_webhooks': 1, 'request': {'id': None, 'idempotency_key': None}, 'type': type}
        payload = json.dumps(event, indent=2).encode()
        return payload, {'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': self.sign(payload),
                         'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'}

    def sign(self, payload, timestamp=None, secret=None):
        """A ``Stripe-Signature`` header: ``t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>``."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        if isinstance(payload, bytes):
            payload = payload.decode()
        signature = hmac.new((secret or self.webhook_secret).encode(), f'{timestamp}.{payload}'.encode(),
                             hashlib.sha256).hexdigest()
        return f't={timestamp},v1={signature}'

    def deliver(self, event_payload, headers):
        """POST an event to ``webhook_url``; return the HTTP status (redirects are not followed)."""
        if not self.webhook_url:
            raise ValueError('FakeStripe has no webhook_url to deliver to')
        kind = json.loads(event_payload)['type']
        request = urllib.request.Request(self.webhook_url, data=event_payload, headers=headers, method='POST')
        try:
            with _webhook_opener.open(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            self.deliveries.append((kind, str(error)))
            raise
        self.deliveries.append((kind, status))
        logger.info('Delivered %s to %s: HTTP %s', kind, self.webhook_url, status)
        return status

    # --- HTTP ------------------------------------------------------------------------------------

    def _handle(self, request):
        try:
            endpoint, args = _ROUTES.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed):
            endpoint, args = None, {}
        if request.path.startswith('/v1/'):
            return self._api(request, endpoint, args)
        if endpoint is None:
            return Response('Not found', 404, content_type='text/plain')
        return getattr(self, f'_{endpoint}')(request, **args)

    def _api(self, request, endpoint, args):
        form = request.form.to_dict() if request.method == 'POST' else request.args.to_dict()
        key = request.headers.get('Idempotency-Key') if request.method == 'POST' else None
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path, form, key))
            headers = {'Request-Id': _new_id('req')}
            try:
                if request.headers.get('Authorization') != f'Bearer {self.secret_key}':
                    raise StripeApiError(401, f'Invalid API Key provided: {_masked(request.headers)}')
                self._injected_failure(request.path)
                if key in self._idempotent:
                    return self._replay(key, request.method, request.path, form, headers)
                if endpoint is None:
                    raise StripeApiError(404, f'Unrecognized request URL ({request.method}: {request.path}).')
                status, body = 200, getattr(self, f'_{endpoint}')(_parse_form(form), **args)
            except StripeApiError as error:
                status, body = error.status, error.body
            if key and status == 200:
                self._idempotent[key] = (request.method, request.path, form, status, body)
            return _json(status, body, headers)

    def _injected_failure(self, path):
        for failure in self._failures:
            prefix, status, code, times = failure
            if path.startswith(prefix):
                failure[3] -= 1
                if failure[3] <= 0:
                    self._failures.remove(failure)
                kind = 'api_error' if status >= 500 else 'card_error' if status == 402 else 'invalid_request_error'
                raise StripeApiError(status, 'Injected failure by FakeStripe.fail_next().', type=kind,
                                     code=code or ('card_declined' if status == 402 else None))

    def _replay(self, key, method, path, form, headers):
        first_method, first_path, first_form, status, body = self._idempotent[key]
        if (first_method, first_path, first_form) != (method, path, form):
            raise StripeApiError(400, 'Keys for idempotent requests can only be used with the same parameters they '
                                      f"were first used with. Try using a key other than '{key}' if you meant to "
                                      'execute a different request.', type='idempotency_error')
        return _json(status, body, {**headers, 'Idempotent-Replayed': 'true'})

    # --- API endpoints: take parsed params, return the object or raise StripeApiError ------------

    def _create_session(self, params):
        if params.get('mode') != 'payment':
            raise StripeApiError(400, 'FakeStripe supports only mode=payment.', param='mode')
        line_items = params.get('line_items')
        if not isinstance(line_items, list) or not line_items:
            raise StripeApiError(400, 'Missing required param: line_items.', code='parameter_missing',
                                 param='line_items')
        amount, currencies = 0, set()
        for index, item in enumerate(line_items):
            price = item.get('price_data') or {}
            if not (price.get('product_data') or {}).get('name'):
                raise StripeApiError(400, 'Missing required param: product_data[name].', code='parameter_missing',
                                     param=f'line_items[{index}][price_data][product_data][name]')
            if not price.get('currency'):
                raise StripeApiError(400, 'Missing required param: currency.', code='parameter_missing',
                                     param=f'line_items[{index}][price_data][currency]')
            currencies.add(price['currency'].lower())
            amount += (_integer(price.get('unit_amount'), f'line_items[{index}][price_data][unit_amount]')
                       * _integer(item.get('quantity'), f'line_items[{index}][quantity]', minimum=1))
        if len(currencies) > 1:
            raise StripeApiError(400, 'All line items must use the same currency.', param='line_items')
        if not params.get('success_url'):
            raise StripeApiError(400, 'Missing required param: success_url.', code='parameter_missing',
                                 param='success_url')
        now = int(time.time())
        expires_at = now + MAX_EXPIRY
        if 'expires_at' in params:
            expires_at = _integer(params['expires_at'], 'expires_at')
            if expires_at < now + MIN_EXPIRY:
                raise StripeApiError(400, 'The `expires_at` timestamp must be at least 30 minutes from Checkout '
                                          'Session creation.', param='expires_at')
            if expires_at > now + MAX_EXPIRY:
                raise StripeApiError(400, 'The `expires_at` timestamp must be less than 24 hours from Checkout '
                                          'Session creation.', param='expires_at')
        methods = params.get('payment_method_types') or ['card']
        options = params.get('payment_method_options') or {}
        if 'wechat_pay' in methods and (options.get('wechat_pay') or {}).get('client') not in ('web', 'ios', 'android'):
            raise StripeApiError(400, 'payment_method_options[wechat_pay][client] is required when wechat_pay is '
                                      'among the payment_method_types.', code='parameter_missing',
                                 param='payment_method_options[wechat_pay][client]')
        metadata = _metadata(params.get('metadata'), 'metadata')
        intent_data = params.get('payment_intent_data') or {}
        intent_data['metadata'] = _metadata(intent_data.get('metadata'), 'payment_intent_data[metadata]')
        session_id = _new_id('cs_test')
        session = {
            'id': session_id, 'object': 'checkout.session', 'amount_subtotal': amount, 'amount_total': amount,
            'cancel_url': params.get('cancel_url'), 'client_reference_id': params.get('client_reference_id'),
            'created': now, 'currency': currencies.pop(), 'customer_email': params.get('customer_email'),
            'expires_at': expires_at, 'livemode': False, 'metadata': metadata, 'mode': 'payment',
            'payment_intent': None, 'payment_method_options': options, 'payment_method_types': methods,
            'payment_status': 'unpaid', 'status': 'open', 'success_url': params['success_url'],
            'url': f'{self.url}/checkout/{session_id}'}
        self.sessions[session_id] = session
        self._checkout_extras[session_id] = {'line_items': line_items, 'payment_intent_data': intent_data}
        return session

    def _retrieve_session(self, params, session_id):
        return self._session(session_id)

    def _expire_session(self, params, session_id):
        session = self._session(session_id)
        if session['status'] != 'open':
            raise StripeApiError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.')
        return self.expire(session_id)

    def _create_refund(self, params):
        intent_id = params.get('payment_intent')
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise StripeApiError(400, f"No such payment_intent: '{intent_id}'", code='resource_missing',
                                 param='payment_intent')
        refunded = sum(refund['amount'] for refund in self.refunds.values()
                       if refund['payment_intent'] == intent_id and refund['status'] not in ('failed', 'canceled'))
        remaining = intent['amount_received'] - refunded
        if remaining <= 0:
            raise StripeApiError(400, f'Charge {intent["latest_charge"]} has already been refunded.',
                                 code='charge_already_refunded')
        amount = _integer(params['amount'], 'amount', minimum=1) if 'amount' in params else remaining
        if amount > remaining:
            raise StripeApiError(400, f'Refund amount ({_money(amount, intent["currency"])}) is greater than '
                                      f'unrefunded amount on charge ({_money(remaining, intent["currency"])})',
                                 code='amount_too_large', param='amount')
        outcome = self.refund_outcome
        refund = {'id': _new_id('re'), 'object': 'refund', 'amount': amount, 'charge': intent['latest_charge'],
                  'created': int(time.time()), 'currency': intent['currency'],
                  'failure_reason': 'declined' if outcome == 'failed' else None,
                  'metadata': _metadata(params.get('metadata'), 'metadata'), 'payment_intent': intent_id,
                  'reason': params.get('reason'), 'status': outcome}
        self.refunds[refund['id']] = refund
        return refund

    def _retrieve_refund(self, params, refund_id):
        if refund_id not in self.refunds:
            raise StripeApiError(404, f"No such refund: '{refund_id}'", code='resource_missing', param='id')
        return self.refunds[refund_id]

    def _session(self, session_id):
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeApiError(404, f"No such checkout.session: '{session_id}'", code='resource_missing',
                                 param='session')
        if session['status'] == 'open' and time.time() >= session['expires_at']:
            session.update(status='expired', url=None)
        return session

    # --- the hosted checkout page -------------------------------------------------------------

    def _checkout_page(self, request, session_id):
        with self._lock:
            session = self.sessions.get(session_id) and self._session(session_id)
            if not session or session['status'] != 'open':
                return _page('Checkout unavailable', '<p>This checkout is no longer available.</p>', 410)
            description = self._checkout_extras[session_id]['line_items'][0]['price_data']['product_data']['name']
            amount = _money(session['amount_total'], session['currency'])
            cancel = (f'<form method="post" action="/checkout/{session_id}/cancel">'
                      '<button type="submit" id="cancel">Cancel</button></form>') if session['cancel_url'] else ''
            return _page('Pay', f"""
<h1 id="amount">{html.escape(amount)}</h1>
<p id="description">{html.escape(description)}</p>
<p>Payment methods: {html.escape(', '.join(session['payment_method_types']))}</p>
<form method="post" action="/checkout/{session_id}/pay"><button type="submit" id="pay">Pay</button></form>
{cancel}""")

    def _checkout_pay(self, request, session_id):
        with self._lock:
            if session_id not in self.sessions or self._session(session_id)['status'] != 'open':
                return _page('Checkout unavailable', '<p>This checkout is no longer available.</p>', 410)
            session = self.pay(session_id)
            event = self.event('checkout.session.completed', session)
        if self.webhook_url:
            # Sent before the redirect, so the app has usually heard of the payment when the payer comes back.
            try:
                self.deliver(*event)
            except OSError as error:
                logger.warning('Could not deliver checkout.session.completed to %s: %s', self.webhook_url, error)
        return _redirect(session['success_url'].replace('{CHECKOUT_SESSION_ID}', session_id))

    def _checkout_cancel(self, request, session_id):
        session = self.sessions.get(session_id)
        if not session or not session['cancel_url']:
            return Response('Not found', 404, content_type='text/plain')
        return _redirect(session['cancel_url'])


def _new_id(prefix):
    return f'{prefix}_{secrets.token_hex(12)}'


def _masked(headers):
    key = headers.get('Authorization', '').removeprefix('Bearer ')
    return f'{key[:8]}****{key[-4:]}' if len(key) > 12 else '****'


def _json(status, body, headers):
    return Response(json.dumps(body, indent=2), status, headers=headers, content_type='application/json')


def _redirect(location):
    return Response('', 303, headers={'Location': location})


def _page(title, body, status=200):
    return Response(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · FakeStripe Checkout</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}button{{font-size:1.1rem;margin:.3rem 0}}</style>
</head><body><p><small>FakeStripe test checkout: no real money moves.</small></p>{body}</body></html>""",
                    status, content_type='text/html; charset=utf-8')


def _money(amount, currency):
    symbol = '¥' if currency == 'cny' else f'{currency.upper()} '
    return f'{symbol}{amount // 100}.{amount % 100:02d}'


def _integer(value, param, minimum=0):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < minimum:
        raise StripeApiError(400, f'Invalid integer: {value}', code='parameter_invalid_integer', param=param)
    return number


def _metadata(value, param):
    """Stripe's limits: at most 50 keys of up to 40 characters, values up to 500 characters."""
    metadata = value or {}
    if not isinstance(metadata, dict) or len(metadata) > 50 or any(
            len(key) > 40 or not isinstance(item, str) or len(item) > 500 for key, item in metadata.items()):
        raise StripeApiError(400, 'Invalid metadata.', param=param)
    return metadata


_BRACKETS = re.compile(r'\[([^\]]*)\]')


def _parse_form(form):
    """``{'a[0][b]': '1', 'm[k]': 'v'}`` → ``{'a': [{'b': '1'}], 'm': {'k': 'v'}}``, as Stripe reads its bodies."""
    tree = {}
    try:
        for key, value in form.items():
            head, bracket, rest = key.partition('[')
            parts = [head] + (_BRACKETS.findall(bracket + rest) if bracket else [])
            node = tree
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = value
    except (AttributeError, TypeError):
        raise StripeApiError(400, 'Invalid parameters: a field is given both as a value and as a hash.') from None
    return _listify(tree)


def _listify(node, name=None):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value, key) for key, value in node.items()}
    if name != 'metadata' and node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def main(argv=None):
    parser = argparse.ArgumentParser(description='Serve a fake Stripe on loopback until Ctrl-C.')
    parser.add_argument('--port', type=int, default=DEFAULT_PORT)
    parser.add_argument('--webhook-url', help="the app's webhook endpoint, sent checkout.session.completed")
    parser.add_argument('--secret-key', default='sk_test_fake')
    parser.add_argument('--webhook-secret', default='whsec_fake')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(name)s %(message)s')
    fake = FakeStripe(args.secret_key, args.webhook_secret, args.webhook_url, port=args.port)
    fake.start()
    print(f'FakeStripe at {fake.url}. Run the app with:\n'
          f'  STRIPE_API_BASE={fake.url} STRIPE_SECRET_KEY={args.secret_key} '
          f'STRIPE_WEBHOOK_SECRET={args.webhook_secret}\n'
          f'Webhooks go to {args.webhook_url or "(nowhere: no --webhook-url)"}. Ctrl-C stops.', flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == '__main__':
    main()
