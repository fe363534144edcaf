"""Both workflows' tables over every state and role: what is allowed leads where the table says, nothing else is."""
import itertools

import pytest

from incubator.greenchannel.models import (
    REQUEST_ACTIONS,
    REQUEST_TRANSITIONS,
    REVIEW_ACTIONS,
    REVIEW_TRANSITIONS,
    GreenRole,
    RequestState,
    ReviewState,
    request_transition,
    review_transition,
)

EXPECTED_REQUEST = {
    (RequestState.draft, 'edit', GreenRole.owner): RequestState.draft,
    (RequestState.draft, 'submit', GreenRole.owner): RequestState.submitted,
    (RequestState.draft, 'withdraw', GreenRole.owner): RequestState.withdrawn,
    (RequestState.submitted, 'return', GreenRole.service_contact): RequestState.returned,
    (RequestState.submitted, 'return', GreenRole.manager): RequestState.returned,
    (RequestState.submitted, 'accept', GreenRole.service_contact): RequestState.in_review,
    (RequestState.submitted, 'accept', GreenRole.manager): RequestState.in_review,
    (RequestState.submitted, 'withdraw', GreenRole.owner): RequestState.withdrawn,
    (RequestState.returned, 'edit', GreenRole.owner): RequestState.returned,
    (RequestState.returned, 'resubmit', GreenRole.owner): RequestState.submitted,
    (RequestState.returned, 'withdraw', GreenRole.owner): RequestState.withdrawn,
    (RequestState.in_review, 'to_committee', GreenRole.system): RequestState.in_committee,
    (RequestState.in_review, 'to_committee', GreenRole.service_contact): RequestState.in_committee,
    (RequestState.in_review, 'to_committee', GreenRole.manager): RequestState.in_committee,
    (RequestState.in_committee, 'approve', GreenRole.chair): RequestState.decided,
    (RequestState.in_committee, 'partly_approve', GreenRole.chair): RequestState.decided,
    (RequestState.in_committee, 'reject', GreenRole.chair): RequestState.closed,
    # After the decision (the aftercare sub-package).
    **{(RequestState.decided, action, role): following
       for action, following in (('publish', RequestState.in_notice), ('take_effect', RequestState.in_fulfilment))
       for role in (GreenRole.system, GreenRole.service_contact, GreenRole.manager)},
    (RequestState.in_notice, 'take_effect', GreenRole.system): RequestState.in_fulfilment,
    (RequestState.in_notice, 'reopen', GreenRole.service_contact): RequestState.in_committee,
    (RequestState.in_notice, 'reopen', GreenRole.manager): RequestState.in_committee,
    **{(RequestState.in_fulfilment, action, role): RequestState.in_fulfilment
       for action in ('plan', 'deliver') for role in (GreenRole.service_contact, GreenRole.manager)},
    **{(RequestState.in_fulfilment, 'close', role): RequestState.closed
       for role in (GreenRole.system, GreenRole.service_contact, GreenRole.manager)},
}

EXPECTED_REVIEW = {
    (ReviewState.pending, 'give', GreenRole.department_reviewer): ReviewState.given,
    (ReviewState.pending, 'ask', GreenRole.department_reviewer): ReviewState.asking,
    (ReviewState.asking, 'answer', GreenRole.owner): ReviewState.pending,
    (ReviewState.pending, 'lapse', GreenRole.system): ReviewState.lapsed,
    (ReviewState.pending, 'lapse', GreenRole.service_contact): ReviewState.lapsed,
    (ReviewState.pending, 'lapse', GreenRole.manager): ReviewState.lapsed,
}


@pytest.mark.parametrize('state, action, role', list(itertools.product(RequestState, REQUEST_ACTIONS, GreenRole)))
def test_request_transitions(state, action, role):
    assert request_transition(state, action, {role}) == EXPECTED_REQUEST.get((state, action, role))


@pytest.mark.parametrize('state, action, role', list(itertools.product(ReviewState, REVIEW_ACTIONS, GreenRole)))
def test_review_transitions(state, action, role):
    assert review_transition(state, action, {role}) == EXPECTED_REVIEW.get((state, action, role))


def test_the_tables_name_only_known_actions():
    assert {action for _state, action in REQUEST_TRANSITIONS} == set(REQUEST_ACTIONS)
    assert {action for _state, action in REVIEW_TRANSITIONS} == set(REVIEW_ACTIONS)
