"""The read side of progress reviews: a review with what its page shows, a manager's open reviews, the
KPIs a review rates, and the people jobs tell (loaded in a fixed number of statements)."""
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from incubator.auth.models import User
from incubator.core.pagination import UncountedPage
from incubator.extensions import db
from incubator.projects.models import KpiTarget, Milestone, MilestoneState, Project
from incubator.projects.reviews.models import KpiRating, ProgressReview, ReviewState
from incubator.startups.models import MembershipRole, StartupMembership

#: Ids per statement when loading what a job claimed: well under every database's limit of parameters.
CHUNK = 5000
PER_PAGE = 30


def _chunks(ids):
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def reviews_with_people(review_ids):
    """The reviews, with their project, startup and manager loaded."""
    reviews = []
    for chunk in _chunks(review_ids):
        reviews += db.session.execute(
            sa.select(ProgressReview).where(ProgressReview.id.in_(chunk))
            .options(joinedload(ProgressReview.project).joinedload(Project.startup),
                     joinedload(ProgressReview.manager))
            .order_by(ProgressReview.id)).scalars().all()
    return reviews


def milestones_with_projects(milestone_ids):
    milestones = []
    for chunk in _chunks(milestone_ids):
        milestones += db.session.execute(
            sa.select(Milestone).where(Milestone.id.in_(chunk))
            .options(joinedload(Milestone.project)).order_by(Milestone.id)).scalars().all()
    return milestones


def owners_by_startup(startup_ids):
    """``{startup id: [owner, …]}``: the active owners the startup's notices go to."""
    owners = {}
    for chunk in _chunks(startup_ids):
        rows = db.session.execute(
            sa.select(StartupMembership.startup_id, User).join(User, User.id == StartupMembership.user_id)
            .where(StartupMembership.startup_id.in_(chunk), StartupMembership.role == MembershipRole.owner,
                   User.is_active.is_(True))
            .order_by(StartupMembership.id)).all()
        for startup_id, user in rows:
            owners.setdefault(startup_id, []).append(user)
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
