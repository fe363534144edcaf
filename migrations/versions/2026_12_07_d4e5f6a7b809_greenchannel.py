"""Green-channel requests: departments and their reviewers, categories, requests, department reviews, returns
with their missing items, stage clocks with pauses and escalation claims, timeline, messages, fulfilment items;
and every startup's service contact (a table of its own: see StartupServiceContact). The department_reviewer
role needs no change: roles are stored as strings.

Revision ID: d4e5f6a7b809
Revises: c3d4e5f6a708
Create Date: 2026-12-07 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b809'
down_revision = 'c3d4e5f6a708'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('green_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), server_default='', nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('asks_amount', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('asks_area', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('asks_headcount', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('asks_dates', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('promised_working_days', sa.Integer(), server_default='15', nullable=False),
    sa.Column('completeness_working_days', sa.Integer(), server_default='2', nullable=False),
    sa.Column('opinion_working_days', sa.Integer(), server_default='5', nullable=False),
    sa.Column('needs_notice', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('notice_days', sa.Integer(), server_default='7', nullable=False),
    sa.Column('public_fields', sa.String(length=200), server_default='startup,granted,notice_period', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('promised_working_days > 0 AND completeness_working_days > 0 AND opinion_working_days > 0 AND notice_days >= 0', name=op.f('ck_green_categories_positive_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_categories')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_green_categories_name_zh'))
    )
    op.create_table('green_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), server_default='', nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['head_id'], ['users.id'], name=op.f('fk_green_departments_head_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_departments')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_green_departments_name_zh'))
    )
    op.create_table('green_category_departments',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['green_categories.id'], name=op.f('fk_green_category_departments_category_id_green_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['green_departments.id'], name=op.f('fk_green_category_departments_department_id_green_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('category_id', 'department_id', name=op.f('pk_green_category_departments'))
    )
    op.create_table('green_department_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['green_departments.id'], name=op.f('fk_green_department_reviewers_department_id_green_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_green_department_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_department_reviewers')),
    sa.UniqueConstraint('department_id', 'user_id', name=op.f('uq_green_department_reviewers_department_id'))
    )
    with op.batch_alter_table('green_department_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_department_reviewers_user_id'), ['user_id'], unique=False)

    op.create_table('green_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('service_contact_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'in_review', 'in_committee', 'decided', 'in_notice', 'in_fulfilment', 'closed', 'withdrawn', name='requeststate', native_enum=False, length=20), nullable=False),
    sa.Column('needed', sa.Text(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('urgency', sa.Enum('normal', 'urgent', 'critical', name='urgency', native_enum=False, length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('area_m2', sa.Integer(), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('approved', 'partly_approved', 'rejected', name='outcome', native_enum=False, length=20), nullable=True),
    sa.Column('granted', sa.Text(), server_default='', nullable=False),
    sa.Column('decision_reasons', sa.Text(), server_default='', nullable=False),
    sa.Column('opinions_incomplete', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen IS NULL OR amount_fen >= 0', name=op.f('ck_green_requests_amount_not_negative')),
    sa.CheckConstraint('area_m2 IS NULL OR area_m2 >= 0', name=op.f('ck_green_requests_area_not_negative')),
    sa.CheckConstraint('headcount IS NULL OR headcount >= 0', name=op.f('ck_green_requests_headcount_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['green_categories.id'], name=op.f('fk_green_requests_category_id_green_categories')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_green_requests_filed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_green_requests_project_id_projects')),
    sa.ForeignKeyConstraint(['service_contact_id'], ['users.id'], name=op.f('fk_green_requests_service_contact_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_green_requests_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_requests'))
    )
    with op.batch_alter_table('green_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_requests_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_requests_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_requests_service_contact_id'), ['service_contact_id'], unique=False)
        batch_op.create_index('ix_green_requests_startup_id_state', ['startup_id', 'state'], unique=False)
        batch_op.create_index('ix_green_requests_state_submitted_at', ['state', 'submitted_at'], unique=False)

    op.create_table('green_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('filed', 'submitted', 'returned', 'resubmitted', 'accepted', 'question', 'answered', 'opinion', 'lapsed', 'to_committee', 'decided', 'withdrawn', 'escalated', 'other', name='eventkind', native_enum=False, length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_green_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['green_departments.id'], name=op.f('fk_green_events_department_id_green_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_events_request_id_green_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_events'))
    )
    with op.batch_alter_table('green_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_events_request_id'), ['request_id'], unique=False)

    op.create_table('green_fulfilment_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('lab_access', 'funding', 'housing', 'space', 'hiring', 'other', name='fulfilmentkind', native_enum=False, length=20), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('delivered_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['delivered_by_id'], ['users.id'], name=op.f('fk_green_fulfilment_items_delivered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_fulfilment_items_request_id_green_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_fulfilment_items'))
    )
    with op.batch_alter_table('green_fulfilment_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_fulfilment_items_request_id'), ['request_id'], unique=False)

    op.create_table('green_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_green_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_messages_request_id_green_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_messages'))
    )
    with op.batch_alter_table('green_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_messages_request_id'), ['request_id'], unique=False)

    op.create_table('green_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_returns_request_id_green_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_green_returns_returned_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_returns'))
    )
    with op.batch_alter_table('green_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_returns_request_id'), ['request_id'], unique=False)

    op.create_table('green_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'asking', 'given', 'lapsed', name='reviewstate', native_enum=False, length=20), nullable=False),
    sa.Column('routed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opinion', sa.Enum('support', 'support_with_conditions', 'oppose', name='opinionkind', native_enum=False), nullable=True),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['green_departments.id'], name=op.f('fk_green_reviews_department_id_green_departments')),
    sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name=op.f('fk_green_reviews_given_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_reviews_request_id_green_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_reviews')),
    sa.UniqueConstraint('request_id', 'department_id', name=op.f('uq_green_reviews_request_id'))
    )
    with op.batch_alter_table('green_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_green_reviews_department_id_state', ['department_id', 'state'], unique=False)

    op.create_table('green_missing_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['green_returns.id'], name=op.f('fk_green_missing_items_return_id_green_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_missing_items')),
    sa.UniqueConstraint('return_id', 'position', name=op.f('uq_green_missing_items_return_id'))
    )
    op.create_table('green_review_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_green_review_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_green_review_questions_asked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['green_reviews.id'], name=op.f('fk_green_review_questions_review_id_green_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_review_questions'))
    )
    with op.batch_alter_table('green_review_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_review_questions_review_id'), ['review_id'], unique=False)

    op.create_table('green_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('request', 'completeness', 'department', 'committee', name='stagekind', native_enum=False, length=20), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_working_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['green_requests.id'], name=op.f('fk_green_stages_request_id_green_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['green_reviews.id'], name=op.f('fk_green_stages_review_id_green_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_stages'))
    )
    with op.batch_alter_table('green_stages', schema=None) as batch_op:
        batch_op.create_index('ix_green_stages_finished_at_due_at', ['finished_at', 'due_at'], unique=False)
        batch_op.create_index('ix_green_stages_request_id_kind', ['request_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_stages_review_id'), ['review_id'], unique=False)

    op.create_table('green_escalations_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'escalation', name='escalationkind', native_enum=False, length=20), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['green_stages.id'], name=op.f('fk_green_escalations_sent_stage_id_green_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_escalations_sent')),
    sa.UniqueConstraint('stage_id', 'day', 'kind', name=op.f('uq_green_escalations_sent_stage_id'))
    )
    op.create_table('green_stage_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('returned', 'question', name='pausereason', native_enum=False, length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['stage_id'], ['green_stages.id'], name=op.f('fk_green_stage_pauses_stage_id_green_stages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_stage_pauses'))
    )
    with op.batch_alter_table('green_stage_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_stage_pauses_stage_id'), ['stage_id'], unique=False)

    op.create_table('startup_service_contacts',
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_startup_service_contacts_startup_id_startups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_startup_service_contacts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('startup_id', name=op.f('pk_startup_service_contacts'))
    )
    with op.batch_alter_table('startup_service_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_startup_service_contacts_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('startup_service_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_startup_service_contacts_user_id'))

    op.drop_table('startup_service_contacts')

    with op.batch_alter_table('green_stage_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_stage_pauses_stage_id'))

    op.drop_table('green_stage_pauses')
    op.drop_table('green_escalations_sent')
    with op.batch_alter_table('green_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_stages_review_id'))
        batch_op.drop_index('ix_green_stages_request_id_kind')
        batch_op.drop_index('ix_green_stages_finished_at_due_at')

    op.drop_table('green_stages')
    with op.batch_alter_table('green_review_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_review_questions_review_id'))

    op.drop_table('green_review_questions')
    op.drop_table('green_missing_items')
    with op.batch_alter_table('green_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_green_reviews_department_id_state')

    op.drop_table('green_reviews')
    with op.batch_alter_table('green_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_returns_request_id'))

    op.drop_table('green_returns')
    with op.batch_alter_table('green_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_messages_request_id'))

    op.drop_table('green_messages')
    with op.batch_alter_table('green_fulfilment_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_fulfilment_items_request_id'))

    op.drop_table('green_fulfilment_items')
    with op.batch_alter_table('green_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_events_request_id'))

    op.drop_table('green_events')
    with op.batch_alter_table('green_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_green_requests_state_submitted_at')
        batch_op.drop_index('ix_green_requests_startup_id_state')
        batch_op.drop_index(batch_op.f('ix_green_requests_service_contact_id'))
        batch_op.drop_index(batch_op.f('ix_green_requests_project_id'))
        batch_op.drop_index(batch_op.f('ix_green_requests_category_id'))

    op.drop_table('green_requests')
    with op.batch_alter_table('green_department_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_department_reviewers_user_id'))

    op.drop_table('green_department_reviewers')
    op.drop_table('green_category_departments')
    op.drop_table('green_departments')
    op.drop_table('green_categories')
