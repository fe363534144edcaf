"""Projects, their fundings, milestones with KPI targets and date history, progress submissions, KPI figures.

Revision ID: 6b2f1d8e3c02
Revises: 5a1e0c7d2b01
Create Date: 2026-12-07 01:07:02.335437

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6b2f1d8e3c02'
down_revision = '5a1e0c7d2b01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('field', sa.Enum('advanced_manufacturing', 'information_technology', 'biomedicine', 'new_energy', 'new_materials', 'modern_agriculture', 'cultural_creative', 'other', name='projectfield', native_enum=False), nullable=False),
    sa.Column('lead_name', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('planned_end_date', sa.Date(), nullable=False),
    sa.Column('review_cadence', sa.Enum('monthly', 'quarterly', 'half_yearly', name='reviewcadence', native_enum=False, length=20), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'stopped', 'completed', name='projectstatus', native_enum=False, length=20), nullable=False),
    sa.Column('last_review_outcome', sa.Enum('continue', 'warning', 'stop', name='reviewoutcome', native_enum=False, length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start_date <= planned_end_date', name=op.f('ck_projects_dates_in_order')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_projects_manager_id_users')),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_projects_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_manager_id_status', ['manager_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_startup_id'), ['startup_id'], unique=False)
        batch_op.create_index('ix_projects_status', ['status'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('planned', 'in_progress', 'submitted', 'changes_requested', 'accepted', name='milestonestate', native_enum=False, length=20), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index('ix_milestones_project_id_due_date', ['project_id', 'due_date'], unique=False)
        batch_op.create_index('ix_milestones_state_due_date', ['state', 'due_date'], unique=False)

    op.create_table('project_fundings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subsidy', 'grant', 'loan', 'equity', 'in_kind', name='fundingkind', native_enum=False, length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), server_default='CNY', nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_project_fundings_amount_positive')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_fundings_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_project_fundings_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_fundings'))
    )
    with op.batch_alter_table('project_fundings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_fundings_project_id'), ['project_id'], unique=False)

    op.create_table('kpi_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('revenue', 'hires', 'patents_filed', 'patents_granted', 'funding_raised', 'products_shipped', 'custom', name='kpikind', native_enum=False, length=20), nullable=False),
    sa.Column('custom_name', sa.String(length=100), nullable=True),
    sa.Column('unit', sa.String(length=30), nullable=True),
    sa.Column('target_value', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind != 'custom' OR custom_name IS NOT NULL", name=op.f('ck_kpi_targets_custom_named')),
    sa.CheckConstraint('target_value >= 0', name=op.f('ck_kpi_targets_target_not_negative')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_kpi_targets_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_targets'))
    )
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_targets_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('milestone_date_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('old_due_date', sa.Date(), nullable=False),
    sa.Column('new_due_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_milestone_date_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_milestone_date_changes_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_date_changes'))
    )
    with op.batch_alter_table('milestone_date_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_date_changes_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('progress_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'accepted', 'changes_requested', 'rejected', name='submissionstate', native_enum=False, length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_progress_submissions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_progress_submissions_milestone_id_milestones'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_progress_submissions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_submissions'))
    )
    with op.batch_alter_table('progress_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_progress_submissions_milestone_id_submitted_at', ['milestone_id', 'submitted_at'], unique=False)
        batch_op.create_index('ix_progress_submissions_state', ['state'], unique=False)

    op.create_table('kpi_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kpi_target_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_kpi_figures_value_not_negative')),
    sa.ForeignKeyConstraint(['kpi_target_id'], ['kpi_targets.id'], name=op.f('fk_kpi_figures_kpi_target_id_kpi_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['progress_submissions.id'], name=op.f('fk_kpi_figures_submission_id_progress_submissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_figures'))
    )
    with op.batch_alter_table('kpi_figures', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_figures_kpi_target_id_recorded_on', ['kpi_target_id', 'recorded_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_figures_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('kpi_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_figures_submission_id'))
        batch_op.drop_index('ix_kpi_figures_kpi_target_id_recorded_on')

    op.drop_table('kpi_figures')
    with op.batch_alter_table('progress_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_submissions_state')
        batch_op.drop_index('ix_progress_submissions_milestone_id_submitted_at')

    op.drop_table('progress_submissions')
    with op.batch_alter_table('milestone_date_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_date_changes_milestone_id'))

    op.drop_table('milestone_date_changes')
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_targets_milestone_id'))

    op.drop_table('kpi_targets')
    with op.batch_alter_table('project_fundings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_fundings_project_id'))

    op.drop_table('project_fundings')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index('ix_milestones_state_due_date')
        batch_op.drop_index('ix_milestones_project_id_due_date')

    op.drop_table('milestones')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_status')
        batch_op.drop_index(batch_op.f('ix_projects_startup_id'))
        batch_op.drop_index('ix_projects_manager_id_status')

    op.drop_table('projects')
