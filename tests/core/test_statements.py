"""Stand-ins for statements built once: the user and the moment become parameters of each run."""
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from incubator.auth.models import Role, User
from incubator.core.db import UTCDateTime
from incubator.core.statements import Moment, UserParameter
from incubator.extensions import db
from tests.factories import UserFactory


def test_a_moment_and_each_shift_of_it_take_their_values_at_each_run(app):
    now, today = Moment('now', UTCDateTime()), Moment('today', sa.Date())
    statement = sa.select(now, now - timedelta(hours=2), today + timedelta(days=3))   # built once
    for moment in (datetime(2026, 10, 1, 2, tzinfo=UTC), datetime(2027, 1, 31, 23, 30, tzinfo=UTC)):
        run = db.session.execute(statement, {**now.values(moment), **today.values(moment.date())}).one()
        assert tuple(run) == (moment, moment - timedelta(hours=2), moment.date() + timedelta(days=3))
    assert set(today.values(date(2026, 1, 1))) == {'today', 'today_shifted_0'}


def test_a_user_parameter_answers_roles_as_told_and_stands_for_any_user(app):
    first, second = UserFactory(), UserFactory()
    reader = UserParameter({Role.manager}.__contains__)
    assert reader.has_role(Role.manager) and not reader.has_role(Role.admin) and reader.memberships == ()
    statement = sa.select(User.email).where(User.id == reader.id)
    assert [db.session.execute(statement, {'user_id': user.id}).scalar_one() for user in (first, second)] == [
        first.email, second.email]
