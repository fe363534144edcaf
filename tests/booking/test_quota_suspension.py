"""A startup's free booking quota suspended (after a review's stop) and restored by a manager."""
import threading

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from incubator.auth.models import User
from incubator.booking import operations
from incubator.booking.models import FreeQuotaSuspension, PaymentMethod
from incubator.booking.queries import open_suspension, quota_standing
from incubator.core.audit import acting_as
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.notifications.kinds import render_title
from incubator.notifications.models import Notification
from incubator.spaces.models import SpaceKind
from incubator.startups.models import Startup
from tests.booking.conftest import NOW, at
from tests.conftest import refused
from tests.factories import UserFactory

EN = {'Accept-Language': 'en'}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def book(world, day, start, end):
    booking = operations.create_booking(world.member, world.room, world.startup, at(day, start), at(day, end),
                                        now=NOW)
    db.session.commit()
    return booking


def suspend(world, reason='The project was stopped at its review.'):
    suspension = operations.suspend_free_quota(world.startup, user=world.manager, reason=reason)
    db.session.commit()
    return suspension


def open_suspensions(startup):
    return db.session.execute(sa.select(sa.func.count()).select_from(FreeQuotaSuspension).where(
        FreeQuotaSuspension.startup_id == startup.id, FreeQuotaSuspension.restored_at.is_(None))).scalar_one()


def notices(kind, user, locale):
    rows = db.session.execute(sa.select(Notification).filter_by(kind=kind, user_id=user.id)).scalars().all()
    with force_locale(locale):
        return [render_title(row.kind, row.params) for row in rows]


class TestOperations:
    def test_a_booking_after_suspension_is_paid_and_after_restore_free_again(self, world):
        assert book(world, 1, 9, 10).payment_method == PaymentMethod.free
        suspend(world)
        assert quota_standing(world.startup, SpaceKind.meeting_room, at(1, 9).date().replace(day=1))[0] == 0
        paid = book(world, 2, 9, 10)
        assert (paid.free_minutes, paid.price_fen) == (0, world.room.hourly_price_fen)
        assert paid.payment_method != PaymentMethod.free
        operations.restore_free_quota(world.startup, user=world.manager, note='Restarted with a new plan.')
        db.session.commit()
        again = book(world, 3, 9, 10)
        assert (again.free_minutes, again.price_fen, again.payment_method) == (60, 0, PaymentMethod.free)

    def test_suspending_twice_keeps_the_one_open_suspension(self, world):
        first = suspend(world, 'First reason')
        second = suspend(world, 'Second reason')
        assert second.id == first.id and second.reason == 'First reason'
        assert open_suspensions(world.startup) == 1
        assert len(notices('free_quota_suspended', world.owner, 'en')) == 1

    def test_restoring_what_is_not_suspended_is_refused(self, world):
        with refused('booking.quota_not_suspended'):
            operations.restore_free_quota(world.startup, user=world.manager, note='')

    def test_a_restored_quota_may_be_suspended_again(self, world):
        suspend(world)
        operations.restore_free_quota(world.startup, user=world.manager, note='')
        suspend(world, 'Stopped again')
        assert open_suspensions(world.startup) == 1
        assert open_suspension(world.startup).reason == 'Stopped again'

    @pytest.mark.parametrize('who', ['owner', 'member', 'outsider'])
    def test_only_staff_suspend_and_restore(self, world, who):
        user = getattr(world, who)
        with refused('booking.may_not_suspend_quota'):
            operations.suspend_free_quota(world.startup, user=user, reason='No')
        suspend(world)
        with refused('booking.may_not_restore_quota'):
            operations.restore_free_quota(world.startup, user=user, note='')
        assert open_suspensions(world.startup) == 1

    def test_a_blank_reason_is_refused(self, world):
        with refused('booking.suspension_reason'):
            operations.suspend_free_quota(world.startup, user=world.manager, reason='  ')
        assert open_suspensions(world.startup) == 0

    def test_the_database_allows_one_open_suspension_per_startup(self, world):
        suspend(world)
        db.session.add(FreeQuotaSuspension(startup_id=world.startup.id, reason='Again', suspended_at=NOW))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()

    def test_owners_are_told_in_their_language_and_members_are_not(self, world):
        suspend(world, 'Stopped')
        assert notices('free_quota_suspended', world.owner, 'en') == [
            'The free booking hours of Alpha Robotics are suspended: Stopped. New bookings are paid until a '
            'manager restores them.']
        [chinese] = notices('free_quota_suspended', world.owner, 'zh_Hans_CN')
        assert 'Alpha Robotics' in chinese and 'Stopped' in chinese and 'suspended' not in chinese
        assert notices('free_quota_suspended', world.member, 'en') == []
        operations.restore_free_quota(world.startup, user=world.manager, note='Back on track.')
        db.session.commit()
        assert notices('free_quota_restored', world.owner, 'en') == [
            'The free booking hours of Alpha Robotics are restored. Back on track.']
        [chinese] = notices('free_quota_restored', world.owner, 'zh_Hans_CN')
        assert 'Back on track.' in chinese and 'restored' not in chinese


def test_two_suspensions_at_once_leave_one_open(app, world):
    """Two managers decide a stop at the same moment: the startup's row lock (or BEGIN IMMEDIATE) orders them."""
    second_manager = UserFactory(roles=['manager'])
    db.session.commit()
    ids = (world.startup.id, world.manager.id, second_manager.id)
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with acting_as(f'test:thread-{index}'), transaction():
                    suspension = operations.suspend_free_quota(
                        db.session.get(Startup, ids[0]), user=db.session.get(User, ids[1 + index]),
                        reason=f'Stop {index}')
                    results[index] = suspension.id
            except BaseException as error:  # noqa: BLE001 (reported to the test)
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.commit()
    assert all(isinstance(result, int) for result in results), results
    assert results[0] == results[1]
    assert open_suspensions(world.startup) == 1


def test_the_ledger_allows_nothing_from_the_month_of_the_suspension(world):
    from incubator.booking.queries import quota_ledger
    book(world, 1, 9, 10)
    assert [row.allowance_minutes for row in quota_ledger(world.startup, 2026)] == [240]
    suspension = suspend(world)      # 30 November: December's allowance is none
    assert [row.allowance_minutes for row in quota_ledger(world.startup, 2026, suspension)] == [0]


class TestPages:
    def test_the_ledger_says_why_and_since_when_in_both_languages(self, world, client, login):
        suspend(world, 'Stopped at review')
        login(world.owner)
        page = client.get(f'/startups/{world.startup.id}/free-hours', headers=EN).get_data(as_text=True)
        assert 'The free booking hours of Alpha Robotics are suspended since' in page
        assert 'Stopped at review' in page and 'Dec 1, 2026' not in page and 'Nov 30, 2026' in page
        assert 'until a manager or an administrator restores' in page
        assert 'Restore the free hours' not in page
        chinese = client.get(f'/startups/{world.startup.id}/free-hours').get_data(as_text=True)
        assert 'Stopped at review' in chinese and 'The free booking hours' not in chinese

    def test_the_booking_form_warns_the_member(self, world, client, login):
        suspend(world, 'Stopped at review')
        login(world.member)
        page = client.get(f'/spaces/{world.room.id}/book', headers=EN).get_data(as_text=True)
        assert 'The free booking hours of Alpha Robotics are suspended since' in page
        assert 'Stopped at review' in page
        assert 'Restore the free hours' not in page

    def test_a_manager_restores_from_the_ledger(self, world, client, login):
        suspend(world)
        login(world.manager)
        url = f'/startups/{world.startup.id}/free-hours'
        assert 'Restore the free hours' in client.get(url, headers=EN).get_data(as_text=True)
        response = client.post(f'/startups/{world.startup.id}/free-hours/restore',
                               data={'note': 'Good news', 'next': url}, headers=EN)
        assert response.status_code == 302 and response.headers['Location'] == url
        assert open_suspensions(world.startup) == 0
        assert open_suspension(world.startup) is None
        assert 'suspended since' not in client.get(url, headers=EN).get_data(as_text=True)
        again = client.post(f'/startups/{world.startup.id}/free-hours/restore', data={'note': ''}, headers=EN)
        assert again.status_code == 409 and 'is not suspended' in again.get_data(as_text=True)

    @pytest.mark.parametrize('who, status', [('owner', 403), ('member', 403), ('outsider', 404)])
    def test_others_may_not_restore(self, world, client, login, who, status):
        suspend(world)
        login(getattr(world, who))
        response = client.post(f'/startups/{world.startup.id}/free-hours/restore', data={'note': 'x'})
        assert response.status_code == status
        assert open_suspensions(world.startup) == 1

    def test_a_too_long_note_is_refused_and_nothing_changes(self, world, client, login):
        suspend(world)
        login(world.manager)
        response = client.post(f'/startups/{world.startup.id}/free-hours/restore', data={'note': 'x' * 501},
                               headers=EN)
        assert response.status_code == 400
        assert open_suspensions(world.startup) == 1
