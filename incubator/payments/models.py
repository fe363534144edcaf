"""Payments for priced bookings, their refunds, the Stripe events seen, and fapiao requests.

A payment covers one or more bookings of one startup (a recurring booking is
paid at once); every booking it covers points at it. Amounts are integer fen
with their currency. State only moves forward: an event that arrives late or
twice never takes a payment back to an earlier state.
"""
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db


class PaymentChannel(LabelledEnum):
    stripe = 'stripe'            # Stripe Checkout: card, Alipay, WeChat Pay
    on_site = 'on_site'          # at the front desk, recorded by a manager

    @classmethod
    def labels(cls):
        return {cls.stripe: _l('Online (Stripe)'), cls.on_site: _l('On site')}


class PaymentStatus(LabelledEnum):
    open = 'open'                # checkout started, not paid yet
    paid = 'paid'
    expired = 'expired'          # not paid in time; its bookings were released
    cancelled = 'cancelled'      # its bookings were cancelled before it was paid

    @classmethod
    def labels(cls):
        return {cls.open: _l('Awaiting payment'), cls.paid: _l('Paid'), cls.expired: _l('Expired'),
                cls.cancelled: _l('Cancelled')}


#: The order states move in; an event never moves a payment backwards.
PAYMENT_STATE_RANK = {PaymentStatus.open: 0, PaymentStatus.expired: 1, PaymentStatus.cancelled: 1,
                      PaymentStatus.paid: 2}

#: How long after paying the payment's page thanks the payer.
JUST_PAID = timedelta(minutes=10)


@audited('payment', _l('Payment'), label=lambda payment: payment.receipt_number or f'#{payment.id}',
         exclude={'checkout_url'})
class Payment(db.Model):
    __tablename__ = 'payments'
    __table_args__ = (
        sa.CheckConstraint('amount_fen > 0', name='amount_positive'),
        sa.CheckConstraint('refunded_fen >= 0 AND refunded_fen <= amount_fen', name='refund_within_amount'),
        sa.Index('ix_payments_startup_id_created_at', 'startup_id', 'created_at'),
        sa.Index('ix_payments_status_paid_at', 'status', 'paid_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    channel: Mapped[PaymentChannel] = mapped_column(enum_column(PaymentChannel))
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus))
    amount_fen: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default='CNY', server_default='CNY')
    # Refunds that succeeded; pending ones are on their Refund rows.
    refunded_fen: Mapped[int] = mapped_column(default=0, server_default='0')
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    # Until when the bookings are held for this payment.
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    receipt_number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    # Set by a manager: who recorded an on-site payment, or looked at a problem.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    note: Mapped[str] = mapped_column(sa.String(500), default='', server_default='')
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    startup: Mapped['Startup'] = relationship()  # noqa: F821
    created_by: Mapped[Optional['User']] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    recorded_by: Mapped[Optional['User']] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821
    bookings: Mapped[list['Booking']] = relationship(back_populates='payment',  # noqa: F821
                                                     order_by='Booking.start_at')
    refunds: Mapped[list['Refund']] = relationship(back_populates='payment', order_by='Refund.id')
    fapiao_requests: Mapped[list['FapiaoRequest']] = relationship(back_populates='payment',
                                                                  order_by='FapiaoRequest.id')

    def __repr__(self):
        return f'<Payment {self.id} {self.status.value} {self.amount_fen} {self.currency}>'

    @property
    def is_paid(self):
        return self.status == PaymentStatus.paid

    @property
    def refundable_fen(self):
        """What may still be refunded: paid, less refunds that succeeded or are under way."""
        if not self.is_paid:
            return 0
        return self.amount_fen - self.refunded_fen - sum(refund.amount_fen for refund in self.refunds
                                                         if refund.status in (RefundStatus.requested,
                                                                              RefundStatus.pending))

    @property
    def refund_state(self):
        """'none', 'partial' or 'full', from the refunds that succeeded."""
        if not self.refunded_fen:
            return 'none'
        return 'full' if self.refunded_fen >= self.amount_fen else 'partial'

    def may_move_to(self, status):
        return PAYMENT_STATE_RANK[status] > PAYMENT_STATE_RANK[self.status]

    def was_just_paid(self, now):
        """Paid moments ago, untouched since, a booking confirmed by it: the payer is thanked on its page."""
        from incubator.booking.models import BookingStatus
        return (self.is_paid and not self.refunds and now - self.paid_at < JUST_PAID
                and any(booking.status == BookingStatus.confirmed for booking in self.bookings))


class RefundStatus(LabelledEnum):
    requested = 'requested'      # recorded; not yet accepted by Stripe
    pending = 'pending'          # accepted by Stripe, not settled
    succeeded = 'succeeded'
    failed = 'failed'

    @classmethod
    def labels(cls):
        return {cls.requested: _l('Refund requested'), cls.pending: _l('Refund in progress'),
                cls.succeeded: _l('Refunded'), cls.failed: _l('Refund failed')}


class RefundCause(LabelledEnum):
    cancellation = 'cancellation'    # cancelled before the cutoff: the policy refunds all of it
    late_payment = 'late_payment'    # paid after the booking was released
    manager = 'manager'              # a manager's decision, with a reason

    @classmethod
    def labels(cls):
        return {cls.cancellation: _l('Cancelled before the cutoff'),
                cls.late_payment: _l('Paid after the booking was released'),
                cls.manager: _l("Manager's decision")}


@audited('refund', _l('Refund'), label=lambda refund: f'#{refund.id}')
class Refund(db.Model):
    """Money going back for a payment, whole or in part, usually for one cancelled booking.

    Sent to Stripe with the idempotency key ``refund-<id>``, so a retry after a
    timeout never refunds twice.
    """

    __tablename__ = 'refunds'
    __table_args__ = (sa.CheckConstraint('amount_fen > 0', name='amount_positive'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey('payments.id', ondelete='CASCADE'), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey('bookings.id', ondelete='SET NULL'),
                                                      index=True)
    amount_fen: Mapped[int]
    status: Mapped[RefundStatus] = mapped_column(enum_column(RefundStatus), default=RefundStatus.requested)
    cause: Mapped[RefundCause] = mapped_column(enum_column(RefundCause))
    # The manager's reason; the other causes explain themselves.
    reason: Mapped[str] = mapped_column(sa.String(500), default='', server_default='')
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    failure_reason: Mapped[str | None] = mapped_column(sa.String(255))
    attempts: Mapped[int] = mapped_column(default=0, server_default='0')
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    settled_at: Mapped[datetime | None]

    payment: Mapped[Payment] = relationship(back_populates='refunds')
    booking: Mapped[Optional['Booking']] = relationship()  # noqa: F821
    requested_by: Mapped[Optional['User']] = relationship()  # noqa: F821

    @property
    def idempotency_key(self):
        return f'refund-{self.id}'


class StripeEvent(db.Model):
    """A webhook event taken into account: its id is the key that makes a replay a no-op."""

    __tablename__ = 'stripe_events'

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(default=now_utc)


class FapiaoStatus(LabelledEnum):
    requested = 'requested'
    issued = 'issued'
    withdrawn = 'withdrawn'

    @classmethod
    def labels(cls):
        return {cls.requested: _l('To be issued'), cls.issued: _l('Issued'), cls.withdrawn: _l('Request withdrawn')}


@audited('fapiao_request', _l('Fapiao request'), label=lambda request: f'#{request.id}')
class FapiaoRequest(db.Model):
    """A startup's request for a VAT invoice (发票) for a payment, and its issue by a manager."""

    __tablename__ = 'fapiao_requests'

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey('payments.id', ondelete='CASCADE'), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    taxpayer_number: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str] = mapped_column(sa.String(254), default='', server_default='')
    status: Mapped[FapiaoStatus] = mapped_column(enum_column(FapiaoStatus), default=FapiaoStatus.requested)
    invoice_number: Mapped[str | None] = mapped_column(sa.String(40))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    requested_at: Mapped[datetime] = mapped_column(default=now_utc)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    issued_at: Mapped[datetime | None]

    payment: Mapped[Payment] = relationship(back_populates='fapiao_requests')
    requested_by: Mapped[Optional['User']] = relationship(foreign_keys=[requested_by_id])  # noqa: F821
    issued_by: Mapped[Optional['User']] = relationship(foreign_keys=[issued_by_id])  # noqa: F821
