"""Startups admitted to a site, and who belongs to them."""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.auth.models import MembershipRole
from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db


class Tier(LabelledEnum):
    maker_space = 'maker_space'
    incubator = 'incubator'
    accelerator = 'accelerator'

    @classmethod
    def labels(cls):
        return {cls.maker_space: _l('Maker space'), cls.incubator: _l('Incubator'),
                cls.accelerator: _l('Accelerator')}


class StartupStatus(LabelledEnum):
    incubating = 'incubating'
    graduated = 'graduated'
    exited = 'exited'

    @classmethod
    def labels(cls):
        return {cls.incubating: _l('Incubating'), cls.graduated: _l('Graduated'),
                cls.exited: _l('Exited')}


@audited('startup', _l('Startup'), label=lambda startup: startup.name)
class Startup(TimestampMixin, db.Model):
    __tablename__ = 'startups'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    tier: Mapped[Tier] = mapped_column(enum_column(Tier))
    site_id: Mapped[int] = mapped_column(sa.ForeignKey('sites.id'), index=True)
    admitted_on: Mapped[date]
    status: Mapped[StartupStatus] = mapped_column(enum_column(StartupStatus),
                                                  default=StartupStatus.incubating)
    contact_name: Mapped[str] = mapped_column(sa.String(100))
    contact_phone: Mapped[str] = mapped_column(sa.String(30))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    description: Mapped[str | None] = mapped_column(sa.Text)

    site: Mapped['Site'] = relationship()  # noqa: F821
    service_contact_row: Mapped[Optional['StartupServiceContact']] = relationship(
        back_populates='startup', cascade='all, delete-orphan', passive_deletes=True)
    memberships: Mapped[list['StartupMembership']] = relationship(
        back_populates='startup', cascade='all, delete-orphan', order_by='StartupMembership.id')

    def __repr__(self):
        return f'<Startup {self.id} {self.name}>'

    @property
    def service_contact(self):
        """The manager serving this startup (专人专窗): the one window for its green-channel requests; or None."""
        return self.service_contact_row.user if self.service_contact_row is not None else None

    @property
    def service_contact_id(self):
        return self.service_contact_row.user_id if self.service_contact_row is not None else None

    def membership_of(self, user):
        """The user's membership of this startup, or None; one query per user at most."""
        if user is None or not getattr(user, 'is_authenticated', False):
            return None
        return next((m for m in user.memberships if m.startup_id == self.id), None)


@audited('startup_membership', _l('Startup membership'), label=lambda membership: membership.user.email)
class StartupMembership(db.Model):
    __tablename__ = 'startup_memberships'
    __table_args__ = (sa.UniqueConstraint('startup_id', 'user_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), index=True)
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    startup: Mapped[Startup] = relationship(back_populates='memberships')
    user: Mapped['User'] = relationship(back_populates='memberships')  # noqa: F821


class StartupServiceContact(db.Model):
    """A startup's service contact, in a table of its own: adding a foreign-key column to ``startups`` on SQLite
    means copying the table, and dropping the old one would delete every row that cascades from it."""

    __tablename__ = 'startup_service_contacts'

    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=now_utc)

    startup: Mapped[Startup] = relationship(back_populates='service_contact_row')
    user: Mapped['User'] = relationship()  # noqa: F821
