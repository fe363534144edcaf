"""The working-day calendar kept in the database: seeded from chinesecalendar, completed by administrators."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import sqlalchemy as sa

from incubator.core.calendar import (
    CalendarDay,
    CalendarYear,
    DayKind,
    YearSource,
    site_calendar,
    working_deadline,
    years_to_complete,
    years_without_calendar,
)
from incubator.core.workdays import package_days
from incubator.extensions import db
from incubator.scheduling import registry
from incubator.workcalendar import operations
from tests.factories import UserFactory

SHANGHAI = ZoneInfo('Asia/Shanghai')


@pytest.fixture
def admin(app):
    return UserFactory(roles=['admin'], email='admin@example.com')


def enter_2027_national_day(admin):
    """The 2027 holidays around the deadlines below, as an administrator would enter them."""
    for day in range(1, 8):
        operations.add_day(admin, date(2027, 10, day), DayKind.holiday, '国庆节')
    operations.add_day(admin, date(2027, 9, 26), DayKind.make_up_workday, '国庆节')  # a Sunday
    operations.add_day(admin, date(2027, 10, 9), DayKind.make_up_workday, '国庆节')  # a Saturday


def test_the_seeded_years_are_the_packages_data(app):
    stored = {(row.day, row.kind.value, row.name) for row in db.session.execute(sa.select(CalendarDay)).scalars()}
    assert stored == set(package_days())
    years = db.session.execute(sa.select(CalendarYear).order_by(CalendarYear.year)).scalars().all()
    assert [year.year for year in years] == list(range(2004, 2027))
    assert all(year.is_complete and year.source == YearSource.package for year in years)
    national_day = db.session.execute(sa.select(CalendarDay).filter_by(day=date(2025, 10, 1))).scalar_one()
    assert (national_day.kind, national_day.name) == (DayKind.holiday, '国庆节')
    make_up_sunday = db.session.execute(sa.select(CalendarDay).filter_by(day=date(2025, 9, 28))).scalar_one()
    assert make_up_sunday.kind == DayKind.make_up_workday


def test_the_stored_calendar_agrees_with_the_package_day_by_day(app):
    calendar = site_calendar()
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day = day.fromordinal(day.toordinal() + 1)


def test_a_deadline_across_national_day_2026_is_exact(app):
    deadline = working_deadline(date(2026, 9, 30), 1)
    assert deadline == working_deadline(date(2026, 9, 30), 1)
    assert deadline.at == date(2026, 10, 8) and not deadline.estimated
    at = working_deadline(datetime(2026, 9, 30, 17, 30, tzinfo=SHANGHAI), 3).at
    assert at == datetime(2026, 10, 10, 9, 30, tzinfo=UTC)  # Saturday 10-10 is a make-up workday


def test_a_deadline_into_2027_is_estimated_until_an_administrator_enters_the_year(app, admin):
    deadline = working_deadline(date(2027, 9, 30), 2)
    assert deadline.at == date(2027, 10, 4)  # plain weekdays: Friday 10-01, Monday 10-04
    assert deadline.estimated and deadline.estimated_years == (2027,)
    assert years_without_calendar(date(2026, 12, 1), date(2027, 1, 5)) == [2027]

    enter_2027_national_day(admin)
    db.session.commit()
    entered = working_deadline(date(2027, 9, 30), 2)
    assert entered.at == date(2027, 10, 9) and entered.estimated  # the days count, but the year is not complete

    operations.mark_year_complete(admin, 2027)
    db.session.commit()
    exact = working_deadline(date(2027, 9, 30), 2)
    assert exact.at == date(2027, 10, 9) and not exact.estimated
    assert working_deadline(date(2026, 12, 31), 1) == exact.__class__(date(2027, 1, 1), ())  # 2027-01-01 a Friday


def test_another_process_sees_the_change_and_a_rolled_back_change_is_forgotten(app, admin):
    from sqlalchemy.orm import Session
    assert working_deadline(date(2027, 9, 30), 1).at == date(2027, 10, 1)
    with Session(db.engine) as other:
        other.add(CalendarYear(year=2027, source=YearSource.admin))
        other.add(CalendarDay(day=date(2027, 10, 1), kind=DayKind.holiday, name='国庆节'))
        other.commit()
    db.session.rollback()  # a new request
    assert working_deadline(date(2027, 9, 30), 1).at == date(2027, 10, 4)

    operations.add_day(admin, date(2027, 10, 4), DayKind.holiday, '国庆节')
    assert working_deadline(date(2027, 9, 30), 1).at == date(2027, 10, 5)  # flushed in this transaction
    db.session.rollback()
    assert working_deadline(date(2027, 9, 30), 1).at == date(2027, 10, 4)


def test_a_request_reads_the_stamps_once(app, count_queries):
    site_calendar().is_working_day(date(2026, 10, 1))
    with count_queries() as counter:
        working_deadline(date(2026, 9, 1), 40)
    assert counter.count == 0


def test_years_to_complete_warns_of_this_year_and_the_next(app):
    assert years_to_complete(datetime(2026, 12, 6, tzinfo=UTC)) == [2027]
    assert years_to_complete(datetime(2025, 6, 1, tzinfo=UTC)) == []


def test_a_plain_weekend_calendar_never_warns(app):
    app.config['WORKING_CALENDAR'] = 'weekends'
    try:
        assert not working_deadline(date(2027, 9, 30), 5).estimated
        assert years_to_complete(datetime(2026, 12, 6, tzinfo=UTC)) == []
    finally:
        app.config['WORKING_CALENDAR'] = 'china'


@pytest.mark.parametrize('zone, daily, monthly, quarterly', [
    ('Asia/Shanghai', '2027-01-01', '2027-01', '2027-Q1'),
    ('UTC', '2026-12-31', '2026-12', '2026-Q4'),
    ('Asia/Urumqi', '2026-12-31', '2026-12', '2026-Q4'),
])
def test_period_keys_follow_the_programme_timezone(app, zone, daily, monthly, quarterly):
    """16:30 UTC on New Year's Eve is already 2027 in Shanghai, not yet in UTC or Urumqi (UTC+6)."""
    now = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    app.config['BABEL_DEFAULT_TIMEZONE'] = zone
    try:
        assert (registry.daily(now), registry.monthly(now), registry.quarterly(now)) == (daily, monthly, quarterly)
        from incubator.scheduling.scheduler import build_trigger
        assert str(build_trigger({'trigger': 'cron', 'hour': 9}).timezone) == zone
    finally:
        app.config['BABEL_DEFAULT_TIMEZONE'] = 'Asia/Shanghai'


def test_working_days_follow_the_programme_timezone(app):
    """A deadline counts from the local date where the programme is: 23:30 UTC is already tomorrow in Shanghai."""
    start = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # Friday 07:30 in Shanghai, still Thursday in UTC
    assert working_deadline(start, 1).at.astimezone(SHANGHAI).date() == date(2026, 12, 7)
    app.config['BABEL_DEFAULT_TIMEZONE'] = 'UTC'
    try:
        assert working_deadline(start, 1).at == datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    finally:
        app.config['BABEL_DEFAULT_TIMEZONE'] = 'Asia/Shanghai'
