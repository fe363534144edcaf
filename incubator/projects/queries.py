"""The read side of projects: lists, the project page with everything it shows, KPI progress and chart data."""
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from incubator.core.pagination import paginate
from incubator.extensions import db
from incubator.projects.models import (
    KpiTarget,
    Milestone,
    MilestoneDateChange,
    MilestoneState,
    ProgressSubmission,
    Project,
    ProjectStatus,
    SubmissionState,
)
from incubator.startups.models import Startup, StartupMembership

PER_PAGE = 25


def projects_of_startup(startup):
    return db.session.execute(
        sa.select(Project).where(Project.startup_id == startup.id).options(joinedload(Project.manager))
        .order_by(Project.start_date.desc(), Project.id.desc())).scalars().all()


def projects_page(page, startup_ids=None):
    """Projects, newest start first, a page at a time: every one, or those of ``startup_ids``."""
    query = (sa.select(Project).options(joinedload(Project.manager), joinedload(Project.startup))
             .order_by(Project.start_date.desc(), Project.id.desc()))
    if startup_ids is not None:
        query = query.where(Project.startup_id.in_(startup_ids))
    return paginate(query, page, PER_PAGE)


def project_for_page(project_id):
    """A project with all its page shows, in a number of statements that does not grow with its milestones."""
    return db.session.execute(
        sa.select(Project).where(Project.id == project_id).options(
            joinedload(Project.startup).selectinload(Startup.memberships).joinedload(StartupMembership.user),
            joinedload(Project.manager),
            selectinload(Project.fundings),
            selectinload(Project.milestones).options(
                selectinload(Milestone.kpi_targets).selectinload(KpiTarget.figures),
                selectinload(Milestone.date_changes).joinedload(MilestoneDateChange.changed_by),
                selectinload(Milestone.submissions).options(
                    joinedload(ProgressSubmission.submitted_by), joinedload(ProgressSubmission.decided_by),
                    selectinload(ProgressSubmission.figures)),
            ),
        )).unique().scalar_one_or_none()


def milestone_with_project(milestone_id):
    return db.session.execute(
        sa.select(Milestone).where(Milestone.id == milestone_id).options(
            joinedload(Milestone.project).joinedload(Project.startup), selectinload(Milestone.kpi_targets))
    ).unique().scalar_one_or_none()


@dataclass(frozen=True)
class KpiProgress:
    target: KpiTarget
    latest: int | None          # the latest figure, None before any
    share: float                # 0..1 of the target reached (1 for a target of 0)


def kpi_progress(target):
    """A target's latest figure and the share of it reached (its figures loaded, in date order)."""
    latest = target.figures[-1].value if target.figures else None
    if target.target_value == 0:
        share = 1.0
    else:
        share = min((latest or 0) / target.target_value, 1.0)
    return KpiProgress(target=target, latest=latest, share=share)


def pending_submission(milestone):
    return next((s for s in reversed(milestone.submissions) if s.state == SubmissionState.pending), None)


def chart_data(project):
    """Per KPI target: its target and its figures over time, in display units (yuan for money), for the chart."""
    series = []
    for milestone in project.milestones:
        for target in milestone.kpi_targets:
            scale = 100 if target.is_money else 1
            series.append({
                'name': f'{milestone.title} · {target.label}',
                'unit': '¥' if target.is_money else (target.unit or ''),
                'target': target.target_value / scale,
                'due': milestone.due_date.isoformat(),
                'points': [[figure.recorded_on.isoformat(), figure.value / scale] for figure in target.figures],
            })
    return series


# --- work queues (home pages and the navigation) ----------------------------------------------------------

#: A startup's home lists the milestones due within this many days (and every overdue one).
DUE_SOON = timedelta(days=14)


def _milestones_due(startup_ids, today):
    """Milestones of the active projects of ``startup_ids`` that need the startup: changes requested, or not
    submitted yet and due within :data:`DUE_SOON` (or overdue)."""
    return sa.and_(
        Project.startup_id.in_(startup_ids), Project.status == ProjectStatus.active,
        sa.or_(Milestone.state == MilestoneState.changes_requested,
               sa.and_(Milestone.state.in_((MilestoneState.planned, MilestoneState.in_progress)),
                       Milestone.due_date <= today + DUE_SOON)))


def milestones_due_count(startup_ids, today):
    return (sa.select(sa.func.count(Milestone.id)).join(Project, Project.id == Milestone.project_id)
            .where(_milestones_due(startup_ids, today)))


def milestones_due_first(startup_ids, today, limit):
    """The ``limit`` most urgent: changes requested first, then by due date."""
    return db.session.execute(
        sa.select(Milestone).join(Project, Project.id == Milestone.project_id)
        .where(_milestones_due(startup_ids, today)).options(joinedload(Milestone.project))
        .order_by(sa.case((Milestone.state == MilestoneState.changes_requested, 0), else_=1),
                  Milestone.due_date, Milestone.id).limit(limit)).scalars().all()


def _submitted_to(user):
    return sa.and_(Milestone.state == MilestoneState.submitted, Project.manager_id == user.id,
                   Project.status == ProjectStatus.active)


def submissions_to_review_count(user):
    """The select counting milestones submitted for the decision of ``user`` (their projects' manager)."""
    return (sa.select(sa.func.count(Milestone.id)).join(Project, Project.id == Milestone.project_id)
            .where(_submitted_to(user)))


def submissions_to_review_first(user, limit):
    """The ``limit`` submitted milestones ``user`` decides, the earliest due first."""
    return db.session.execute(
        sa.select(Milestone).join(Project, Project.id == Milestone.project_id).where(_submitted_to(user))
        .options(joinedload(Milestone.project).joinedload(Project.startup))
        .order_by(Milestone.due_date, Milestone.id).limit(limit)).scalars().all()


def overdue_milestones_count(user, today):
    """The select counting overdue milestones of the active projects ``user`` manages."""
    return (sa.select(sa.func.count(Milestone.id)).join(Project, Project.id == Milestone.project_id)
            .where(Project.manager_id == user.id, Project.status == ProjectStatus.active,
                   Milestone.overdue_clause(today)))
