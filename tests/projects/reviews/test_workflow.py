"""A review from self-assessment to decision: the transition table over every state and role, the ratings,
a stop that stops the project and suspends the startup's free quota, and the pages in both languages."""
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from incubator.booking.models import FreeQuotaSuspension
from incubator.booking.queries import open_suspension
from incubator.core.errors import Conflict, NotAllowed
from incubator.extensions import db
from incubator.projects.models import ProjectRole, ProjectStatus, ReviewOutcome
from incubator.projects.reviews import operations
from incubator.projects.reviews.models import (
    REVIEW_ACTIONS,
    REVIEW_TRANSITIONS,
    KpiRating,
    ProgressReview,
    ReviewState,
    review_transition,
)
from incubator.projects.reviews.queries import kpi_targets_to_rate
from incubator.projects.reviews.signals import review_stopped
from tests.conftest import refused
from tests.projects.conftest import EN
from tests.projects.reviews.conftest import at, notices, open_now, reviews

ROLES = ('owner', 'member', 'other_startup', 'manager', 'admin', 'committee', 'nobody')
#: The role each test user acts as in the transition table (None: not part of the project).
TABLE_ROLE = {'owner': ProjectRole.owner, 'member': ProjectRole.member, 'other_startup': None,
              'manager': ProjectRole.manager, 'admin': ProjectRole.admin, 'committee': ProjectRole.committee,
              'nobody': None}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(date(2026, 7, 2)), tick=False):
        yield


@pytest.fixture
def review(world):
    open_now(date(2026, 7, 1))
    return reviews()[0]


def all_met(review):
    return {target.id: ('met', '') for target in kpi_targets_to_rate(review)}


def put_in_state(review, world, state):
    if state in (ReviewState.awaiting_decision, ReviewState.decided):
        operations.submit_self_assessment(review, user=world.owner, text='We shipped the prototype.')
    if state == ReviewState.decided:
        operations.decide_review(review, user=world.manager, outcome='continue', findings='Good.',
                                 ratings=all_met(review))
    db.session.commit()
    assert review.state == state


def test_the_table_names_only_known_states_actions_and_roles():
    for (state, action), (roles, next_state) in REVIEW_TRANSITIONS.items():
        assert state in ReviewState and next_state in ReviewState and action in REVIEW_ACTIONS
        assert roles <= set(ProjectRole)
    assert not any(state == ReviewState.decided for state, _action in REVIEW_TRANSITIONS)


@pytest.mark.parametrize('state', list(ReviewState))
@pytest.mark.parametrize('role', ROLES)
@pytest.mark.parametrize('action', REVIEW_ACTIONS)
def test_every_state_and_role(world, review, state, role, action):
    """Each (state, role, action) does what the table says, and nothing else."""
    put_in_state(review, world, state)
    user = world.user(role)
    expected = review_transition(state, action, TABLE_ROLE[role])
    run = {'self_assess': lambda: operations.submit_self_assessment(review, user=user, text='Our view.'),
           'decide': lambda: operations.decide_review(review, user=user, outcome='warning', findings='Slow.',
                                                      ratings=all_met(review))}[action]
    if expected is None:
        with pytest.raises((NotAllowed, Conflict)) as caught:
            run()
        could_ever = any(TABLE_ROLE[role] in roles for (_s, act), (roles, _n) in REVIEW_TRANSITIONS.items()
                         if act == action)
        assert caught.value.code == ('reviews.already_decided' if could_ever else 'reviews.not_allowed')
        db.session.rollback()
        assert db.session.get(ProgressReview, review.id).state == state
    else:
        run()
        db.session.commit()
        assert review.state == expected


def test_the_whole_flow_to_a_stop_suspends_the_quota_until_a_manager_restores_it(world, client, login):
    open_now(date(2026, 7, 1))
    [review] = reviews()
    url = f'/reviews/{review.id}'
    stopped = []
    review_stopped.connect(lambda sender, user: stopped.append((sender.id, user.id)), weak=False)
    try:
        login(world.member)
        page = client.get(url, headers=EN).get_data(as_text=True)
        assert 'Save the self-assessment' in page and 'Record the decision' not in page
        response = client.post(f'{url}/self-assessment', data={'self_assessment': 'Prototype late, two hires.'})
        assert response.status_code == 302
        assert notices('review_self_assessed', world.manager) == [
            'Alpha Robotics answered the self-assessment of the progress review of Service robot.']

        login(world.manager)
        page = client.get(url, headers=EN).get_data(as_text=True)
        assert 'Prototype late, two hires.' in page and 'Record the decision' in page
        assert 'Revenue' in page and 'New hires' in page
        targets = kpi_targets_to_rate(review)
        form = {'findings': 'Revenue far behind, no path to the market.', 'outcome': 'stop'}
        for index, (target, rating) in enumerate(zip(targets, ('missed', 'partly_met'), strict=True)):
            form.update({f'ratings-{index}-kpi_target_id': target.id, f'ratings-{index}-rating': rating,
                         f'ratings-{index}-comment': f'Comment {index}'})
        assert client.post(f'{url}/decision', data=form).status_code == 302
    finally:
        review_stopped.receivers.clear()

    review = db.session.get(ProgressReview, review.id)
    assert (review.state, review.outcome, review.decided_by_id) == (ReviewState.decided, ReviewOutcome.stop,
                                                                    world.manager.id)
    assert sorted(rating.rating.value for rating in review.ratings) == ['missed', 'partly_met']
    assert (world.project.status, world.project.last_review_outcome) == (ProjectStatus.stopped, ReviewOutcome.stop)
    assert stopped == [(review.id, world.manager.id)]
    suspension = open_suspension(world.a)
    assert suspension is not None and 'Revenue far behind' in suspension.reason
    assert notices('review_decided', world.owner) == [
        'The progress review of Service robot from Jul 1, 2026 is decided: Stop.']
    assert notices('free_quota_suspended', world.owner)

    login(world.owner)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'A tolerance-for-failure case may be opened for this project.' in page
    assert 'Revenue far behind' in page and 'Missed' in page and 'Partly met' in page
    assert 'The free booking hours of Alpha Robotics are suspended since' in page
    assert 'Restore the free hours' not in page
    chinese = client.get(url).get_data(as_text=True)
    assert 'Revenue far behind' in chinese and 'A tolerance-for-failure case' not in chinese

    login(world.committee)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'Revenue far behind' in page and 'Record the decision' not in page and 'Save the self' not in page

    login(world.manager)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'Restore the free hours' in page
    response = client.post(f'/startups/{world.a.id}/free-hours/restore', data={'note': 'New plan', 'next': url})
    assert response.status_code == 302 and response.headers['Location'] == url
    assert open_suspension(world.a) is None
    assert 'suspended since' not in client.get(url, headers=EN).get_data(as_text=True)


def test_a_warning_neither_stops_nor_suspends(world, review):
    operations.decide_review(review, user=world.admin, outcome='warning', findings='Hires behind.',
                             ratings=all_met(review))
    db.session.commit()
    assert (world.project.status, world.project.last_review_outcome) == (ProjectStatus.active, ReviewOutcome.warning)
    assert db.session.execute(sa.select(FreeQuotaSuspension)).first() is None


class TestBadInput:
    @pytest.mark.parametrize('ratings, code', [
        (lambda targets: {}, 'reviews.kpi_not_rated'),
        (lambda targets: {targets[0].id: ('met', '')}, 'reviews.kpi_not_rated'),
        (lambda targets: {**{t.id: ('met', '') for t in targets}, 99999: ('met', '')}, 'reviews.unknown_kpi'),
        (lambda targets: {t.id: ('brilliant', '') for t in targets}, 'reviews.bad_rating'),
    ])
    def test_ratings_must_cover_each_kpi_with_a_level(self, world, review, ratings, code):
        with refused(code):
            operations.decide_review(review, user=world.manager, outcome='continue', findings='Fine.',
                                     ratings=ratings(kpi_targets_to_rate(review)))
        assert review.state == ReviewState.awaiting_self_assessment
        assert db.session.execute(sa.select(KpiRating)).first() is None

    @pytest.mark.parametrize('outcome, findings, code', [
        ('maybe', 'Fine.', 'reviews.bad_outcome'), ('continue', '   ', 'reviews.findings_required')])
    def test_outcome_and_findings(self, world, review, outcome, findings, code):
        with refused(code):
            operations.decide_review(review, user=world.manager, outcome=outcome, findings=findings,
                                     ratings=all_met(review))

    def test_a_blank_self_assessment_is_refused(self, world, review):
        with refused('reviews.self_assessment_required'):
            operations.submit_self_assessment(review, user=world.owner, text='  ')

    def _decision_form(self, review, rating='met'):
        form = {'findings': 'Fine.', 'outcome': 'continue'}
        for index, target in enumerate(kpi_targets_to_rate(review)):
            form.update({f'ratings-{index}-kpi_target_id': target.id, f'ratings-{index}-rating': rating})
        return form

    def test_a_rating_that_is_not_a_choice_is_explained_in_both_languages(self, world, review, client, login):
        login(world.manager)
        response = client.post(f'/reviews/{review.id}/decision', data=self._decision_form(review, 'superb'),
                               headers=EN)
        assert response.status_code == 422 and 'Not a valid choice' in response.get_data(as_text=True)
        chinese = client.post(f'/reviews/{review.id}/decision', data=self._decision_form(review, 'superb'))
        assert chinese.status_code == 422 and 'Not a valid choice' not in chinese.get_data(as_text=True)
        assert db.session.get(ProgressReview, review.id).state == ReviewState.awaiting_self_assessment

    @pytest.mark.parametrize('role, status', [('owner', 403), ('member', 403), ('committee', 403),
                                              ('other_startup', 404), ('nobody', 404)])
    def test_a_decision_by_someone_else_is_refused(self, world, review, client, login, role, status):
        login(world.user(role))
        response = client.post(f'/reviews/{review.id}/decision', data=self._decision_form(review))
        assert response.status_code == status
        assert db.session.get(ProgressReview, review.id).state == ReviewState.awaiting_self_assessment

    @pytest.mark.parametrize('role, status', [('manager', 403), ('committee', 403), ('other_startup', 404)])
    def test_a_self_assessment_by_someone_else_is_refused(self, world, review, client, login, role, status):
        login(world.user(role))
        response = client.post(f'/reviews/{review.id}/self-assessment', data={'self_assessment': 'x'})
        assert response.status_code == status
        assert db.session.get(ProgressReview, review.id).self_assessment is None

    def test_a_second_decision_is_a_conflict(self, world, review, client, login):
        put_in_state(review, world, ReviewState.decided)
        login(world.admin)
        response = client.post(f'/reviews/{review.id}/decision', data=self._decision_form(review), headers=EN)
        assert response.status_code == 409 and 'already decided' in response.get_data(as_text=True)

    def test_a_missing_findings_field_is_explained(self, world, review, client, login):
        login(world.manager)
        form = self._decision_form(review)
        del form['findings']
        response = client.post(f'/reviews/{review.id}/decision', data=form, headers=EN)
        assert response.status_code == 422 and 'This field is required.' in response.get_data(as_text=True)


class TestPages:
    @pytest.mark.parametrize('role, status', [('owner', 200), ('member', 200), ('manager', 200), ('admin', 200),
                                              ('committee', 200), ('other_startup', 404), ('nobody', 404)])
    def test_who_sees_a_review(self, world, review, client, login, role, status):
        login(world.user(role))
        assert client.get(f'/reviews/{review.id}').status_code == status

    def test_the_project_page_lists_its_reviews(self, world, review, client, login):
        login(world.owner)
        page = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
        assert 'Progress reviews' in page and f'/reviews/{review.id}' in page
        assert 'Awaiting the self-assessment' in page

    def test_my_reviews_lists_the_managers_open_reviews_by_deadline(self, world, review, client, login):
        login(world.manager)
        page = client.get('/reviews/mine', headers=EN).get_data(as_text=True)
        assert 'Service robot' in page and 'Alpha Robotics' in page
        assert 'Due this week' not in page      # due 15 July, today 2 July
        with time_machine.travel(at(date(2026, 7, 13)), tick=False):
            login(world.manager)
            assert 'Due this week' in client.get('/reviews/mine', headers=EN).get_data(as_text=True)
        with time_machine.travel(at(date(2026, 7, 16)), tick=False):
            login(world.manager)
            assert 'Past its deadline' in client.get('/reviews/mine', headers=EN).get_data(as_text=True)
        put_in_state(review, world, ReviewState.decided)
        login(world.manager)
        assert 'No review awaits your decision.' in client.get('/reviews/mine', headers=EN).get_data(as_text=True)

    @pytest.mark.parametrize('role, status', [('owner', 403), ('committee', 403), ('admin', 200)])
    def test_my_reviews_is_for_staff(self, world, client, login, role, status):
        login(world.user(role))
        assert client.get('/reviews/mine').status_code == status
