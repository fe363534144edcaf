"""A calendar stamp per site, renewed when its hours or closures change, so processes may keep calendars.

Revision ID: 602a97b128a0
Revises: bb6e74aa73cc
Create Date: 2026-11-27 07:27:28.760613

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '602a97b128a0'
down_revision = 'bb6e74aa73cc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_stamp', sa.String(length=32), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('calendar_stamp')
