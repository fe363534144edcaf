"""Public notice of approved green-channel requests (公示) and the objections anyone may lodge during it.

An approved (or partly approved) request whose category needs a notice is published for the category's
``notice_days``; without one it takes effect at once. An upheld objection sends the request back to the
committee for a new decision round; once the period is over with no objection upheld or still awaiting review,
the decision takes effect and fulfilment begins (the daily job, or the dismissal of the last objection).
The acting user is passed in (None: the system); operations flush, never commit.
"""
import logging
import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.auth.queries import active_managers
from incubator.committees import operations as committee_operations
from incubator.committees.models import Decision
from incubator.committees.queries import active_committee
from incubator.core.calendar import site_calendar, working_deadline
from incubator.core.errors import Conflict, DomainError, NotAllowed, checked_text, refusal
from incubator.core.time import now_utc, to_local
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.greenchannel.aftercare import notifications  # noqa: F401 (register the notification kinds)
from incubator.greenchannel.models import (
    SUBJECT_KIND,
    EventKind,
    GreenRequest,
    GreenRole,
    NoticeState,
    Objection,
    ObjectionState,
    Outcome,
    PublicNotice,
    RequestEvent,
    RequestState,
    Stage,
    StageKind,
    request_transition,
)
from incubator.greenchannel.permissions import roles_in
from incubator.notifications.operations import link_to, notify_many
from incubator.startups.permissions import is_owner

logger = logging.getLogger(__name__)

#: The committee's working days for a decision round reopened by an objection.
COMMITTEE_WORKING_DAYS = 5
NAME_LIMIT = 100
CONTACT_LIMIT = 200
TEXT_LIMIT = 5_000
#: Objections accepted from one address within OBJECTION_WINDOW (spam, not dissent, is what this stops).
OBJECTION_LIMIT = 5
OBJECTION_WINDOW = timedelta(hours=24)

_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
_PHONE = re.compile(r'^\+?[0-9][0-9 \-]{5,24}$')

class ObjectionsThrottled(DomainError):
    status_code = 429
    code = 'greenchannel.objections_throttled'


@helper
def window_roles(user, request):
    """The roles ``user`` holds on ``request`` as the transition table names them; ``user`` None is the job."""
    if user is None:
        return frozenset({GreenRole.system})
    return roles_in(user, request)


@helper
def next_state(request, action, user):
    """The state ``action`` leads to, or the refusal: not the user's to take, or not open now."""
    roles = window_roles(user, request)
    step = request_transition(request.state, action, roles)
    if step is not None:
        return step
    if not any(request_transition(state, action, roles) for state in RequestState):
        raise NotAllowed(_l('You may not do this on this green-channel request.'), code='greenchannel.not_allowed')
    raise Conflict(_l('This green-channel request is %(state)s: this step is not open now.'),
                   state=request.state.label, code='greenchannel.wrong_state')


@helper
def event(request, kind, user=None, note='', at=None):
    request.events.append(RequestEvent(kind=kind, actor_id=getattr(user, 'id', None), note=note, at=at or now_utc()))


@helper
def owners(request):
    return [membership.user for membership in request.startup.memberships
            if is_owner(membership.user, request.startup) and membership.user.is_active]


@helper
def request_link(request):
    return link_to('green_aftercare.show', green_request_id=request.id)


def _window_people(request):
    """Who reviews objections: the request's service contact, else every active manager."""
    if request.service_contact is not None and request.service_contact.is_active:
        return [request.service_contact]
    return list(active_managers())


@helper
def current_notice(request):
    """The latest notice of ``request``, or None."""
    return db.session.scalars(sa.select(PublicNotice).where(PublicNotice.request_id == request.id)
                              .order_by(PublicNotice.round.desc()).limit(1)).first()


# --- after the committee's decision ---------------------------------------------------------------------------

@operation
def after_decision(request, *, user=None, now=None):
    """Move an approved request on: under notice if its category needs one, else in effect. Nothing for a
    request not waiting in ``decided`` (so the job and the decision may both call it)."""
    now = now or now_utc()
    if request.state != RequestState.decided or request.outcome == Outcome.rejected:
        return request
    category = request.category
    if category.needs_notice and category.notice_days > 0:
        request.state = next_state(request, 'publish', user)
        previous = current_notice(request)
        notice = PublicNotice(request=request, round=(previous.round + 1) if previous else 1, starts_at=now,
                              ends_at=now + timedelta(days=category.notice_days))
        db.session.add(notice)
        event(request, EventKind.published, user, at=now)
        db.session.flush()
        notify_many([(owner, 'green_published', request_link(request), {'reference': request.reference,
                                                                 'until': to_local(notice.ends_at).date().isoformat()})
                     for owner in owners(request)])
        logger.info('Green request %s published for notice until %s', request.id, notice.ends_at)
        return request
    return _take_effect(request, user, now)


def _take_effect(request, user, now):
    request.state = next_state(request, 'take_effect', user)
    event(request, EventKind.took_effect, user, at=now)
    db.session.flush()
    people = owners(request) + ([request.service_contact] if request.service_contact is not None else [])
    notify_many([(person, 'green_in_effect', request_link(request), {'reference': request.reference})
                 for person in people])
    logger.info('Green request %s took effect', request.id)
    return request


@operation
def take_effect_when_due(now=None):
    """The daily job: approved requests not yet moved on are, and every notice whose period is over with no
    objection awaiting review or upheld takes effect. Idempotent: a second run finds nothing to do."""
    now = now or now_utc()
    waiting = db.session.scalars(sa.select(GreenRequest).where(
        GreenRequest.state == RequestState.decided, GreenRequest.outcome != Outcome.rejected)).all()
    for request in waiting:
        after_decision(request, now=now)
    pending = sa.select(Objection.id).where(Objection.notice_id == PublicNotice.id,
                                            Objection.state == ObjectionState.pending).exists()
    due = db.session.scalars(sa.select(PublicNotice).where(
        PublicNotice.state == NoticeState.open, PublicNotice.ends_at <= now, ~pending)).all()
    for notice in due:
        _close_notice(notice, now)
    return {'moved_on': len(waiting), 'took_effect': len(due)}


def _close_notice(notice, now):
    notice.state, notice.closed_at = NoticeState.took_effect, now
    _take_effect(notice.request, None, now)


# --- objections -----------------------------------------------------------------------------------------------

def _throttled(ip_address, now):
    count = db.session.execute(sa.select(sa.func.count()).select_from(Objection).where(
        Objection.ip_address == ip_address, Objection.lodged_at >= now - OBJECTION_WINDOW)).scalar_one()
    return count >= OBJECTION_LIMIT


@operation
def lodge_objection(notice, *, name, contact, reason, ip_address='', now=None):
    """Anyone, without an account, objects to a running notice, leaving a name and a phone number or email."""
    now = now or now_utc()
    if not notice.is_running_at(now):
        raise Conflict(_l('The public notice of this request has ended: objections are no longer accepted.'),
                       code='greenchannel.notice_over')
    name = checked_text(name, 'name', NAME_LIMIT, domain='greenchannel')
    contact = checked_text(contact, 'contact', CONTACT_LIMIT, domain='greenchannel')
    if not (_EMAIL.match(contact) or _PHONE.match(contact)):
        raise refusal(_l('Enter a phone number or an email address we can reach you at.'), 'contact',
                      code='greenchannel.bad_contact')
    reason = checked_text(reason, 'reason', TEXT_LIMIT, domain='greenchannel')
    ip_address = (ip_address or '')[:45]
    if _throttled(ip_address, now):
        raise ObjectionsThrottled(_l('Too many objections from your network today. Please try again tomorrow or '
                                     'contact the incubator.'))
    objection = Objection(notice=notice, name=name, contact=contact, reason=reason, ip_address=ip_address,
                          lodged_at=now)
    db.session.add(objection)
    request = notice.request
    event(request, EventKind.objection, at=now)
    db.session.flush()
    notify_many([(person, 'green_objection', request_link(request), {'reference': request.reference})
                 for person in _window_people(request)])
    logger.info('Objection %s lodged against notice %s', objection.id, notice.id)
    return objection


@operation
def review_objection(objection, *, user, upheld, reason, now=None):
    """The window records its review of an objection, with the reason. Upheld during the notice, it reopens the
    decision: the request goes back to the committee for a new round. A dismissal after the period may let the
    decision take effect."""
    now = now or now_utc()
    notice, request = objection.notice, objection.notice.request
    if not window_roles(user, request) & {GreenRole.manager, GreenRole.service_contact}:
        raise NotAllowed(_l('Only the incubator\'s managers review objections.'), code='greenchannel.not_allowed')
    if objection.state != ObjectionState.pending:
        raise Conflict(_l('This objection has already been reviewed.'), code='greenchannel.objection_reviewed')
    reason = checked_text(reason, 'review_reason', TEXT_LIMIT, domain='greenchannel')
    reopens = upheld and notice.state == NoticeState.open
    if reopens:
        next_state(request, 'reopen', user)
    objection.state = ObjectionState.upheld if upheld else ObjectionState.dismissed
    objection.reviewed_by_id, objection.reviewed_at, objection.review_reason = user.id, now, reason
    if reopens:
        _reopen(request, notice, user, now)
    else:
        event(request, EventKind.objection_dismissed if not upheld else EventKind.objection_upheld, user,
              note=reason, at=now)
        db.session.flush()
        if notice.state == NoticeState.open and notice.ends_at <= now and not _pending(notice):
            _close_notice(notice, now)
    db.session.flush()
    logger.info('Objection %s %s by %s', objection.id, objection.state.value, user.id)
    return objection


def _pending(notice):
    return any(objection.state == ObjectionState.pending for objection in notice.objections)


def _reopen(request, notice, user, now):
    committee = active_committee('greenchannel')
    if committee is None:
        raise Conflict(_l('No green-channel committee is active: an administrator must set one up.'),
                       code='greenchannel.no_committee')
    notice.state, notice.closed_at = NoticeState.reopened, now
    request.state = RequestState.in_committee
    request.outcome, request.decided_at = None, None
    stage = Stage(kind=StageKind.committee, working_days=COMMITTEE_WORKING_DAYS, started_at=now,
                  due_at=working_deadline(now, COMMITTEE_WORKING_DAYS, site_calendar()).at)
    request.stages.append(stage)
    last_round = db.session.execute(sa.select(sa.func.max(Decision.round)).where(
        Decision.subject_kind == SUBJECT_KIND, Decision.subject_id == request.id)).scalar_one() or 0
    event(request, EventKind.objection_upheld, user, at=now)
    db.session.flush()
    committee_operations.open_decision(committee, user=user, subject_kind=SUBJECT_KIND, subject_id=request.id,
                                       round=last_round + 1)
    notify_many([(owner, 'green_reopened', request_link(request), {'reference': request.reference})
                 for owner in owners(request)])
    logger.info('Green request %s reopened by an objection (round %s)', request.id, last_round + 1)
