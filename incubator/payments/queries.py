"""The read side of payments: a startup's records, the managers' list, monthly totals, fapiao queue, CSV rows.

List pages load their payments with everything they show (bookings with
space and site, refunds, fapiao requests, startup) in a fixed number of
statements, so a page costs the same with 1 or 20 rows.

Months are calendar months of the default timezone (Asia/Shanghai). They are
never computed from a column in SQL (``date_trunc`` and ``strftime`` differ,
and SQLite knows no time zones): the UTC instants where local months begin
are computed here and compared with, which is the same on SQLite and
PostgreSQL and lets the index on ``(status, paid_at)`` answer.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from incubator.booking.models import Booking, BookingStatus, PaymentMethod
from incubator.booking.operations import describe_when
from incubator.core.pagination import paginate
from incubator.core.time import default_timezone, from_local, now_utc
from incubator.extensions import db
from incubator.payments.models import FapiaoRequest, FapiaoStatus, Payment, PaymentChannel, PaymentStatus
from incubator.spaces.models import Space
from incubator.startups.models import Startup

#: Rows per page of a payments list.
PAGE_SIZE = 20


# --- months ------------------------------------------------------------------------------------

def add_months(month, count):
    """The first day of the month ``count`` months after (or before, if negative) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_start(month, zone=None):
    """The UTC instant at which local ``month`` (a date, its first day) begins."""
    return from_local(datetime.combine(month.replace(day=1), time()), zone or default_timezone())


def month_bounds(month, zone=None):
    """Local ``month`` as UTC instants ``[start, end)``."""
    return month_start(month, zone), month_start(add_months(month, 1), zone)


def current_month(now=None, zone=None):
    return (now or now_utc()).astimezone(zone or default_timezone()).date().replace(day=1)


# --- one payment, a startup's payments --------------------------------------------------------------

def _details():
    """Everything a payment's row, page or receipt shows, eager-loaded."""
    return (joinedload(Payment.startup).joinedload(Startup.site),
            selectinload(Payment.bookings).joinedload(Booking.space).joinedload(Space.site),
            selectinload(Payment.refunds),
            selectinload(Payment.fapiao_requests))


def payment_with_details(payment_id):
    return db.session.execute(
        sa.select(Payment).where(Payment.id == payment_id).options(*_details())).unique().scalar_one_or_none()


def payments_of_startup(startup, page=1):
    """One page of the startup's payments, newest first."""
    query = (sa.select(Payment).where(Payment.startup_id == startup.id)
             .order_by(Payment.created_at.desc(), Payment.id.desc()))
    return _paginate(query, page)


def _paginate(query, page):
    return paginate(query.options(*_details()), page, PAGE_SIZE)


# --- bookings owed on site -----------------------------------------------------------------------

def _owed_on_site(startup_ids=None):
    """Confirmed priced bookings to be paid at the front desk whose payment is not recorded yet."""
    paid = sa.select(Payment.id).where(Payment.status == PaymentStatus.paid)
    clause = sa.and_(Booking.payment_method == PaymentMethod.on_site, Booking.price_fen > 0,
                     Booking.status == BookingStatus.confirmed,
                     sa.or_(Booking.payment_id.is_(None), Booking.payment_id.not_in(paid)))
    if startup_ids is not None:
        clause = sa.and_(clause, Booking.startup_id.in_(startup_ids))
    return clause


def owed_on_site_count(startup_ids=None):
    """The select of how many bookings are owed on site (of ``startup_ids``, else of every startup)."""
    return sa.select(sa.func.count(Booking.id)).where(_owed_on_site(startup_ids))


def owed_on_site_prices(startup_ids=None):
    """The select of the prices of the bookings owed on site (of ``startup_ids``, else of every startup): one
    column, one row each, for the caller to sum (all, or the first few)."""
    return sa.select(Booking.price_fen).where(_owed_on_site(startup_ids))


def _owed_query(startup_ids):
    return (sa.select(Booking).where(_owed_on_site(startup_ids))
            .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.startup))
            .order_by(Booking.start_at, Booking.id))


def owed_on_site_first(limit, startup_ids=None):
    """The ``limit`` bookings owed on site the longest (by when they begin)."""
    return db.session.execute(_owed_query(startup_ids).limit(limit)).scalars().all()


def owed_on_site_page(page=1, startup_ids=None):
    """One page of the bookings owed on site, by date, the oldest first."""
    return paginate(_owed_query(startup_ids), page, PAGE_SIZE)


def owed_on_site_sum(startup_ids=None):
    """(bookings, fen) owed on site, in one statement."""
    row = db.session.execute(sa.select(sa.func.count(Booking.id), sa.func.coalesce(sa.func.sum(Booking.price_fen), 0))
                             .where(_owed_on_site(startup_ids))).one()
    return row[0], row[1]


# --- every payment, for managers ------------------------------------------------------------------

def _filtered(month=None, status=None, channel=None, startup_id=None):
    """Payments matching the filters; ``month`` is the local month paid in, or created in if never paid."""
    query = sa.select(Payment)
    if month is not None:
        start, end = month_bounds(month)
        when = sa.func.coalesce(Payment.paid_at, Payment.created_at)
        query = query.where(when >= start, when < end)
    if status is not None:
        query = query.where(Payment.status == status)
    if channel is not None:
        query = query.where(Payment.channel == channel)
    if startup_id is not None:
        query = query.where(Payment.startup_id == startup_id)
    return query


def all_payments(month=None, status=None, channel=None, startup_id=None, page=1):
    """One page of every payment matching the filters, newest first."""
    query = _filtered(month, status, channel, startup_id).order_by(Payment.created_at.desc(), Payment.id.desc())
    return _paginate(query, page)


@dataclass
class Totals:
    """Paid payments: how many, what was paid, what went back, what is kept (fen)."""

    count: int = 0
    paid_fen: int = 0
    refunded_fen: int = 0

    @property
    def net_fen(self):
        return self.paid_fen - self.refunded_fen

    def add(self, count, paid_fen, refunded_fen):
        self.count += count
        self.paid_fen += paid_fen
        self.refunded_fen += refunded_fen


@dataclass
class MonthTotals(Totals):
    month: date = None
    by_channel: dict = field(default_factory=lambda: {channel: Totals() for channel in PaymentChannel})


def monthly_totals(months=12, now=None):
    """Paid payments per local month of ``paid_at`` over the last ``months`` months (this one included),
    newest first, split by channel, and their sum; refunds count in the month their payment was paid.

    One statement: each payment's month is found by comparing ``paid_at`` with
    the UTC instants of the local month starts.
    """
    zone = default_timezone()
    this_month = current_month(now, zone)
    firsts = [add_months(this_month, -offset) for offset in range(months)]          # newest first
    starts = [month_start(first, zone) for first in firsts]
    end = month_start(add_months(this_month, 1), zone)
    # Grouped by its label, so the database never has to match a second copy of the CASE.
    month_index = sa.case(*((Payment.paid_at >= start, sa.literal_column(str(index)))
                            for index, start in enumerate(starts))).label('month_index')
    rows = db.session.execute(
        sa.select(month_index, Payment.channel, sa.func.count(Payment.id), sa.func.sum(Payment.amount_fen),
                  sa.func.sum(Payment.refunded_fen))
        .where(Payment.status == PaymentStatus.paid, Payment.paid_at >= starts[-1], Payment.paid_at < end)
        .group_by(sa.literal_column('month_index'), Payment.channel)).all()
    lines = [MonthTotals(month=first) for first in firsts]
    total = MonthTotals()
    for index, channel, count, paid, refunded in rows:
        for totals in (lines[index], lines[index].by_channel[channel], total, total.by_channel[channel]):
            totals.add(count, paid or 0, refunded or 0)
    return lines, total


# --- fapiao -------------------------------------------------------------------------------------

def fapiao_queue(status=FapiaoStatus.requested, page=1):
    """Fapiao requests in ``status`` (a FapiaoStatus or its value): those waiting oldest first, the others latest
    first."""
    status = FapiaoStatus(status)
    order = (FapiaoRequest.requested_at, FapiaoRequest.id) if status == FapiaoStatus.requested else (
        FapiaoRequest.requested_at.desc(), FapiaoRequest.id.desc())
    query = (sa.select(FapiaoRequest).where(FapiaoRequest.status == status)
             .options(joinedload(FapiaoRequest.payment).joinedload(Payment.startup),
                      joinedload(FapiaoRequest.requested_by), joinedload(FapiaoRequest.issued_by))
             .order_by(*order))
    return paginate(query, page, PAGE_SIZE)


# --- the CSV export ----------------------------------------------------------------------------

def payments_csv_rows(month=None, status=None, channel=None, startup_id=None):
    """Every payment matching the filters, oldest first, as plain cells: receipt number, startup,
    channel, status, amount, refunded, net (yuan, two decimals), created at and paid at (local
    time), bookings."""
    zone = default_timezone()
    payments = db.session.execute(
        _filtered(month, status, channel, startup_id).options(*_details())
        .order_by(Payment.created_at, Payment.id)).scalars().all()
    for payment in payments:
        yield [payment.receipt_number or f'#{payment.id}', payment.startup.name, str(payment.channel.label),
               str(payment.status.label), yuan_text(payment.amount_fen), yuan_text(payment.refunded_fen),
               yuan_text(payment.amount_fen - payment.refunded_fen), _local(payment.created_at, zone),
               _local(payment.paid_at, zone), '; '.join(_booking_text(booking) for booking in payment.bookings)]


def yuan_text(fen):
    """Integer fen as yuan with two decimals, for a spreadsheet: 12050 → '120.50' (exact)."""
    sign = '-' if fen < 0 else ''
    whole, cents = divmod(abs(fen), 100)
    return f'{sign}{whole}.{cents:02d}'


def _local(instant, zone):
    return '' if instant is None else f'{instant.astimezone(zone):%Y-%m-%d %H:%M}'


def _booking_text(booking):
    return f'{booking.space.name} {describe_when(booking)} ({yuan_text(booking.price_fen)})'
