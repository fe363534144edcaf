"""Each booking keeps the kind of space whose quota it uses; the ledger's sums per month and kind in quota_usage.

Revision ID: 5d907d6e4f34
Revises: 5d0c1e9a7b42
Create Date: 2026-11-27 15:06:18.114653

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d907d6e4f34'
down_revision = '5d0c1e9a7b42'
branch_labels = None
depends_on = None

SPACE_KINDS = ('hot_desk', 'fixed_desk', 'private_office', 'lab', 'meeting_room', 'equipment')
INCLUDED_BEFORE = ['space_id', 'counts_against_quota', 'free_minutes', 'usage_minutes', 'price_fen']
INCLUDED_AFTER = ['quota_kind', 'counts_against_quota', 'free_minutes', 'usage_minutes', 'price_fen']
NO_SHOW = sa.text("status = 'no_show'")


def space_kind():
    return sa.Enum(*SPACE_KINDS, name='spacekind', native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quota_kind', space_kind(), nullable=True))
    op.execute('UPDATE bookings SET quota_kind = (SELECT kind FROM spaces WHERE spaces.id = bookings.space_id)')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('quota_kind', existing_type=space_kind(), nullable=False)
        batch_op.create_index('ix_bookings_startup_id_no_show', ['startup_id'],
                              postgresql_where=NO_SHOW, sqlite_where=NO_SHOW)
    _include_in_quota_index(INCLUDED_AFTER)

    op.create_table(
        'quota_usage',
        sa.Column('startup_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('space_kind', space_kind(), nullable=False),
        sa.Column('free_minutes', sa.Integer(), nullable=False),
        sa.Column('paid_minutes', sa.Integer(), nullable=False),
        sa.Column('price_fen', sa.Integer(), nullable=False),
        sa.Column('bookings', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_quota_usage_startup_id_startups'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('startup_id', 'month', 'space_kind', name=op.f('pk_quota_usage')))
    op.execute(
        'INSERT INTO quota_usage (startup_id, month, space_kind, free_minutes, paid_minutes, price_fen, bookings) '
        'SELECT startup_id, quota_month, quota_kind, SUM(free_minutes), SUM(usage_minutes - free_minutes), '
        'SUM(price_fen), COUNT(*) FROM bookings WHERE counts_against_quota '
        'GROUP BY startup_id, quota_month, quota_kind')


def downgrade():
    op.drop_table('quota_usage')
    _include_in_quota_index(INCLUDED_BEFORE)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_startup_id_no_show')
        batch_op.drop_column('quota_kind')


def _include_in_quota_index(columns):
    """The quota index covers what the quota sums, on PostgreSQL (see revision 5d0c1e9a7b42)."""
    if op.get_context().dialect.name != 'postgresql':
        return
    op.drop_index('ix_bookings_startup_id_quota_month', table_name='bookings')
    op.create_index('ix_bookings_startup_id_quota_month', 'bookings', ['startup_id', 'quota_month'],
                    postgresql_include=columns)
