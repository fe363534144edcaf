"""Who may see and act on green-channel requests.

A request is seen by the filing startup's members (its owners file and answer; plain members read), managers and
administrators, the committee members seated on its decision who did not declare a conflict (once it is before the
committee: before that there is nothing for them to judge), and the reviewers of the departments it is routed to;
anyone else gets 404. A draft is the startup's alone. Department reviewers see nothing else of the programme
through this role.
"""
import sqlalchemy as sa

from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role, is_staff
from incubator.committees.models import Committee, CommitteeMember, CommitteePurpose
from incubator.committees.queries import seat_standing
from incubator.core.permissions import hidden_unless, rule
from incubator.extensions import db
from incubator.greenchannel.models import SUBJECT_KIND, DepartmentReviewer, GreenRole, RequestState
from incubator.startups.permissions import is_owner


def sits_on_green_committee(user):
    """``user`` is a member of a green-channel committee (one query, only for accounts with the role)."""
    if not user.has_role(Role.committee):
        return False
    return db.session.execute(
        sa.select(CommitteeMember.id).join(Committee)
        .where(CommitteeMember.user_id == user.id, Committee.purpose == CommitteePurpose.greenchannel).limit(1)
    ).first() is not None


def reviewer_department_ids(user):
    """The departments ``user`` reviews for (empty without the department-reviewer role)."""
    if not user.has_role(Role.department_reviewer):
        return frozenset()
    return frozenset(db.session.execute(
        sa.select(DepartmentReviewer.department_id).where(DepartmentReviewer.user_id == user.id)).scalars())


def roles_in(user, request, decision=None):
    """Every role ``user`` holds on ``request``, as the transition tables name them (``decision``: the request's
    committee item, for the chair)."""
    if user is None or not getattr(user, 'is_authenticated', False):
        return frozenset()
    roles = set()
    membership = request.startup.membership_of(user)
    if membership is not None:
        roles.add(GreenRole.owner if is_owner(user, request.startup) else GreenRole.member)
    if request.service_contact_id == user.id:
        roles.add(GreenRole.service_contact)
    if user.has_role(Role.manager):
        roles.add(GreenRole.manager)
    if user.has_role(Role.admin):
        roles.add(GreenRole.admin)
    departments = reviewer_department_ids(user)
    if departments and any(review.department_id in departments for review in request.reviews):
        roles.add(GreenRole.department_reviewer)
    seated, recused = seat_standing(user, SUBJECT_KIND, request.id)
    if seated and not recused:
        roles.add(GreenRole.committee_member)
    if decision is not None and decision.acting_chair is not None and decision.acting_chair.user_id == user.id:
        roles.add(GreenRole.chair)
    return frozenset(roles)


@rule('greenchannel.manage')
def _manage(user, obj):
    """Departments and categories: administrators."""
    return has_any_role(user, Role.admin)


@rule('greenchannel.list')
def _list(user, obj):
    """The list of requests: anyone who may see some request."""
    return (is_staff(user) or bool(user.memberships) or bool(reviewer_department_ids(user))
            or sits_on_green_committee(user))


@rule('greenchannel.set_service_contact')
def _set_service_contact(user, startup):
    return is_staff(user)


@rule('startup.file_green_request')
def _file(user, startup):
    return is_owner(user, startup)


@rule('green_request.view')
def _view(user, request):
    if request.startup.membership_of(user) is not None:
        return True
    if request.state == RequestState.draft:
        return False
    if is_staff(user):
        return True
    seated, recused = seat_standing(user, SUBJECT_KIND, request.id)
    if seated and not recused:
        return True
    departments = reviewer_department_ids(user)
    return bool(departments) and any(review.department_id in departments for review in request.reviews)


@rule('green_request.edit')
def _edit(user, request):
    """The owners change a draft, or a request returned to them (``edit`` in ``REQUEST_TRANSITIONS``)."""
    return request.state in (RequestState.draft, RequestState.returned) and is_owner(user, request.startup)


@rule('green_request.check')
def _check(user, request):
    """The one window: the service contact (or any manager standing in) returns or accepts."""
    return request.state == RequestState.submitted and bool(
        roles_in(user, request) & {GreenRole.service_contact, GreenRole.manager})


@rule('green_request.message')
def _message(user, request):
    return _view(user, request) and request.state != RequestState.draft


@rule('green_review.view')
def _view_review(user, review):
    """A department's opinion and its files follow the request."""
    return _view(user, review.request)


@rule('green_review.act')
def _act_on_review(user, review):
    """A reviewer of this department, while the review is open."""
    return (review.request.state == RequestState.in_review and not review.is_done
            and review.department_id in reviewer_department_ids(user))


hidden_unless('GreenRequest', 'green_request.view')
hidden_unless('DepartmentReview', 'green_review.view')
