"""Each KPI target's latest figure read in index order: the dashboard computes the health of every project from
them on each request, and a sort of all figures cost more than the rest of the page.

Revision ID: 8d4b3f0a5e04
Revises: 7c3a2e9f4d03
Create Date: 2026-12-07 01:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8d4b3f0a5e04'
down_revision = '7c3a2e9f4d03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kpi_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_figures_kpi_target_id_recorded_on')
        batch_op.create_index('ix_kpi_figures_latest', ['kpi_target_id', sa.text('recorded_on DESC'),
                                                        sa.text('id DESC')], unique=False,
                              postgresql_include=['value'])


def downgrade():
    with op.batch_alter_table('kpi_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_figures_latest', postgresql_include=['value'])
        batch_op.create_index('ix_kpi_figures_kpi_target_id_recorded_on', ['kpi_target_id', 'recorded_on'],
                              unique=False)
