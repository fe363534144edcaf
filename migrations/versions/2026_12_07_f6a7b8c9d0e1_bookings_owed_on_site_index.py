"""An index of the bookings that may be owed on site, by startup: every page of a startup's member counts them
in its navigation, which otherwise read all the startup's bookings.

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c90a
Create Date: 2026-12-07 09:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f6a7b8c9d0e1'
down_revision = 'e5f6a7b8c90a'
branch_labels = None
depends_on = None

OWED_ON_SITE = sa.text("payment_method = 'on_site' AND status = 'confirmed' AND price_fen > 0")


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_startup_id_owed_on_site', ['startup_id', 'start_at'], unique=False,
                              postgresql_where=OWED_ON_SITE, sqlite_where=OWED_ON_SITE)


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_startup_id_owed_on_site')
