"""Every (case state, role, action): the operations allow exactly what the issue lists, to exactly whom, and a
refused step changes nothing.

The expected answers are written out here from the issue, not read from the models' table. The world's case is
filed by the startup's owner (so the owner is also the filer who may appeal); member 3 of the committee declared
a conflict on each decision.
"""
from datetime import date

import pytest

from incubator.cases import operations
from incubator.cases.models import CASE_TRANSITIONS, Case, CaseState
from incubator.extensions import db
from tests.cases.conftest import FACTS, FINDINGS, after_deadline
from tests.conftest import refused

S = CaseState
ROLES = ('owner', 'member', 'other_startup', 'manager', 'assessor', 'committee', 'chair', 'admin', 'nobody')
ACTIONS = ('edit', 'file', 'discard', 'accept', 'decline', 'assign', 'assess', 'decide', 'record', 'appeal', 'refer',
           'close', 'add_entry')
MANAGERS = {'manager', 'assessor'}
AFTER_DECISION = (S.decided, S.recorded, S.appealed, S.closed)

#: (state, action) → (who may, the state after): the issue's workflow.
ALLOWED = {
    (S.draft, 'edit'): ({'owner'}, S.draft),
    (S.draft, 'file'): ({'owner'}, S.filed),
    (S.draft, 'discard'): ({'owner'}, None),  # the draft is deleted
    (S.filed, 'edit'): (MANAGERS, S.filed),
    (S.accepted, 'edit'): (MANAGERS, S.accepted),
    (S.under_assessment, 'edit'): (MANAGERS, S.under_assessment),
    (S.filed, 'accept'): (MANAGERS, S.accepted),
    (S.filed, 'decline'): (MANAGERS, S.declined),
    (S.accepted, 'assign'): (MANAGERS, S.under_assessment),
    (S.under_assessment, 'assign'): (MANAGERS, S.under_assessment),
    (S.under_assessment, 'assess'): ({'assessor'}, S.committee_review),
    (S.committee_review, 'decide'): ({'chair'}, S.decided),
    (S.decided, 'record'): (MANAGERS, S.recorded),
    (S.recorded, 'appeal'): ({'owner'}, S.appealed),
    (S.appealed, 'refer'): (MANAGERS, S.committee_review),
    (S.recorded, 'close'): (MANAGERS, S.closed),
    **{(state, 'add_entry'): (MANAGERS, state) for state in AFTER_DECISION},
}
#: Who may take each action in some state (the chair is chair only while the committee reviews).
TAKERS = {action: set().union(*(roles for (_, act), (roles, _) in ALLOWED.items() if act == action))
          for action in ACTIONS}
#: The same table in the models' words: the chair, the owner as drafter and as filer.
IN_MODEL_WORDS = {'owner': {'drafter'}}


def case_in(world, state):
    if state == S.draft:
        return world.draft()
    if state == S.filed:
        return world.filed()
    if state in (S.accepted, S.declined):
        case = world.filed()
        if state == S.accepted:
            operations.accept_case(case, user=world.manager)
        else:
            operations.decline_case(case, user=world.manager, reason='Out of scope')
    elif state == S.under_assessment:
        case = world.under_assessment()
    elif state == S.committee_review:
        case = world.before_committee()
        world.vote(case)
    elif state == S.decided:
        case = world.decided()
    else:
        case = world.recorded()
        if state == S.appealed:
            operations.appeal_case(case, user=world.owner, reason='Unfair')
        elif state == S.closed:
            operations.close_case(case, user=world.manager, now=after_deadline(case))
    db.session.commit()
    return case


def perform(world, case, action, user):
    if action == 'edit':
        return operations.update_case(case, user=user, **FACTS, subsidies={world.funding.id: 1})
    if action == 'file':
        return operations.file_case(case, user=user)
    if action == 'discard':
        return operations.discard_draft(case, user=user)
    if action == 'accept':
        return operations.accept_case(case, user=user)
    if action == 'decline':
        return operations.decline_case(case, user=user, reason='Out of scope')
    if action == 'assign':
        return operations.assign_assessor(case, user=user, assessor=world.assessor)
    if action == 'assess':
        return operations.submit_assessment(case, user=user, **FINDINGS)
    if action == 'decide':
        return operations.decide_case(case, user=user, outcome='exempt', consequences='', legal_basis='Art. 5')
    if action == 'record':
        return operations.record_case(case, user=user, filed_with_body_on=date(2026, 7, 2), filing_reference='R')
    if action == 'appeal':
        return operations.appeal_case(case, user=user, reason='Unfair')
    if action == 'refer':
        return operations.refer_appeal(case, user=user)
    if action == 'close':
        return operations.close_case(case, user=user, now=after_deadline(case) if case.appeal_deadline_at else None)
    return operations.add_entry(case, user=user, text='A correction')


def expected_refusal(state, action, role):
    if role not in TAKERS[action] or (role == 'chair' and state != S.committee_review) or (
            role == 'owner' and action in ('edit', 'file', 'discard') and state != S.draft) or (
            # the assessor is one once assigned: before, a manager like the others
            role == 'assessor' and action == 'assess' and state in (S.draft, S.filed, S.accepted, S.declined)):
        return 'case.not_allowed'
    if action == 'edit' and state in AFTER_DECISION:
        return 'case.decided'
    return 'case.wrong_state'


def test_the_table_is_the_issues_workflow():
    words = {'drafter': 'owner', 'filer': 'owner'}
    table = {key: ({words.get(role.value, role.value) for role in roles}, after)
             for key, (roles, after) in CASE_TRANSITIONS.items()}
    assert table == ALLOWED


@pytest.mark.parametrize('state', list(S), ids=lambda state: state.value)
def test_every_role_and_action_in_each_state(world, state):
    """Every (role, action) on one case in ``state``, each undone after (a savepoint): the case is walked to its
    state once per state rather than once per role."""
    case = case_in(world, state)
    for role in ROLES:
        user = world.user(role)
        for action in ACTIONS:
            savepoint = db.session.begin_nested()
            try:
                check(world, case, state, user, role, action)
            except AssertionError as error:
                raise AssertionError(f'{state.value}, {role}, {action}: {error}') from error
            finally:
                savepoint.rollback()
                db.session.expire_all()
                case = db.session.get(Case, case.id)


def check(world, case, state, user, role, action):
    entry = ALLOWED.get((state, action))
    if entry is not None and role in entry[0]:
        perform(world, case, action, user)
        db.session.flush()
        if entry[1] is None:  # discarded: the draft is deleted
            assert db.session.get(Case, case.id) is None
            return
        assert case.state == entry[1]
        if action == 'add_entry':
            assert case.entries[-1].author_id == user.id
        elif (state, action) != (S.draft, 'edit'):  # a draft's edits are not steps
            assert case.steps[-1].action == action and case.steps[-1].actor_id == user.id
    else:
        steps = len(case.steps)
        with refused(expected_refusal(state, action, role)):
            perform(world, case, action, user)
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert (case.state, len(case.steps)) == (state, steps)
