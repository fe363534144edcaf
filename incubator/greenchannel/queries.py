"""The read side of green-channel requests: the lists each reader may see (overdue first, then by the next
deadline), who holds a request now and when it is due, who takes part in its messages."""
import functools
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.auth.models import Role, User, UserRole
from incubator.auth.permissions import is_staff
from incubator.committees.queries import decision_for, judged_by
from incubator.core.calendar import site_calendar, years_without_calendar
from incubator.core.pagination import paginate
from incubator.core.statements import UserParameter
from incubator.core.workdays import working_days_between
from incubator.extensions import db
from incubator.greenchannel.models import (
    SUBJECT_KIND,
    Department,
    DepartmentReview,
    DepartmentReviewer,
    GreenRequest,
    RequestCategory,
    RequestState,
    Stage,
    StageKind,
)
from incubator.greenchannel.permissions import reviewer_department_ids
from incubator.projects.models import Project
from incubator.startups.models import Startup, StartupMembership

PER_PAGE = 30


def next_due_column():
    """The earliest deadline among a request's running clocks (paused ones wait), as a correlated subquery."""
    return (sa.select(sa.func.min(Stage.due_at))
            .where(Stage.request_id == GreenRequest.id, Stage.finished_at.is_(None), Stage.paused_since.is_(None))
            .correlate(GreenRequest).scalar_subquery())


def visible_requests(user):
    """The select of requests ``user`` may see (the rule ``green_request.view`` written as SQL); ``user`` may be
    a :class:`~incubator.core.statements.UserParameter` (their departments are then read in the statement)."""
    own = sa.select(StartupMembership.startup_id).where(StartupMembership.user_id == user.id)
    conditions = [GreenRequest.startup_id.in_(own)]
    if is_staff(user):
        conditions.append(GreenRequest.state != RequestState.draft)
    elif user.has_role(Role.committee):
        conditions.append(judged_by(user, SUBJECT_KIND, GreenRequest.id))
    if user.has_role(Role.department_reviewer):
        departments = sa.select(DepartmentReviewer.department_id).where(DepartmentReviewer.user_id == user.id)
        routed = sa.select(DepartmentReview.request_id).where(DepartmentReview.department_id.in_(departments))
        conditions.append(sa.and_(GreenRequest.id.in_(routed), GreenRequest.state != RequestState.draft))
    return sa.select(GreenRequest).where(sa.or_(*conditions))


@dataclass
class Row:
    request: GreenRequest
    next_due: datetime | None
    overdue: bool


def requests_page(user, page, *, now, state=None, department=None, pending_only=False):
    """A counted page of the requests ``user`` sees, as :class:`Row` items: overdue first, then by the next
    deadline, then the newest. ``department``: only those routed to it (``pending_only``: still awaiting its
    opinion)."""
    listing = _requests_listing(
        tuple(role for role in (Role.manager, Role.admin, Role.committee, Role.department_reviewer)
              if user.has_role(role)), state is not None, department is not None, pending_only)
    parameters = {'user_id': user.id, 'now': now, 'state': state,
                  'department_id': department.id if department is not None else None}
    pagination = paginate(listing, page, PER_PAGE, parameters)
    pagination.items = [Row(request, due, due is not None and due < now) for request, due in pagination.items]
    return pagination


@functools.cache
def _requests_listing(roles, in_one_state, of_department, pending_only):
    """The listing of :func:`requests_page` for a reader holding ``roles``, with these filters, built once: the
    visibility rule, the deadline column and the loader options cost more to build than to run. The reader,
    ``now``, the state, the department and the page are parameters."""
    query = visible_requests(UserParameter(set(roles).__contains__))
    if in_one_state:
        query = query.where(GreenRequest.state == sa.bindparam('state', type_=GreenRequest.state.type))
    if of_department:
        routed = sa.select(DepartmentReview.request_id).where(
            DepartmentReview.department_id == sa.bindparam('department_id'))
        if pending_only:
            routed = routed.where(DepartmentReview.state.in_(('pending', 'asking')))
        query = query.where(GreenRequest.id.in_(routed))
    next_due = next_due_column()
    now = sa.bindparam('now', type_=Stage.due_at.type)
    return (query.add_columns(next_due.label('next_due'))
            .options(selectinload(GreenRequest.startup), selectinload(GreenRequest.category),
                     selectinload(GreenRequest.stages),
                     selectinload(GreenRequest.reviews).selectinload(DepartmentReview.department))
            .order_by(sa.case((next_due < now, 0), else_=1), next_due.is_(None), next_due, GreenRequest.id.desc()))


def participants(request):
    """Everyone told of a message: the startup's members, the service contact, the reviewers of the departments
    it is routed to, and the committee members seated on it."""
    people = {membership.user.id: membership.user for membership in request.startup.memberships}
    if request.service_contact is not None:
        people[request.service_contact.id] = request.service_contact
    for review in request.reviews:
        for reviewer in review.department.reviewers:
            people[reviewer.id] = reviewer
    decision = decision_for(SUBJECT_KIND, request.id)
    if decision is not None:
        recused = decision.recused_ids
        for seat in decision.seats:
            if seat.user_id not in recused:
                people[seat.user_id] = seat.user
    return [person for person in people.values() if person.is_active]


@dataclass
class Holding:
    """Who holds one running step of a request, and until when."""

    stage: Stage
    holder: str
    people: list


def holdings(request, decision=None):
    """The running steps of ``request`` (the whole request's clock aside), each with who holds it."""
    result = []
    for stage in request.stages:
        if stage.finished_at is not None or stage.kind == StageKind.request:
            continue
        if stage.kind == StageKind.completeness:
            people = [request.service_contact] if request.service_contact else []
            holder = ('startup' if stage.is_paused else 'service_contact')
        elif stage.kind == StageKind.department:
            people = stage.review.department.reviewers
            holder = 'startup' if stage.is_paused else 'department'
        else:
            acting = decision.acting_chair if decision is not None else None
            people = [acting.user] if acting is not None else []
            holder = 'committee'
        result.append(Holding(stage, holder, people))
    return result


def load_request(request_id):
    """A request with what its page shows."""
    return db.session.get(GreenRequest, request_id, options=(
        selectinload(GreenRequest.startup).selectinload(Startup.memberships).selectinload(StartupMembership.user),
        selectinload(GreenRequest.category), selectinload(GreenRequest.stages).selectinload(Stage.pauses),
        selectinload(GreenRequest.reviews).selectinload(DepartmentReview.department)
        .selectinload(Department.reviewer_rows).selectinload(DepartmentReviewer.user),
        selectinload(GreenRequest.reviews).selectinload(DepartmentReview.questions),
        selectinload(GreenRequest.returns), selectinload(GreenRequest.events),
        selectinload(GreenRequest.messages)))


def all_departments(active_only=False):
    query = sa.select(Department).options(selectinload(Department.reviewer_rows).selectinload(DepartmentReviewer.user),
                                          selectinload(Department.head)).order_by(Department.id)
    if active_only:
        query = query.where(Department.is_active)
    return list(db.session.scalars(query))


def all_categories(active_only=False):
    query = sa.select(RequestCategory).options(selectinload(RequestCategory.default_departments)).order_by(
        RequestCategory.id)
    if active_only:
        query = query.where(RequestCategory.is_active)
    return list(db.session.scalars(query))


def accounts_with_role(role):
    return list(db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == role, User.is_active.is_(True))
        .order_by(User.name, User.id)))


def head_candidates():
    """Who may head a department: any active staff account."""
    return list(db.session.scalars(
        sa.select(User).where(User.is_active.is_(True), sa.exists().where(UserRole.user_id == User.id))
        .order_by(User.name, User.id)))


def projects_of(startup):
    return list(db.session.scalars(sa.select(Project).where(Project.startup_id == startup.id).order_by(Project.id)))


def managers():
    return accounts_with_role(Role.manager)


def reviewer_candidates():
    return accounts_with_role(Role.department_reviewer)


def departments_of(user):
    ids = reviewer_department_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Department).where(Department.id.in_(ids)).order_by(Department.id)))



@dataclass
class Clock:
    """A stage's time in working days: used (pauses left out) and paused (the running pause included)."""

    used: int
    paused: int


def stage_clock(stage, now):
    calendar = site_calendar()
    end = stage.finished_at or stage.paused_since or now
    paused = stage.paused_working_days
    if stage.paused_since is not None:
        paused += working_days_between(stage.paused_since, now, calendar)
    return Clock(max(0, working_days_between(stage.started_at, end, calendar) - stage.paused_working_days), paused)


def estimated_years(stage):
    """The years of ``stage``'s span whose public holidays are not entered yet: its deadline is an estimate."""
    return years_without_calendar(stage.started_at, stage.due_at)


# --- work queues (home pages and the navigation) ----------------------------------------------------------

#: Requests still under way (a draft waits for its startup to submit it).
OPEN_STATES = (RequestState.draft, RequestState.submitted, RequestState.returned, RequestState.in_review,
               RequestState.in_committee, RequestState.decided, RequestState.in_notice, RequestState.in_fulfilment)
#: Where a request waits for its startup: what its home lists first.
STARTUP_TURN = (RequestState.returned, RequestState.draft)


def _first(query, now, limit, *first):
    """Rows of ``query`` (requests) with their next deadline: ``first`` orderings, then overdue, then the nearest
    deadline, then the newest."""
    next_due = next_due_column()
    rows = db.session.execute(
        query.add_columns(next_due.label('next_due'))
        .options(selectinload(GreenRequest.startup), selectinload(GreenRequest.category))
        .order_by(*first, sa.case((next_due < now, 0), else_=1), next_due.is_(None), next_due,
                  GreenRequest.id.desc()).limit(limit)).all()
    return [Row(request, due, due is not None and due < now) for request, due in rows]


def _of_startups(startup_ids):
    return sa.and_(GreenRequest.startup_id.in_(startup_ids), GreenRequest.state.in_(OPEN_STATES))


def startup_requests_count(startup_ids):
    """The select counting the open requests of ``startup_ids``."""
    return sa.select(sa.func.count(GreenRequest.id)).where(_of_startups(startup_ids))


def startup_requests_first(startup_ids, now, limit):
    """The ``limit`` open requests of ``startup_ids``: those waiting for the startup first, then by deadline."""
    return _first(sa.select(GreenRequest).where(_of_startups(startup_ids)), now, limit,
                  sa.case((GreenRequest.state.in_(STARTUP_TURN), 0), else_=1))


def to_triage_count():
    """The select counting submitted requests that wait for the one window to check and route them."""
    return sa.select(sa.func.count(GreenRequest.id)).where(GreenRequest.state == RequestState.submitted)


def to_triage_first(now, limit):
    return _first(sa.select(GreenRequest).where(GreenRequest.state == RequestState.submitted), now, limit)


def overdue_count(now):
    """The select counting requests with a running clock past its deadline."""
    late = sa.select(Stage.request_id).where(Stage.finished_at.is_(None), Stage.paused_since.is_(None),
                                              Stage.due_at < now)
    return sa.select(sa.func.count(GreenRequest.id)).where(GreenRequest.id.in_(late),
                                                           GreenRequest.state.in_(OPEN_STATES))


def _routed_to(user):
    departments = sa.select(DepartmentReviewer.department_id).where(DepartmentReviewer.user_id == user.id)
    return sa.and_(DepartmentReview.department_id.in_(departments),
                   DepartmentReview.state.in_(('pending', 'asking')))


def routed_count(user):
    """The select counting the reviews waiting for an opinion of ``user``'s departments."""
    return sa.select(sa.func.count(DepartmentReview.id)).where(_routed_to(user))


@dataclass
class RoutedRow:
    review: DepartmentReview
    due_at: datetime | None
    overdue: bool


def routed_first(user, now, limit):
    """The ``limit`` reviews waiting for ``user``'s departments, the overdue first, then by deadline."""
    due = (sa.select(sa.func.min(Stage.due_at))
           .where(Stage.review_id == DepartmentReview.id, Stage.kind == StageKind.department,
                  Stage.finished_at.is_(None))
           .correlate(DepartmentReview).scalar_subquery())
    rows = db.session.execute(
        sa.select(DepartmentReview, due.label('due_at')).where(_routed_to(user))
        .options(selectinload(DepartmentReview.department),
                 selectinload(DepartmentReview.request).selectinload(GreenRequest.startup))
        .order_by(due.is_(None), due, DepartmentReview.id).limit(limit)).all()
    return [RoutedRow(review, due_at, due_at is not None and due_at < now) for review, due_at in rows]
