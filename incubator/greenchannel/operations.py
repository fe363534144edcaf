"""The write side of green-channel requests: departments and categories, filing, the one window's check, the
departments' parallel review, the committee's decision, messages, and the clocks of every stage. The acting
user is passed in; operations flush, never commit.

Clocks: a stage is due ``n`` working days after it starts (China's calendar: holidays off, make-up days on).
A pause (the request returned, a department's question) stops it; when the pause ends, the deadline moves on by
the working days the pause covered (start day excluded, end day included, as ``working_days_between`` counts).
"""
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from incubator.attachments.operations import attach_files
from incubator.auth.models import Role, User
from incubator.committees import operations as committee_operations
from incubator.committees.queries import active_committee, decision_for, tally_of
from incubator.core.calendar import site_calendar, working_deadline
from incubator.core.errors import Conflict, NotAllowed, checked_text, refusal
from incubator.core.time import now_utc, programme_timezone, to_local
from incubator.core.transactions import helper, operation
from incubator.core.workdays import next_working_day, working_days_between
from incubator.extensions import db
from incubator.greenchannel import notifications  # noqa: F401 (register the notification kinds)
from incubator.greenchannel.aftercare.notice import after_decision
from incubator.greenchannel.models import (
    OPEN_STATES,
    REQUEST_TRANSITIONS,
    REVIEW_TRANSITIONS,
    SUBJECT_KIND,
    Department,
    DepartmentReview,
    DepartmentReviewer,
    EscalationKind,
    EscalationSent,
    EventKind,
    GreenRequest,
    GreenRole,
    MissingItem,
    OpinionKind,
    Outcome,
    PauseReason,
    RequestCategory,
    RequestEvent,
    RequestMessage,
    RequestReturn,
    RequestState,
    ReviewQuestion,
    ReviewState,
    Stage,
    StageKind,
    StagePause,
    Urgency,
    joined_names,
    reference_of,
    request_transition,
    review_transition,
)
from incubator.greenchannel.permissions import reviewer_department_ids, roles_in
from incubator.notifications.operations import link_to, notify_many
from incubator.startups.models import MembershipRole, Startup, StartupMembership, StartupServiceContact
from incubator.startups.permissions import is_owner

logger = logging.getLogger(__name__)

NAME_LIMIT = 100
TEXT_LIMIT = 10_000
ITEM_LIMIT = 500
MAX_ITEMS = 50
MAX_DAYS = 250
#: The committee's working days to decide once a request is before it.
COMMITTEE_WORKING_DAYS = 5


# --- departments, categories, service contacts ----------------------------------------------------------------

@operation
def save_department(department, *, user, name_zh, name_en='', head=None, reviewers=(), is_active=True):
    """Create (``department`` None) or change a department; its reviewers must hold the department-reviewer
    role."""
    name_zh = checked_text(name_zh, 'name_zh', NAME_LIMIT, domain='greenchannel')
    name_en = checked_text(name_en, 'name_en', NAME_LIMIT, domain='greenchannel', needed=False)
    taken = db.session.execute(sa.select(Department.id).where(
        Department.name_zh == name_zh, Department.id != (department.id if department is not None else -1))).first()
    if taken:
        raise refusal(_l('Another department already has this name.'), 'name_zh', error_class=Conflict,
                      code='greenchannel.name_taken')
    for reviewer in reviewers:
        if not reviewer.has_role(Role.department_reviewer):
            raise refusal(_l('%(name)s does not have the department-reviewer role.'), 'reviewers',
                          name=reviewer.name, code='greenchannel.not_a_reviewer')
    if department is None:
        department = Department(name_zh=name_zh)
        db.session.add(department)
    department.name_zh, department.name_en = name_zh, name_en
    department.head_id = head.id if head is not None else None
    department.is_active = bool(is_active)
    wanted = {reviewer.id for reviewer in reviewers}
    department.reviewer_rows = [row for row in department.reviewer_rows if row.user_id in wanted]
    kept = {row.user_id for row in department.reviewer_rows}
    department.reviewer_rows += [DepartmentReviewer(user_id=user_id) for user_id in sorted(wanted - kept)]
    db.session.flush()
    logger.info('Department %s saved by %s', department.id, user.id)
    return department


@operation
def save_category(category, *, user, name_zh, name_en='', description='', departments=(), asks_amount=False,
                  asks_area=False, asks_headcount=False, asks_dates=False, promised_working_days=15,
                  completeness_working_days=2, opinion_working_days=5, needs_notice=False, notice_days=7,
                  public_fields=(), is_active=True):
    """Create (``category`` None) or change a request category."""
    name_zh = checked_text(name_zh, 'name_zh', NAME_LIMIT, domain='greenchannel')
    name_en = checked_text(name_en, 'name_en', NAME_LIMIT, domain='greenchannel', needed=False)
    description = checked_text(description, 'description', TEXT_LIMIT, domain='greenchannel', needed=False)
    taken = db.session.execute(sa.select(RequestCategory.id).where(
        RequestCategory.name_zh == name_zh, RequestCategory.id != (category.id if category is not None else -1))
    ).first()
    if taken:
        raise refusal(_l('Another category already has this name.'), 'name_zh', error_class=Conflict,
                      code='greenchannel.name_taken')
    days = {'promised_working_days': promised_working_days, 'completeness_working_days': completeness_working_days,
            'opinion_working_days': opinion_working_days}
    for field, value in days.items():
        if not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
            raise refusal(_l('Enter a number of working days from 1 to %(max)d.'), field, max=MAX_DAYS,
                          code='greenchannel.bad_days')
    if not isinstance(notice_days, int) or not 0 <= notice_days <= MAX_DAYS:
        raise refusal(_l('Enter a number of days from 0 to %(max)d.'), 'notice_days', max=MAX_DAYS,
                      code='greenchannel.bad_days')
    if category is None:
        category = RequestCategory(name_zh=name_zh)
        db.session.add(category)
    category.name_zh, category.name_en, category.description = name_zh, name_en, description
    category.default_departments = list(departments)
    category.asks_amount, category.asks_area = bool(asks_amount), bool(asks_area)
    category.asks_headcount, category.asks_dates = bool(asks_headcount), bool(asks_dates)
    for field, value in days.items():
        setattr(category, field, value)
    category.needs_notice, category.notice_days = bool(needs_notice), notice_days
    category.public_fields = ','.join(sorted(str(getattr(field, 'value', field)) for field in public_fields))
    category.is_active = bool(is_active)
    db.session.flush()
    logger.info('Category %s saved by %s', category.id, user.id)
    return category


@operation
def set_service_contact(startup, *, user, contact):
    """Name the manager who serves ``startup`` (None removes it)."""
    if contact is not None and not contact.has_role(Role.manager):
        raise refusal(_l('The service contact must be an incubator manager.'), 'service_contact',
                      code='greenchannel.contact_not_manager')
    if contact is None:
        if startup.service_contact_row is not None:
            db.session.delete(startup.service_contact_row)
            startup.service_contact_row = None
    elif startup.service_contact_row is None:
        startup.service_contact_row = StartupServiceContact(user_id=contact.id)
    else:
        startup.service_contact_row.user_id = contact.id
    db.session.flush()
    db.session.expire(startup, ['service_contact_row'])
    logger.info('Service contact of startup %s set to %s by %s', startup.id, getattr(contact, 'id', None), user.id)
    return startup


# --- the workflow's table -------------------------------------------------------------------------------------

def _next_state(request, action, user, decision=None):
    roles = roles_in(user, request, decision)
    allowed = set().union(*(roles_ for (_state, act), (roles_, _next) in REQUEST_TRANSITIONS.items()
                            if act == action))
    if not roles & allowed:
        raise NotAllowed(_l('You may not do this on this green-channel request.'), code='greenchannel.not_allowed')
    next_state = request_transition(request.state, action, roles)
    if next_state is None:
        raise Conflict(_l('This green-channel request is %(state)s: this step is not open now.'),
                       state=request.state.label, code='greenchannel.wrong_state')
    return next_state


def _review_next(review, action, roles):
    allowed = set().union(*(roles_ for (_state, act), (roles_, _next) in REVIEW_TRANSITIONS.items()
                            if act == action))
    if not roles & allowed:
        raise NotAllowed(_l('You may not do this on this department review.'), code='greenchannel.not_allowed')
    next_state = review_transition(review.state, action, roles)
    if next_state is None or review.request.state != RequestState.in_review:
        raise Conflict(_l('This department review is not open for this step.'), code='greenchannel.review_closed')
    return next_state


def _event(request, kind, user=None, note='', department=None, at=None):
    """Through the backref, so the timeline is not loaded just to add to it (the job adds hundreds)."""
    db.session.add(RequestEvent(request=request, kind=kind, actor_id=getattr(user, 'id', None), note=note,
                                department_id=getattr(department, 'id', None), at=at or now_utc()))


def _owners(request):
    return [membership.user for membership in request.startup.memberships
            if membership.role == MembershipRole.owner and membership.user.is_active]


def _link(request):
    return link_to('greenchannel.show', green_request_id=request.id)


# --- clocks ---------------------------------------------------------------------------------------------------

@helper
def deadline_after(start, working_days):
    return working_deadline(start, working_days, site_calendar()).at


def _start_stage(request, kind, working_days, now, review=None):
    stage = Stage(kind=kind, review=review, working_days=working_days, started_at=now,
                  due_at=deadline_after(now, working_days))
    request.stages.append(stage)
    return stage


def _pause(stage, reason, now):
    if stage is None or stage.finished_at is not None or stage.paused_since is not None:
        return
    stage.paused_since = now
    stage.pauses.append(StagePause(reason=reason, started_at=now))


def _resume(stage, now):
    """End the open pause: the deadline moves on by the working days it covered."""
    if stage is None or stage.paused_since is None:
        return
    days = working_days_between(stage.paused_since, now, site_calendar())
    pause = next(pause for pause in reversed(stage.pauses) if pause.ended_at is None)
    pause.ended_at, pause.working_days = now, days
    stage.paused_since = None
    stage.paused_working_days += days
    if days:
        stage.due_at = deadline_after(stage.due_at, days)


def _finish(stage, now):
    if stage is None or stage.finished_at is not None:
        return
    _resume(stage, now)
    stage.finished_at = now
    stage.met = now <= stage.due_at
    stage.used_working_days = max(
        working_days_between(stage.started_at, now, site_calendar()) - stage.paused_working_days, 0)


# --- filing ---------------------------------------------------------------------------------------------------

@operation
def save_draft(request, *, user, startup, project, category, needed, justification='', urgency=Urgency.normal,
               amount_fen=None, area_m2=None, headcount=None, starts_on=None, ends_on=None, files=(), now=None):
    """Create (``request`` None) or change a draft, or a request returned for information, of the user's own
    startup, about one of its projects."""
    if not is_owner(user, startup):
        raise NotAllowed(_l('Only an owner of the startup files its green-channel requests.'),
                         code='greenchannel.not_owner')
    if request is not None:
        if request.startup_id != startup.id:
            raise NotAllowed(_l('This request belongs to another startup.'), code='greenchannel.not_owner')
        if request.state not in (RequestState.draft, RequestState.returned):
            raise Conflict(_l('This green-channel request is %(state)s: it can no longer be changed.'),
                           state=request.state.label, code='greenchannel.wrong_state')
    if project is None or project.startup_id != startup.id:
        raise refusal(_l('Choose one of your startup\'s projects.'), 'project', error_class=NotAllowed,
                      code='greenchannel.not_own_project')
    if category is None or not category.is_active:
        raise refusal(_l('Choose a category.'), 'category', code='greenchannel.bad_category')
    try:
        urgency = Urgency(getattr(urgency, 'value', urgency))
    except ValueError:
        raise refusal(_l('Choose the urgency.'), 'urgency', code='greenchannel.bad_urgency') from None
    fields = {
        'needed': checked_text(needed, 'needed', TEXT_LIMIT, domain='greenchannel'),
        'justification': checked_text(justification, 'justification', TEXT_LIMIT, domain='greenchannel',
                                      needed=False),
        'amount_fen': amount_fen if category.asks_amount else None,
        'area_m2': area_m2 if category.asks_area else None,
        'headcount': headcount if category.asks_headcount else None,
        'starts_on': starts_on if category.asks_dates else None,
        'ends_on': ends_on if category.asks_dates else None,
    }
    for field in ('amount_fen', 'area_m2', 'headcount'):
        if fields[field] is not None and fields[field] < 0:
            raise refusal(_l('Enter a number that is not negative.'), field, code='greenchannel.negative')
    if fields['starts_on'] and fields['ends_on'] and fields['ends_on'] < fields['starts_on']:
        raise refusal(_l('The end date must not be before the start date.'), 'ends_on',
                      code='greenchannel.dates_reversed')
    created = request is None
    if created:
        request = GreenRequest(startup=startup, filed_by_id=user.id, state=RequestState.draft)
        db.session.add(request)
    else:
        _next_state(request, 'edit', user)
    request.project, request.category, request.urgency = project, category, urgency
    for field, value in fields.items():
        setattr(request, field, value)
    if created:
        _event(request, EventKind.filed, user, at=now)
    db.session.flush()
    attach_files(request, files, user=user)
    logger.info('Green request %s saved by %s', request.id, user.id)
    return request


def _check_fields(request):
    """What the category asks for must be there before the request goes to the window."""
    category = request.category
    missing = [field for field, asked in (('amount_fen', category.asks_amount), ('area_m2', category.asks_area),
                                          ('headcount', category.asks_headcount), ('starts_on', category.asks_dates))
               if asked and getattr(request, field) is None]
    if missing:
        raise refusal(_l('Fill in every field this category asks for.'), missing[0],
                      code='greenchannel.fields_missing')


@operation
def submit_request(request, *, user, now=None):
    """The draft goes to the startup's service contact; the whole request's clock and the check's start."""
    now = now or now_utc()
    next_state = _next_state(request, 'submit', user)
    _check_fields(request)
    contact = request.startup.service_contact
    if contact is None:
        raise Conflict(_l('Your startup has no service contact yet: ask the incubator to name one.'),
                       code='greenchannel.no_service_contact')
    request.state, request.submitted_at, request.service_contact_id = next_state, now, contact.id
    _start_stage(request, StageKind.request, request.category.promised_working_days, now)
    check = _start_stage(request, StageKind.completeness, request.category.completeness_working_days, now)
    _event(request, EventKind.submitted, user, at=now)
    db.session.flush()
    notify_many([(contact, 'green_submitted', _link(request),
                  {'startup': request.startup.name, 'reference': request.reference,
                   'category': request.category.name_zh, 'category_en': request.category.name_en,
                   'due': _day(check.due_at)})])
    logger.info('Green request %s submitted by %s', request.id, user.id)
    return request


@operation
def withdraw_request(request, *, user, now=None):
    now = now or now_utc()
    request.state = _next_state(request, 'withdraw', user)
    request.closed_at = now
    for stage in request.open_stages:
        _finish(stage, now)
    _event(request, EventKind.withdrawn, user, at=now)
    db.session.flush()
    return request


# --- the one window -------------------------------------------------------------------------------------------

@operation
def return_request(request, *, user, items, note='', now=None):
    """Return the request listing everything missing at once; its clocks pause until the startup answers."""
    now = now or now_utc()
    next_state = _next_state(request, 'return', user)
    texts = [checked_text(item, 'items', ITEM_LIMIT, domain='greenchannel', needed=False) for item in items or ()]
    texts = [text for text in texts if text]
    if not texts:
        raise refusal(_l('List everything that is missing: at least one item.'), 'items',
                      code='greenchannel.nothing_missing')
    if len(texts) > MAX_ITEMS:
        raise refusal(_l('At most %(max)d items.'), 'items', max=MAX_ITEMS, code='greenchannel.too_many_items')
    note = checked_text(note, 'note', TEXT_LIMIT, domain='greenchannel', needed=False)
    request.returns.append(RequestReturn(returned_by_id=user.id, returned_at=now, note=note,
                                         items=[MissingItem(position=n, text=text) for n, text in enumerate(texts)]))
    request.state = next_state
    _pause(request.stage(StageKind.completeness), PauseReason.returned, now)
    _pause(request.whole_stage, PauseReason.returned, now)
    _event(request, EventKind.returned, user, note='\n'.join(texts), at=now)
    db.session.flush()
    notify_many([(owner, 'green_returned', _link(request), {'reference': request.reference, 'count': len(texts)})
                 for owner in _owners(request)])
    logger.info('Green request %s returned by %s with %d items', request.id, user.id, len(texts))
    return request


@operation
def resubmit_request(request, *, user, answer='', files=(), now=None):
    """The startup supplied what was missing: the clocks run again from where they stopped."""
    now = now or now_utc()
    next_state = _next_state(request, 'resubmit', user)
    _check_fields(request)
    answer = checked_text(answer, 'answer', TEXT_LIMIT, domain='greenchannel')
    open_return = request.open_return
    if open_return is not None:
        open_return.answer, open_return.answered_at = answer, now
    request.state = next_state
    _resume(request.stage(StageKind.completeness), now)
    _resume(request.whole_stage, now)
    _event(request, EventKind.resubmitted, user, note=answer, at=now)
    db.session.flush()
    attach_files(request, files, user=user)
    if request.service_contact is not None:
        notify_many([(request.service_contact, 'green_resubmitted', _link(request),
                      {'startup': request.startup.name, 'reference': request.reference})])
    return request


@operation
def accept_request(request, *, user, departments, now=None):
    """Accept the complete request and route it to every department at once; each starts its own clock."""
    now = now or now_utc()
    next_state = _next_state(request, 'accept', user)
    departments = list({department.id: department for department in departments or ()}.values())
    if not departments:
        raise refusal(_l('Choose at least one department to route the request to.'), 'departments',
                      code='greenchannel.no_department')
    inactive = [department for department in departments if not department.is_active]
    if inactive:
        raise refusal(_l('%(name)s is not active.'), 'departments', name=inactive[0].name,
                      code='greenchannel.department_inactive')
    _finish(request.stage(StageKind.completeness), now)
    request.state, request.accepted_at = next_state, now
    notices = []
    for department in departments:
        review = DepartmentReview(department=department, routed_at=now)
        request.reviews.append(review)
        stage = _start_stage(request, StageKind.department, request.category.opinion_working_days, now, review)
        notices += [(reviewer, 'green_routed', _link(request),
                     {'reference': request.reference, 'startup': request.startup.name, **_named(department),
                      'due': _day(stage.due_at)})
                    for reviewer in department.reviewers if reviewer.is_active]
    names = {'departments': joined_names((department.name_zh for department in departments), 'zh_CN'),
             'departments_en': joined_names((department.name_en or department.name_zh for department in departments),
                                            'en')}
    _event(request, EventKind.accepted, user, at=now)
    db.session.flush()
    notices += [(owner, 'green_accepted', _link(request), {'reference': request.reference, **names})
                for owner in _owners(request)]
    notify_many(notices)
    logger.info('Green request %s accepted by %s, routed to %s', request.id, user.id,
                [department.id for department in departments])
    return request


# --- parallel review ------------------------------------------------------------------------------------------

def _routed_review(request, department, user):
    review = request.review_of(department) if department is not None else None
    if review is None:
        raise NotAllowed(_l('This request is not routed to that department.'), code='greenchannel.not_routed')
    if department.id not in reviewer_department_ids(user):
        raise NotAllowed(_l('You do not review for this department.'), code='greenchannel.not_reviewer')
    return review


@operation
def give_opinion(request, department, *, user, opinion, comment='', files=(), now=None):
    """The department's opinion: support, support with conditions (stated), or oppose (with the reasons)."""
    now = now or now_utc()
    _lock(request)
    review = _routed_review(request, department, user)
    next_state = _review_next(review, 'give', frozenset({GreenRole.department_reviewer}))
    try:
        opinion = OpinionKind(getattr(opinion, 'value', opinion))
    except ValueError:
        raise refusal(_l('Choose the department\'s opinion.'), 'opinion', code='greenchannel.bad_opinion') from None
    comment = checked_text(comment, 'comment', TEXT_LIMIT, domain='greenchannel', needed=False)
    if opinion != OpinionKind.support and not comment:
        raise refusal(_l('State the conditions, or the reasons for opposing.'), 'comment',
                      code='greenchannel.comment_required')
    review.state, review.opinion, review.comment = next_state, opinion, comment
    review.given_by_id, review.given_at = user.id, now
    _finish(request.stage(StageKind.department, review), now)
    _event(request, EventKind.opinion, user, note=comment,
           department=department, at=now)
    db.session.flush()
    attach_files(review, files, user=user)
    if request.service_contact is not None:
        notify_many([(request.service_contact, 'green_opinion', _link(request),
                      {**_named(department), 'reference': request.reference, 'opinion': opinion.value})])
    if all(other.is_done for other in request.reviews):
        _send_to_committee(request, opener=request.service_contact or user, now=now)
    return review


@operation
def ask_question(request, department, *, user, question, now=None):
    """A department asks the startup; its clock pauses until the answer."""
    now = now or now_utc()
    review = _routed_review(request, department, user)
    next_state = _review_next(review, 'ask', frozenset({GreenRole.department_reviewer}))
    question = checked_text(question, 'question', TEXT_LIMIT, domain='greenchannel')
    review.questions.append(ReviewQuestion(question=question, asked_by_id=user.id, asked_at=now))
    review.state = next_state
    _pause(request.stage(StageKind.department, review), PauseReason.question, now)
    _event(request, EventKind.question, user, note=question, department=department, at=now)
    db.session.flush()
    notify_many([(owner, 'green_question', _link(request),
                  {**_named(department), 'reference': request.reference, 'question': question[:200]})
                 for owner in _owners(request)])
    return review


@operation
def answer_question(review, *, user, answer, now=None):
    """The startup's owner answers: the department's clock runs again."""
    now = now or now_utc()
    request = review.request
    roles = roles_in(user, request) & {GreenRole.owner}
    next_state = _review_next(review, 'answer', roles)
    answer = checked_text(answer, 'answer', TEXT_LIMIT, domain='greenchannel')
    question = review.open_question
    question.answer, question.answered_by_id, question.answered_at = answer, user.id, now
    review.state = next_state
    _resume(request.stage(StageKind.department, review), now)
    _event(request, EventKind.answered, user, note=answer, department=review.department, at=now)
    db.session.flush()
    notify_many([(reviewer, 'green_answered', _link(request),
                  {'startup': request.startup.name, 'reference': request.reference})
                 for reviewer in review.department.reviewers if reviewer.is_active])
    return review


def _lock(request):
    """Opinions on one request take turns, so the last one sends it to the committee exactly once."""
    db.session.execute(sa.select(GreenRequest.id).where(GreenRequest.id == request.id).with_for_update())


# --- the committee --------------------------------------------------------------------------------------------

@operation
def send_to_committee(request, *, user, now=None):
    """The window (or the job) sends the request on: every opinion is in, or every open department's deadline
    has passed (the departments still silent are recorded as lapsed)."""
    now = now or now_utc()
    _next_state(request, 'to_committee', user)
    if not _ready_for_committee(request, now):
        raise Conflict(_l('Some departments are still within their deadline: wait for their opinions.'),
                       code='greenchannel.reviews_open')
    return _send_to_committee(request, opener=user, now=now)


def _ready_for_committee(request, now):
    open_reviews = [review for review in request.reviews if not review.is_done]
    return all(review.state == ReviewState.pending
               and request.stage(StageKind.department, review).is_overdue_at(now) for review in open_reviews)


def _send_to_committee(request, *, opener, now):
    _send_all_to_committee([(request, opener)], now)
    return request


def _send_all_to_committee(sending, now):
    """Send each ``(request, opener)`` on: lapse the silent departments, start the committee's clock, open the
    decisions and tell the owners, in a few statements for the lot (the daily job sends hundreds at once)."""
    committee = active_committee('greenchannel')
    if committee is None:
        raise Conflict(_l('No green-channel committee is active: an administrator must set one up.'),
                       code='greenchannel.no_committee')
    openings, notices = [], []
    for request, opener in sending:
        for review in request.reviews:
            if not review.is_done:
                review.state = ReviewState.lapsed
                _finish(request.stage(StageKind.department, review), now)
                request.opinions_incomplete = True
                _event(request, EventKind.lapsed, department=review.department, at=now)
        request.state = RequestState.in_committee
        stage = _start_stage(request, StageKind.committee, COMMITTEE_WORKING_DAYS, now)
        _event(request, EventKind.to_committee, at=now)
        openings.append(committee_operations.Opening(request.id, opener, _local_day(stage.due_at)))
        notices += [(owner, 'green_to_committee', _link(request), {'reference': request.reference})
                    for owner in _owners(request)]
    db.session.flush()
    committee_operations.open_decisions(committee, subject_kind=SUBJECT_KIND, openings=openings)
    notify_many(notices)
    for request, _opener in sending:
        logger.info('Green request %s sent to the committee', request.id)


@operation
def decide_request(request, *, user, outcome, granted='', reasons='', now=None):
    """The chair records the committee's decision under the quorum: approve, partly approve (what is granted),
    or reject (the reasons)."""
    now = now or now_utc()
    decision = decision_for(SUBJECT_KIND, request.id)
    try:
        outcome = Outcome(getattr(outcome, 'value', outcome))
    except ValueError:
        raise refusal(_l('Choose the decision.'), 'outcome', code='greenchannel.bad_outcome') from None
    action = {Outcome.approved: 'approve', Outcome.partly_approved: 'partly_approve', Outcome.rejected: 'reject'}
    next_state = _next_state(request, action[outcome], user, decision)
    granted = checked_text(granted, 'granted', TEXT_LIMIT, domain='greenchannel', needed=False)
    reasons = checked_text(reasons, 'reasons', TEXT_LIMIT, domain='greenchannel', needed=False)
    if outcome == Outcome.partly_approved and not granted:
        raise refusal(_l('State what is granted.'), 'granted', code='greenchannel.granted_required')
    if outcome != Outcome.approved and not reasons:
        raise refusal(_l('Give the reasons.'), 'reasons', code='greenchannel.reasons_required')
    committee_operations.record_outcome(decision, user=user, outcome=outcome.value,
                                        note='\n'.join(text for text in (granted, reasons) if text))
    request.outcome, request.granted, request.decision_reasons = outcome, granted, reasons
    request.state, request.decided_at = next_state, now
    if next_state == RequestState.closed:
        request.closed_at = now
    _finish(request.stage(StageKind.committee), now)
    _finish(request.whole_stage, now)
    _event(request, EventKind.decided, user, note=outcome.value, at=now)
    db.session.flush()
    notices = [(owner, 'green_decided', _link(request), {'reference': request.reference, 'outcome': outcome.value})
               for owner in _owners(request)]
    if request.service_contact is not None:
        notices.append((request.service_contact, 'green_decided', _link(request),
                        {'reference': request.reference, 'outcome': outcome.value}))
    notify_many(notices)
    logger.info('Green request %s decided %s by %s', request.id, outcome.value, user.id)
    # An approval goes on at once: under public notice if the category needs one, else into fulfilment.
    after_decision(request, now=now)
    return request


@helper
def committee_tally(request):
    decision = decision_for(SUBJECT_KIND, request.id)
    return decision, (tally_of(decision) if decision is not None else None)


# --- messages -------------------------------------------------------------------------------------------------

@operation
def post_message(request, *, user, body, now=None):
    """A message on the request; everyone working on it and the startup's owners are told, each in their own
    language."""
    from incubator.greenchannel.queries import participants
    now = now or now_utc()
    if request.state == RequestState.draft:
        raise Conflict(_l('Submit the request before writing messages on it.'), code='greenchannel.wrong_state')
    body = checked_text(body, 'body', TEXT_LIMIT, domain='greenchannel')
    message = RequestMessage(author_id=user.id, body=body, sent_at=now)
    request.messages.append(message)
    db.session.flush()
    excerpt = body if len(body) <= 120 else body[:119] + '…'
    notify_many([(person, 'green_message', _link(request) + f'#message-{message.id}',
                  {'author': user.name, 'reference': request.reference, 'excerpt': excerpt})
                 for person in participants(request) if person.id != user.id])
    return message


def _local_day(instant):
    return to_local(instant).date()


def _day(instant):
    return _local_day(instant).isoformat()


def _named(department):
    """A department's names as notification params: each reader reads the one of their language."""
    if department is None:
        return {'department': '', 'department_en': ''}
    return {'department': department.name_zh, 'department_en': department.name_en}



# --- the deadline job -----------------------------------------------------------------------------------------

def _claim(kind, stage_ids, today, now):
    """``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``: the stages this run claimed for ``kind`` today."""
    table = EscalationSent.__table__
    insert = {'postgresql': postgresql.insert, 'sqlite': sqlite.insert}[db.session.get_bind().dialect.name](table)
    # The WHERE is needed: SQLite reads ``INSERT … SELECT … FROM t ON CONFLICT`` as a join without one.
    select = sa.select(stage_ids.c.id, sa.literal(today, sa.Date), sa.literal(kind, table.c.kind.type),
                       sa.literal(now, table.c.sent_at.type)).where(stage_ids.c.id.is_not(None))
    statement = (insert.from_select(['stage_id', 'day', 'kind', 'sent_at'], select)
                 .on_conflict_do_nothing(index_elements=['stage_id', 'day', 'kind']).returning(table.c.stage_id))
    return db.session.execute(statement).scalars().all()


def _running(*criteria):
    """Open, running stages of open requests (the whole request's clock aside)."""
    return (sa.select(Stage.id).join(GreenRequest, GreenRequest.id == Stage.request_id)
            .where(Stage.finished_at.is_(None), Stage.paused_since.is_(None), Stage.kind != StageKind.request,
                   GreenRequest.state.in_([state.value for state in OPEN_STATES]), *criteria))


@operation
def escalate(now=None):
    """Daily: send to the committee every request whose opinions are all in or whose silent departments' deadlines
    passed; remind each holder one working day before a deadline; after it, tell the department's head and the
    committee's chair, once per stage and day. Set-based: a few statements whatever the number of requests."""
    now = now or now_utc()
    calendar = site_calendar()
    today = _local_day(now)
    counts = {'to_committee': 0, 'reminders': 0, 'escalations': 0}

    still_running = (sa.select(DepartmentReview.id).join(Stage, Stage.review_id == DepartmentReview.id)
                     .where(DepartmentReview.request_id == GreenRequest.id,
                            DepartmentReview.state.in_([ReviewState.pending.value, ReviewState.asking.value]),
                            Stage.finished_at.is_(None),
                            sa.or_(Stage.paused_since.is_not(None), Stage.due_at >= now)))
    ready = db.session.scalars(
        sa.select(GreenRequest).where(GreenRequest.state == RequestState.in_review, ~sa.exists(still_running))
        .order_by(GreenRequest.id)
        .options(selectinload(GreenRequest.service_contact), selectinload(GreenRequest.stages),
                 selectinload(GreenRequest.reviews).selectinload(DepartmentReview.department),
                 selectinload(GreenRequest.startup).selectinload(Startup.memberships)
                 .selectinload(StartupMembership.user))).all()
    has_committee = not ready or active_committee('greenchannel') is not None
    unsendable = {request.id for request in ready if request.service_contact is None or not has_committee}
    if unsendable:
        logger.warning('Green requests %s are ready for the committee but have no service contact or committee',
                       sorted(unsendable))
    sending = [(request, request.service_contact) for request in ready if request.id not in unsendable]
    if sending:
        _send_all_to_committee(sending, now)
        counts['to_committee'] = len(sending)

    notices = []
    if calendar.is_working_day(today):
        tomorrow = datetime.combine(today + timedelta(days=1), time(), programme_timezone())
        after_next = datetime.combine(next_working_day(today, calendar) + timedelta(days=1), time(),
                                      programme_timezone())
        due_soon = _running(Stage.due_at >= tomorrow, Stage.due_at < after_next).subquery()
        claimed = _claim(EscalationKind.reminder, due_soon, today, now)
        counts['reminders'] = len(claimed)
        stages, people = _stage_rows(claimed)
        for stage in stages:
            notices += [(person, 'green_reminder', _request_link(stage.request_id), _stage_params(stage, people))
                        for person in _holders(stage, people)]
    overdue = _running(Stage.due_at < now).subquery()
    claimed = _claim(EscalationKind.escalation, overdue, today, now)
    counts['escalations'] = len(claimed)
    if claimed:
        committee = active_committee('greenchannel')
        chair = committee.chair if committee is not None else None
        stages, people = _stage_rows(claimed)
        for stage in stages:
            told = {person.id: person for person in [chair, *_escalation_heads(stage, people)] if person is not None}
            notices += [(person, 'green_escalated', _request_link(stage.request_id), _stage_params(stage, people))
                        for person in told.values()]
        # In one statement: appending to each request's timeline would load every timeline.
        db.session.execute(sa.insert(RequestEvent), [
            {'request_id': stage.request_id, 'kind': EventKind.escalated, 'at': now, 'actor_id': None,
             'department_id': stage.department_id, 'note': ''} for stage in stages])
    db.session.flush()
    notify_many([notice for notice in notices if notice[0].is_active])
    logger.info('Green-channel escalation: %s', counts)
    return counts


def _request_link(request_id):
    return link_to('greenchannel.show', green_request_id=request_id)


@dataclass(frozen=True)
class _StageRow:
    id: int
    kind: StageKind
    request_id: int
    due_at: datetime
    service_contact_id: int | None
    department_id: int | None
    chair_id: int | None = None


@dataclass
class _People:
    users: dict
    departments: dict


def _stage_rows(ids):
    """The claimed stages as plain rows, with the few departments and people they name loaded once each: the job
    touches thousands of stages, so no object graph per stage."""
    if not ids:
        return [], _People({}, {})
    rows = [_StageRow(*row) for row in db.session.execute(
        sa.select(Stage.id, Stage.kind, Stage.request_id, Stage.due_at, GreenRequest.service_contact_id,
                  DepartmentReview.department_id)
        .join(GreenRequest, GreenRequest.id == Stage.request_id)
        .outerjoin(DepartmentReview, DepartmentReview.id == Stage.review_id)
        .where(Stage.id.in_(ids)).order_by(Stage.id))]
    departments = {department.id: department for department in db.session.scalars(
        sa.select(Department).where(Department.id.in_({row.department_id for row in rows} - {None}))
        .options(selectinload(Department.reviewer_rows).selectinload(DepartmentReviewer.user),
                 selectinload(Department.head)))}
    rows = [_with_chair(row) if row.kind == StageKind.committee else row for row in rows]
    user_ids = {row.service_contact_id for row in rows} | {row.chair_id for row in rows}
    users = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(user_ids - {None})))}
    return rows, _People(users, departments)


def _with_chair(row):
    """A committee stage's holder is the item's acting chair (few requests are before the committee at once)."""
    decision = decision_for(SUBJECT_KIND, row.request_id)
    acting = decision.acting_chair if decision is not None else None
    return dataclasses.replace(row, chair_id=acting.user_id if acting is not None else None)


def _holders(stage, people):
    if stage.kind == StageKind.department:
        return people.departments[stage.department_id].reviewers
    found = stage.chair_id if stage.kind == StageKind.committee else stage.service_contact_id
    return [people.users[found]] if found in people.users else []


def _escalation_heads(stage, people):
    """The department's head for a department's review; the service contact for an overdue check."""
    if stage.kind == StageKind.department:
        return [people.departments[stage.department_id].head]
    if stage.kind == StageKind.completeness:
        return [people.users.get(stage.service_contact_id)]
    return []


def _stage_params(stage, people):
    department = people.departments.get(stage.department_id)
    return {'reference': reference_of(stage.request_id), 'stage': stage.kind.value, 'due': _day(stage.due_at),
            **_named(department)}
