"""Who may read and work on precedents.

Published precedents are for managers and committee members; drafts and those awaiting review for managers
only (the author edits, any other manager reviews). Anyone else gets 404.
"""
from incubator.auth.models import Role
from incubator.cases.precedents.models import PrecedentRole, PrecedentState, precedent_transition
from incubator.core.permissions import hidden_unless, rule


def roles_in(user, precedent):
    """Every :class:`PrecedentRole` ``user`` holds towards ``precedent`` (empty for strangers)."""
    if user is None or not getattr(user, 'is_authenticated', False):
        return frozenset()
    roles = set()
    if user.has_role(Role.manager):
        roles.add(PrecedentRole.author if precedent.author_id == user.id else PrecedentRole.reviewer)
    if user.has_role(Role.committee):
        roles.add(PrecedentRole.committee)
    return frozenset(roles)


def may(user, precedent, action):
    """Whether ``user`` may take ``action`` on ``precedent`` now: what its page offers."""
    return precedent_transition(precedent.state, action, roles_in(user, precedent)) is not None


@rule('precedent.view')
def _view(user, precedent):
    roles = roles_in(user, precedent)
    if precedent.state == PrecedentState.published:
        return bool(roles)
    return bool(roles & {PrecedentRole.author, PrecedentRole.reviewer})


@rule('precedents.search')
def _search(user, obj):
    return user.has_role(Role.manager) or user.has_role(Role.committee)


@rule('case.write_precedent')
def _write(user, case):
    return user.has_role(Role.manager)


hidden_unless('Precedent', 'precedent.view')
