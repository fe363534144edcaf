"""spaces and bookings

Revision ID: 56a5d570b06d
Revises: fb185f37568e
Create Date: 2026-11-26 23:06:23.785500

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '56a5d570b06d'
down_revision = 'fb185f37568e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications')),
    sa.UniqueConstraint('name', name=op.f('uq_certifications_name'))
    )
    op.create_table('tier_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.Enum('maker_space', 'incubator', 'accelerator', name='tier', native_enum=False, length=20), nullable=False),
    sa.Column('space_kind', sa.Enum('hot_desk', 'fixed_desk', 'private_office', 'lab', 'meeting_room', 'equipment', name='spacekind', native_enum=False, length=20), nullable=False),
    sa.Column('free_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('free_minutes >= 0', name=op.f('ck_tier_quotas_free_minutes_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tier_quotas')),
    sa.UniqueConstraint('tier', 'space_kind', name=op.f('uq_tier_quotas_tier'))
    )
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id'))
    )
    op.create_table('site_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_site_closures_dates_order')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_closures_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_closures'))
    )
    with op.batch_alter_table('site_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_closures_site_id'), ['site_id'], unique=False)

    op.create_table('site_opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens_minute', sa.Integer(), nullable=False),
    sa.Column('closes_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('opens_minute >= 0 AND opens_minute < closes_minute AND closes_minute <= 1440', name=op.f('ck_site_opening_hours_hours_order')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_site_opening_hours_weekday_range')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_opening_hours_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_opening_hours')),
    sa.UniqueConstraint('site_id', 'weekday', name=op.f('uq_site_opening_hours_site_id'))
    )
    op.create_table('spaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('hot_desk', 'fixed_desk', 'private_office', 'lab', 'meeting_room', 'equipment', name='spacekind', native_enum=False, length=20), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('hourly_price_fen', sa.Integer(), nullable=False),
    sa.Column('daily_price_fen', sa.Integer(), nullable=False),
    sa.Column('min_booking_minutes', sa.Integer(), nullable=False),
    sa.Column('max_booking_minutes', sa.Integer(), nullable=False),
    sa.Column('booking_horizon_days', sa.Integer(), nullable=False),
    sa.Column('cancellation_cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('requires_check_in', sa.Boolean(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('booking_horizon_days >= 1', name=op.f('ck_spaces_horizon_positive')),
    sa.CheckConstraint('cancellation_cutoff_hours >= 0', name=op.f('ck_spaces_cutoff_not_negative')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_spaces_capacity_positive')),
    sa.CheckConstraint('hourly_price_fen >= 0 AND daily_price_fen >= 0', name=op.f('ck_spaces_prices_not_negative')),
    sa.CheckConstraint('max_booking_minutes <= 1440', name=op.f('ck_spaces_max_length_bound')),
    sa.CheckConstraint('min_booking_minutes >= 1 AND min_booking_minutes <= max_booking_minutes', name=op.f('ck_spaces_length_limits')),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_spaces_certification_id_certifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_spaces_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spaces')),
    sa.UniqueConstraint('site_id', 'name', name=op.f('uq_spaces_site_id'))
    )
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spaces_site_id'), ['site_id'], unique=False)

    op.create_table('user_certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_user_certifications_certification_id_certifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_user_certifications_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_certifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_certifications')),
    sa.UniqueConstraint('user_id', 'certification_id', name=op.f('uq_user_certifications_user_id'))
    )
    with op.batch_alter_table('user_certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_certifications_user_id'), ['user_id'], unique=False)

    op.create_table('blackouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_blackouts_period_order')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_blackouts_space_id_spaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blackouts'))
    )
    with op.batch_alter_table('blackouts', schema=None) as batch_op:
        batch_op.create_index('ix_blackouts_space_id_starts_at', ['space_id', 'starts_at'], unique=False)

    op.create_table('booking_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('recurrence', sa.Enum('daily', 'weekly', name='recurrence', native_enum=False, length=20), nullable=False),
    sa.Column('occurrence_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_booking_series_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_booking_series_space_id_spaces')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_booking_series_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series'))
    )
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_space_id'), ['space_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_series_startup_id'), ['startup_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'notified', 'fulfilled', 'withdrawn', 'expired', name='waitliststatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_waitlist_entries_period_order')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_waitlist_entries_space_id_spaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_waitlist_entries_startup_id_startups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_waitlist_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_entries_space_id_start_at', ['space_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_user_id'), ['user_id'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=200), server_default='', nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'declined', 'cancelled', 'no_show', name='bookingstatus', native_enum=False, length=20), nullable=False),
    sa.Column('quota_month', sa.Date(), nullable=False),
    sa.Column('usage_minutes', sa.Integer(), nullable=False),
    sa.Column('free_minutes', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='CNY', nullable=False),
    sa.Column('payment_method', sa.Enum('free', 'on_site', name='paymentmethod', native_enum=False, length=20), nullable=False),
    sa.Column('counts_against_quota', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('free_minutes >= 0 AND free_minutes <= usage_minutes AND price_fen >= 0', name=op.f('ck_bookings_amounts_not_negative')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_bookings_seats_positive')),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_bookings_period_order')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_bookings_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_bookings_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bookings_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['booking_series.id'], name=op.f('fk_bookings_series_id_booking_series'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_bookings_space_id_spaces')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_bookings_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_booked_by_id_start_at', ['booked_by_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_bookings_space_id_start_at', ['space_id', 'start_at'], unique=False)
        batch_op.create_index('ix_bookings_startup_id_quota_month', ['startup_id', 'quota_month'], unique=False)
        batch_op.create_index('ix_bookings_startup_id_start_at', ['startup_id', 'start_at'], unique=False)
        batch_op.create_index('ix_bookings_status_start_at', ['status', 'start_at'], unique=False)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_public_holidays', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('follows_public_holidays')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_status_start_at')
        batch_op.drop_index('ix_bookings_startup_id_start_at')
        batch_op.drop_index('ix_bookings_startup_id_quota_month')
        batch_op.drop_index('ix_bookings_space_id_start_at')
        batch_op.drop_index(batch_op.f('ix_bookings_series_id'))
        batch_op.drop_index('ix_bookings_booked_by_id_start_at')

    op.drop_table('bookings')
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_user_id'))
        batch_op.drop_index('ix_waitlist_entries_space_id_start_at')

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_startup_id'))
        batch_op.drop_index(batch_op.f('ix_booking_series_space_id'))

    op.drop_table('booking_series')
    with op.batch_alter_table('blackouts', schema=None) as batch_op:
        batch_op.drop_index('ix_blackouts_space_id_starts_at')

    op.drop_table('blackouts')
    with op.batch_alter_table('user_certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_certifications_user_id'))

    op.drop_table('user_certifications')
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spaces_site_id'))

    op.drop_table('spaces')
    op.drop_table('site_opening_hours')
    with op.batch_alter_table('site_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_closures_site_id'))

    op.drop_table('site_closures')
    op.drop_table('calendar_feeds')
    op.drop_table('tier_quotas')
    op.drop_table('certifications')
