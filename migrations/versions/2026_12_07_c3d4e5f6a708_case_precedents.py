"""Anonymised precedents written from decided cases, reviewed by another manager before they are published.

Revision ID: c3d4e5f6a708
Revises: b2d3e4f5a607
Create Date: 2026-12-07 03:23:01.714624

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a708'
down_revision = 'b2d3e4f5a607'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    op.create_table(
        'case_precedents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('state', _enum('precedentstate', 'draft', 'in_review', 'published'), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('facts', sa.Text(), nullable=False),
        sa.Column('exploration', _enum('explorationfinding', 'exploration', 'knowing_violation'), nullable=False),
        sa.Column('exploration_reasons', sa.Text(), nullable=False),
        sa.Column('rule', _enum('rulefinding', 'no_rule_yet', 'after_prohibition'), nullable=False),
        sa.Column('rule_reasons', sa.Text(), nullable=False),
        sa.Column('purpose', _enum('purposefinding', 'for_development', 'for_personal_gain'), nullable=False),
        sa.Column('purpose_reasons', sa.Text(), nullable=False),
        sa.Column('outcome', _enum('caseoutcome', 'exempt', 'partly_exempt', 'not_exempt'), nullable=False),
        sa.Column('decision', sa.Text(), nullable=False),
        sa.Column('legal_basis', sa.Text(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reviewer_id', sa.Integer(), nullable=True),
        sa.Column('review_comment', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_precedents_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_precedents_case_id_cases'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_case_precedents_reviewer_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_precedents')),
        sa.UniqueConstraint('case_id', name=op.f('uq_case_precedents_case_id')),
    )
    op.create_index('ix_case_precedents_state_published_at', 'case_precedents', ['state', 'published_at'])


def downgrade():
    op.drop_index('ix_case_precedents_state_published_at', table_name='case_precedents')
    op.drop_table('case_precedents')
