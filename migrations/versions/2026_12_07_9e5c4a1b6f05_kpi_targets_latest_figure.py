"""Each KPI target keeps its latest figure (value and day), filled here from the figures: the dashboard computes
the health of every project from them on each request without reading the figures.

Revision ID: 9e5c4a1b6f05
Revises: 8d4b3f0a5e04
Create Date: 2026-12-07 02:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9e5c4a1b6f05'
down_revision = '8d4b3f0a5e04'
branch_labels = None
depends_on = None

_LATEST = ('(SELECT f.{column} FROM kpi_figures f WHERE f.kpi_target_id = kpi_targets.id '
           'ORDER BY f.recorded_on DESC, f.id DESC LIMIT 1)')


def upgrade():
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_value', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('latest_recorded_on', sa.Date(), nullable=True))
    op.execute(f'UPDATE kpi_targets SET latest_value = {_LATEST.format(column="value")}, '
               f'latest_recorded_on = {_LATEST.format(column="recorded_on")}')


def downgrade():
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.drop_column('latest_recorded_on')
        batch_op.drop_column('latest_value')
