"""Spaces: what startups can book at a site, on which terms, and who is certified to use them.

Prices are integer fen (CNY). Managers set all of it up; bookings (the booking
package) only read it.
"""
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.startups.models import Tier

#: A booking lies within one day's opening hours (longer needs: a daily series), so an
#: availability scan reads only the window asked for and the day before it.
MAX_BOOKING_LENGTH = timedelta(days=1)


class SpaceKind(LabelledEnum):
    hot_desk = 'hot_desk'
    fixed_desk = 'fixed_desk'
    private_office = 'private_office'
    lab = 'lab'
    meeting_room = 'meeting_room'
    equipment = 'equipment'

    @classmethod
    def labels(cls):
        return {cls.hot_desk: _l('Hot-desk zone'), cls.fixed_desk: _l('Fixed desk'),
                cls.private_office: _l('Private office'), cls.lab: _l('Lab'),
                cls.meeting_room: _l('Meeting room'), cls.equipment: _l('Equipment')}


@audited('certification', _l('Certification'), label=lambda certification: certification.name)
class Certification(db.Model):
    """A qualification some spaces require, such as lab safety training."""

    __tablename__ = 'certifications'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)


@audited('user_certification', _l('Certification of a person'),
         label=lambda held: f'{held.user.email}: {held.certification.name}')
class UserCertification(db.Model):
    """A certification a manager recorded for one person, valid up to and including ``expires_on``."""

    __tablename__ = 'user_certifications'
    __table_args__ = (sa.UniqueConstraint('user_id', 'certification_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), index=True)
    certification_id: Mapped[int] = mapped_column(sa.ForeignKey('certifications.id', ondelete='CASCADE'))
    expires_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    recorded_at: Mapped[datetime] = mapped_column(default=now_utc)

    user: Mapped['User'] = relationship(foreign_keys=[user_id])  # noqa: F821
    certification: Mapped[Certification] = relationship()
    recorded_by: Mapped[Optional['User']] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821

    def is_valid_on(self, day):
        return day <= self.expires_on


@audited('space', _l('Space'), label=lambda space: space.name)
class Space(TimestampMixin, db.Model):
    """Something bookable at a site. Prices are integer fen (CNY)."""

    __tablename__ = 'spaces'
    __table_args__ = (
        sa.UniqueConstraint('site_id', 'name'),
        sa.CheckConstraint('capacity >= 1', name='capacity_positive'),
        sa.CheckConstraint('hourly_price_fen >= 0 AND daily_price_fen >= 0', name='prices_not_negative'),
        sa.CheckConstraint('min_booking_minutes >= 1 AND min_booking_minutes <= max_booking_minutes',
                           name='length_limits'),
        sa.CheckConstraint('max_booking_minutes <= 1440', name='max_length_bound'),
        sa.CheckConstraint('booking_horizon_days >= 1', name='horizon_positive'),
        sa.CheckConstraint('cancellation_cutoff_hours >= 0', name='cutoff_not_negative'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey('sites.id'), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind))
    capacity: Mapped[int] = mapped_column(default=1)
    description: Mapped[str | None] = mapped_column(sa.Text)
    hourly_price_fen: Mapped[int] = mapped_column(default=0)
    daily_price_fen: Mapped[int] = mapped_column(default=0)
    min_booking_minutes: Mapped[int] = mapped_column(default=30)
    max_booking_minutes: Mapped[int] = mapped_column(default=480)
    booking_horizon_days: Mapped[int] = mapped_column(default=30)
    cancellation_cutoff_hours: Mapped[int] = mapped_column(default=24)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    requires_check_in: Mapped[bool] = mapped_column(default=False)
    certification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('certifications.id', ondelete='SET NULL'))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    site: Mapped['Site'] = relationship()  # noqa: F821
    certification: Mapped[Certification | None] = relationship()
    blackouts: Mapped[list['Blackout']] = relationship(
        back_populates='space', cascade='all, delete-orphan', order_by='Blackout.starts_at')

    def __repr__(self):
        return f'<Space {self.id} {self.name}>'

    @hybrid_property
    def is_shared(self):
        """Several bookings may overlap, up to the capacity (a hot-desk zone's seats); also usable in queries."""
        return self.kind == SpaceKind.hot_desk

    @property
    def cancellation_cutoff(self):
        return timedelta(hours=self.cancellation_cutoff_hours)


@audited('blackout', _l('Blackout'), label=lambda blackout: blackout.reason)
class Blackout(db.Model):
    """A period a space cannot be booked (maintenance, an event)."""

    __tablename__ = 'blackouts'
    __table_args__ = (
        sa.CheckConstraint('starts_at < ends_at', name='period_order'),
        sa.Index('ix_blackouts_space_id_starts_at', 'space_id', 'starts_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey('spaces.id', ondelete='CASCADE'))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(200))

    space: Mapped[Space] = relationship(back_populates='blackouts')


def _quota_label(tier, kind):
    """A free quota's audit label, stored as its tier's and kind's values, in the reader's words."""
    return f'{Tier(tier).label} · {SpaceKind(kind).label}'


@audited('tier_quota', _l('Free quota'), label=lambda quota: f'{quota.tier.value} {quota.space_kind.value}',
         reads_label=lambda stored: _quota_label(*stored.split(' ')))
class TierQuota(db.Model):
    """Free hours a month that each startup of a tier may book of one kind of space (in seat-minutes)."""

    __tablename__ = 'tier_quotas'
    __table_args__ = (sa.UniqueConstraint('tier', 'space_kind'),
                      sa.CheckConstraint('free_minutes >= 0', name='free_minutes_not_negative'))

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[Tier] = mapped_column(enum_column(Tier))
    space_kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind))
    free_minutes: Mapped[int] = mapped_column(default=0)
