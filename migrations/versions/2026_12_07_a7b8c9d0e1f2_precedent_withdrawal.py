"""A published precedent can be withdrawn by a manager, with the reason, and revised.

The state column holds strings (no database enum), so 'withdrawn' needs no change to it.

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-12-07 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'f6a7b8c9d0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_precedents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_precedents_withdrawn_by_id_users'), 'users',
                                    ['withdrawn_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    op.execute("UPDATE case_precedents SET state = 'draft' WHERE state = 'withdrawn'")
    with op.batch_alter_table('case_precedents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_precedents_withdrawn_by_id_users'), type_='foreignkey')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
