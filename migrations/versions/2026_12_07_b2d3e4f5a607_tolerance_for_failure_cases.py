"""Tolerance-for-failure cases: the case with its people involved, subsidies at stake, assessment against the three
distinctions with the ticked checklist items, dated entries after the decision, the steps taken, the decision letters
as issued, and the yearly case-number counters.

Revision ID: b2d3e4f5a607
Revises: a1c2d3e4f506
Create Date: 2026-12-07 03:11:43.412000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b2d3e4f5a607'
down_revision = 'a1c2d3e4f506'
branch_labels = None
depends_on = None

STATES = ('draft', 'filed', 'accepted', 'declined', 'under_assessment', 'committee_review', 'decided', 'recorded',
          'appealed', 'closed')


def _enum(*values):
    return sa.Enum(*values, native_enum=False, length=max(20, *map(len, values)))

def upgrade():
    op.create_table('case_checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum('diligence_condition', 'exempt_situation'), nullable=False),
    sa.Column('label_zh', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_checklist_items'))
    )
    with op.batch_alter_table('case_checklist_items', schema=None) as batch_op:
        batch_op.create_index('ix_case_checklist_items_kind_position', ['kind', 'position'], unique=False)

    op.create_table('case_number_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_case_number_counters'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('origin', _enum('owner', 'manager', 'review'), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('filer_id', sa.Integer(), nullable=True),
    sa.Column('state', _enum(*STATES), nullable=False),
    sa.Column('what_happened', sa.Text(), server_default='', nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=True),
    sa.Column('losses_fen', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('rules_in_force', sa.Text(), server_default='', nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.Integer(), server_default='1', nullable=False),
    sa.Column('outcome', _enum('exempt', 'partly_exempt', 'not_exempt'), nullable=True),
    sa.Column('consequences', sa.Text(), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('letter_issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filed_with_body_on', sa.Date(), nullable=True),
    sa.Column('filing_reference', sa.String(length=100), nullable=True),
    sa.Column('appeal_deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appealed_by_id', sa.Integer(), nullable=True),
    sa.Column('appeal_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('losses_fen >= 0', name=op.f('ck_cases_losses_not_negative')),
    sa.ForeignKeyConstraint(['appealed_by_id'], ['users.id'], name=op.f('fk_cases_appealed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_cases_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_cases_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filer_id'], ['users.id'], name=op.f('fk_cases_filer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_cases_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['progress_reviews.id'], name=op.f('fk_cases_review_id_progress_reviews'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_cases_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_cases_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_review_id'), ['review_id'], unique=False)
        batch_op.create_index('ix_cases_startup_id_state', ['startup_id', 'state'], unique=False)
        batch_op.create_index('ix_cases_state', ['state'], unique=False)

    op.create_table('case_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('exploration', _enum('exploration', 'knowing_violation'), nullable=False),
    sa.Column('exploration_evidence', sa.Text(), nullable=False),
    sa.Column('rule', _enum('no_rule_yet', 'after_prohibition'), nullable=False),
    sa.Column('rule_evidence', sa.Text(), nullable=False),
    sa.Column('purpose', _enum('for_development', 'for_personal_gain'), nullable=False),
    sa.Column('purpose_evidence', sa.Text(), nullable=False),
    sa.Column('diligence', sa.Text(), nullable=False),
    sa.Column('remedies', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_case_assessments_assessor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assessments_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_assessments')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_assessments_case_id'))
    )
    op.create_table('case_decision_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_decision_letters_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_case_decision_letters_issued_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_decision_letters')),
    sa.UniqueConstraint('case_id', 'round', 'language', name=op.f('uq_case_decision_letters_case_id'))
    )
    op.create_table('case_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_entries_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_entries_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_entries'))
    )
    with op.batch_alter_table('case_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_entries_case_id'), ['case_id'], unique=False)

    op.create_table('case_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.String(length=200), server_default='', nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_parties_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_parties_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_parties'))
    )
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_parties_case_id'), ['case_id'], unique=False)

    op.create_table('case_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', _enum(*STATES), nullable=False),
    sa.Column('to_state', _enum(*STATES), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_steps_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_steps_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_steps'))
    )
    with op.batch_alter_table('case_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_steps_case_id'), ['case_id'], unique=False)

    op.create_table('case_subsidies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('funding_id', sa.Integer(), nullable=False),
    sa.Column('amount_at_stake_fen', sa.BigInteger(), nullable=False),
    sa.Column('waived_fen', sa.BigInteger(), nullable=True),
    sa.Column('reclaim_fen', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('amount_at_stake_fen >= 0', name=op.f('ck_case_subsidies_at_stake_not_negative')),
    sa.CheckConstraint('reclaim_fen IS NULL OR reclaim_fen >= 0', name=op.f('ck_case_subsidies_reclaim_not_negative')),
    sa.CheckConstraint('waived_fen IS NULL OR waived_fen >= 0', name=op.f('ck_case_subsidies_waived_not_negative')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_subsidies_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['funding_id'], ['project_fundings.id'], name=op.f('fk_case_subsidies_funding_id_project_fundings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_subsidies')),
    sa.UniqueConstraint('case_id', 'funding_id', name=op.f('uq_case_subsidies_case_id'))
    )
    with op.batch_alter_table('case_subsidies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_subsidies_funding_id'), ['funding_id'], unique=False)

    op.create_table('case_assessment_checks',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['case_assessments.id'], name=op.f('fk_case_assessment_checks_assessment_id_case_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['case_checklist_items.id'], name=op.f('fk_case_assessment_checks_item_id_case_checklist_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id', 'item_id', name=op.f('pk_case_assessment_checks'))
    )
    with op.batch_alter_table('case_assessment_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assessment_checks_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('case_assessment_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assessment_checks_item_id'))

    op.drop_table('case_assessment_checks')
    with op.batch_alter_table('case_subsidies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_subsidies_funding_id'))

    op.drop_table('case_subsidies')
    with op.batch_alter_table('case_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_steps_case_id'))

    op.drop_table('case_steps')
    with op.batch_alter_table('case_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_parties_case_id'))

    op.drop_table('case_parties')
    with op.batch_alter_table('case_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_entries_case_id'))

    op.drop_table('case_entries')
    op.drop_table('case_decision_letters')
    op.drop_table('case_assessments')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state')
        batch_op.drop_index('ix_cases_startup_id_state')
        batch_op.drop_index(batch_op.f('ix_cases_review_id'))
        batch_op.drop_index(batch_op.f('ix_cases_project_id'))
        batch_op.drop_index(batch_op.f('ix_cases_assessor_id'))

    op.drop_table('cases')
    op.drop_table('case_number_counters')
    with op.batch_alter_table('case_checklist_items', schema=None) as batch_op:
        batch_op.drop_index('ix_case_checklist_items_kind_position')

    op.drop_table('case_checklist_items')
