"""The quota index covers what the quota and the ledger sum, on PostgreSQL (an index-only scan).

Revision ID: 5d0c1e9a7b42
Revises: 602a97b128a0
Create Date: 2026-11-27 07:40:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d0c1e9a7b42'
down_revision = '602a97b128a0'
branch_labels = None
depends_on = None

INCLUDED = ['space_id', 'counts_against_quota', 'free_minutes', 'usage_minutes', 'price_fen']


def upgrade():
    if op.get_context().dialect.name != 'postgresql':
        return
    op.drop_index('ix_bookings_startup_id_quota_month', table_name='bookings')
    op.create_index('ix_bookings_startup_id_quota_month', 'bookings', ['startup_id', 'quota_month'],
                    postgresql_include=INCLUDED)


def downgrade():
    if op.get_context().dialect.name != 'postgresql':
        return
    op.drop_index('ix_bookings_startup_id_quota_month', table_name='bookings')
    op.create_index('ix_bookings_startup_id_quota_month', 'bookings', ['startup_id', 'quota_month'])
