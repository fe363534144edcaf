"""Bookings of spaces, their recurring series, waitlists and calendar feeds.

Every booking is one row with a half-open interval ``[start_at, end_at)``; a
recurring booking is a :class:`BookingSeries` whose occurrences are ordinary
bookings. Quota and price are fixed on the booking when it is made, so a
later change of price or allowance never rewrites history.
"""
import functools
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Optional

import sqlalchemy as sa
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.spaces.models import Space, SpaceKind

#: A booking that needs check-in is released this long after its start without one.
CHECK_IN_GRACE = timedelta(minutes=15)


class BookingStatus(LabelledEnum):
    pending = 'pending'          # waits for a manager's approval; holds its place
    awaiting_payment = 'awaiting_payment'  # held while the booker pays online
    confirmed = 'confirmed'
    declined = 'declined'
    cancelled = 'cancelled'
    no_show = 'no_show'          # not checked in; released by a job
    expired = 'expired'          # not paid in time; released by a job
    lapsed = 'lapsed'            # still pending when it began: nobody decided in time; released by a job

    @classmethod
    def labels(cls):
        return {cls.pending: _l('Awaiting approval'), cls.awaiting_payment: _l('Awaiting payment'),
                cls.confirmed: _l('Confirmed'), cls.declined: _l('Declined'), cls.cancelled: _l('Cancelled'),
                cls.no_show: _l('No-show'), cls.expired: _l('Not paid in time'),
                cls.lapsed: _l('Not decided in time')}


#: The statuses that occupy their space.
ACTIVE_STATUSES = (BookingStatus.pending, BookingStatus.awaiting_payment, BookingStatus.confirmed)


class PaymentMethod(LabelledEnum):
    free = 'free'                # within the startup's free quota
    on_site = 'on_site'          # paid at the front desk
    online = 'online'            # paid through Stripe Checkout

    @classmethod
    def labels(cls):
        return {cls.free: _l('Free (within quota)'), cls.on_site: _l('Pay on site'),
                cls.online: _l('Pay online')}

    @classmethod
    def translated_notes(cls):
        """{member: its label in brackets, as the reader's language writes them ("(Pay on site)", "（现场支付）")}:
        how a price says it is paid; made once per language, as ``translated_labels``."""
        return _payment_notes(str(get_locale()))


@functools.cache
def _payment_notes(locale):
    """Made in ``locale``, the current one when first asked: the key says which language it holds."""
    return MappingProxyType({member: gettext('(%(method)s)', method=label)
                             for member, label in PaymentMethod.translated_labels().items()})


class Recurrence(LabelledEnum):
    daily = 'daily'
    weekly = 'weekly'

    @classmethod
    def labels(cls):
        return {cls.daily: _l('Daily'), cls.weekly: _l('Weekly')}


class CancelScope(LabelledEnum):
    """Which occurrences of a series one cancellation takes, counted from the occurrence it was asked on."""

    this = 'this'
    following = 'following'      # this one and the later ones
    all = 'all'                  # every occurrence still to come

    @classmethod
    def labels(cls):
        return {cls.this: _l('Only this occurrence'), cls.following: _l('This and later occurrences'),
                cls.all: _l('All occurrences still to come')}


class BookingSeries(db.Model):
    """The rule a recurring booking was made with; its occurrences are bookings."""

    __tablename__ = 'booking_series'

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey('spaces.id'), index=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    recurrence: Mapped[Recurrence] = mapped_column(enum_column(Recurrence))
    occurrence_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    space: Mapped[Space] = relationship()
    startup: Mapped['Startup'] = relationship()  # noqa: F821
    bookings: Mapped[list['Booking']] = relationship(back_populates='series', order_by='Booking.start_at')


#: What the quota reads of a startup's bookings besides the month.
QUOTA_COLUMNS = ('quota_kind', 'counts_against_quota', 'free_minutes', 'usage_minutes', 'price_fen')
#: Confirmed priced bookings paid at the front desk: those that may be owed on site.
OWED_ON_SITE = sa.text("payment_method = 'on_site' AND status = 'confirmed' AND price_fen > 0")


@audited('booking', _l('Booking'), label=lambda booking: f'#{booking.id}',
         exclude={'checked_in_at'})
class Booking(db.Model):
    """A startup's use of a space for ``[start_at, end_at)``.

    ``seats`` is the number of people: in a hot-desk zone each takes a seat of
    the zone's capacity; any other space is booked whole for up to its capacity.
    ``quota_month``, ``quota_kind``, ``free_minutes`` and ``price_fen`` are fixed
    when booked; ``counts_against_quota`` turns false when the quota is given back
    (declined, or cancelled before the cutoff). :class:`QuotaUsage` keeps their
    sums: change bookings through the ORM, or rebuild it (``flask bookings
    rebuild-quota-usage``).
    """

    __tablename__ = 'bookings'
    __table_args__ = (
        sa.CheckConstraint('start_at < end_at', name='period_order'),
        sa.CheckConstraint('seats >= 1', name='seats_positive'),
        sa.CheckConstraint('free_minutes >= 0 AND free_minutes <= usage_minutes AND price_fen >= 0',
                           name='amounts_not_negative'),
        # Availability: only the space and the window asked for (see MAX_BOOKING_LENGTH).
        sa.Index('ix_bookings_space_id_start_at', 'space_id', 'start_at'),
        # Covering on PostgreSQL: the quota and the ledger sum a startup's month without reading the table.
        sa.Index('ix_bookings_startup_id_quota_month', 'startup_id', 'quota_month',
                 postgresql_include=QUOTA_COLUMNS),
        sa.Index('ix_bookings_startup_id_start_at', 'startup_id', 'start_at'),
        sa.Index('ix_bookings_booked_by_id_start_at', 'booked_by_id', 'start_at'),
        sa.Index('ix_bookings_status_start_at', 'status', 'start_at'),
        sa.Index('ix_bookings_startup_id_no_show', 'startup_id',
                 postgresql_where=sa.text("status = 'no_show'"), sqlite_where=sa.text("status = 'no_show'")),
        # What a startup owes at the front desk (payments.queries): its navigation counts it on every page.
        sa.Index('ix_bookings_startup_id_owed_on_site', 'startup_id', 'start_at',
                 postgresql_where=OWED_ON_SITE, sqlite_where=OWED_ON_SITE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey('spaces.id'))
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'), active_history=True)
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey('booking_series.id', ondelete='SET NULL'),
                                                     index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    seats: Mapped[int] = mapped_column(default=1)
    purpose: Mapped[str] = mapped_column(sa.String(200), default='', server_default='')
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus))
    # The month (local date, first day) and kind of space whose quota this booking uses. The kind is the
    # space's (a booked space keeps its kind), copied so that quota sums never need to load the space.
    # Active history: the quota usage listener reads the old value of each change (see booking.usage).
    quota_month: Mapped[date] = mapped_column(active_history=True)
    quota_kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind), active_history=True)
    # What it uses of the quota: seat-minutes in a hot-desk zone, else minutes; the free part of it.
    usage_minutes: Mapped[int] = mapped_column(active_history=True)
    free_minutes: Mapped[int] = mapped_column(default=0, active_history=True)
    price_fen: Mapped[int] = mapped_column(default=0, active_history=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default='CNY', server_default='CNY')
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    counts_against_quota: Mapped[bool] = mapped_column(default=True, active_history=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    checked_in_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    cancelled_at: Mapped[datetime | None]
    # Online payment: held until ``payment_due_at``; ``payment`` once paid or being paid (on site too).
    payment_due_at: Mapped[datetime | None]
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey('payments.id', ondelete='SET NULL'), index=True)

    space: Mapped[Space] = relationship()
    startup: Mapped['Startup'] = relationship()  # noqa: F821
    booked_by: Mapped[Optional['User']] = relationship(foreign_keys=[booked_by_id])  # noqa: F821
    decided_by: Mapped[Optional['User']] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    series: Mapped[BookingSeries | None] = relationship(back_populates='bookings')
    payment: Mapped[Optional['Payment']] = relationship(back_populates='bookings')  # noqa: F821

    def __repr__(self):
        return f'<Booking {self.id} space={self.space_id} {self.start_at:%Y-%m-%d %H:%M}>'

    @validates('space')
    def _take_kind_of_space(self, key, space):
        if self.quota_kind is None and space is not None:
            self.quota_kind = space.kind
        return space

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def minutes(self):
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def is_paid(self):
        return self.payment is not None and self.payment.is_paid

    def overlaps(self, start_at, end_at):
        return self.start_at < end_at and start_at < self.end_at

    def is_before_cutoff(self, now):
        return now <= self.start_at - self.space.cancellation_cutoff

    def can_check_in_at(self, now):
        return (self.status == BookingStatus.confirmed and self.space.requires_check_in
                and self.checked_in_at is None
                and self.start_at - CHECK_IN_GRACE <= now < self.end_at)


class QuotaUsage(db.Model):
    """What a startup's bookings of one kind of space use in one month: the sums over its bookings that
    count against the quota, so the ledger reads a row per month and kind instead of every booking.

    Kept in the same transaction as the bookings by a flush listener (:mod:`incubator.booking.usage`).
    """

    __tablename__ = 'quota_usage'

    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    space_kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind), primary_key=True)
    free_minutes: Mapped[int] = mapped_column(default=0)
    paid_minutes: Mapped[int] = mapped_column(default=0)
    price_fen: Mapped[int] = mapped_column(default=0)
    bookings: Mapped[int] = mapped_column(default=0)


class WaitlistStatus(LabelledEnum):
    waiting = 'waiting'
    notified = 'notified'        # told the slot is free; still waiting until they book
    fulfilled = 'fulfilled'      # they booked it
    withdrawn = 'withdrawn'
    expired = 'expired'

    @classmethod
    def labels(cls):
        return {cls.waiting: _l('Waiting'), cls.notified: _l('Notified'), cls.fulfilled: _l('Booked'),
                cls.withdrawn: _l('Withdrawn'), cls.expired: _l('Expired')}


class WaitlistEntry(db.Model):
    """Someone waiting for a full slot of a space; told in order when it frees."""

    __tablename__ = 'waitlist_entries'
    __table_args__ = (
        sa.CheckConstraint('start_at < end_at', name='period_order'),
        sa.Index('ix_waitlist_entries_space_id_start_at', 'space_id', 'start_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey('spaces.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), index=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    seats: Mapped[int] = mapped_column(default=1)
    status: Mapped[WaitlistStatus] = mapped_column(enum_column(WaitlistStatus), default=WaitlistStatus.waiting)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    notified_at: Mapped[datetime | None]

    space: Mapped[Space] = relationship()
    user: Mapped['User'] = relationship()  # noqa: F821
    startup: Mapped['Startup'] = relationship()  # noqa: F821

    @property
    def booking_form_values(self):
        """The booking form's query values for the waited-for time, in the site's timezone."""
        zone = self.space.site.zone
        start, end = self.start_at.astimezone(zone), self.end_at.astimezone(zone)
        return {'day': f'{start:%Y-%m-%d}', 'start': f'{start:%H:%M}', 'end': f'{end:%H:%M}', 'seats': self.seats}


class CalendarFeed(db.Model):
    """A user's secret iCalendar URL; only the token's SHA-256 is stored."""

    __tablename__ = 'calendar_feeds'

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    user: Mapped['User'] = relationship()  # noqa: F821


@audited('free_quota_suspension', _l('Free quota suspension'), label=lambda suspension: f'#{suspension.id}')
class FreeQuotaSuspension(db.Model):
    """A startup's free booking quota withheld (after a review decided to stop its project) until a manager
    restores it. While one is open (``restored_at`` empty) new bookings get no free minutes.

    At most one is open per startup: a partial unique index on both databases.
    """

    __tablename__ = 'free_quota_suspensions'
    __table_args__ = (
        sa.Index('uq_free_quota_suspensions_startup_id_open', 'startup_id', unique=True,
                 postgresql_where=sa.text('restored_at IS NULL'), sqlite_where=sa.text('restored_at IS NULL')),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    suspended_at: Mapped[datetime] = mapped_column(default=now_utc)
    suspended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    restored_at: Mapped[datetime | None]
    restored_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    restore_note: Mapped[str | None] = mapped_column(sa.String(500))

    startup: Mapped['Startup'] = relationship()  # noqa: F821
    suspended_by: Mapped[Optional['User']] = relationship(foreign_keys=[suspended_by_id])  # noqa: F821
    restored_by: Mapped[Optional['User']] = relationship(foreign_keys=[restored_by_id])  # noqa: F821

    @property
    def is_open(self):
        return self.restored_at is None
