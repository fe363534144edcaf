"""The write side of payments: checkout, what Stripe reports, releases, refunds, on-site payments, fapiao.

Money is never lost, charged twice or left unexplained:

* a priced booking waits as ``awaiting_payment`` and holds its slot until
  ``payment_due_at``; a job releases it after that, and expires its Checkout
  Session so it can no longer be paid;
* a payment moves only forward (open → paid, or open → expired/cancelled);
  the webhook and the return page both call :func:`record_checkout_session`,
  which is idempotent, so a late, repeated or out-of-order event has no
  second effect;
* money that arrives for bookings already released is refunded in full and
  the managers are told; the slot is never given twice;
* refunds are rows first (``requested``), sent to Stripe by a job with the
  idempotency key ``refund-<id>``; Stripe's refund events settle them.
"""
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from incubator.auth.queries import active_managers
from incubator.booking.models import Booking, BookingStatus, PaymentMethod
from incubator.booking.operations import describe_when, offer_to_waitlist, when_params
from incubator.core.errors import DomainError, NotAllowed
from incubator.core.formatting import yuan
from incubator.core.permissions import can
from incubator.core.time import now_utc, to_local
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.notifications.kinds import fill
from incubator.notifications.operations import link_to, notify
from incubator.payments import gateway
from incubator.payments.models import (
    FapiaoRequest,
    FapiaoStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
    Refund,
    RefundCause,
    RefundStatus,
    StripeEvent,
)
from incubator.payments.notifications import PAYMENT_PROBLEMS
from incubator.startups import credit_code

logger = logging.getLogger(__name__)

#: Stripe accepts a Checkout Session's expiry 30 minutes to 24 hours ahead; our own hold may be shorter.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=31)
#: A refund Stripe keeps refusing is left to a manager after this many attempts.
MAX_REFUND_ATTEMPTS = 5


@helper
def describe(bookings):
    first = bookings[0]
    when = describe_when(first)
    return first.space.name, when if len(bookings) == 1 else f'{when} (+{len(bookings) - 1})'


# --- paying online ------------------------------------------------------------------------

@helper
def payment_hold():
    return current_app.config['PAYMENT_HOLD']


@helper
def online_payment_enabled():
    return gateway.is_configured()


@operation
def start_checkout(actor, bookings, success_url, cancel_url, now=None):
    """A Stripe Checkout Session for ``bookings`` (one startup's, all awaiting payment); return the payment.

    An open payment of the same bookings whose session can still be paid is
    reused, so pressing "Pay" twice opens one checkout. ``success_url`` may hold
    Stripe's ``{CHECKOUT_SESSION_ID}`` placeholder.
    """
    now = now or now_utc()
    if not bookings:
        raise DomainError(_l('There is nothing to pay.'), code='payments.nothing_to_pay')
    for booking in bookings:
        if not can(actor, 'booking.pay', booking):
            raise NotAllowed(_l('You may not pay for this booking.'), code='payments.may_not_pay')
    bookings = _lock_bookings(bookings)
    if len({booking.startup_id for booking in bookings}) != 1:
        raise DomainError(_l('One payment covers the bookings of one startup.'), code='payments.several_startups')
    for booking in bookings:
        if booking.status != BookingStatus.awaiting_payment:
            raise DomainError(_l('This booking does not await payment: it is %(status)s.'),
                              status=booking.status.label, code='payments.not_awaiting_payment')
        if booking.payment_due_at is not None and booking.payment_due_at <= now:
            raise DomainError(_l('The time to pay for this booking has run out; it will be released.'),
                              code='payments.hold_ran_out')
    current = {booking.payment for booking in bookings}
    if len(current) == 1:
        payment = current.pop()
        if (payment is not None and payment.status == PaymentStatus.open and payment.checkout_url
                and {b.id for b in payment.bookings} == {b.id for b in bookings}):
            return payment
    if not online_payment_enabled():
        raise DomainError(_l('Online payment is not set up; please pay on site.'), code='payments.online_payment_off')
    amount = sum(booking.price_fen for booking in bookings)
    startup = bookings[0].startup
    due = min(booking.payment_due_at or now + payment_hold() for booking in bookings)
    payment = Payment(startup=startup, created_by=actor, channel=PaymentChannel.stripe, status=PaymentStatus.open,
                      amount_fen=amount, currency=bookings[0].currency, expires_at=due, created_at=now)
    db.session.add(payment)
    db.session.flush()
    space, when = describe(bookings)
    session = gateway.create_checkout_session(
        amount_fen=amount, currency=payment.currency, description=f'{space} · {when}',
        reference=f'payment-{payment.id}',
        metadata={'payment_id': str(payment.id), 'booking_ids': ','.join(str(b.id) for b in bookings),
                  'startup_id': str(startup.id)},
        customer_email=actor.email, success_url=success_url, cancel_url=cancel_url,
        expires_at=max(due, now + CHECKOUT_MIN_LIFETIME),
        # Unique per attempt: the library's own retries reuse it; a later attempt has other parameters.
        idempotency_key=f'checkout-payment-{payment.id}-{secrets.token_hex(8)}')
    if session.amount_total != amount:
        raise gateway.PaymentGatewayError(_l('The payment service answered with another amount.'),
                                          code='payments.amount_mismatch')
    payment.stripe_checkout_session_id = session.id
    payment.checkout_url = session.url
    for booking in bookings:
        booking.payment = payment
    db.session.flush()
    logger.info('User %s started checkout %s (payment %s) for bookings %s', actor.id, session.id, payment.id,
                [booking.id for booking in bookings])
    return payment


def _lock_bookings(bookings):
    ids = sorted(booking.id for booking in bookings)
    db.session.execute(sa.select(Booking.id).where(Booking.id.in_(ids)).order_by(Booking.id).with_for_update())
    for booking in bookings:
        db.session.refresh(booking)
    return bookings


def _lock_payment(payment_id):
    return db.session.execute(sa.select(Payment).where(Payment.id == payment_id)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()


@helper
def payment_of_session(session_id):
    return db.session.execute(sa.select(Payment).filter_by(stripe_checkout_session_id=session_id)).scalar_one_or_none()


@operation
def record_checkout_session(session, now=None):
    """Take in what Stripe says of a Checkout Session (from a webhook, or fetched on the return page).

    Idempotent and forward-only. Return the payment, or None for a session that
    is not ours.
    """
    now = now or now_utc()
    payment = payment_of_session(session.id)
    if payment is None:
        logger.warning('Stripe checkout session %s matches no payment; ignored', session.id)
        return None
    payment = _lock_payment(payment.id)
    if session.payment_status in ('paid', 'no_payment_required') and session.status == 'complete':
        _mark_paid(payment, session, now)
    elif session.status == 'expired':
        _expire_payment(payment, now)
    return payment


def _mark_paid(payment, session, now):
    if payment.status == PaymentStatus.paid:
        return
    if session.amount_total != payment.amount_fen or (session.currency or '').upper() != payment.currency:
        _alert_managers(payment, 'amount_mismatch', amount=f'{session.amount_total} {session.currency}',
                        expected=yuan(payment.amount_fen))
    was = payment.status
    payment.status = PaymentStatus.paid
    payment.paid_at = now
    payment.stripe_payment_intent_id = session.payment_intent
    payment.receipt_number = receipt_number(payment, now)
    released = []
    for booking in _lock_bookings(list(payment.bookings)):
        if booking.status == BookingStatus.awaiting_payment:
            booking.status = BookingStatus.confirmed
            booking.payment_due_at = None
        elif booking.status in (BookingStatus.pending, BookingStatus.confirmed):
            continue
        else:
            released.append(booking)
    db.session.flush()
    logger.info('Payment %s paid (was %s), intent %s', payment.id, was.value, session.payment_intent)
    kept = [booking for booking in payment.bookings if booking not in released]
    if kept:
        space, when = describe(kept)
        for person in _people_to_tell(payment):
            notify(person, 'payment_received', link=link_to('payments.show', payment_id=payment.id),
                   amount=yuan(payment.amount_fen), space=space, when=when, receipt=payment.receipt_number)
    if released:
        _refund_released(payment, released, now)


@helper
def receipt_number(payment, paid_at):
    """``WT<year><month>-<id>``, the month as the programme's calendar has it (Asia/Shanghai by default)."""
    return f'WT{to_local(paid_at):%Y%m}-{payment.id:06d}'


def _refund_released(payment, released, now):
    """Paid after the hold ended: the bookings are gone (perhaps rebooked), so the money goes back."""
    amount = sum(booking.price_fen for booking in released)
    space, when = describe(released)
    for booking in released:
        db.session.add(Refund(payment=payment, booking=booking, amount_fen=booking.price_fen, created_at=now,
                              cause=RefundCause.late_payment))
    db.session.flush()
    for person in _people_to_tell(payment):
        notify(person, 'payment_after_release', link=link_to('payments.show', payment_id=payment.id),
               amount=yuan(amount), space=space, when=when)
    _alert_managers(payment, 'paid_after_release', amount=yuan(amount))
    logger.warning('Payment %s arrived after bookings %s were released; refund of %s fen requested',
                   payment.id, [booking.id for booking in released], amount)


def _people_to_tell(payment):
    people = {booking.booked_by for booking in payment.bookings if booking.booked_by is not None}
    if payment.created_by is not None:
        people.add(payment.created_by)
    return sorted(people, key=lambda user: user.id)


def _alert_managers(payment, problem, **params):
    """Tell every manager, each in their own language, that ``problem`` (a key of ``PAYMENT_PROBLEMS``) needs them.

    The payment's note, one text for everyone, is written in the programme's default language.
    """
    managers = active_managers()
    for manager in managers:
        notify(manager, 'payment_needs_attention', link=link_to('payments.show', payment_id=payment.id),
               receipt=payment.receipt_number or f'#{payment.id}', problem=problem, **params)
    with force_locale(current_app.config['BABEL_DEFAULT_LOCALE']):
        text = fill(PAYMENT_PROBLEMS[problem], params)
    payment.note = (payment.note + ' ' + text).strip()[:500]


def _expire_payment(payment, now):
    """The checkout ran out: the payment expires and its unpaid bookings are released."""
    if not payment.may_move_to(PaymentStatus.expired):
        return
    payment.status = PaymentStatus.expired
    release_unpaid_bookings([b for b in payment.bookings if b.status == BookingStatus.awaiting_payment], now)


# --- releasing what was not paid ------------------------------------------------------------

@operation
def release_unpaid_bookings(bookings, now):
    """Release bookings still awaiting payment: the slot frees, the quota comes back, the waitlist is told."""
    released = []
    for booking in _lock_bookings(bookings) if bookings else []:
        if booking.status != BookingStatus.awaiting_payment:
            continue
        booking.status = BookingStatus.expired
        booking.counts_against_quota = False
        booking.payment_due_at = None
        released.append(booking)
    db.session.flush()
    for booking in released:
        if booking.booked_by is not None:
            notify(booking.booked_by, 'booking_payment_expired', link=link_to('booking.show', booking_id=booking.id),
                   space=booking.space.name, **when_params(booking))
        offer_to_waitlist(booking.space, booking.start_at, booking.end_at, now)
        logger.info('Booking %s released: not paid in time', booking.id)
    return released


@operation
def release_overdue_bookings(now):
    """The job: release bookings whose time to pay has run out; expire their checkouts at Stripe first.

    A checkout paid at the last moment is taken in instead (its bookings are
    still held, so they are confirmed). A session that cannot be expired
    because Stripe is unreachable may still be paid later: that payment is then
    refunded. Return how many bookings were released.
    """
    overdue = db.session.execute(
        sa.select(Booking).where(Booking.status == BookingStatus.awaiting_payment, Booking.payment_due_at <= now)
        .order_by(Booking.id)).scalars().all()
    payments = sorted({booking.payment for booking in overdue if booking.payment is not None}, key=lambda p: p.id)
    for payment in payments:
        if payment.status == PaymentStatus.open:
            _expire_checkout(payment)
    released = release_unpaid_bookings([b for b in overdue if b.status == BookingStatus.awaiting_payment], now)
    for payment in payments:
        if payment.status == PaymentStatus.open and not any(b.status == BookingStatus.awaiting_payment
                                                            for b in payment.bookings):
            payment.status = PaymentStatus.expired
    db.session.flush()
    return len(released)


def _expire_checkout(payment):
    if not payment.stripe_checkout_session_id or not online_payment_enabled():
        return
    try:
        gateway.expire_checkout_session(payment.stripe_checkout_session_id)
        return
    except gateway.PaymentGatewayError:
        pass
    # Stripe refuses to expire a session that was paid meanwhile: then take the payment in (and refund it).
    try:
        session = gateway.retrieve_checkout_session(payment.stripe_checkout_session_id)
    except gateway.PaymentGatewayError:
        logger.warning('Could not expire checkout session %s of payment %s; a late payment will be refunded',
                       payment.stripe_checkout_session_id, payment.id)
        return
    if session.status == 'complete' and session.payment_status == 'paid':
        _mark_paid(payment, session, now_utc())


@operation
def cancel_unpaid(actor, booking, now):
    """Called when a booking awaiting payment is cancelled: its open payment is dropped if nothing else needs it."""
    payment = booking.payment
    if payment is None or payment.status != PaymentStatus.open:
        return
    if not any(other.status == BookingStatus.awaiting_payment for other in payment.bookings):
        payment.status = PaymentStatus.cancelled
        _expire_checkout(payment)
        logger.info('Payment %s cancelled with booking %s by user %s', payment.id, booking.id, actor.id)


# --- refunds --------------------------------------------------------------------------------

@operation
def refund_for_cancellation(actor, booking, now):
    """Refund a cancelled booking paid online by its space's policy: all of it before the cutoff, nothing after.

    Staff refund more (or after the cutoff) from the payment's page, with a reason.
    Return the refund, or None when nothing is owed.
    """
    payment = booking.payment
    if payment is None or not payment.is_paid or not booking.is_before_cutoff(now):
        return None
    return _request_refund(actor, payment, min(booking.price_fen, payment.refundable_fen), RefundCause.cancellation,
                           booking=booking, now=now)


@operation
def refund_payment(actor, payment, amount_fen, reason, now=None):
    """A manager refunds part or all of a payment, beyond the policy if need be, always with a reason."""
    if not can(actor, 'payments.manage'):
        raise NotAllowed(_l('Only managers may refund beyond the cancellation policy.'), code='payments.may_not_refund')
    if not (reason or '').strip():
        raise DomainError(_l('Give a reason for the refund.'), code='payments.refund_reason_needed')
    return _request_refund(actor, payment, amount_fen, RefundCause.manager, reason=reason, now=now)


def _request_refund(actor, payment, amount_fen, cause, reason='', booking=None, now=None):
    """Record a refund of ``amount_fen``; online ones are sent by the job, on-site ones are done at once."""
    now = now or now_utc()
    payment = _lock_payment(payment.id)
    if not payment.is_paid:
        raise DomainError(_l('Only a paid payment can be refunded.'), code='payments.not_paid')
    if amount_fen <= 0:
        raise DomainError(_l('A refund must be more than zero.'), code='payments.refund_not_positive')
    if amount_fen > payment.refundable_fen:
        raise DomainError(_l('At most %(amount)s of this payment can still be refunded.'),
                          amount=yuan(payment.refundable_fen), code='payments.refund_too_large')
    refund = Refund(payment=payment, booking=booking, amount_fen=amount_fen, cause=cause,
                    reason=(reason or '').strip()[:500], requested_by=actor, created_at=now)
    db.session.add(refund)
    if payment.channel == PaymentChannel.on_site:
        _settle(refund, RefundStatus.succeeded, now)
    db.session.flush()
    logger.info('Refund %s of %s fen requested for payment %s by user %s', refund.id, amount_fen, payment.id,
                actor.id if actor else None)
    return refund


@operation
def send_refund(refund, now=None):
    """Ask Stripe for one requested refund. Safe to repeat: the idempotency key is the refund's id."""
    now = now or now_utc()
    if refund.status != RefundStatus.requested:
        return refund
    refund.attempts += 1
    try:
        answer = gateway.create_refund(payment_intent=refund.payment.stripe_payment_intent_id,
                                       amount_fen=refund.amount_fen,
                                       reason_metadata={'refund_id': str(refund.id),
                                                        'payment_id': str(refund.payment_id)},
                                       idempotency_key=refund.idempotency_key)
    except gateway.PaymentGatewayError as error:
        logger.warning('Refund %s not accepted by Stripe (attempt %s): %s', refund.id, refund.attempts, error)
        if refund.attempts >= MAX_REFUND_ATTEMPTS:
            refund.failure_reason = (error.stripe_code or error.code)[:255]
            _settle(refund, RefundStatus.failed, now)
            _alert_managers(refund.payment, 'refund_failed', amount=yuan(refund.amount_fen),
                            reason=refund.failure_reason)
        db.session.flush()
        return refund
    refund.stripe_refund_id = answer.id
    _apply_refund_state(refund, answer, now)
    db.session.flush()
    return refund


@operation
def send_requested_refunds(now):
    """The job: send every refund still waiting to go to Stripe. Return how many were sent."""
    waiting = db.session.execute(
        sa.select(Refund).join(Refund.payment)
        .where(Refund.status == RefundStatus.requested, Payment.channel == PaymentChannel.stripe)
        .order_by(Refund.id).with_for_update(of=Refund, skip_locked=db.engine.dialect.name == 'postgresql')
    ).scalars().all()
    if waiting and not online_payment_enabled():
        logger.warning('%s refunds wait for Stripe, which is not configured', len(waiting))
        return 0
    for refund in waiting:
        send_refund(refund, now)
    return len(waiting)


@operation
def record_refund(answer, now=None):
    """Take in what Stripe says of a refund (``refund.created/updated/failed`` events). Idempotent."""
    now = now or now_utc()
    refund = db.session.execute(sa.select(Refund).filter_by(stripe_refund_id=answer.id)).scalar_one_or_none()
    if refund is None and (answer.metadata or {}).get('refund_id', '').isdigit():
        refund = db.session.get(Refund, int(answer.metadata['refund_id']))
        if refund is not None and refund.stripe_refund_id not in (None, answer.id):
            refund = None
    if refund is None:
        logger.warning('Stripe refund %s matches no refund of ours; ignored', answer.id)
        return None
    _lock_payment(refund.payment_id)
    db.session.refresh(refund)
    refund.stripe_refund_id = answer.id
    _apply_refund_state(refund, answer, now)
    db.session.flush()
    return refund


_STRIPE_REFUND_STATES = {'pending': RefundStatus.pending, 'requires_action': RefundStatus.pending,
                         'succeeded': RefundStatus.succeeded, 'failed': RefundStatus.failed,
                         'canceled': RefundStatus.failed}


def _apply_refund_state(refund, answer, now):
    status = _STRIPE_REFUND_STATES.get(answer.status)
    if status is None or status == refund.status:
        return
    if status == RefundStatus.pending and refund.status != RefundStatus.requested:
        return                      # a late "pending" after the refund settled
    if status == RefundStatus.failed:
        refund.failure_reason = (answer.failure_reason or '')[:255] or None
    _settle(refund, status, now)
    if status in (RefundStatus.succeeded, RefundStatus.failed) and refund.payment.channel == PaymentChannel.stripe:
        payment = refund.payment
        for person in _people_to_tell(payment):
            notify(person, 'refund_settled', link=link_to('payments.show', payment_id=payment.id),
                   amount=yuan(refund.amount_fen), receipt=payment.receipt_number or f'#{payment.id}',
                   state=status.value)
        if status == RefundStatus.failed:
            _alert_managers(payment, 'refund_failed', amount=yuan(refund.amount_fen),
                            reason=refund.failure_reason or '?')


def _settle(refund, status, now):
    """Move a refund to ``status``; the payment's refunded total follows what succeeded, exactly once."""
    payment = refund.payment
    if refund.status == RefundStatus.succeeded and status != RefundStatus.succeeded:
        payment.refunded_fen -= refund.amount_fen     # Stripe can fail a refund it had reported succeeded
    if status == RefundStatus.succeeded and refund.status != RefundStatus.succeeded:
        payment.refunded_fen += refund.amount_fen
    refund.status = status
    if status in (RefundStatus.succeeded, RefundStatus.failed):
        refund.settled_at = now


# --- webhooks -------------------------------------------------------------------------------

CHECKOUT_EVENTS = {'checkout.session.completed', 'checkout.session.async_payment_succeeded',
                   'checkout.session.async_payment_failed', 'checkout.session.expired'}
REFUND_EVENTS = {'refund.created', 'refund.updated', 'refund.failed'}


@operation
def handle_event(event, now=None):
    """Take in one verified webhook event, once: a replay of the same event id changes nothing.

    Return 'duplicate', 'ignored' or 'processed'.
    """
    now = now or now_utc()
    try:
        event_id, kind, obj = event['id'], event['type'], event['data']['object']
    except (KeyError, TypeError):
        raise gateway.InvalidWebhook(_l('This is not a Stripe event.'), code='payments.not_a_stripe_event') from None
    if not (isinstance(event_id, str) and event_id and isinstance(kind, str)):
        raise gateway.InvalidWebhook(_l('This is not a Stripe event.'), code='payments.not_a_stripe_event')
    if db.session.get(StripeEvent, event_id) is not None:
        return 'duplicate'
    db.session.add(StripeEvent(id=event_id, type=kind, received_at=now))
    db.session.flush()
    if kind in CHECKOUT_EVENTS:
        session = _event_object(gateway.checkout_session_from_event_object, obj)
        if kind == 'checkout.session.async_payment_failed':
            payment = payment_of_session(session.id)
            if payment is not None:
                _expire_payment(_lock_payment(payment.id), now)
        else:
            record_checkout_session(session, now)
        return 'processed'
    if kind in REFUND_EVENTS or kind == 'charge.refund.updated':
        record_refund(_event_object(gateway.refund_from_event_object, obj), now)
        return 'processed'
    return 'ignored'


def _event_object(read, obj):
    """The event's object as ``read`` takes it in; a signed event that lacks its fields is refused, not a 500."""
    try:
        return read(obj)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise gateway.InvalidWebhook(_l('This Stripe event lacks fields it must have.'),
                                     code='payments.webhook_missing_fields') from None


# --- on site --------------------------------------------------------------------------------

@operation
def record_payment_on_site(actor, bookings, note='', now=None):
    """A manager records that priced bookings were paid at the front desk; return the payment."""
    now = now or now_utc()
    if not can(actor, 'payments.manage'):
        raise NotAllowed(_l('Only managers record payments made on site.'), code='payments.not_a_manager')
    bookings = _lock_bookings(bookings)
    if len({booking.startup_id for booking in bookings}) != 1:
        raise DomainError(_l('One payment covers the bookings of one startup.'), code='payments.several_startups')
    for booking in bookings:
        if booking.payment_method != PaymentMethod.on_site or not booking.price_fen:
            raise DomainError(_l('Only bookings to be paid on site can be marked paid here.'),
                              code='payments.not_paid_on_site')
        if booking.is_paid:
            raise DomainError(_l('This booking is already paid.'), code='payments.already_paid')
        if booking.status not in (BookingStatus.confirmed, BookingStatus.pending):
            raise DomainError(_l('This booking is %(status)s; there is nothing to pay.'), status=booking.status.label,
                              code='payments.booking_not_active')
    payment = Payment(startup=bookings[0].startup, created_by=actor, recorded_by=actor,
                      channel=PaymentChannel.on_site, status=PaymentStatus.paid,
                      amount_fen=sum(booking.price_fen for booking in bookings), currency=bookings[0].currency,
                      paid_at=now, note=(note or '').strip()[:500], created_at=now)
    db.session.add(payment)
    db.session.flush()
    payment.receipt_number = receipt_number(payment, now)
    for booking in bookings:
        booking.payment = payment
    db.session.flush()
    logger.info('Payment %s on site recorded by user %s for bookings %s', payment.id, actor.id,
                [booking.id for booking in bookings])
    return payment


# --- fapiao ---------------------------------------------------------------------------------

@operation
def request_fapiao(actor, payment, title, taxpayer_number, email='', now=None):
    """Ask for a VAT invoice for a paid payment; one open or issued request per payment."""
    now = now or now_utc()
    if not can(actor, 'payment.request_fapiao', payment):
        raise NotAllowed(_l('You may not ask for a fapiao for this payment.'), code='payments.may_not_request_fapiao')
    payment = _lock_payment(payment.id)
    if any(request.status != FapiaoStatus.withdrawn for request in payment.fapiao_requests):
        raise DomainError(_l('A fapiao has already been requested for this payment.'),
                          code='payments.fapiao_already_requested')
    if payment.refund_state == 'full':
        raise DomainError(_l('This payment was refunded in full: there is nothing to invoice.'),
                          code='payments.fully_refunded')
    title, taxpayer_number = (title or '').strip(), (taxpayer_number or '').strip().upper()
    if not title:
        raise DomainError(_l('Give the invoice title (the company name on the fapiao).'),
                          code='payments.fapiao_title_needed')
    _check_taxpayer_number(taxpayer_number)
    request = FapiaoRequest(payment=payment, title=title[:200], taxpayer_number=taxpayer_number,
                            email=(email or '').strip()[:254], requested_by=actor, requested_at=now)
    db.session.add(request)
    db.session.flush()
    managers = active_managers()
    for manager in managers:
        notify(manager, 'fapiao_requested', link=link_to('payments.fapiao_queue'), startup=payment.startup.name,
               receipt=payment.receipt_number or f'#{payment.id}')
    return request


def _check_taxpayer_number(value):
    """Unified social credit codes have 18 characters and a check character; older taxpayer numbers 15, 17 or 20."""
    if len(value) == 18:
        try:
            credit_code.validate(value)
        except credit_code.InvalidCreditCode:
            raise DomainError(_l('This unified social credit code is not valid: check it against the business '
                                 'licence.'), code='payments.invalid_credit_code') from None
        return
    if not (len(value) in (15, 17, 20) and value.isascii() and value.isalnum()):
        raise DomainError(_l('A taxpayer number has 15, 17, 18 or 20 letters and digits.'),
                          code='payments.invalid_taxpayer_number')


@operation
def issue_fapiao(actor, request, invoice_number, now=None):
    now = now or now_utc()
    if not can(actor, 'payments.manage'):
        raise NotAllowed(_l('Only managers issue fapiao.'), code='payments.not_a_manager')
    db.session.execute(sa.select(FapiaoRequest.id).where(FapiaoRequest.id == request.id).with_for_update())
    db.session.refresh(request)
    if request.status != FapiaoStatus.requested:
        raise DomainError(_l('This fapiao request is already %(status)s.'), status=request.status.label,
                          code='payments.fapiao_already_decided')
    invoice_number = (invoice_number or '').strip()
    if not invoice_number or len(invoice_number) > 40:
        raise DomainError(_l('Give the fapiao number (at most 40 characters).'), code='payments.fapiao_number_needed')
    request.status = FapiaoStatus.issued
    request.invoice_number = invoice_number
    request.issued_by = actor
    request.issued_at = now
    db.session.flush()
    if request.requested_by is not None:
        notify(request.requested_by, 'fapiao_issued', link=link_to('payments.show', payment_id=request.payment_id),
               number=invoice_number, receipt=request.payment.receipt_number or f'#{request.payment_id}')
    return request
