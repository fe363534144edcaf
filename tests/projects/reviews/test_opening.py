"""Opening reviews: once per project and period, for every cadence, with the manager and the owners told."""
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.core.audit import acting_as
from incubator.core.calendar import working_deadline
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.notifications.models import OutboxEmail
from incubator.projects import operations as project_operations
from incubator.projects.models import ProjectField, ProjectStatus, ReviewCadence
from incubator.projects.reviews import operations
from incubator.projects.reviews.models import ProgressReview, ReviewState
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.runner import run_job
from tests.projects.reviews.conftest import SHANGHAI, at, notices, open_now, reviews


def new_project(world, cadence, start, title=None):
    project = project_operations.create_project(
        world.manager, world.a, title=title or f'{cadence.value} project', field=ProjectField.other,
        lead_name='Dr Wu', start_date=start, planned_end_date=date(2027, 12, 31), review_cadence=cadence,
        manager=world.manager)
    db.session.commit()
    return project


def test_a_review_opens_once_per_project_and_period(world):
    opened = open_now(date(2026, 7, 1))
    [review] = reviews()
    assert opened == [review.id]
    assert (review.project_id, review.period_start, review.manager_id, review.state) == (
        world.project.id, date(2026, 7, 1), world.manager.id, ReviewState.awaiting_self_assessment)
    assert review.opened_at == at(date(2026, 7, 1))
    assert review.due_at == working_deadline(at(date(2026, 7, 1)), 10).at
    assert open_now(date(2026, 7, 1)) == [] and open_now(date(2026, 8, 20)) == []
    assert len(reviews()) == 1
    [next_quarter] = open_now(date(2026, 10, 1))
    assert [review.period_start for review in reviews()] == [date(2026, 7, 1), date(2026, 10, 1)]
    assert next_quarter == reviews()[1].id


def test_the_job_twice_the_same_day_does_nothing_the_second_time(world):
    first = run_job('projects.open_reviews', now=at(date(2026, 7, 1)))
    second = run_job('projects.open_reviews', now=at(date(2026, 7, 1), 15))
    manual = run_job('projects.open_reviews', period='manual-rerun', now=at(date(2026, 7, 1), 16))
    assert (first.outcome, first.counts) == (RunOutcome.succeeded, {'opened': 1})
    assert second.outcome == RunOutcome.skipped
    assert (manual.outcome, manual.counts) == (RunOutcome.succeeded, {'opened': 0})
    assert len(reviews()) == 1
    assert len(notices('review_opened')) == 1


@pytest.mark.parametrize('cadence, today, period_start', [
    (ReviewCadence.monthly, date(2026, 8, 15), date(2026, 8, 1)),
    (ReviewCadence.quarterly, date(2026, 8, 15), date(2026, 7, 1)),
    (ReviewCadence.half_yearly, date(2026, 8, 15), date(2026, 7, 1)),
    (ReviewCadence.half_yearly, date(2026, 3, 31), date(2026, 1, 1)),
    (ReviewCadence.quarterly, date(2026, 12, 31), date(2026, 10, 1)),
])
def test_each_cadence_opens_the_period_that_contains_today(world, cadence, today, period_start):
    project = new_project(world, cadence, date(2025, 1, 1))
    open_now(today)
    assert [review.period_start for review in reviews(project)] == [period_start]


def test_a_project_started_mid_period_waits_for_its_first_full_period(world):
    project = new_project(world, ReviewCadence.monthly, date(2026, 8, 10))
    open_now(date(2026, 8, 20))
    assert reviews(project) == []
    open_now(date(2026, 9, 1))
    assert [review.period_start for review in reviews(project)] == [date(2026, 9, 1)]


def test_a_project_that_is_not_active_gets_no_review(world):
    world.project.status = ProjectStatus.completed
    db.session.commit()
    assert open_now(date(2026, 7, 1)) == []


def test_the_manager_and_the_owners_are_told_each_in_their_language(world, outbox):
    world.owner.locale = 'en'
    world.manager.locale = 'zh_Hans_CN'
    db.session.commit()
    open_now(date(2026, 7, 1))
    [review] = reviews()
    due = review.due_at.astimezone(SHANGHAI).date().isoformat()
    assert due == '2026-07-15'  # ten working days after Wednesday 1 July
    assert notices('review_opened', world.manager) == [
        'The progress review of Service robot (Alpha Robotics) from Jul 1, 2026 is open: decide by Jul 15, 2026.']
    assert notices('review_opened_for_startup', world.owner) == [
        'The progress review of Service robot from Jul 1, 2026 is open: please answer its short self-assessment. '
        'The manager decides by Jul 15, 2026.']
    assert notices('review_opened_for_startup', world.member) == []
    [chinese] = notices('review_opened', world.manager, 'zh_Hans_CN')
    assert 'Service robot' in chinese and '2026年7月1日' in chinese and '2026年7月15日' in chinese
    assert 'progress review' not in chinese and due not in chinese
    [to_owner] = outbox(world.owner.email)
    [to_manager] = outbox(world.manager.email)
    assert 'self-assessment' in to_owner.subject and to_owner.locale == 'en'
    assert to_manager.locale == 'zh_Hans_CN' and to_manager.subject == chinese
    assert f'/reviews/{review.id}' in to_manager.text_body


def test_opening_many_projects_takes_a_fixed_number_of_statements(world, count_queries):
    for n in range(3):
        new_project(world, ReviewCadence.quarterly, date(2026, 1, 1), title=f'Small {n}')
    with count_queries() as few:
        operations.open_reviews(at(date(2026, 7, 1)))
    db.session.rollback()
    for n in range(3, 30):
        new_project(world, ReviewCadence.quarterly, date(2026, 1, 1), title=f'Small {n}')
    with count_queries() as many:
        assert len(operations.open_reviews(at(date(2026, 7, 1)))) == 31
    assert many.count == few.count
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxEmail)).scalar_one() == 62


def test_two_runs_at_once_open_each_review_once(app, world):
    """Two scheduler processes started by mistake: the unique claim lets one review per project and period in."""
    for n in range(20):
        new_project(world, ReviewCadence.quarterly, date(2026, 1, 1), title=f'Race {n}')
    db.session.commit()
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(index):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with acting_as(f'test:thread-{index}'), transaction():
                    results[index] = operations.open_reviews(at(date(2026, 7, 1)))
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
    assert all(isinstance(result, list) for result in results), results
    assert sum(map(len, results)) == 21
    assert len(reviews()) == 21
    assert db.session.execute(sa.select(sa.func.count(sa.distinct(ProgressReview.project_id)))).scalar_one() == 21
    assert len(notices('review_opened')) == 21
