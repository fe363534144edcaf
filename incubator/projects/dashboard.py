"""The read side of the managers' dashboard and the committee's view: many projects' health at once.

The health a row shows comes from :func:`health.classify` on :func:`health.health_inputs` (the project page's
own rule and inputs, two statements for a page of rows). Filtering and sorting by health must see every
project, not one page, so :func:`_health_table` writes the same rule as one SQL CASE over grouped subqueries,
built from the same thresholds and rounding; the tests hold the two to agreement for projects of every state.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from incubator.auth.models import User
from incubator.core.pagination import paginate
from incubator.extensions import db
from incubator.projects import health
from incubator.projects.health import AT_RISK_LAG, OFF_TRACK_LAG, Health
from incubator.projects.models import (
    Milestone,
    MilestoneState,
    ProgressSubmission,
    Project,
    ProjectFunding,
    ReviewOutcome,
    SubmissionState,
)
from incubator.startups.models import Startup

PER_PAGE = 25
#: Health in the order the dashboard lists it: the worst first.
HEALTH_ORDER = (Health.off_track, Health.at_risk, Health.on_track)
#: What else the list may be narrowed to (the summary's counts link to these).
SHOW_OVERDUE, SHOW_AWAITING = 'overdue', 'awaiting_decision'


@dataclass(frozen=True)
class DashboardFilters:
    """The valid filters of the list; None means any."""

    site_id: int | None = None
    tier: object = None
    field: object = None
    manager_id: int | None = None
    health: Health | None = None
    show: str | None = None


# --- SQL pieces that must compute exactly what health.py computes in Python ---------------------------

class _days_between(FunctionElement):
    """Whole days from the second date to the first."""

    type = sa.Integer()
    inherit_cache = True
    name = 'days_between'


@compiles(_days_between)
def _days_between_default(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f'({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})'


@compiles(_days_between, 'sqlite')
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f'CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)'


class _whole(FunctionElement):
    """The whole part of a number that is not negative, as an integer."""

    type = sa.BigInteger()
    inherit_cache = True
    name = 'whole'


@compiles(_whole)
def _whole_default(element, compiler, **kw):
    return f'CAST(floor({compiler.process(element.clauses, **kw)}) AS BIGINT)'


@compiles(_whole, 'sqlite')
def _whole_sqlite(element, compiler, **kw):
    return f'CAST({compiler.process(element.clauses, **kw)} AS INTEGER)'


def _percent(share):
    """``round(share * 100)`` as Python rounds a float: halves to the even neighbour."""
    value = share * 100.0
    whole = _whole(value)
    return sa.case((value - whole > 0.5, whole + 1), (value - whole < 0.5, whole), else_=whole + whole % 2)


def _time_share(today):
    """:func:`health.time_share` of every project on ``today``."""
    total = _days_between(Project.planned_end_date, Project.start_date)
    passed = _days_between(sa.literal(today, sa.Date()), Project.start_date)
    return sa.case((sa.and_(total <= 0, passed >= total), 1.0), (total <= 0, 0.0), (passed <= 0, 0.0),
                   (passed >= total, 1.0), else_=sa.cast(passed, sa.Float) / total)


def _milestone_counts(today):
    """Per project: overdue milestones, the oldest overdue due date, the next due date not yet passed."""
    overdue = Milestone.overdue_clause(today)
    return (sa.select(Milestone.project_id.label('project_id'),
                      sa.func.sum(sa.case((overdue, 1), else_=0)).label('overdue'),
                      sa.func.min(sa.case((overdue, Milestone.due_date))).label('oldest_overdue'),
                      sa.func.min(sa.case((sa.and_(Milestone.due_date >= today,
                                                   Milestone.state != MilestoneState.accepted),
                                           Milestone.due_date))).label('next_due'))
            .group_by(Milestone.project_id).subquery('milestone_counts'))


def _kpi_shares(project_ids):
    return health._kpi_share_query(project_ids).subquery('kpi_shares')


def _health_table(today, project_ids):
    """(project id, health rank, overdue milestones, oldest overdue due date) of ``project_ids`` (a select):
    the rule of :func:`health.classify` as SQL, ranked 0 off track, 1 at risk, 2 on track.

    Built in layers so that each share is written once: the inputs, their rounded percentages, the rank."""
    milestones, shares = _milestone_counts(today), _kpi_shares(project_ids)
    share = list(shares.c)[1]
    inputs = (sa.select(Project.id.label('project_id'), Project.last_review_outcome.label('outcome'),
                        sa.func.coalesce(milestones.c.overdue, 0).label('overdue'), milestones.c.oldest_overdue,
                        _time_share(today).label('time_share'), share.label('kpi_share'))
              .outerjoin(milestones, milestones.c.project_id == Project.id)
              .outerjoin(shares, list(shares.c)[0] == Project.id)
              .where(Project.id.in_(project_ids)).subquery('health_inputs'))
    percents = sa.select(inputs.c.project_id, inputs.c.outcome, inputs.c.overdue, inputs.c.oldest_overdue,
                         inputs.c.kpi_share, _percent(inputs.c.time_share).label('elapsed'),
                         _percent(inputs.c.kpi_share).label('reached')).subquery('health_percents')
    lag = percents.c.elapsed - percents.c.reached
    known = percents.c.kpi_share.is_not(None)
    off = sa.or_(percents.c.outcome == ReviewOutcome.stop, percents.c.overdue >= 2,
                 sa.and_(known, lag > OFF_TRACK_LAG))
    risk = sa.or_(percents.c.outcome == ReviewOutcome.warning, percents.c.overdue == 1,
                  sa.and_(known, lag > AT_RISK_LAG))
    return sa.select(percents.c.project_id, sa.case((off, 0), (risk, 1), else_=2).label('rank'),
                     percents.c.overdue, percents.c.oldest_overdue).subquery('health')


def _filter_clauses(filters):
    clauses = []
    if filters.site_id is not None:
        clauses.append(Startup.site_id == filters.site_id)
    if filters.tier is not None:
        clauses.append(Startup.tier == filters.tier)
    if filters.field is not None:
        clauses.append(Project.field == filters.field)
    if filters.manager_id is not None:
        clauses.append(Project.manager_id == filters.manager_id)
    return clauses


def _ranked(filters, today):
    """(select of the projects under ``filters`` but health and show, their health table)."""
    matching = sa.select(Project.id).join(Startup, Startup.id == Project.startup_id).where(*_filter_clauses(filters))
    table = _health_table(today, matching)
    query = (sa.select(Project).join(Startup, Startup.id == Project.startup_id)
             .join(table, table.c.project_id == Project.id))
    return query, table


def _shown(query, filters, table):
    if filters.health is not None:
        query = query.where(table.c.rank == HEALTH_ORDER.index(filters.health))
    if filters.show == SHOW_OVERDUE:
        query = query.where(table.c.overdue > 0)
    elif filters.show == SHOW_AWAITING:
        query = query.where(Project.id.in_(_awaiting_projects()))
    return query.order_by(table.c.rank, table.c.oldest_overdue.is_(None), table.c.oldest_overdue, Project.id)


def _awaiting_projects():
    return (sa.select(Milestone.project_id).join(ProgressSubmission, ProgressSubmission.milestone_id == Milestone.id)
            .where(ProgressSubmission.state == SubmissionState.pending))


@dataclass(frozen=True)
class DashboardRow:
    project: Project
    health: Health
    reasons: list
    overdue: int
    oldest_overdue: Milestone | None
    next_due: Milestone | None


@dataclass(frozen=True)
class Summary:
    by_health: dict
    overdue_milestones: int
    awaiting_decision: int


def dashboard_page(filters, today, page, per_page=PER_PAGE):
    """A counted page of projects, worst health first then oldest overdue, as :class:`DashboardRow`s."""
    query, table = _ranked(filters, today)
    query = _shown(query, filters, table).options(
        joinedload(Project.startup).joinedload(Startup.site), joinedload(Project.manager))
    pagination = paginate(query, page, per_page)
    pagination.rows = rows_of(pagination.items, today)
    return pagination


def rows_of(projects, today):
    """Each project's health (the project page's rule) and milestones to mention: three statements."""
    inputs = health.health_inputs(projects, today)
    ids = [project.id for project in projects]
    open_milestones = db.session.execute(
        sa.select(Milestone).where(Milestone.project_id.in_(ids), Milestone.state != MilestoneState.accepted)
        .order_by(Milestone.due_date, Milestone.id)).scalars().all() if ids else []
    rows = []
    for project in projects:
        mine = [milestone for milestone in open_milestones if milestone.project_id == project.id]
        level, reasons = health.classify(inputs[project.id])
        rows.append(DashboardRow(
            project=project, health=level, reasons=reasons, overdue=inputs[project.id].overdue_milestones,
            oldest_overdue=next((m for m in mine if m.is_overdue_on(today)), None),
            next_due=next((m for m in mine if m.due_date >= today), None)))
    return rows


def summary(filters, today):
    """Counts over the projects the filters but health and show select: by health, overdue milestones,
    submissions awaiting a decision. Two statements."""
    query, table = _ranked(filters, today)
    counted = query.with_only_columns(table.c.rank, sa.func.count(Project.id),
                                      sa.func.coalesce(sa.func.sum(table.c.overdue), 0)).group_by(table.c.rank)
    by_health, overdue = dict.fromkeys(HEALTH_ORDER, 0), 0
    for position, projects, milestone_count in db.session.execute(counted):
        by_health[HEALTH_ORDER[position]] = projects
        overdue += milestone_count
    awaiting = db.session.execute(
        sa.select(sa.func.count(ProgressSubmission.id))
        .join(Milestone, Milestone.id == ProgressSubmission.milestone_id)
        .join(Project, Project.id == Milestone.project_id)
        .join(Startup, Startup.id == Project.startup_id)
        .where(ProgressSubmission.state == SubmissionState.pending, *_filter_clauses(filters))).scalar_one()
    return Summary(by_health=by_health, overdue_milestones=int(overdue), awaiting_decision=awaiting)


def dashboard_ids(filters, today):
    """The ids of every project of the filtered list, in its order (the CSV export's rows)."""
    query, table = _ranked(filters, today)
    return db.session.execute(_shown(query, filters, table).with_only_columns(Project.id)).scalars().all()


def export_rows(ids, today, chunk=500):
    """(row, granted fen) for ``ids`` in their order, a chunk at a time: a fixed number of statements a chunk."""
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        projects = db.session.execute(
            sa.select(Project).where(Project.id.in_(part))
            .options(joinedload(Project.startup).joinedload(Startup.site), joinedload(Project.manager))
        ).scalars().all()
        order = {project_id: position for position, project_id in enumerate(part)}
        projects.sort(key=lambda project: order[project.id])
        granted = dict(db.session.execute(
            sa.select(ProjectFunding.project_id, sa.func.sum(ProjectFunding.amount_fen))
            .where(ProjectFunding.project_id.in_(part)).group_by(ProjectFunding.project_id)).all())
        for row in rows_of(projects, today):
            yield row, int(granted.get(row.project.id, 0))



def project_managers():
    """The users responsible for some project, by name (the manager filter's choices)."""
    return db.session.execute(sa.select(User).where(User.id.in_(sa.select(Project.manager_id)))
                              .order_by(User.name, User.id)).scalars().all()
