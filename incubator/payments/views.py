"""Paying for bookings: Stripe Checkout, the pages Stripe returns to, the webhook, and managers' actions."""
import logging

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.booking.models import Booking, BookingStatus
from incubator.core.db import writes_on_get
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm
from incubator.core.permissions import get_or_404, require
from incubator.core.time import now_utc
from incubator.extensions import csrf, db
from incubator.payments import gateway, operations, queries
from incubator.payments.blueprint import bp
from incubator.payments.forms import CheckoutForm, FapiaoRequestForm, OnSitePaymentForm, RefundForm
from incubator.payments.models import Payment, PaymentStatus, StripeEvent

logger = logging.getLogger(__name__)


@bp.route('/payments/checkout', methods=['POST'])
@login_required
def checkout():
    """Start (or resume) the Stripe Checkout of one or more bookings, and send the user there."""
    form = CheckoutForm()
    if not form.validate_on_submit():
        abort(400)
    bookings = [get_or_404(Booking, booking_id, 'booking.pay') for booking_id in form.booking_ids]
    back = url_for('booking.show', booking_id=bookings[0].id)
    try:
        payment = operations.start_checkout(
            current_user, bookings,
            success_url=url_for('payments.returned', _external=True) + '?session_id={CHECKOUT_SESSION_ID}',
            cancel_url=url_for('booking.show', booking_id=bookings[0].id, _external=True))
    except DomainError as error:
        flash(str(error), 'danger')
        return redirect(back)
    return redirect(payment.checkout_url, code=303)


@bp.route('/payments/return')
@writes_on_get
@login_required
def returned():
    """Where Stripe sends the payer back: the true state, asked of Stripe if its webhook has not come yet."""
    payment = operations.payment_of_session(request.args.get('session_id', ''))
    if payment is None:
        abort(404)
    require(current_user, 'payment.view', payment)
    if payment.status == PaymentStatus.open:
        try:
            operations.record_checkout_session(gateway.retrieve_checkout_session(payment.stripe_checkout_session_id))
        except DomainError as error:
            logger.warning('Return page of payment %s could not ask Stripe: %s', payment.id, error)
    return redirect(url_for('payments.show', payment_id=payment.id))


@bp.route('/payments/<int:payment_id>')
@login_required
def show(payment_id):
    payment = queries.payment_with_details(payment_id)
    if payment is None:
        abort(404)
    require(current_user, 'payment.view', payment)
    return render_template('payments/show.html', payment=payment, now=now_utc(), refund_form=RefundForm(),
                           fapiao_form=FapiaoRequestForm(), confirm_form=ConfirmForm())


@bp.route('/payments/<int:payment_id>/refund', methods=['POST'])
@login_required
def refund(payment_id):
    payment = get_or_404(Payment, payment_id, 'payments.manage')
    form = RefundForm()
    if form.validate_on_submit():
        try:
            operations.refund_payment(current_user, payment, form.amount_fen, form.reason.data)
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('Refund requested; it is sent to Stripe within a minute.')
                  if payment.channel.value == 'stripe' else _('Refund recorded.'), 'success')
    else:
        flash(' '.join(str(message) for messages in form.errors.values() for message in messages), 'danger')
    return redirect(url_for('payments.show', payment_id=payment.id))


@bp.route('/bookings/<int:booking_id>/paid-on-site', methods=['POST'])
@login_required
def record_on_site(booking_id):
    booking = get_or_404(Booking, booking_id, 'payments.manage')
    form = OnSitePaymentForm()
    if form.validate_on_submit():
        try:
            payment = operations.record_payment_on_site(current_user, [booking], note=form.note.data)
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('Payment recorded: receipt %(number)s.', number=payment.receipt_number), 'success')
    return redirect(url_for('booking.show', booking_id=booking.id))


@bp.route('/payments/stripe/webhook', methods=['POST'])
@csrf.exempt
def stripe_webhook():
    """Stripe's events, verified by signature and taken in once each; answered at once."""
    if not gateway.is_configured():
        abort(404)
    try:
        event = gateway.construct_event(request.get_data(), request.headers.get('Stripe-Signature', ''))
        outcome = operations.handle_event(event)
    except gateway.InvalidWebhook as error:
        db.session.rollback()
        logger.warning('Stripe webhook refused: %s', error.code)
        return {'error': error.code}, 400
    except sa.exc.IntegrityError:
        # The same event delivered twice at once: the other request recorded it first.
        db.session.rollback()
        if db.session.get(StripeEvent, event['id']) is None:
            raise
        outcome = 'duplicate'
    logger.info('Stripe event %s (%s): %s', event['id'], event['type'], outcome)
    return {'received': True, 'outcome': outcome}


def awaiting_payment_of_series(booking):
    """The bookings of ``booking``'s series that still await payment: paid together in one checkout."""
    if booking.series is None:
        return [booking] if booking.status == BookingStatus.awaiting_payment else []
    return [other for other in booking.series.bookings if other.status == BookingStatus.awaiting_payment]


@bp.app_context_processor
def _payment_helpers():
    return {'awaiting_payment_of_series': awaiting_payment_of_series, 'CheckoutForm': CheckoutForm,
            'OnSitePaymentForm': OnSitePaymentForm, 'online_payment_enabled': operations.online_payment_enabled,
            'payment_hold_minutes': lambda: int(operations.payment_hold().total_seconds() // 60)}
