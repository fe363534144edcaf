"""The read side of progress reviews: a review with what its page shows, a manager's open reviews, the
KPIs a review rates, and the people jobs tell (loaded in a fixed number of statements)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from incubator.auth.models import User
from incubator.core.pagination import UncountedPage
from incubator.extensions import db
from incubator.projects.models import KpiTarget, Milestone, MilestoneState, Project
from incubator.projects.reviews.models import KpiRating, ProgressReview, ReviewState
from incubator.startups.models import MembershipRole, Startup, StartupMembership

#: Ids per statement when loading what a job claimed: well under every database's limit of parameters.
CHUNK = 5000
PER_PAGE = 30


def _chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


@dataclass(frozen=True)
class Reader:
    """Who a notice goes to: what :func:`~incubator.notifications.operations.notify_many` reads of a user."""

    id: int
    email: str
    name: str
    locale: str | None
    is_active: bool


_READER = (User.id, User.email, User.name, User.locale, User.is_active)


@dataclass(frozen=True)
class ReviewNotice:
    """What the notices about one review say, and its manager."""

    id: int
    period_start: date
    due_at: datetime
    project: str
    startup_id: int
    startup: str
    manager: Reader


def review_notices(review_ids):
    """:class:`ReviewNotice` s of the reviews, read as plain rows (a job may tell thousands)."""
    notices = []
    for chunk in _chunks(review_ids):
        rows = db.session.execute(
            sa.select(ProgressReview.id, ProgressReview.period_start, ProgressReview.due_at, Project.title,
                      Startup.id, Startup.name, *_READER)
            .join(Project, Project.id == ProgressReview.project_id).join(Startup, Startup.id == Project.startup_id)
            .join(User, User.id == ProgressReview.manager_id)
            .where(ProgressReview.id.in_(chunk)).order_by(ProgressReview.id))
        notices += [ReviewNotice(*row[:6], manager=Reader(*row[6:])) for row in rows]
    return notices


def milestone_notices(milestone_ids):
    """``(milestone title, due date, project title, project id, startup id)`` of each milestone."""
    rows = []
    for chunk in _chunks(milestone_ids):
        rows += db.session.execute(
            sa.select(Milestone.title, Milestone.due_date, Project.title, Project.id, Project.startup_id)
            .join(Project, Project.id == Milestone.project_id)
            .where(Milestone.id.in_(chunk)).order_by(Milestone.id)).all()
    return rows


def owners_by_startup(startup_ids):
    """``{startup id: [Reader, …]}``: the active owners the startup's notices go to."""
    owners = {}
    for chunk in _chunks(startup_ids):
        rows = db.session.execute(
            sa.select(StartupMembership.startup_id, *_READER).join(User, User.id == StartupMembership.user_id)
            .where(StartupMembership.startup_id.in_(chunk), StartupMembership.role == MembershipRole.owner,
                   User.is_active.is_(True))
            .order_by(StartupMembership.id))
        for startup_id, *reader in rows:
            owners.setdefault(startup_id, []).append(Reader(*reader))
    return owners


def kpi_targets_to_rate(review):
    """The KPI targets a review rates: those of the project's milestones still open, or due since the
    start of the period before the review's (what the period reviewed was about)."""
    cadence = review.project.review_cadence
    reviewed_from = cadence.period_start(review.period_start - timedelta(days=1))
    return db.session.execute(
        sa.select(KpiTarget).join(KpiTarget.milestone)
        .where(Milestone.project_id == review.project_id,
               sa.or_(Milestone.state != MilestoneState.accepted, Milestone.due_date >= reviewed_from))
        .options(joinedload(KpiTarget.milestone), selectinload(KpiTarget.figures))
        .order_by(Milestone.due_date, Milestone.id, KpiTarget.id)).scalars().all()


def review_for_page(review_id):
    """A review with everything its page shows, or None."""
    return db.session.execute(
        sa.select(ProgressReview).where(ProgressReview.id == review_id)
        .options(joinedload(ProgressReview.project).joinedload(Project.startup),
                 joinedload(ProgressReview.manager), joinedload(ProgressReview.self_assessed_by),
                 joinedload(ProgressReview.decided_by),
                 selectinload(ProgressReview.ratings).joinedload(KpiRating.kpi_target))).scalar_one_or_none()


def reviews_of_project(project):
    """The project's reviews, latest period first (the reviews section of the project page)."""
    return db.session.execute(
        sa.select(ProgressReview).where(ProgressReview.project_id == project.id)
        .options(joinedload(ProgressReview.manager))
        .order_by(ProgressReview.period_start.desc())).scalars().all()


def open_reviews_of_manager(user, page=1):
    """The undecided reviews ``user`` decides, by deadline: past due first, then due this week, then later."""
    query = (sa.select(ProgressReview).where(ProgressReview.manager_id == user.id,
                                              ProgressReview.state != ReviewState.decided)
             .options(joinedload(ProgressReview.project).joinedload(Project.startup))
             .order_by(ProgressReview.due_at, ProgressReview.id))
    return UncountedPage(query, page, PER_PAGE)


# --- work queues (home pages and the navigation) ----------------------------------------------------------

def _awaiting_answer(startup_ids):
    return sa.and_(ProgressReview.state == ReviewState.awaiting_self_assessment,
                   ProgressReview.project_id.in_(sa.select(Project.id).where(Project.startup_id.in_(startup_ids))))


def reviews_to_answer_count(startup_ids):
    """The select counting reviews of ``startup_ids``' projects that wait for the startup's self-assessment."""
    return sa.select(sa.func.count(ProgressReview.id)).where(_awaiting_answer(startup_ids))


def reviews_to_answer_first(startup_ids, limit):
    return db.session.execute(
        sa.select(ProgressReview).where(_awaiting_answer(startup_ids)).options(joinedload(ProgressReview.project))
        .order_by(ProgressReview.due_at, ProgressReview.id).limit(limit)).scalars().all()


def _open_of(user):
    return sa.and_(ProgressReview.manager_id == user.id, ProgressReview.state != ReviewState.decided)


def reviews_due_count(user):
    """The select counting the undecided reviews ``user`` decides."""
    return sa.select(sa.func.count(ProgressReview.id)).where(_open_of(user))


def reviews_overdue_count(user, now):
    return sa.select(sa.func.count(ProgressReview.id)).where(_open_of(user), ProgressReview.due_at < now)


def reviews_due_first(user, limit):
    """The ``limit`` undecided reviews ``user`` decides, by deadline (the overdue ones first)."""
    return db.session.execute(
        sa.select(ProgressReview).where(_open_of(user))
        .options(joinedload(ProgressReview.project).joinedload(Project.startup))
        .order_by(ProgressReview.due_at, ProgressReview.id).limit(limit)).scalars().all()
