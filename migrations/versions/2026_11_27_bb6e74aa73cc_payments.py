"""Payments, refunds, Stripe events seen, fapiao requests; bookings held for payment.

Revision ID: bb6e74aa73cc
Revises: 56a5d570b06d
Create Date: 2026-11-27 03:23:09.369380

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'bb6e74aa73cc'
down_revision = '56a5d570b06d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stripe_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('stripe', 'on_site', name='paymentchannel', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('open', 'paid', 'expired', 'cancelled', name='paymentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='CNY', nullable=False),
    sa.Column('refunded_fen', sa.Integer(), server_default='0', nullable=False),
    sa.Column('stripe_checkout_session_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('checkout_url', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_number', sa.String(length=32), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('refunded_fen >= 0 AND refunded_fen <= amount_fen', name=op.f('ck_payments_refund_within_amount')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payments_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_payments_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payments_receipt_number')),
    sa.UniqueConstraint('stripe_checkout_session_id', name=op.f('uq_payments_stripe_checkout_session_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_startup_id_created_at', ['startup_id', 'created_at'], unique=False)
        batch_op.create_index('ix_payments_status_paid_at', ['status', 'paid_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_stripe_payment_intent_id'), ['stripe_payment_intent_id'], unique=False)

    op.create_table('fapiao_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('taxpayer_number', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('status', sa.Enum('requested', 'issued', 'withdrawn', name='fapiaostatus', native_enum=False, length=20), nullable=False),
    sa.Column('invoice_number', sa.String(length=40), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_fapiao_requests_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_fapiao_requests_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_fapiao_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fapiao_requests'))
    )
    with op.batch_alter_table('fapiao_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fapiao_requests_payment_id'), ['payment_id'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'pending', 'succeeded', 'failed', name='refundstatus', native_enum=False, length=20), nullable=False),
    sa.Column('cause', sa.Enum('cancellation', 'late_payment', 'manager', name='refundcause', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('failure_reason', sa.String(length=255), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_refunds_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_refunds_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refunds_stripe_refund_id'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_bookings_payment_id'), ['payment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bookings_payment_id_payments'), 'payments', ['payment_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_payment_id_payments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bookings_payment_id'))
        batch_op.drop_column('payment_id')
        batch_op.drop_column('payment_due_at')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_booking_id'))

    op.drop_table('refunds')
    with op.batch_alter_table('fapiao_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fapiao_requests_payment_id'))

    op.drop_table('fapiao_requests')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_stripe_payment_intent_id'))
        batch_op.drop_index('ix_payments_status_paid_at')
        batch_op.drop_index('ix_payments_startup_id_created_at')

    op.drop_table('payments')
    op.drop_table('stripe_events')
