"""The working-day calendar as data: years and the days that differ from weekdays, seeded from chinesecalendar.

The seed is the installed package's data at migration time (2004–2026 with chinesecalendar 1.11);
``flask calendar seed`` adds the years of a newer package later, and administrators enter the rest.

Revision ID: c4a7e2d91f03
Revises: 5d907d6e4f34
Create Date: 2026-12-06 23:40:00.000000

"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from incubator.core.workdays import package_days, package_label, package_years

# revision identifiers, used by Alembic.
revision = 'c4a7e2d91f03'
down_revision = '5d907d6e4f34'
branch_labels = None
depends_on = None


def upgrade():
    years = op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.Enum('package', 'admin', name='yearsource', native_enum=False, length=20), nullable=False),
    sa.Column('is_complete', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('confirmed_by', sa.String(length=254), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stamp', sa.String(length=32), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    days = op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'make_up_workday', name='daykind', native_enum=False, length=20),
              nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_days_day'))
    )
    now = datetime.now(UTC)
    op.bulk_insert(years, [{'year': year, 'source': 'package', 'is_complete': True, 'confirmed_at': now,
                            'confirmed_by': package_label(),
                            'stamp': uuid.uuid4().hex, 'created_at': now, 'updated_at': now}
                           for year in package_years()])
    op.bulk_insert(days, [{'day': day, 'kind': kind, 'name': name} for day, kind, name in package_days()])


def downgrade():
    op.drop_table('calendar_days')
    op.drop_table('calendar_years')
