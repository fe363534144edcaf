"""Who may see a case and take each step.

A case is confidential (issue #15, point 6): managers, the owners of the startup it is about, and the committee
members seated on its decisions who did not declare a conflict see it; anyone else, plain members of the startup
and administrators who are not managers included, gets 404, as for its evidence files. Committee members see a
case once a decision on it is open (before that there is nothing for them to judge), and a member recused from
any round of it no longer sees it. A draft is its filer's side's only: the startup's owners for a draft they
started, managers for one a manager (or a stopped review) started.
"""

from incubator.auth.models import MembershipRole, Role
from incubator.cases.models import SUBJECT_KIND, CaseOrigin, CaseRole, CaseState
from incubator.committees.queries import seat_standing
from incubator.core.permissions import hidden_unless, rule


def _is_manager(user):
    return user.has_role(Role.manager)


def _startup_role(user, case):
    membership = case.startup.membership_of(user)
    if membership is None:
        return None
    return CaseRole.owner if membership.role == MembershipRole.owner else CaseRole.member


def committee_standing(user, case):
    """``(seated, recused, chairing)``: whether ``user`` is seated on a decision of ``case`` (any round), recused
    from any of them, and acts as chair of the open one."""
    seated, recused = seat_standing(user, SUBJECT_KIND, case.id)
    if not seated:
        return False, False, False
    chairing = False
    if not recused and case.state == CaseState.committee_review:
        from incubator.cases.queries import open_decision_of
        decision = open_decision_of(case)
        acting = decision.acting_chair if decision is not None else None  # committees' rule for a recused chair
        chairing = acting is not None and acting.user_id == user.id
    return True, recused, chairing


def roles_in(user, case):
    """Every :class:`CaseRole` ``user`` holds towards ``case`` (empty for strangers)."""
    if user is None or not getattr(user, 'is_authenticated', False):
        return frozenset()
    roles = set()
    if user.has_role(Role.admin):
        roles.add(CaseRole.admin)
    if _is_manager(user):
        roles.add(CaseRole.manager)
        if case.assessor_id == user.id:
            roles.add(CaseRole.assessor)
    startup_role = _startup_role(user, case)
    if startup_role is not None:
        roles.add(startup_role)
    if case.origin == CaseOrigin.owner:
        if startup_role == CaseRole.owner:
            roles.add(CaseRole.filer)
    elif case.filer_id == user.id and _is_manager(user):
        roles.add(CaseRole.filer)
    if case.state == CaseState.draft:
        side = CaseRole.owner if case.origin == CaseOrigin.owner else CaseRole.manager
        if side in roles:
            roles.add(CaseRole.drafter)
    seated, recused, chairing = committee_standing(user, case)
    if seated and not recused:
        roles.add(CaseRole.committee)
        if chairing:
            roles.add(CaseRole.chair)
    return frozenset(roles)


def may_see(roles, case):
    """The confidentiality rule over the roles a user holds (see the module's docstring)."""
    if case.state == CaseState.draft:
        return CaseRole.drafter in roles
    return bool(roles & {CaseRole.manager, CaseRole.owner, CaseRole.committee})


@rule('case.view')
def _view_case(user, case):
    return may_see(roles_in(user, case), case)


@rule('cases.list')
def _list_cases(user, obj):
    """The list of cases: managers see all, owners their startups', committee members those they sit on."""
    return _is_manager(user) or user.has_role(Role.committee) or any(
        membership.role == MembershipRole.owner for membership in user.memberships)


@rule('startup.file_case')
def _file_case(user, startup):
    """Managers about any startup, owners about their own."""
    return _is_manager(user) or (startup is not None and _startup_role(user, _Of(startup)) == CaseRole.owner)


class _Of:
    """A stand-in with the startup only, to ask what a user is to a startup before any case exists."""

    def __init__(self, startup):
        self.startup = startup


@rule('case.remove_evidence')
def _remove_evidence(user, case):
    """Whoever may edit the case now (attachments also asks whether the case is locked)."""
    from incubator.cases.models import may_take
    return _view_case(user, case) and may_take(case.state, 'edit', roles_in(user, case))


@rule('cases.statistics')
def _statistics(user, obj):
    """The anonymised statistics: managers and committee members."""
    return _is_manager(user) or user.has_role(Role.committee)


@rule('cases.configure_checklists')
def _configure_checklists(user, obj):
    return user.has_role(Role.admin)


hidden_unless('Case', 'case.view')
hidden_unless('DecisionLetter', 'case.view_letter')


@rule('case.view_letter')
def _view_letter(user, letter):
    return _view_case(user, letter.case)


def may(user, case, action):
    """Whether ``user`` may take ``action`` on ``case`` now (its state and their roles): what pages offer."""
    from incubator.cases.models import may_take
    return may_take(case.state, action, roles_in(user, case))
