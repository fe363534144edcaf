"""Keeping :class:`QuotaUsage`, the sums the quota ledger reads, in step with the bookings.

A flush listener turns every change of a booking that counts against the quota
into deltas per startup, month and kind of space, and adds them to the rows in
the same transaction (an upsert, atomic on both databases), so any code that
changes bookings through the ORM keeps the sums right: operations, jobs, the
payments package. A statement that changes the bookings table directly does
not: rebuild afterwards with ``flask bookings rebuild-quota-usage``.
"""
import functools
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from incubator.booking.models import Booking, QuotaUsage

SUMMED = ('free_minutes', 'paid_minutes', 'price_fen', 'bookings')
_DELETED_SHARES = 'quota_usage_deleted_shares'


def _share(startup_id, month, kind, counts, free_minutes, usage_minutes, price_fen):
    """A booking's part of the sums, keyed by (startup, month, kind); None if it gives its quota back."""
    if not counts:
        return None
    return (startup_id, month, kind), (free_minutes, usage_minutes - free_minutes, price_fen, 1)


#: The columns of a booking its share is made of, in the order of :func:`_share`'s arguments.
SHARE_COLUMNS = ('startup_id', 'quota_month', 'quota_kind', 'counts_against_quota', 'free_minutes',
                 'usage_minutes', 'price_fen')


def _current_share(booking):
    return _share(*(getattr(booking, name) for name in SHARE_COLUMNS))


def _previous_share(booking):
    """The share as the database held it before this flush (the columns keep active history)."""
    attributes = sa.inspect(booking).attrs

    def before(name):
        history = attributes[name].history
        return (history.deleted or history.unchanged)[0]

    return _share(*(before(name) for name in SHARE_COLUMNS))


def _add(deltas, share, sign):
    if share is not None:
        key, values = share
        deltas[key] = [total + sign * value for total, value in zip(deltas[key], values, strict=True)]


@sa.event.listens_for(Session, 'before_flush')
def _note_deleted_bookings(session, flush_context, instances):
    """Deleted bookings are read before the flush: afterwards their rows are gone."""
    shares = [_current_share(obj) for obj in session.deleted if isinstance(obj, Booking)]
    if shares:
        session.info.setdefault(_DELETED_SHARES, []).extend(shares)


@sa.event.listens_for(Session, 'after_flush')
def _update_quota_usage(session, flush_context):
    deltas = defaultdict(lambda: [0] * len(SUMMED))
    for share in session.info.pop(_DELETED_SHARES, ()):
        _add(deltas, share, -1)
    for obj in session.new:
        if isinstance(obj, Booking):
            _add(deltas, _current_share(obj), +1)
    for obj in session.dirty:
        if isinstance(obj, Booking) and session.is_modified(obj):
            _add(deltas, _previous_share(obj), -1)
            _add(deltas, _current_share(obj), +1)
    rows = [dict(startup_id=startup_id, month=month, space_kind=kind, **dict(zip(SUMMED, values, strict=True)))
            for (startup_id, month, kind), values in deltas.items() if any(values)]
    if not rows:
        return
    # In key order, so two transactions never wait for each other's rows in opposite orders.
    rows.sort(key=lambda row: (row['startup_id'], row['month'], row['space_kind'].value))
    connection = session.connection()
    connection.execute(_upsert(connection.dialect.name), rows)


@functools.cache
def _upsert(dialect_name):
    """Add a row's sums to the stored ones, or store them: built once, then only its parameters change."""
    insert = (postgresql if dialect_name == 'postgresql' else sqlite).insert(QuotaUsage.__table__)
    return insert.on_conflict_do_update(
        index_elements=['startup_id', 'month', 'space_kind'],
        set_={name: QuotaUsage.__table__.c[name] + insert.excluded[name] for name in SUMMED})


def usage_from_bookings():
    """The sums as the bookings give them: what :class:`QuotaUsage` holds when it is right."""
    return (sa.select(Booking.startup_id, Booking.quota_month, Booking.quota_kind,
                      sa.func.sum(Booking.free_minutes), sa.func.sum(Booking.usage_minutes - Booking.free_minutes),
                      sa.func.sum(Booking.price_fen), sa.func.count())
            .where(Booking.counts_against_quota.is_(True))
            .group_by(Booking.startup_id, Booking.quota_month, Booking.quota_kind))


def rebuild_quota_usage(session):
    """Compute every row again from the bookings (after a change made outside the ORM). Return the row count."""
    table = QuotaUsage.__table__
    session.execute(table.delete())
    session.execute(table.insert().from_select(
        ['startup_id', 'month', 'space_kind', *SUMMED], usage_from_bookings()))
    return session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
