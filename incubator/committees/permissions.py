"""Committees: administrators manage them; seated members vote or declare a conflict on an open item; those who
may read opinions with names are the seated members who are not recused.

Whether the decision's subject may be seen at all is the subject domain's rule (the registry names it); these
rules are asked after it.
"""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role
from incubator.core.permissions import rule


@rule('committee.manage')
def _manage_committees(user, obj):
    return has_any_role(user, Role.admin)


def _seated_open(user, decision):
    return not decision.is_decided and decision.seat_of(user) is not None


@rule('decision.vote')
def _vote(user, decision):
    """A seated member who is not recused, before the outcome."""
    return _seated_open(user, decision) and decision.recusal_of(user) is None


@rule('decision.declare_conflict')
def _declare_conflict(user, decision):
    return _seated_open(user, decision) and decision.recusal_of(user) is None


@rule('decision.read_opinions')
def _read_opinions(user, decision):
    """Each opinion with its author and comment: seated members who are not recused, before and after the
    outcome. Staff who run the item see the counts only."""
    return decision.seat_of(user) is not None and decision.recusal_of(user) is None


@rule('decision.record_outcome')
def _record_outcome(user, decision):
    """The chair, or the member standing in for a recused chair (see ``Decision.acting_chair``)."""
    acting = decision.acting_chair
    return not decision.is_decided and acting is not None and acting.user_id == user.id
