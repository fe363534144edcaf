"""The read side of cases: the lists each reader may see, the case page, decisions, checklists, the project's cases."""
import functools

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from incubator.auth.models import MembershipRole, Role
from incubator.cases.models import (
    SUBJECT_KIND,
    Case,
    CaseAssessment,
    CaseEntry,
    CaseOrigin,
    CaseState,
    CaseStep,
    CaseSubsidy,
    ChecklistItem,
    ChecklistKind,
)
from incubator.committees.models import Decision, DecisionSeat
from incubator.committees.queries import judged_by
from incubator.core.pagination import paginate
from incubator.core.statements import UserParameter
from incubator.extensions import db
from incubator.startups.models import StartupMembership

PER_PAGE = 20


def _visible_clause(user):
    """The SQL of the confidentiality rule (``permissions.may_see``) for ``user``'s list."""
    clauses = []
    is_manager = user.has_role(Role.manager)
    if is_manager:
        clauses.append(sa.or_(Case.state != CaseState.draft, Case.origin != CaseOrigin.owner))
    owned = sa.select(StartupMembership.startup_id).where(StartupMembership.user_id == user.id,
                                                          StartupMembership.role == MembershipRole.owner)
    clauses.append(sa.and_(Case.startup_id.in_(owned),
                           sa.or_(Case.state != CaseState.draft, Case.origin == CaseOrigin.owner)))
    if user.has_role(Role.committee):
        clauses.append(sa.and_(judged_by(user, SUBJECT_KIND, Case.id), Case.state != CaseState.draft))
    return sa.or_(*clauses)


def cases_page(user, page, state=None):
    """The cases ``user`` may see, latest first, optionally in one state."""
    query = _cases_listing(user.has_role(Role.manager), user.has_role(Role.committee), state is not None)
    return paginate(query, page, PER_PAGE, {'user_id': user.id, 'state': state})


@functools.cache
def _cases_listing(as_manager, as_committee, in_one_state):
    """The statement of :func:`cases_page` for a reader with these roles, built once: building it cost more than
    running it. The user and the state are parameters."""
    held = {role for role, holds in ((Role.manager, as_manager), (Role.committee, as_committee)) if holds}
    reader = UserParameter(held.__contains__)
    query = (sa.select(Case).where(_visible_clause(reader))
             .options(joinedload(Case.startup), joinedload(Case.project), joinedload(Case.assessor))
             .order_by(Case.created_at.desc(), Case.id.desc()))
    if in_one_state:
        query = query.where(Case.state == sa.bindparam('state', type_=Case.state.type))
    return query


def case_for_page(case_id):
    """A case with everything its page shows."""
    return db.session.execute(
        sa.select(Case).where(Case.id == case_id).options(
            joinedload(Case.startup), joinedload(Case.project), joinedload(Case.filer), joinedload(Case.assessor),
            joinedload(Case.decided_by), selectinload(Case.parties),
            selectinload(Case.subsidies).joinedload(CaseSubsidy.funding),
            selectinload(Case.assessment).selectinload(CaseAssessment.checked_items),
            selectinload(Case.entries).joinedload(CaseEntry.author),
            selectinload(Case.steps).joinedload(CaseStep.actor),
            selectinload(Case.letters),
        )).unique().scalar_one_or_none()


def decisions_of(case):
    """The committee decisions of ``case``, by round."""
    return db.session.execute(
        sa.select(Decision).where(Decision.subject_kind == SUBJECT_KIND, Decision.subject_id == case.id)
        .options(selectinload(Decision.seats).joinedload(DecisionSeat.user), selectinload(Decision.opinions),
                 selectinload(Decision.recusals))
        .order_by(Decision.round)).scalars().all()


def decision_of_round(case, round):
    return db.session.execute(
        sa.select(Decision).where(Decision.subject_kind == SUBJECT_KIND, Decision.subject_id == case.id,
                                  Decision.round == round)).scalar_one_or_none()


def open_decision_of(case):
    """The decision of the case's current round while it is before the committee, else None."""
    if case.state != CaseState.committee_review:
        return None
    decision = decision_of_round(case, case.round)
    return decision if decision is not None and not decision.is_decided else None


def checklist_items(active_only=True):
    """The configured checklist items, by kind and position."""
    query = sa.select(ChecklistItem).order_by(ChecklistItem.kind, ChecklistItem.position, ChecklistItem.id)
    if active_only:
        query = query.where(ChecklistItem.is_active.is_(True))
    return db.session.execute(query).scalars().all()


def checklist_by_kind(items):
    return {kind: [item for item in items if item.kind == kind] for kind in ChecklistKind}


def decided_cases_of_project(project_id):
    """The project's cases that were decided (with their subsidies), latest first: what its page shows."""
    return db.session.execute(
        sa.select(Case).where(Case.project_id == project_id, Case.outcome.is_not(None))
        .options(selectinload(Case.subsidies).joinedload(CaseSubsidy.funding))
        .order_by(Case.decided_at.desc(), Case.id.desc())).scalars().all()


def cases_of_review(review_id):
    return db.session.execute(
        sa.select(Case).where(Case.review_id == review_id).order_by(Case.id)).scalars().all()



# --- work queues (home pages and the navigation) ----------------------------------------------------------

#: Where a case waits for any manager: to be accepted or declined, to get an assessor, an appeal to refer.
WAITING_FOR_MANAGERS = (CaseState.filed, CaseState.accepted, CaseState.appealed)


def _to_assess(user):
    return sa.or_(Case.state.in_(WAITING_FOR_MANAGERS),
                  sa.and_(Case.state == CaseState.under_assessment, Case.assessor_id == user.id))


def to_assess_count(user):
    """The select counting the cases waiting for managers, and those ``user`` is assessing."""
    return sa.select(sa.func.count(Case.id)).where(_to_assess(user))


def to_assess_first(user, limit):
    """The ``limit`` cases waiting longest (by when they were filed)."""
    return db.session.execute(
        sa.select(Case).where(_to_assess(user)).options(joinedload(Case.startup), joinedload(Case.project))
        .order_by(Case.filed_at.is_(None), Case.filed_at, Case.id).limit(limit)).scalars().all()
