"""Cancelling a series from two occurrences at once, on a real database: each occurrence is cancelled once,
by one of them; the other is refused, and the free hours come back once."""
import threading

import sqlalchemy as sa
import time_machine

from incubator.auth.models import User
from incubator.booking import operations
from incubator.booking.models import Booking, BookingStatus, CancelScope, QuotaUsage, Recurrence
from incubator.core.audit import AuditEntry, acting_as
from incubator.core.errors import DomainError
from incubator.core.transactions import transaction
from incubator.extensions import db
from tests.booking.conftest import NOW, at

#: Occurrences asked for; the site is closed at weekends, so four are booked (Wednesday to Monday).
OCCURRENCES = 6


def test_a_series_cancelled_from_several_occurrences_at_once_is_cancelled_once(app, world):
    with time_machine.travel(NOW, tick=True):
        bookings = operations.book_series(world.member, world.room, world.startup, at(2, 9), at(2, 10),
                                          Recurrence.daily, count=OCCURRENCES, now=NOW)
        db.session.commit()
        ids = [booking.id for booking in bookings]
        threads = len(ids)
        assert threads > 2
        barrier, results = threading.Barrier(threads), [None] * threads

        def run(index):
            with app.app_context():
                try:
                    barrier.wait(timeout=30)
                    with acting_as(f'test:thread-{index}'), transaction():
                        cancellation = operations.cancel_booking(
                            db.session.get(User, world.member.id), db.session.get(Booking, ids[index]),
                            scope=CancelScope.all, now=NOW)
                        results[index] = [booking.id for booking in cancellation.bookings]
                except DomainError as error:
                    results[index] = error.code
                except BaseException as error:  # noqa: BLE001 (reported to the test)
                    results[index] = error
                finally:
                    db.session.remove()

        workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        db.session.commit()

    won = [result for result in results if isinstance(result, list)]
    assert len(won) == 1 and sorted(won[0]) == sorted(ids), results
    assert all(result == 'booking.already_decided' for result in results if not isinstance(result, list)), results
    statuses = db.session.execute(sa.select(Booking.status).where(Booking.id.in_(ids))).scalars().all()
    assert set(statuses) == {BookingStatus.cancelled}
    entries = db.session.execute(sa.select(AuditEntry).where(AuditEntry.object_type == 'booking')).scalars().all()
    cancelled = [entry.object_id for entry in entries if (entry.changes or {}).get('status', [None, None])[1]
                 == 'cancelled']
    assert sorted(cancelled) == sorted(str(i) for i in ids)
    usage = db.session.execute(sa.select(QuotaUsage).filter_by(startup_id=world.startup.id)).scalars().all()
    assert sum(row.free_minutes for row in usage) == 0
