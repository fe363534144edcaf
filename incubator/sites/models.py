"""Sites: the buildings and campuses that house startups and spaces."""
import uuid
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from incubator.core.audit import audited
from incubator.core.db import TimestampMixin
from incubator.core.formatting import weekday_name
from incubator.extensions import db


def new_calendar_stamp():
    return uuid.uuid4().hex


@audited('site', _l('Site'), label=lambda site: site.name, exclude=('calendar_stamp',))
class Site(TimestampMixin, db.Model):
    __tablename__ = 'sites'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default='', server_default='')
    timezone: Mapped[str] = mapped_column(sa.String(50), default='Asia/Shanghai',
                                          server_default='Asia/Shanghai')
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Closed on the public holidays of the working calendar (and open on its make-up workdays).
    follows_public_holidays: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Renewed whenever the site, its opening hours or its closures change: processes keep each site's
    # calendar (see ``sites.hours.calendar_of``) for as long as the stamp they read it under is current.
    calendar_stamp: Mapped[str] = mapped_column(sa.String(32), default=new_calendar_stamp, server_default='')

    opening_hours: Mapped[list['SiteOpeningHours']] = relationship(
        back_populates='site', cascade='all, delete-orphan', order_by='SiteOpeningHours.weekday')
    closures: Mapped[list['SiteClosure']] = relationship(
        back_populates='site', cascade='all, delete-orphan', order_by='SiteClosure.starts_on')

    @property
    def zone(self):
        return ZoneInfo(self.timezone)

    def __repr__(self):
        return f'<Site {self.id} {self.name}>'


def _hours_label(site_name, weekday):
    """Opening hours' audit label, stored as the site's name and the weekday's number, in the reader's words."""
    return f'{site_name} · {weekday_name(weekday)}'


@audited('site_opening_hours', _l('Opening hours'),
         label=lambda hours: f'{hours.site.name} {hours.weekday}', formats={'weekday': weekday_name},
         reads_label=lambda stored: _hours_label(*stored.rsplit(' ', 1)))
class SiteOpeningHours(db.Model):
    """When a site is open on one weekday (0 = Monday), in minutes after local midnight.

    A weekday without a row is a closed day. ``closes_minute`` may be 1440 (midnight).
    """

    __tablename__ = 'site_opening_hours'
    __table_args__ = (
        sa.UniqueConstraint('site_id', 'weekday'),
        sa.CheckConstraint('weekday BETWEEN 0 AND 6', name='weekday_range'),
        sa.CheckConstraint('opens_minute >= 0 AND opens_minute < closes_minute AND closes_minute <= 1440',
                           name='hours_order'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey('sites.id', ondelete='CASCADE'))
    weekday: Mapped[int]
    opens_minute: Mapped[int]
    closes_minute: Mapped[int]

    site: Mapped[Site] = relationship(back_populates='opening_hours')


@audited('site_closure', _l('Closed days'), label=lambda closure: closure.reason)
class SiteClosure(db.Model):
    """Days a site is closed beyond public holidays (inclusive local dates)."""

    __tablename__ = 'site_closures'
    __table_args__ = (sa.CheckConstraint('starts_on <= ends_on', name='dates_order'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey('sites.id', ondelete='CASCADE'), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200))

    site: Mapped[Site] = relationship(back_populates='closures')


@sa.event.listens_for(Session, 'before_flush')
def _renew_calendar_stamps(session, flush_context, instances):
    """A new stamp for every site whose calendar changes in this flush, so no process keeps the old one."""
    site_ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (SiteOpeningHours, SiteClosure)):
            site_ids.add(obj.site.id if obj.site is not None else obj.site_id)
        elif isinstance(obj, Site) and obj not in session.new and session.is_modified(obj):
            site_ids.add(obj.id)
    for site_id in site_ids - {None}:
        site = session.get(Site, site_id)
        if site is not None and site not in session.deleted:
            site.calendar_stamp = new_calendar_stamp()
