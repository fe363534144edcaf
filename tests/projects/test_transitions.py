"""Every (milestone state, role, action): the operations allow exactly what the issue lists, to exactly whom.

The expected answers are written out here from the issue, not read from the models' table, so a wrong
entry in the table fails this test.
"""
import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.models import (
    MILESTONE_TRANSITIONS,
    MilestoneState,
    ProgressSubmission,
    SubmissionState,
)
from tests.conftest import refused
from tests.projects.conftest import figures_for

ROLES = ('owner', 'member', 'other_startup', 'manager', 'admin', 'committee', 'nobody')
ACTIONS = ('start', 'submit', 'accept', 'request_changes', 'reject')
S = MilestoneState

#: (state, action) → (who may, the state after): the issue's state machine.
ALLOWED = {
    (S.planned, 'start'): ({'owner', 'manager', 'admin'}, S.in_progress),
    (S.planned, 'submit'): ({'owner', 'member'}, S.submitted),
    (S.in_progress, 'submit'): ({'owner', 'member'}, S.submitted),
    (S.changes_requested, 'submit'): ({'owner', 'member'}, S.submitted),
    (S.submitted, 'accept'): ({'manager', 'admin'}, S.accepted),
    (S.submitted, 'request_changes'): ({'manager', 'admin'}, S.changes_requested),
    (S.submitted, 'reject'): ({'manager', 'admin'}, S.in_progress),
}
#: Who may take each action from some state: anyone else is refused as not allowed, whatever the state.
TAKERS = {action: set().union(*(roles for (_, act), (roles, _) in ALLOWED.items() if act == action))
          for action in ACTIONS}
SUBMISSION_AFTER = {'accept': SubmissionState.accepted, 'request_changes': SubmissionState.changes_requested,
                    'reject': SubmissionState.rejected}


def expected_refusal(state, action, role):
    if role not in TAKERS[action]:
        return 'projects.not_allowed'
    if state == S.accepted:
        return 'projects.milestone_accepted'
    if state == S.submitted and action == 'submit':
        return 'projects.already_submitted'
    return 'projects.wrong_state'


def put_in_state(world, state):
    """The world's milestone in ``state``, with a pending submission when submitted."""
    milestone = world.milestone
    if state == S.submitted:
        db.session.add(ProgressSubmission(milestone=milestone, submitted_by_id=world.owner.id, narrative='Report'))
    milestone.state = state
    db.session.commit()
    return milestone


def perform(world, milestone, action, user):
    if action == 'start':
        return operations.start_milestone(user, milestone)
    if action == 'submit':
        return operations.submit_progress(user, milestone, figures=figures_for(milestone, 100, 1), narrative='Done')
    return operations.decide_milestone(user, milestone, action, comment='Comments')


def test_the_table_is_the_issues_state_machine():
    assert {key: (set(role.value for role in roles), after)
            for key, (roles, after) in MILESTONE_TRANSITIONS.items()} == ALLOWED


@pytest.mark.parametrize('state', list(S), ids=lambda state: state.value)
def test_every_role_and_action_in_each_state(world, state):
    """Every (role, action) from one milestone in ``state``, each undone after (a savepoint): the milestone is put
    in its state once per state rather than once per role and action."""
    milestone = put_in_state(world, state)
    submissions_before = db.session.scalar(sa.select(sa.func.count(ProgressSubmission.id)))
    for role in ROLES:
        for action in ACTIONS:
            savepoint = db.session.begin_nested()
            try:
                check(world, milestone, state, world.user(role), role, action, submissions_before)
            except AssertionError as error:
                raise AssertionError(f'{state.value}, {role}, {action}: {error}') from error
            finally:
                savepoint.rollback()
                db.session.expire_all()


def check(world, milestone, state, user, role, action, submissions_before):
    entry = ALLOWED.get((state, action))
    if entry is not None and role in entry[0]:
        perform(world, milestone, action, user)
        db.session.flush()
        db.session.refresh(milestone)
        assert milestone.state == entry[1]
        if action in SUBMISSION_AFTER:
            assert [s.state for s in milestone.submissions] == [SUBMISSION_AFTER[action]]
            assert (milestone.accepted_at is not None) == (action == 'accept')
        if action == 'submit':
            assert milestone.submissions[-1].state == SubmissionState.pending
    else:
        with refused(expected_refusal(state, action, role)):
            perform(world, milestone, action, user)
        db.session.flush()
        db.session.refresh(milestone)
        assert milestone.state == state
        assert db.session.scalar(sa.select(sa.func.count(ProgressSubmission.id))) == submissions_before
