"""Working-day arithmetic against the official calendars of the State Council General Office.

Pure functions: no app, no database, so these run once whatever the backends.

Reference periods (holiday ranges inclusive; make-up workdays are worked weekend days):

* 2025 Spring Festival: off 01-28..02-04; make-up Sun 01-26, Sat 02-08.
* 2025 National Day + Mid-Autumn: off 10-01..10-08; make-up Sun 09-28, Sat 10-11.
* 2026 Spring Festival: off 02-15..02-23; make-up Sat 02-14, Sat 02-28.
* 2026 National Day: off 10-01..10-07; make-up Sun 09-20, Sat 10-10.
  (2026 Mid-Autumn, 09-25..09-27, is a separate holiday just before.)
"""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incubator.core.workdays import (
    CalendarNotAvailable,
    ChinaCalendar,
    WeekendCalendar,
    WorkingCalendar,
    add_working_days,
    calendar_for,
    next_working_day,
    working_days_between,
)

SHANGHAI = ZoneInfo('Asia/Shanghai')
CHINA = ChinaCalendar()


def days(first, last):
    """Every date from first to last, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


HOLIDAYS = (
    days(date(2025, 1, 28), date(2025, 2, 4))
    + days(date(2025, 10, 1), date(2025, 10, 8))
    + days(date(2026, 2, 15), date(2026, 2, 23))
    + days(date(2026, 10, 1), date(2026, 10, 7))
)

MAKE_UP_WORKDAYS = [
    date(2025, 1, 26),   # Sunday
    date(2025, 2, 8),    # Saturday
    date(2025, 9, 28),   # Sunday
    date(2025, 10, 11),  # Saturday
    date(2026, 2, 14),   # Saturday
    date(2026, 2, 28),   # Saturday
    date(2026, 9, 20),   # Sunday
    date(2026, 10, 10),  # Saturday
]


def test_reference_periods_have_the_published_lengths():
    assert [len(days(a, b)) for a, b in [
        (date(2025, 1, 28), date(2025, 2, 4)),
        (date(2025, 10, 1), date(2025, 10, 8)),
        (date(2026, 2, 15), date(2026, 2, 23)),
        (date(2026, 10, 1), date(2026, 10, 7)),
    ]] == [8, 8, 9, 7]
    assert all(d.weekday() >= 5 for d in MAKE_UP_WORKDAYS)


# --- is_working_day -----------------------------------------------------------------

@pytest.mark.parametrize('day', HOLIDAYS, ids=str)
def test_official_holidays_are_off(day):
    assert CHINA.is_working_day(day) is False


@pytest.mark.parametrize('day', MAKE_UP_WORKDAYS, ids=str)
def test_make_up_weekend_days_are_working_days(day):
    assert CHINA.is_working_day(day) is True


@pytest.mark.parametrize('day, working', [
    (date(2025, 3, 12), True),    # ordinary Wednesday
    (date(2025, 3, 15), False),   # ordinary Saturday
    (date(2025, 3, 16), False),   # ordinary Sunday
    (date(2025, 2, 9), False),    # Sunday right after the 2025 make-up Saturday
    (date(2026, 2, 13), True),    # Friday before the 2026 Spring Festival
    (date(2026, 2, 24), True),    # first day back after it
    (date(2026, 10, 8), True),    # first day back after 2026 National Day
    (date(2026, 10, 11), False),  # Sunday after the 2026 make-up Saturday
])
def test_ordinary_days(day, working):
    assert CHINA.is_working_day(day) is working


def test_far_year_is_refused_not_guessed():
    with pytest.raises(CalendarNotAvailable) as excinfo:
        CHINA.is_working_day(date(2099, 5, 4))
    assert excinfo.value.year == 2099
    assert isinstance(excinfo.value, ValueError)
    assert '2099' in str(excinfo.value)


def test_running_off_the_end_of_the_known_years_is_an_error():
    # The package ships data up to 2026: a late-December deadline reaching into
    # 2027 fails loudly until the package is upgraded.
    with pytest.raises(CalendarNotAvailable) as excinfo:
        add_working_days(date(2026, 12, 20), 30, CHINA)
    assert excinfo.value.year == 2027


def test_is_working_day_wants_a_date_not_a_datetime():
    with pytest.raises(TypeError):
        CHINA.is_working_day(datetime(2025, 3, 12, 9, 0, tzinfo=SHANGHAI))


# --- add_working_days on dates ----------------------------------------------------

@pytest.mark.parametrize('start, n, expected', [
    # 2025 Spring Festival
    (date(2025, 1, 24), 1, date(2025, 1, 26)),   # Fri -> make-up Sunday
    (date(2025, 1, 27), 1, date(2025, 2, 5)),    # jumps the 8-day holiday
    (date(2025, 1, 27), 4, date(2025, 2, 8)),    # 02-05, 06, 07, make-up Sat 08
    (date(2025, 1, 30), 1, date(2025, 2, 5)),    # from inside the holiday
    # 2025 National Day + Mid-Autumn
    (date(2025, 9, 26), 1, date(2025, 9, 28)),   # Fri -> make-up Sunday
    (date(2025, 9, 30), 1, date(2025, 10, 9)),
    (date(2025, 9, 30), 2, date(2025, 10, 10)),
    (date(2025, 9, 30), 3, date(2025, 10, 11)),  # 10-09, 10-10, make-up Sat 10-11
    (date(2025, 9, 30), 4, date(2025, 10, 13)),  # Sun 10-12 is off
    # 2026 Spring Festival
    (date(2026, 2, 13), 1, date(2026, 2, 14)),   # Fri -> make-up Saturday
    (date(2026, 2, 13), 2, date(2026, 2, 24)),   # then the 9-day holiday
    (date(2026, 2, 24), 4, date(2026, 2, 28)),   # 25, 26, 27, make-up Sat 28
    (date(2026, 2, 24), 5, date(2026, 3, 2)),
    # 2026 Mid-Autumn and National Day
    (date(2026, 9, 18), 1, date(2026, 9, 20)),   # Fri -> make-up Sunday
    (date(2026, 9, 24), 1, date(2026, 9, 28)),   # over Mid-Autumn 09-25..27
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),  # 10-08, 10-09, make-up Sat 10-10
    (date(2026, 9, 30), 4, date(2026, 10, 12)),
    # ordinary weeks
    (date(2025, 3, 14), 1, date(2025, 3, 17)),   # Fri -> Mon
    (date(2025, 3, 10), 10, date(2025, 3, 24)),
])
def test_add_working_days_across_holidays(start, n, expected):
    assert add_working_days(start, n, CHINA) == expected


@pytest.mark.parametrize('start, n, expected', [
    (date(2025, 2, 8), 1, date(2025, 2, 10)),    # make-up Saturday: next is Monday
    (date(2025, 10, 11), 1, date(2025, 10, 13)),
    (date(2026, 2, 14), 1, date(2026, 2, 24)),   # make-up Saturday straight into the holiday
    (date(2026, 9, 20), 1, date(2026, 9, 21)),   # make-up Sunday: next is Monday
])
def test_add_working_days_from_a_make_up_day(start, n, expected):
    assert add_working_days(start, n, CHINA) == expected


@pytest.mark.parametrize('start', [date(2025, 3, 12), date(2025, 10, 3), date(2025, 3, 15)], ids=str)
def test_zero_days_returns_the_start_unchanged_even_on_a_day_off(start):
    assert add_working_days(start, 0, CHINA) == start


@pytest.mark.parametrize('n', [-1, 1.5, True])
def test_n_must_be_a_non_negative_integer(n):
    with pytest.raises(ValueError):
        add_working_days(date(2025, 3, 12), n, CHINA)


# --- add_working_days on datetimes ------------------------------------------------

def test_datetime_keeps_shanghai_wall_clock_and_returns_utc():
    start = datetime(2026, 9, 30, 17, 30, tzinfo=SHANGHAI)
    deadline = add_working_days(start, 1, CHINA)
    assert deadline == datetime(2026, 10, 8, 9, 30, tzinfo=UTC)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline.astimezone(SHANGHAI).replace(tzinfo=None) == datetime(2026, 10, 8, 17, 30)


def test_datetime_counts_from_the_shanghai_date_not_the_utc_date():
    # Saturday 2025-09-27 16:30 UTC is already Sunday 09-28 00:30 in Shanghai,
    # a make-up workday; the UTC date would count from the Saturday instead.
    start = datetime(2025, 9, 27, 16, 30, tzinfo=UTC)
    assert start.astimezone(SHANGHAI).date() == date(2025, 9, 28)
    deadline = add_working_days(start, 3, CHINA)
    # After 09-28 come 09-29, 09-30 and (past the holiday) 10-09, at 00:30 Shanghai.
    assert deadline == datetime(2025, 10, 9, 0, 30, tzinfo=SHANGHAI)
    assert deadline == datetime(2025, 10, 8, 16, 30, tzinfo=UTC)
    assert deadline.tzinfo == UTC


def test_datetime_just_after_local_midnight_on_a_holiday():
    # 2025-09-30 16:30 UTC is 2025-10-01 00:30 in Shanghai, the first holiday.
    start = datetime(2025, 9, 30, 16, 30, tzinfo=UTC)
    assert add_working_days(start, 1, CHINA) == datetime(2025, 10, 9, 0, 30, tzinfo=SHANGHAI)


def test_datetime_in_another_offset_is_interpreted_in_shanghai():
    # 09:00 in New York on Tue 2026-09-29 is 21:00 the same day in Shanghai.
    start = datetime(2026, 9, 29, 9, 0, tzinfo=ZoneInfo('America/New_York'))
    deadline = add_working_days(start, 2, CHINA)
    assert deadline == datetime(2026, 10, 8, 21, 0, tzinfo=SHANGHAI)


def test_datetime_with_zero_days_is_the_same_instant_in_utc():
    start = datetime(2025, 10, 3, 10, 0, tzinfo=SHANGHAI)  # a holiday: not rolled forward
    result = add_working_days(start, 0, CHINA)
    assert result == start
    assert result.tzinfo == UTC


def test_other_timezone_keeps_wall_clock_across_a_dst_change():
    paris = ZoneInfo('Europe/Paris')
    start = datetime(2025, 10, 24, 9, 0, tzinfo=paris)  # Friday, CEST (+02:00)
    deadline = add_working_days(start, 1, WeekendCalendar(), tz=paris)
    assert deadline == datetime(2025, 10, 27, 8, 0, tzinfo=UTC)  # Monday 09:00 CET


@pytest.mark.parametrize('n', [0, 1])
def test_naive_datetime_is_refused(n):
    with pytest.raises(ValueError, match='naive'):
        add_working_days(datetime(2025, 3, 12, 9, 0), n, CHINA)


def test_naive_datetime_is_refused_by_working_days_between():
    with pytest.raises(ValueError, match='naive'):
        working_days_between(datetime(2025, 3, 12, 9, 0), date(2025, 3, 20), CHINA)


# --- working_days_between ---------------------------------------------------------

@pytest.mark.parametrize('start, end, expected', [
    (date(2025, 1, 27), date(2025, 2, 5), 1),     # whole Spring Festival is off
    (date(2025, 1, 24), date(2025, 2, 8), 6),     # 01-26, 01-27, 02-05..02-08
    (date(2025, 9, 30), date(2025, 10, 12), 3),   # 10-09, 10-10, 10-11
    (date(2025, 10, 1), date(2025, 10, 8), 0),    # holiday to holiday
    (date(2026, 2, 13), date(2026, 3, 1), 6),     # 02-14, 02-24..02-28
    (date(2026, 9, 19), date(2026, 10, 11), 11),  # 09-20..24, 09-28..30, 10-08..10
    (date(2025, 3, 10), date(2025, 3, 17), 5),    # ordinary week
])
def test_working_days_between_across_holidays(start, end, expected):
    assert working_days_between(start, end, CHINA) == expected


def test_start_day_does_not_count_and_end_day_does():
    monday, tuesday = date(2025, 3, 10), date(2025, 3, 11)
    assert working_days_between(monday, tuesday, CHINA) == 1
    assert working_days_between(date(2025, 3, 9), monday, CHINA) == 1   # Sun -> Mon


@pytest.mark.parametrize('start, end', [
    (date(2025, 3, 12), date(2025, 3, 12)),   # same day
    (date(2025, 3, 20), date(2025, 3, 12)),   # end before start: never negative
])
def test_working_days_between_is_zero_when_end_is_not_after_start(start, end):
    assert working_days_between(start, end, CHINA) == 0


def test_working_days_between_uses_shanghai_dates_of_datetimes():
    # In UTC these are 09-29 and 09-30 (a working Tuesday); in Shanghai they are
    # 09-30 and 10-01 (a holiday), so no working day lies in between.
    start = datetime(2025, 9, 29, 16, 30, tzinfo=UTC)
    end = datetime(2025, 9, 30, 16, 30, tzinfo=UTC)
    assert working_days_between(start, end, CHINA) == 0
    assert working_days_between(start, end, CHINA, tz=UTC) == 1


def test_working_days_between_same_local_day_later_time_is_zero():
    start = datetime(2025, 3, 12, 9, 0, tzinfo=SHANGHAI)
    assert working_days_between(start, start + timedelta(hours=8), CHINA) == 0


def test_working_days_between_accepts_a_date_and_a_datetime():
    assert working_days_between(date(2026, 9, 30),
                                datetime(2026, 10, 8, 17, 30, tzinfo=SHANGHAI), CHINA) == 1


# --- next_working_day -------------------------------------------------------------

@pytest.mark.parametrize('day, expected', [
    (date(2025, 1, 27), date(2025, 2, 5)),
    (date(2025, 9, 27), date(2025, 9, 28)),    # Saturday -> make-up Sunday
    (date(2026, 2, 13), date(2026, 2, 14)),    # Friday -> make-up Saturday
    (date(2026, 10, 3), date(2026, 10, 8)),    # from inside the holiday
    (date(2025, 3, 12), date(2025, 3, 13)),    # a working day is not its own next
])
def test_next_working_day(day, expected):
    assert next_working_day(day, CHINA) == expected


# --- WeekendCalendar and calendar_for ---------------------------------------------

def test_weekend_calendar_basics():
    weekends = WeekendCalendar()
    assert [weekends.is_working_day(d) for d in days(date(2025, 3, 10), date(2025, 3, 16))] == \
        [True] * 5 + [False] * 2
    # Chinese holidays and make-up days mean nothing here.
    assert weekends.is_working_day(date(2025, 10, 1)) is True
    assert weekends.is_working_day(date(2025, 10, 11)) is False
    assert add_working_days(date(2025, 3, 14), 1, weekends) == date(2025, 3, 17)
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 24), weekends) == 10
    assert next_working_day(date(2025, 3, 15), weekends) == date(2025, 3, 17)


def test_weekend_calendar_with_extra_closed_dates():
    christmas = WeekendCalendar(closed=[date(2025, 12, 25), date(2025, 12, 26)])
    assert christmas.is_working_day(date(2025, 12, 25)) is False
    assert christmas.is_working_day(date(2025, 12, 24)) is True
    assert add_working_days(date(2025, 12, 24), 1, christmas) == date(2025, 12, 29)
    assert working_days_between(date(2025, 12, 22), date(2025, 12, 31), christmas) == 5


def test_weekend_calendar_refuses_datetimes_as_closed_dates():
    with pytest.raises(TypeError):
        WeekendCalendar(closed=[datetime(2025, 12, 25, tzinfo=SHANGHAI)])


def test_calendar_for():
    assert isinstance(calendar_for('china'), ChinaCalendar)
    assert isinstance(calendar_for('weekends'), WeekendCalendar)
    assert isinstance(calendar_for('china'), WorkingCalendar)
    with pytest.raises(ValueError, match='unknown'):
        calendar_for('mars')


# --- properties -------------------------------------------------------------------

# The package knows 2025 and 2026 only. 2026-11-19 is the last start from which
# 30 working days still end in 2026; later starts (up to 2026-12-20) would reach
# into 2027 and raise CalendarNotAvailable (tested above).
PROPERTY_STARTS = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 11, 19))


def test_property_range_ends_where_the_data_ends():
    assert add_working_days(date(2026, 11, 19), 30, CHINA) <= date(2026, 12, 31)
    with pytest.raises(CalendarNotAvailable):
        add_working_days(date(2026, 11, 20), 30, CHINA)


@given(start=PROPERTY_STARTS, n=st.integers(min_value=1, max_value=30))
def test_deadline_is_always_a_working_day(start, n):
    assert CHINA.is_working_day(add_working_days(start, n, CHINA))


@given(start=PROPERTY_STARTS, n=st.integers(min_value=0, max_value=30))
def test_working_days_between_inverts_add_working_days(start, n):
    deadline = add_working_days(start, n, CHINA)
    assert working_days_between(start, deadline, CHINA) == n


def test_the_deployment_chooses_its_calendar(app):
    from incubator.core.calendar import site_calendar
    make_up_saturday = date(2026, 2, 14)
    assert site_calendar().is_working_day(make_up_saturday)
    app.config['WORKING_CALENDAR'] = 'weekends'
    try:
        assert not site_calendar().is_working_day(make_up_saturday)
        assert site_calendar().is_working_day(date(2026, 10, 1))
    finally:
        app.config['WORKING_CALENDAR'] = 'china'
