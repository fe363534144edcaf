"""Progress reviews of projects with their KPI ratings, the reminders sent, and suspensions of a startup's free
booking quota (at most one open per startup).

Revision ID: 7c3a2e9f4d03
Revises: 6b2f1d8e3c02
Create Date: 2026-12-07 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3a2e9f4d03'
down_revision = '6b2f1d8e3c02'
branch_labels = None
depends_on = None

OPEN = sa.text('restored_at IS NULL')


def _enum(*values):
    return sa.Enum(*values, native_enum=False, length=max(20, *map(len, values)))


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

    op.create_table(
        'progress_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('manager_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', _enum('awaiting_self_assessment', 'awaiting_decision', 'decided'), nullable=False),
        sa.Column('self_assessment', sa.Text(), nullable=True),
        sa.Column('self_assessed_by_id', sa.Integer(), nullable=True),
        sa.Column('self_assessed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('findings', sa.Text(), nullable=True),
        sa.Column('outcome', _enum('continue', 'warning', 'stop'), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_progress_reviews_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_progress_reviews_manager_id_users')),
        sa.ForeignKeyConstraint(['self_assessed_by_id'], ['users.id'],
                                name=op.f('fk_progress_reviews_self_assessed_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_progress_reviews_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reviews')),
        sa.UniqueConstraint('project_id', 'period_start', name=op.f('uq_progress_reviews_project_id')))
    with op.batch_alter_table('progress_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_progress_reviews_manager_id_state_due_at', ['manager_id', 'state', 'due_at'],
                              unique=False)
        batch_op.create_index('ix_progress_reviews_state_due_at', ['state', 'due_at'], unique=False)

    op.create_table(
        'kpi_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('kpi_target_id', sa.Integer(), nullable=False),
        sa.Column('rating', _enum('exceeded', 'met', 'partly_met', 'missed'), nullable=False),
        sa.Column('comment', sa.String(length=500), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['progress_reviews.id'],
                                name=op.f('fk_kpi_ratings_review_id_progress_reviews'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['kpi_target_id'], ['kpi_targets.id'],
                                name=op.f('fk_kpi_ratings_kpi_target_id_kpi_targets'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_ratings')),
        sa.UniqueConstraint('review_id', 'kpi_target_id', name=op.f('uq_kpi_ratings_review_id')))
    with op.batch_alter_table('kpi_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_ratings_kpi_target_id'), ['kpi_target_id'], unique=False)

    op.create_table(
        'reminders_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', _enum('milestone_due_soon', 'milestone_overdue', 'review_overdue'), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
        sa.UniqueConstraint('kind', 'subject_id', 'day', name=op.f('uq_reminders_sent_kind')))


def downgrade():
    op.drop_table('reminders_sent')
    op.drop_table('kpi_ratings')
    op.drop_table('progress_reviews')
    op.drop_table('free_quota_suspensions')
