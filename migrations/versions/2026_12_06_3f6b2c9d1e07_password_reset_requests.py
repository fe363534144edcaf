"""Password reset requests, counted to throttle them like logins.

Revision ID: 3f6b2c9d1e07
Revises: c4a7e2d91f03
Create Date: 2026-12-06 23:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3f6b2c9d1e07'
down_revision = 'c4a7e2d91f03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_reset_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_requests'))
    )
    with op.batch_alter_table('password_reset_requests', schema=None) as batch_op:
        batch_op.create_index('ix_password_reset_requests_email_requested_at', ['email', 'requested_at'],
                              unique=False)
        batch_op.create_index('ix_password_reset_requests_ip_address_requested_at', ['ip_address', 'requested_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('password_reset_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_password_reset_requests_ip_address_requested_at')
        batch_op.drop_index('ix_password_reset_requests_email_requested_at')

    op.drop_table('password_reset_requests')
