"""The quota ledger's sums (``quota_usage``) follow every change of the bookings, in the same transaction.

Every test of the suite also checks, when it ends, that the sums equal the
bookings' own (see ``tests/conftest.py``); these tests name the cases.
"""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.booking import operations
from incubator.booking.models import Booking, QuotaUsage
from incubator.booking.queries import quota_ledger
from incubator.extensions import db
from incubator.spaces.models import SpaceKind
from tests.booking.conftest import NOW, at

DECEMBER = date(2026, 12, 1)


def book(world, start, end, space=None, seats=1):
    booking = operations.create_booking(world.member, space or world.room, world.startup, start, end,
                                        seats=seats, now=NOW)
    db.session.commit()
    return booking


def sums(startup, month=DECEMBER, kind=SpaceKind.meeting_room):
    """(free minutes, paid minutes, price, bookings) as stored, read afresh."""
    db.session.expire_all()
    row = db.session.get(QuotaUsage, (startup.id, month, kind))
    return None if row is None else (row.free_minutes, row.paid_minutes, row.price_fen, row.bookings)


def test_a_booking_adds_its_free_and_paid_minutes_to_its_month_and_kind(world):
    book(world, at(1, 9), at(1, 12))                  # 180 of the 240 free minutes
    book(world, at(2, 9), at(2, 11))                  # 60 free, 60 paid at ¥50.00 an hour
    book(world, at(2, 9), at(2, 10), space=world.desks, seats=2)
    assert sums(world.startup) == (240, 60, 5000, 2)
    assert sums(world.startup, kind=SpaceKind.hot_desk) == (0, 120, 2000, 1)
    assert sums(world.other_startup) is None


def test_giving_the_quota_back_takes_the_booking_out_of_the_sums(world):
    kept = book(world, at(3, 9), at(3, 12))
    cancelled = book(world, at(2, 9), at(2, 11))
    operations.cancel_booking(world.member, cancelled, now=NOW)
    db.session.commit()
    assert sums(world.startup) == (180, 0, 0, 1)
    operations.cancel_booking(world.member, kept, now=NOW)
    db.session.commit()
    assert sums(world.startup) == (0, 0, 0, 0)
    assert quota_ledger(world.startup, 2026) == []


def test_a_cancellation_after_the_cutoff_keeps_the_booking_in_the_sums(world):
    booking = book(world, at(1, 9), at(1, 12))
    operations.cancel_booking(world.member, booking, now=at(1, 8))
    db.session.commit()
    assert sums(world.startup) == (180, 0, 0, 1)


def test_a_declined_booking_leaves_the_sums(world):
    world.room.requires_approval = True
    booking = book(world, at(1, 9), at(1, 12))
    assert sums(world.startup) == (180, 0, 0, 1)      # a pending booking holds its quota
    operations.decline_booking(world.manager, booking, 'The room is needed for an event.', now=NOW)
    db.session.commit()
    assert sums(world.startup) == (0, 0, 0, 0)


def test_a_change_to_a_booking_not_loaded_since_the_commit_still_moves_the_sums(world):
    """After a commit the booking's columns are expired: the old values are loaded before they change."""
    booking = book(world, at(1, 9), at(1, 12))
    booking.counts_against_quota = False
    db.session.commit()
    assert sums(world.startup) == (0, 0, 0, 0)


def test_moving_a_booking_to_another_month_moves_its_share(world):
    booking = book(world, at(1, 9), at(1, 12))
    booking.quota_month = date(2027, 1, 1)
    db.session.commit()
    assert sums(world.startup) == (0, 0, 0, 0)
    assert sums(world.startup, month=date(2027, 1, 1)) == (180, 0, 0, 1)


def test_a_deleted_booking_leaves_the_sums(world):
    booking = book(world, at(1, 9), at(1, 12))
    book(world, at(2, 9), at(2, 10))
    db.session.delete(booking)
    db.session.commit()
    assert sums(world.startup) == (60, 0, 0, 1)


def test_a_rolled_back_booking_never_reaches_the_sums(world):
    operations.create_booking(world.member, world.room, world.startup, at(1, 9), at(1, 12), now=NOW)
    db.session.flush()
    assert sums(world.startup) == (180, 0, 0, 1)      # in the transaction, as the quota sees it
    db.session.rollback()
    assert sums(world.startup) is None


def test_a_series_adds_every_occurrence(world):
    from incubator.booking.models import Recurrence
    operations.book_series(world.member, world.room, world.startup, at(1, 9), at(1, 11), Recurrence.daily,
                           count=3, now=NOW)
    db.session.commit()
    assert sums(world.startup) == (240, 120, 10000, 3)


@pytest.mark.usefixtures('in_english')
def test_the_rebuild_command_recomputes_the_sums_after_a_change_in_sql(app, world):
    booking = book(world, at(1, 9), at(1, 12))
    db.session.execute(sa.update(Booking.__table__).where(Booking.__table__.c.id == booking.id)
                       .values(counts_against_quota=False))
    db.session.commit()
    assert sums(world.startup) == (180, 0, 0, 1)      # a table statement: the listener never saw it
    result = app.test_cli_runner().invoke(args=['bookings', 'rebuild-quota-usage'])
    assert result.exit_code == 0, result.output
    assert 'Quota usage rebuilt: 0 rows' in result.output
    assert sums(world.startup) is None
