"""Each project keeps the health inputs that do not depend on today (the mean share of its KPI targets reached,
the two earliest due dates of its milestones not accepted), filled here from its targets and milestones: the
dashboard ranks and filters every project by health without aggregating milestones or targets per request.

Revision ID: 0a1b2c3d4e08
Revises: 9e5c4a1b6f05
Create Date: 2026-12-07 03:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0a1b2c3d4e08'
down_revision = '9e5c4a1b6f05'
branch_labels = None
depends_on = None

# The same SQL as projects.latest.health_inputs_update (written out: a migration does not import the app).
_KPI_SHARE = ('(SELECT avg(CASE WHEN t.target_value = 0 THEN 1.0 '
              'WHEN coalesce(t.latest_value, 0) >= t.target_value THEN 1.0 '
              'ELSE CAST(coalesce(t.latest_value, 0) AS FLOAT) / t.target_value END) '
              'FROM kpi_targets t JOIN milestones m ON m.id = t.milestone_id WHERE m.project_id = projects.id)')
_OPEN_DUE = ("(SELECT m.due_date FROM milestones m WHERE m.project_id = projects.id AND m.state != 'accepted' "
             'ORDER BY m.due_date LIMIT 1 OFFSET {position})')


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kpi_share', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('first_open_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('second_open_due_on', sa.Date(), nullable=True))
    op.execute(f'UPDATE projects SET kpi_share = {_KPI_SHARE}, '
               f'first_open_due_on = {_OPEN_DUE.format(position=0)}, '
               f'second_open_due_on = {_OPEN_DUE.format(position=1)}')


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('second_open_due_on')
        batch_op.drop_column('first_open_due_on')
        batch_op.drop_column('kpi_share')
