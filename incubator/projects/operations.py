"""The write side of projects: projects, fundings, milestones, progress submissions, decisions. Flush only.

Every change of a milestone's state goes through :func:`_transition`, which reads the one table
``MILESTONE_TRANSITIONS``; a decision also moves the pending submission through ``SUBMISSION_TRANSITIONS``.
A submission and a decision lock the milestone's row first (SQLite serializes writers instead), so two
at once cannot both pass the state check.
"""
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.auth.models import Role
from incubator.core.errors import Conflict, DomainError, NotAllowed, refusal
from incubator.core.forms import FIRST_DAY, LAST_DAY
from incubator.core.permissions import can
from incubator.core.time import now_utc
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.notifications.operations import link_to, notify
from incubator.projects import notifications  # noqa: F401 (register the notification kinds)
from incubator.projects.models import (
    MAX_KPI_VALUE,
    MILESTONE_TRANSITIONS,
    SUBMISSION_TRANSITIONS,
    KpiFigure,
    KpiKind,
    KpiTarget,
    Milestone,
    MilestoneDateChange,
    MilestoneState,
    ProgressSubmission,
    Project,
    ProjectFunding,
    ProjectStatus,
    ReviewOutcome,
    programme_today,
)
from incubator.projects.permissions import role_in
from incubator.projects.queries import pending_submission
from incubator.startups.models import MembershipRole

logger = logging.getLogger(__name__)

#: How far after a project's start a milestone may be due: beyond it a date is a typo.
MAX_DUE_AFTER_START = timedelta(days=366 * 10)
#: The KPI targets one milestone may carry.
MAX_TARGETS = 10

_NOT_ALLOWED = _l('You may not do this on this project.')


def _not_allowed():
    return NotAllowed(_NOT_ALLOWED, code='projects.not_allowed')


# --- the state machines -------------------------------------------------------------------------

@helper
def next_state(table, state, action, role):
    """The state ``action`` leads to from ``state`` for ``role``, by ``table``; a DomainError if it is not allowed.

    A role that may never take the action is refused as not allowed (403); a role that may, but not from this
    state, is told why: an accepted milestone takes no more submissions, anything else is a conflict (409).
    """
    allowed_somewhere = {role_ for (_, act), (roles, _) in table.items() if act == action for role_ in roles}
    if role not in allowed_somewhere:
        raise _not_allowed()
    entry = table.get((state, action))
    if entry is None:
        if state == MilestoneState.accepted:
            raise DomainError(_l('This milestone is accepted: it takes no more submissions or decisions.'),
                              code='projects.milestone_accepted')
        if state == MilestoneState.submitted and action == 'submit':
            raise Conflict(_l('Progress on this milestone is already submitted and awaits a decision.'),
                           code='projects.already_submitted')
        raise Conflict(_l('This cannot be done while the milestone is %(state)s.'), state=state.label,
                       code='projects.wrong_state')
    roles, new_state = entry
    if role not in roles:
        raise _not_allowed()
    return new_state


def _transition(actor, milestone, action):
    milestone.state = next_state(MILESTONE_TRANSITIONS, milestone.state, action, role_in(actor, milestone.project))


def _lock(milestone):
    """Lock the milestone's row and read it again: what another request just did is seen, not overwritten."""
    db.session.execute(sa.select(Milestone.id).where(Milestone.id == milestone.id).with_for_update())
    db.session.refresh(milestone)


def _require_active(project):
    if project.status != ProjectStatus.active:
        raise DomainError(_l('This project is %(status)s: its milestones no longer change.'),
                          status=project.status.label, code='projects.not_active')


# --- projects and fundings ----------------------------------------------------------------------

def _check_text(value, field, maximum, message):
    value = (value or '').strip()
    if not value or len(value) > maximum:
        raise refusal(message, field=field, code=f'projects.{field}_needed')
    return value


def _check_day(day, field):
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise refusal(_l('Enter a date between 2000 and 2100.'), field=field, code='projects.date_out_of_range')
    return day


def _check_project_fields(title, lead_name, start_date, planned_end_date, manager):
    title = _check_text(title, 'title', 200, _l('Give the title (at most 200 characters).'))
    lead_name = _check_text(lead_name, 'lead_name', 100, _l('Name the project lead (at most 100 characters).'))
    _check_day(start_date, 'start_date')
    _check_day(planned_end_date, 'planned_end_date')
    if planned_end_date < start_date:
        raise refusal(_l('The planned end cannot be before the start.'), field='planned_end_date',
                      code='projects.end_before_start')
    if manager is None or not manager.is_active or not manager.has_role(Role.manager):
        raise refusal(_l('Choose an active incubator manager.'), field='manager', code='projects.not_a_manager')
    return title, lead_name


@operation
def create_project(actor, startup, *, title, field, lead_name, start_date, planned_end_date, review_cadence,
                   manager):
    if not can(actor, 'startup.create_project', startup):
        raise _not_allowed()
    title, lead_name = _check_project_fields(title, lead_name, start_date, planned_end_date, manager)
    project = Project(startup=startup, title=title, field=field, lead_name=lead_name, start_date=start_date,
                      planned_end_date=planned_end_date, review_cadence=review_cadence, manager=manager)
    db.session.add(project)
    db.session.flush()
    logger.info('Project %s created for startup %s by %s', project.id, startup.id, actor.id)
    return project


@operation
def update_project(actor, project, *, title, field, lead_name, start_date, planned_end_date, review_cadence,
                   manager):
    """Change a project's facts; its start may not move after a milestone's due date."""
    if not can(actor, 'project.edit', project):
        raise _not_allowed()
    title, lead_name = _check_project_fields(title, lead_name, start_date, planned_end_date, manager)
    earliest = min((milestone.due_date for milestone in project.milestones), default=None)
    if earliest is not None and start_date > earliest:
        raise refusal(_l('A milestone is due on %(day)s, before this start.'), field='start_date',
                      day=earliest.isoformat(), code='projects.due_before_start')
    project.title, project.field, project.lead_name = title, field, lead_name
    project.start_date, project.planned_end_date = start_date, planned_end_date
    project.review_cadence, project.manager = review_cadence, manager
    db.session.flush()
    return project


@operation
def record_funding(actor, project, *, kind, amount_fen, granted_on, note=''):
    """A subsidy, grant, loan, investment or support in kind the programme granted (managers record them)."""
    if not can(actor, 'project.record_funding', project):
        raise _not_allowed()
    if amount_fen is None or not 0 < amount_fen <= MAX_KPI_VALUE:
        raise refusal(_l('Enter an amount above zero.'), field='amount', code='projects.amount_not_positive')
    _check_day(granted_on, 'granted_on')
    note = (note or '').strip()
    if len(note) > 500:
        raise refusal(_l('Keep the note to 500 characters.'), field='note', code='projects.note_too_long')
    funding = ProjectFunding(project=project, kind=kind, amount_fen=amount_fen, granted_on=granted_on, note=note,
                             recorded_by_id=actor.id)
    db.session.add(funding)
    db.session.flush()
    return funding


@operation
def record_review_outcome(project, outcome, *, user):
    """The outcome of a progress review (the reviews sub-package calls this): a stop stops the project."""
    if not can(user, 'project.record_outcome', project):
        raise _not_allowed()
    project.last_review_outcome = outcome
    if outcome == ReviewOutcome.stop:
        project.status = ProjectStatus.stopped
    db.session.flush()
    logger.info('Project %s review outcome %s by %s', project.id, outcome.value, user.id)
    return project


# --- milestones and their KPI targets -----------------------------------------------------------

def _check_due_date(project, due_date, field='due_date'):
    _check_day(due_date, field)
    if due_date < project.start_date:
        raise refusal(_l('The due date cannot be before the project starts (%(day)s).'), field=field,
                      day=project.start_date.isoformat(), code='projects.due_before_start')
    if due_date > project.start_date + MAX_DUE_AFTER_START:
        raise refusal(_l('The due date is too far after the project starts (at most ten years).'), field=field,
                      code='projects.due_too_far')


@helper
def check_kpi_value(value, field='target_value'):
    """A KPI value (fen or a count) within 0 .. 10^15, else a refusal about ``field``."""
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_KPI_VALUE:
        raise refusal(_l('Enter a number from 0 to %(max)s.'), field=field, max=f'{MAX_KPI_VALUE:,}',
                      code='projects.kpi_out_of_range')
    return value


def _targets(targets):
    """KPI targets from ``(kind, target_value, custom_name, unit)`` tuples, checked."""
    if len(targets) > MAX_TARGETS:
        raise refusal(_l('A milestone has at most %(count)d KPI targets.'), field='targets', count=MAX_TARGETS,
                      code='projects.too_many_targets')
    made = []
    for kind, value, custom_name, unit in targets:
        check_kpi_value(value, field='targets')
        custom_name, unit = (custom_name or '').strip() or None, (unit or '').strip() or None
        if kind == KpiKind.custom:
            if not custom_name or len(custom_name) > 100 or (unit and len(unit) > 30):
                raise refusal(_l('Name a custom indicator (at most 100 characters) and its unit (at most 30).'),
                              field='targets', code='projects.custom_kpi_unnamed')
        else:
            custom_name = unit = None
        made.append(KpiTarget(kind=kind, target_value=value, custom_name=custom_name, unit=unit))
    return made


@operation
def add_milestone(actor, project, *, title, due_date, description='', targets=()):
    """A planned milestone with its KPI targets (``(kind, value, custom_name, unit)`` each)."""
    if not can(actor, 'project.add_milestone', project):
        raise _not_allowed()
    _require_active(project)
    title = _check_text(title, 'title', 200, _l('Give the title (at most 200 characters).'))
    _check_due_date(project, due_date)
    milestone = Milestone(project=project, title=title, description=(description or '').strip(), due_date=due_date,
                          kpi_targets=_targets(list(targets)))
    db.session.add(milestone)
    db.session.flush()
    return milestone


@operation
def update_milestone(actor, milestone, *, title, due_date, description='', targets=()):
    """Edit a planned milestone; its KPI targets are replaced (a planned milestone has no figures: its first
    submission moves it on)."""
    if not can(actor, 'milestone.edit', milestone):
        if milestone.state != MilestoneState.planned and can(actor, 'project.edit', milestone.project):
            raise Conflict(_l('Only a planned milestone can be edited; a manager can reschedule it.'),
                           code='projects.milestone_not_planned')
        raise _not_allowed()
    _require_active(milestone.project)
    title = _check_text(title, 'title', 200, _l('Give the title (at most 200 characters).'))
    _check_due_date(milestone.project, due_date)
    new_targets = _targets(list(targets))
    milestone.title, milestone.description, milestone.due_date = title, (description or '').strip(), due_date
    milestone.kpi_targets = new_targets
    db.session.flush()
    return milestone


@operation
def reschedule_milestone(actor, milestone, new_due_date, reason, now=None):
    """A manager moves a milestone's due date with a reason; the old date stays in its history."""
    if not can(actor, 'milestone.reschedule', milestone):
        raise _not_allowed()
    _lock(milestone)
    _require_active(milestone.project)
    if milestone.state == MilestoneState.accepted:
        raise DomainError(_l('This milestone is accepted: its date no longer changes.'),
                          code='projects.milestone_accepted')
    reason = _check_text(reason, 'reason', 500, _l('Give the reason (at most 500 characters).'))
    _check_due_date(milestone.project, new_due_date)
    if new_due_date == milestone.due_date:
        raise refusal(_l('The milestone is already due on that day.'), field='due_date', code='projects.same_date')
    change = MilestoneDateChange(milestone=milestone, old_due_date=milestone.due_date, new_due_date=new_due_date,
                                 reason=reason, changed_by_id=actor.id, changed_at=now or now_utc())
    milestone.due_date = new_due_date
    db.session.add(change)
    db.session.flush()
    _tell_owners(milestone, 'milestone_rescheduled', due=new_due_date.isoformat(), reason=reason)
    return change


@operation
def start_milestone(actor, milestone):
    _lock(milestone)
    _require_active(milestone.project)
    _transition(actor, milestone, 'start')
    db.session.flush()
    return milestone


# --- progress submissions and decisions ---------------------------------------------------------

@operation
def submit_progress(actor, milestone, *, figures, narrative, files=(), today=None, now=None):
    """The startup reports progress: a figure for every KPI target (``{target id: value}``), a narrative, and
    evidence files (attached in this same savepoint, so a refused file leaves nothing behind)."""
    _lock(milestone)
    new_state = next_state(MILESTONE_TRANSITIONS, milestone.state, 'submit', role_in(actor, milestone.project))
    _require_active(milestone.project)
    narrative = _check_text(narrative, 'narrative', 10_000, _l('Describe the progress (at most 10,000 characters).'))
    now, today = now or now_utc(), today or programme_today()
    values = []
    for target in milestone.kpi_targets:
        value = figures.get(target.id)
        if value is None:
            raise refusal(_l('Give a figure for every KPI target.'), field=f'figure_{target.id}',
                          code='projects.figure_missing')
        values.append((target, check_kpi_value(value, field=f'figure_{target.id}')))
    submission = ProgressSubmission(milestone=milestone, submitted_by_id=actor.id, submitted_at=now,
                                    narrative=narrative, figures=[
                                        KpiFigure(kpi_target=target, value=value, recorded_on=today, recorded_at=now)
                                        for target, value in values])
    db.session.add(submission)
    milestone.state = new_state
    db.session.flush()
    if files:
        from incubator.attachments.operations import attach_files
        attach_files(submission, files, user=actor)
    project = milestone.project
    notify(project.manager, 'progress_submitted', link=_link(milestone), startup=project.startup.name,
           project=project.title, milestone=milestone.title)
    return submission


_DECISIONS = {'accept': 'progress_accepted', 'request_changes': 'progress_changes_requested',
              'reject': 'progress_rejected'}


@operation
def decide_milestone(actor, milestone, action, comment='', now=None):
    """A manager decides the milestone's pending submission: ``accept``, ``request_changes`` (with comments)
    or ``reject`` (with a reason; the milestone goes back to in progress, see ``MILESTONE_TRANSITIONS``)."""
    if action not in _DECISIONS:
        raise DomainError(_l('Choose accept, request changes or reject.'), code='projects.unknown_decision')
    _lock(milestone)
    role = role_in(actor, milestone.project)
    new_state = next_state(MILESTONE_TRANSITIONS, milestone.state, action, role)
    _require_active(milestone.project)
    submission = pending_submission(milestone)
    if submission is None:
        raise Conflict(_l('No submission of this milestone awaits a decision.'), code='projects.already_decided')
    submission_state = next_state(SUBMISSION_TRANSITIONS, submission.state, action, role)
    comment = (comment or '').strip()
    if action != 'accept' and not comment:
        raise refusal(_l('Say what should change, or why it is rejected.'), field='comment',
                      code='projects.comment_needed')
    if len(comment) > 5000:
        raise refusal(_l('Keep the comment to 5,000 characters.'), field='comment', code='projects.comment_too_long')
    now = now or now_utc()
    submission.state, submission.decided_by_id, submission.decided_at = submission_state, actor.id, now
    submission.decision_comment = comment or None
    milestone.state = new_state
    if new_state == MilestoneState.accepted:
        milestone.accepted_at = now
    db.session.flush()
    _tell_owners(milestone, _DECISIONS[action], comment=comment)
    return submission


# --- notifications --------------------------------------------------------------------------------

def _link(milestone):
    return link_to('projects.show', project_id=milestone.project_id) + f'#milestone-{milestone.id}'


def _tell_owners(milestone, kind, **params):
    project = milestone.project
    for membership in project.startup.memberships:
        if membership.role == MembershipRole.owner and membership.user.is_active:
            notify(membership.user, kind, link=_link(milestone), project=project.title, milestone=milestone.title,
                   **params)
