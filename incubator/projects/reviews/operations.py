"""The write side of progress reviews: open them for a period, self-assess, decide, remind. Flush only.

Opening and reminding are set-based: one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` per
kind claims every new review (or reminder) under its unique constraint, so a second run, or two at
once, claim nothing twice; the notifications of what was claimed are then written in bulk.
"""
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from incubator.booking.operations import suspend_free_quota
from incubator.core.calendar import site_calendar, working_deadline
from incubator.core.errors import Conflict, NotAllowed, refusal
from incubator.core.time import now_utc, programme_timezone
from incubator.core.transactions import helper, operation
from incubator.core.workdays import add_working_days
from incubator.extensions import db
from incubator.notifications.operations import link_to, notify, notify_many
from incubator.projects.models import (
    Milestone,
    MilestoneState,
    Project,
    ProjectStatus,
    ReviewCadence,
    ReviewOutcome,
)
from incubator.projects.operations import record_review_outcome
from incubator.projects.permissions import role_in
from incubator.projects.reviews import notifications  # noqa: F401 (register the notification kinds)
from incubator.projects.reviews.models import (
    REVIEW_TRANSITIONS,
    KpiRating,
    KpiRatingLevel,
    ProgressReview,
    ReminderKind,
    ReminderSent,
    ReviewState,
    review_transition,
)
from incubator.projects.reviews.queries import (
    kpi_targets_to_rate,
    milestone_notices,
    owners_by_startup,
    review_notices,
)
from incubator.projects.reviews.signals import review_stopped

logger = logging.getLogger(__name__)

MAX_TEXT = 10_000


@helper
def local_day(instant):
    """The programme's date of an instant: days of reviews and reminders follow the programme's timezone."""
    return instant.astimezone(programme_timezone()).date()


def _insert_new(table, columns, select, unique, returning):
    """``INSERT INTO table (columns) select ON CONFLICT (unique) DO NOTHING RETURNING returning``: the rows
    this statement claimed. The select also leaves out existing rows, so a plain INSERT elsewhere works."""
    dialect = db.session.get_bind().dialect.name
    insert = {'postgresql': postgresql.insert, 'sqlite': sqlite.insert}[dialect](table)
    statement = (insert.from_select(columns, select).on_conflict_do_nothing(index_elements=unique)
                 .returning(returning))
    return db.session.execute(statement).scalars().all()


# --- opening ------------------------------------------------------------------------------

@operation
def open_reviews(now=None):
    """Open the review of the current cadence period of every active project that had started by then,
    once (a second run opens nothing); tell each review's manager and the startup's owners. Returns the
    ids of the reviews opened."""
    now = now or now_utc()
    today = local_day(now)
    due_at = working_deadline(now, current_app.config['REVIEW_DUE_WORKING_DAYS']).at
    table = ProgressReview.__table__
    opened = []
    for cadence in ReviewCadence:
        period_start = cadence.period_start(today)
        select = (sa.select(Project.id, sa.literal(period_start, sa.Date), Project.manager_id,
                            sa.literal(now, table.c.opened_at.type), sa.literal(due_at, table.c.due_at.type),
                            sa.literal(ReviewState.awaiting_self_assessment, table.c.state.type))
                  .where(Project.status == ProjectStatus.active, Project.review_cadence == cadence,
                         Project.start_date <= period_start,
                         ~sa.exists().where(ProgressReview.project_id == Project.id,
                                            ProgressReview.period_start == period_start)))
        opened += _insert_new(table, ['project_id', 'period_start', 'manager_id', 'opened_at', 'due_at', 'state'],
                              select, ['project_id', 'period_start'], table.c.id)
    _announce_opened(opened)
    logger.info('%d progress reviews opened', len(opened))
    return opened


def _announce_opened(review_ids):
    reviews = review_notices(review_ids)
    owners = owners_by_startup({review.startup_id for review in reviews})
    notices = []
    for review in reviews:
        link = link_to('reviews.show', review_id=review.id)
        params = {'project': review.project, 'period': review.period_start.isoformat(),
                  'due': local_day(review.due_at).isoformat()}
        notices.append((review.manager, 'review_opened', link, {**params, 'startup': review.startup}))
        notices += [(owner, 'review_opened_for_startup', link, params) for owner in owners.get(review.startup_id, ())]
    notify_many(notices)


# --- the review's workflow ------------------------------------------------------------------

def _next_state(review, action, user):
    """The state ``action`` leads to for ``user``, by :data:`REVIEW_TRANSITIONS`; refused otherwise."""
    role = role_in(user, review.project)
    allowed = set().union(*(roles for (_state, act), (roles, _next) in REVIEW_TRANSITIONS.items() if act == action))
    if role not in allowed:
        raise NotAllowed(_l('You may not do this in a progress review.'), code='reviews.not_allowed')
    next_state = review_transition(review.state, action, role)
    if next_state is None:
        raise Conflict(_l('This progress review is already decided.'), code='reviews.already_decided')
    return next_state


def _text(value, limit=MAX_TEXT):
    return (value or '').strip()[:limit]


@operation
def submit_self_assessment(review, *, user, text):
    """The startup's short self-assessment; it may be revised until the manager decides."""
    next_state = _next_state(review, 'self_assess', user)
    text = _text(text)
    if not text:
        raise refusal(_l('Write the self-assessment.'), field='self_assessment',
                      code='reviews.self_assessment_required')
    review.self_assessment = text
    review.self_assessed_by_id = user.id
    review.self_assessed_at = now_utc()
    review.state = next_state
    db.session.flush()
    notify(review.manager, 'review_self_assessed', link=link_to('reviews.show', review_id=review.id),
           startup=review.project.startup.name, project=review.project.title)
    logger.info('Review %s self-assessed by %s', review.id, user.id)
    return review


@operation
def decide_review(review, *, user, outcome, findings, ratings):
    """The manager's decision: a rating of every KPI to rate (``ratings``: ``{kpi target id: (level,
    comment)}``), findings, and continue, warning or stop.

    The project records the outcome; a stop also suspends the startup's free booking quota and sends
    :data:`~incubator.projects.reviews.signals.review_stopped` (a tolerance-for-failure case may follow).
    """
    next_state = _next_state(review, 'decide', user)
    try:
        outcome = ReviewOutcome(outcome)
    except ValueError:
        raise refusal(_l('Choose continue, continue with a warning, or stop.'), field='outcome',
                      code='reviews.bad_outcome') from None
    findings = _text(findings)
    if not findings:
        raise refusal(_l('Write the findings.'), field='findings', code='reviews.findings_required')
    targets = {target.id: target for target in kpi_targets_to_rate(review)}
    if set(ratings) - set(targets):
        raise refusal(_l('A rating is for a KPI this review does not rate.'), field='ratings',
                      code='reviews.unknown_kpi')
    if set(targets) - set(ratings):
        raise refusal(_l('Rate every KPI of the review.'), field='ratings', code='reviews.kpi_not_rated')
    for target_id, (level, comment) in sorted(ratings.items()):
        try:
            level = KpiRatingLevel(level)
        except ValueError:
            raise refusal(_l('Choose a rating for every KPI.'), field='ratings', code='reviews.bad_rating') from None
        review.ratings.append(KpiRating(kpi_target_id=target_id, rating=level, comment=_text(comment, 500)))
    review.findings = findings
    review.outcome = outcome
    review.decided_by_id = user.id
    review.decided_at = now_utc()
    review.state = next_state
    db.session.flush()
    project = review.project
    record_review_outcome(project, outcome, user=user)
    if outcome == ReviewOutcome.stop:
        suspend_free_quota(project.startup, user=user, reason=f'{project.title}: {findings}'[:500])
    link = link_to('reviews.show', review_id=review.id)
    for owner in owners_by_startup({project.startup_id}).get(project.startup_id, ()):
        notify(owner, 'review_decided', link=link, project=project.title, period=review.period_start.isoformat(),
               outcome=outcome.value)
    logger.info('Review %s decided %s by %s', review.id, outcome.value, user.id)
    if outcome == ReviewOutcome.stop:
        review_stopped.send(review, user=user)
    return review


# --- reminders ------------------------------------------------------------------------------

def _working_day_before(day, calendar):
    day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _claim_reminders(kind, subject_ids, today, now):
    """Claim ``kind`` reminders for the subjects ``subject_ids`` (a select of ids) on ``today``; the ids claimed."""
    table = ReminderSent.__table__
    select = (sa.select(sa.literal(kind, table.c.kind.type), subject_ids.c.id, sa.literal(today, sa.Date),
                        sa.literal(now, table.c.sent_at.type))
              .where(~sa.exists().where(ReminderSent.kind == kind, ReminderSent.subject_id == subject_ids.c.id,
                                        ReminderSent.day == today)))
    return _insert_new(table, ['kind', 'subject_id', 'day', 'sent_at'], select, ['kind', 'subject_id', 'day'],
                       table.c.subject_id)


def _milestones_due(first, last, states):
    """Milestones of active projects due in ``[first, last]`` in ``states``, as a subquery of ids."""
    return (sa.select(Milestone.id).join(Milestone.project)
            .where(Project.status == ProjectStatus.active, Milestone.due_date >= first, Milestone.due_date <= last,
                   Milestone.state.in_(states))
            .subquery())


@operation
def send_reminders(now=None):
    """On working days: tell the startup's owners of milestones due in REMINDER_WORKING_DAYS_BEFORE working
    days and not yet submitted, or unaccepted REMINDER_WORKING_DAYS_AFTER working days after their due date,
    and each manager of their reviews past the deadline and undecided.
    Each at most once per milestone or review and day.

    Every due date falls to exactly one working day: a due date on a day off is reminded of as if it were
    the working day before (before) or counted from itself (after).
    """
    now = now or now_utc()
    today = local_day(now)
    calendar = site_calendar()
    counts = {kind.value: 0 for kind in ReminderKind}
    if not calendar.is_working_day(today):
        return counts
    config = current_app.config
    notices = []
    before = config['REMINDER_WORKING_DAYS_BEFORE']
    if before >= 1:
        first = add_working_days(today, before - 1, calendar) + timedelta(days=1)
        last = add_working_days(today, before, calendar)
        open_states = [MilestoneState.planned, MilestoneState.in_progress, MilestoneState.changes_requested]
        claimed = _claim_reminders(ReminderKind.milestone_due_soon, _milestones_due(first, last, open_states),
                                   today, now)
        notices += _milestone_notices(claimed, 'milestone_due_soon')
        counts[ReminderKind.milestone_due_soon.value] = len(claimed)
    after = config['REMINDER_WORKING_DAYS_AFTER']
    if after >= 1:
        bounds = [today]
        for _ in range(after):
            bounds.append(_working_day_before(bounds[-1], calendar))
        unaccepted = [state for state in MilestoneState if state != MilestoneState.accepted]
        claimed = _claim_reminders(ReminderKind.milestone_overdue,
                                   _milestones_due(bounds[after], bounds[after - 1] - timedelta(days=1), unaccepted),
                                   today, now)
        notices += _milestone_notices(claimed, 'milestone_overdue')
        counts[ReminderKind.milestone_overdue.value] = len(claimed)
    overdue = (sa.select(ProgressReview.id).join(ProgressReview.project)
               .where(ProgressReview.state != ReviewState.decided, ProgressReview.due_at < now,
                      Project.status == ProjectStatus.active)
               .subquery())
    claimed = _claim_reminders(ReminderKind.review_overdue, overdue, today, now)
    for review in review_notices(claimed):
        notices.append((review.manager, 'review_overdue', link_to('reviews.show', review_id=review.id),
                        {'project': review.project, 'startup': review.startup,
                         'due': local_day(review.due_at).isoformat()}))
    counts[ReminderKind.review_overdue.value] = len(claimed)
    notify_many(notices)
    return counts


def _milestone_notices(milestone_ids, kind):
    milestones = milestone_notices(milestone_ids)
    owners = owners_by_startup({startup_id for *_rest, startup_id in milestones})
    notices = []
    for title, due_date, project_title, project_id, startup_id in milestones:
        link = link_to('projects.show', project_id=project_id)
        params = {'milestone': title, 'project': project_title, 'due': due_date.isoformat()}
        notices += [(owner, kind, link, params) for owner in owners.get(startup_id, ())]
    return notices
