"""Suspensions of a startup's free booking quota (at most one open per startup).

Revision ID: 7c3a2e9f4d03
Revises: 3f6b2c9d1e07
Create Date: 2026-12-07 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3a2e9f4d03'
down_revision = '3f6b2c9d1e07'
branch_labels = None
depends_on = None

OPEN = sa.text('restored_at IS NULL')


def upgrade():
    op.create_table(
        'free_quota_suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('startup_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('suspended_by_id', sa.Integer(), nullable=True),
        sa.Column('restored_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('restored_by_id', sa.Integer(), nullable=True),
        sa.Column('restore_note', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['startup_id'], ['startups.id'],
                                name=op.f('fk_free_quota_suspensions_startup_id_startups'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['suspended_by_id'], ['users.id'],
                                name=op.f('fk_free_quota_suspensions_suspended_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['restored_by_id'], ['users.id'],
                                name=op.f('fk_free_quota_suspensions_restored_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_free_quota_suspensions')))
    with op.batch_alter_table('free_quota_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_free_quota_suspensions_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index('uq_free_quota_suspensions_startup_id_open', ['startup_id'], unique=True,
                              postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_table('free_quota_suspensions')
