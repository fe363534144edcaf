"""Reminders on working days: milestones due soon or overdue to the startup's owners, reviews past their
deadline to the manager; each at most once per milestone or review and day, across runs."""
from datetime import date

import pytest

from incubator.extensions import db
from incubator.projects.models import MilestoneState
from incubator.projects.reviews import operations
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.runner import run_job
from tests.projects.reviews.conftest import SHANGHAI, at, notices, open_now, reviews

DUE_SOON = 'The milestone "Prototype" of Service robot is due on {due}.'
OVERDUE = 'The milestone "Prototype" of Service robot was due on {due} and is not accepted yet.'


def remind(day, hour=9):
    counts = operations.send_reminders(at(day, hour))
    db.session.commit()
    return counts


def due_on(world, day):
    world.milestone.due_date = day
    db.session.commit()


def test_the_startup_hears_three_working_days_before_the_due_date_once(world):
    # Due Tuesday 30 June 2026: three working days before is Thursday 25 June.
    for day in (date(2026, 6, 24), date(2026, 6, 26), date(2026, 6, 29)):
        assert remind(day)['milestone_due_soon'] == 0
    assert remind(date(2026, 6, 25))['milestone_due_soon'] == 1
    assert remind(date(2026, 6, 25), 15)['milestone_due_soon'] == 0
    assert notices('milestone_due_soon', world.owner) == [DUE_SOON.format(due='Jun 30, 2026')]
    assert notices('milestone_due_soon', world.member) == []
    [chinese] = notices('milestone_due_soon', world.owner, 'zh_Hans_CN')
    assert 'Prototype' in chinese and 'is due' not in chinese


def test_the_startup_hears_a_working_day_after_the_due_date_while_unaccepted(world):
    assert remind(date(2026, 6, 30))['milestone_overdue'] == 0
    assert remind(date(2026, 7, 1))['milestone_overdue'] == 1
    assert remind(date(2026, 7, 1), 18)['milestone_overdue'] == 0
    assert notices('milestone_overdue', world.owner) == [OVERDUE.format(due='Jun 30, 2026')]


def test_an_accepted_milestone_is_not_reminded_of(world):
    world.milestone.state = MilestoneState.accepted
    db.session.commit()
    assert remind(date(2026, 6, 25))['milestone_due_soon'] == 0
    assert remind(date(2026, 7, 1))['milestone_overdue'] == 0


def test_the_daily_job_run_twice_reminds_once(world):
    first = run_job('projects.send_reminders', now=at(date(2026, 6, 25)))
    again = run_job('projects.send_reminders', now=at(date(2026, 6, 25), 16))
    manual = run_job('projects.send_reminders', period='manual', now=at(date(2026, 6, 25), 17))
    assert first.outcome == RunOutcome.succeeded and first.counts['milestone_due_soon'] == 1
    assert again.outcome == RunOutcome.skipped
    assert manual.outcome == RunOutcome.succeeded and manual.counts['milestone_due_soon'] == 0
    assert len(notices('milestone_due_soon')) == 1


def test_the_manager_hears_of_a_review_past_its_deadline_once_a_working_day(world):
    open_now(date(2026, 7, 1))
    [review] = reviews()
    assert review.due_at.astimezone(SHANGHAI).date() == date(2026, 7, 15)
    assert remind(date(2026, 7, 15), 8)['review_overdue'] == 0       # due at 09:00
    assert remind(date(2026, 7, 15), 10)['review_overdue'] == 1
    assert remind(date(2026, 7, 15), 17)['review_overdue'] == 0
    assert remind(date(2026, 7, 18))['review_overdue'] == 0          # Saturday
    assert remind(date(2026, 7, 20))['review_overdue'] == 1          # Monday: again
    assert notices('review_overdue', world.manager) == [
        'The progress review of Service robot (Alpha Robotics) was due on Jul 15, 2026 and is not decided yet.'] * 2
    operations.submit_self_assessment(review, user=world.owner, text='Fine.')
    operations.decide_review(review, user=world.manager, outcome='continue', findings='Fine.',
                             ratings={target.id: ('met', '') for target in world.milestone.kpi_targets})
    db.session.commit()
    assert remind(date(2026, 7, 21))['review_overdue'] == 0


class TestHolidays:
    """National Day 2026: 1–7 October off, Saturday 10 October a make-up workday (Mid-autumn 25–27 September)."""

    def test_before_the_due_date_counts_working_days_across_the_holiday(self, world):
        due_on(world, date(2026, 10, 9))          # Friday: working days before it are 8 Oct, 30 and 29 Sep
        assert remind(date(2026, 9, 28))['milestone_due_soon'] == 0
        assert remind(date(2026, 9, 29))['milestone_due_soon'] == 1
        for holiday in (date(2026, 10, 5), date(2026, 10, 6)):
            assert remind(holiday) == {'milestone_due_soon': 0, 'milestone_overdue': 0, 'review_overdue': 0}
        assert notices('milestone_due_soon', world.owner) == [DUE_SOON.format(due='Oct 9, 2026')]

    def test_after_the_due_date_waits_for_the_first_working_day(self, world):
        due_on(world, date(2026, 9, 30))
        for day in (date(2026, 10, 1), date(2026, 10, 7)):
            assert remind(day)['milestone_overdue'] == 0
        assert remind(date(2026, 10, 8))['milestone_overdue'] == 1

    def test_a_make_up_workday_is_a_working_day(self, world, app):
        app.config['REMINDER_WORKING_DAYS_BEFORE'] = 1
        try:
            due_on(world, date(2026, 10, 12))     # Monday; the working day before it is Saturday 10 October
            assert remind(date(2026, 10, 10))['milestone_due_soon'] == 1
        finally:
            app.config['REMINDER_WORKING_DAYS_BEFORE'] = 3

    def test_the_review_deadline_skips_the_holiday(self, world):
        open_now(date(2026, 10, 1))
        [review] = reviews()
        # Ten working days from 1 October: 8, 9, 10 (make-up), 12, 13, 14, 15, 16, 19, 20 October.
        assert review.due_at == at(date(2026, 10, 20))


@pytest.mark.parametrize('before, reminded_on', [(1, date(2026, 6, 29)), (5, date(2026, 6, 23))])
def test_the_number_of_working_days_is_configurable(world, app, before, reminded_on):
    app.config['REMINDER_WORKING_DAYS_BEFORE'] = before
    try:
        assert remind(reminded_on)['milestone_due_soon'] == 1
    finally:
        app.config['REMINDER_WORKING_DAYS_BEFORE'] = 3
