"""Green-channel public notices with their objections, what lab-access fulfilment items need (the space
whose certification is granted, and until when), and each finished clock's working days used (for the figures).

Revision ID: e5f6a7b8c90a
Revises: d4e5f6a7b809
Create Date: 2026-12-07 04:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c90a'
down_revision = 'd4e5f6a7b809'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('green_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('open', 'took_effect', 'reopened', name='noticestate', native_enum=False, length=20), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_notices_request_id_green_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_notices')),
    sa.UniqueConstraint('request_id', 'round', name=op.f('uq_green_notices_request_id'))
    )
    with op.batch_alter_table('green_notices', schema=None) as batch_op:
        batch_op.create_index('ix_green_notices_state_ends_at', ['state', 'ends_at'], unique=False)

    op.create_table('green_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), server_default='', nullable=False),
    sa.Column('lodged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('pending', 'upheld', 'dismissed', name='objectionstate', native_enum=False, length=20), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['green_notices.id'], name=op.f('fk_green_objections_notice_id_green_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_green_objections_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_objections'))
    )
    with op.batch_alter_table('green_objections', schema=None) as batch_op:
        batch_op.create_index('ix_green_objections_ip_address_lodged_at', ['ip_address', 'lodged_at'], unique=False)
        batch_op.create_index('ix_green_objections_notice_id_state', ['notice_id', 'state'], unique=False)

    with op.batch_alter_table('green_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('used_working_days', sa.Integer(), nullable=True))

    with op.batch_alter_table('green_fulfilment_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('space_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('access_until', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_green_fulfilment_items_space_id_spaces'), 'spaces', ['space_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('green_fulfilment_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_green_fulfilment_items_space_id_spaces'), type_='foreignkey')
        batch_op.drop_column('access_until')
        batch_op.drop_column('space_id')

    with op.batch_alter_table('green_stages', schema=None) as batch_op:
        batch_op.drop_column('used_working_days')

    with op.batch_alter_table('green_objections', schema=None) as batch_op:
        batch_op.drop_index('ix_green_objections_notice_id_state')
        batch_op.drop_index('ix_green_objections_ip_address_lodged_at')

    op.drop_table('green_objections')
    with op.batch_alter_table('green_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_green_notices_state_ends_at')

    op.drop_table('green_notices')
