"""The read side of the managers' dashboard and the committee's view: many projects' health at once.

The health a row shows comes from :func:`health.classify` on :func:`health.inputs_of` (the project page's own
rule and inputs; the overdue count from the open milestones a row reads anyway). Filtering and sorting by health
must see every project, not one page, so :func:`_health_table` writes the same rule as one SQL CASE over the
inputs kept on each project row (no milestone or figure is aggregated), built from the same thresholds and
rounding; the tests hold the two to agreement for projects of every state.
"""
import functools
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from incubator.auth.models import User
from incubator.core.time import from_local, programme_timezone
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
from incubator.projects.reviews.models import ProgressReview, ReviewState
from incubator.startups.models import Startup

PER_PAGE = 25
#: Health in the order the dashboard lists it: the worst first.
HEALTH_ORDER = (Health.off_track, Health.at_risk, Health.on_track)
#: What else the list may be narrowed to (the summary's counts link to these).
SHOW_OVERDUE, SHOW_AWAITING, SHOW_REVIEWS_DUE = 'overdue', 'awaiting_decision', 'reviews_due'


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
    """:func:`health.time_share` of every project on ``today`` (an SQL date)."""
    total = _days_between(Project.planned_end_date, Project.start_date)
    passed = _days_between(today, Project.start_date)
    return sa.case((sa.and_(total <= 0, passed >= total), 1.0), (total <= 0, 0.0), (passed <= 0, 0.0),
                   (passed >= total, 1.0), else_=sa.cast(passed, sa.Float) / total)


def _health_table(today, clauses):
    """(project id, health rank, overdue level, oldest overdue due date) of the projects under ``clauses``: the
    rule of :func:`health.classify` as SQL over the inputs kept on each project row, ranked 0 off track, 1 at
    risk, 2 on track; the overdue level is the number of overdue milestones as far as the rule tells them apart
    (0, 1, or 2 for two or more).

    Built in layers so that each share is written once: the inputs, their rounded percentages, the rank."""
    inputs = (sa.select(Project.id.label('project_id'), Project.last_review_outcome.label('outcome'),
                        sa.case((Project.second_open_due_on < today, 2), (Project.first_open_due_on < today, 1),
                                else_=0).label('overdue'),
                        sa.case((Project.first_open_due_on < today, Project.first_open_due_on))
                        .label('oldest_overdue'),
                        _time_share(today).label('time_share'), Project.kpi_share)
              .join(Startup, Startup.id == Project.startup_id).where(*clauses)
              .cte('health_inputs').prefix_with('MATERIALIZED'))  # computed once a row, not at each use
    percents = sa.select(inputs.c.project_id, inputs.c.outcome, inputs.c.overdue, inputs.c.oldest_overdue,
                         inputs.c.kpi_share, _percent(inputs.c.time_share).label('elapsed'),
                         _percent(inputs.c.kpi_share).label('reached')).subquery('health_percents')
    lag = percents.c.elapsed - percents.c.reached
    known = percents.c.kpi_share.is_not(None)
    off = sa.or_(percents.c.outcome == ReviewOutcome.stop, percents.c.overdue >= 2,
                 sa.and_(known, lag > OFF_TRACK_LAG))
    risk = sa.or_(percents.c.outcome == ReviewOutcome.warning, percents.c.overdue == 1,
                  sa.and_(known, lag > AT_RISK_LAG))
    # Materialized too: the rank is read five times, and PostgreSQL would inline its expression at each.
    return (sa.select(percents.c.project_id, sa.case((off, 0), (risk, 1), else_=2).label('rank'),
                      percents.c.overdue, percents.c.oldest_overdue).cte('health').prefix_with('MATERIALIZED'))


def _filter_clauses(filters):
    """The conditions of the filters given, their values left to bind parameters of the same names."""
    columns = {'site_id': Startup.site_id, 'tier': Startup.tier, 'field': Project.field,
               'manager_id': Project.manager_id}
    return [column == sa.bindparam(name) for name, column in columns.items() if getattr(filters, name) is not None]


def _overdue_total(today, clauses):
    """The number of overdue milestones of the projects under ``clauses`` (a scalar subquery; without clauses,
    of every milestone: each belongs to a project of a startup)."""
    query = sa.select(sa.func.count()).select_from(Milestone).where(Milestone.overdue_clause(today))
    if clauses:
        query = query.where(Milestone.project_id.in_(
            sa.select(Project.id).join(Startup, Startup.id == Project.startup_id).where(*clauses)))
    return query.scalar_subquery()


def _listing(filters):
    """Every project under ``filters`` but health and show, once: its health rank, overdue level, reviews due
    this week, submissions awaiting a decision, and (the same on every row) the summary's totals."""
    clauses, today = _filter_clauses(filters), sa.bindparam('today', type_=sa.Date())
    table, due, awaiting = _health_table(today, clauses), _reviews_due(), _awaiting()
    reviews_due, submissions = sa.func.coalesce(due.c.reviews, 0), sa.func.coalesce(awaiting.c.submissions, 0)
    totals = [sa.func.sum(sa.case((table.c.rank == position, 1), else_=0)).over().label(f'health_{position}')
              for position in range(len(HEALTH_ORDER))]
    return (sa.select(table.c.project_id, table.c.rank, table.c.overdue, table.c.oldest_overdue,
                      reviews_due.label('reviews_due'), submissions.label('awaiting'), *totals,
                      _overdue_total(today, clauses).label('all_overdue'),
                      sa.func.sum(reviews_due).over().label('all_reviews_due'),
                      sa.func.sum(submissions).over().label('all_awaiting'))
            .outerjoin(due, due.c.project_id == table.c.project_id)
            .outerjoin(awaiting, awaiting.c.project_id == table.c.project_id)
            .subquery('listing'))


def _shown(listing, filters):
    """The listing's rows that the health and show filters select, worst health first, then oldest overdue."""
    query = sa.select(listing)
    if filters.health is not None:
        query = query.where(listing.c.rank == HEALTH_ORDER.index(filters.health))
    if filters.show == SHOW_OVERDUE:
        query = query.where(listing.c.overdue > 0)
    elif filters.show == SHOW_AWAITING:
        query = query.where(listing.c.awaiting > 0)
    elif filters.show == SHOW_REVIEWS_DUE:
        query = query.where(listing.c.reviews_due > 0)
    return query.order_by(listing.c.rank, listing.c.oldest_overdue.is_(None), listing.c.oldest_overdue,
                          listing.c.project_id)


def _awaiting():
    """Per project: progress submissions awaiting a manager's decision."""
    return (sa.select(Milestone.project_id.label('project_id'), sa.func.count().label('submissions'))
            .join(ProgressSubmission, ProgressSubmission.milestone_id == Milestone.id)
            .where(ProgressSubmission.state == SubmissionState.pending)
            .group_by(Milestone.project_id).subquery('awaiting'))


def working_week(today):
    """From Monday 00:00 to Saturday 00:00 of the week of ``today``, in programme time, as UTC instants."""
    monday = today - timedelta(days=today.weekday())
    return (from_local(datetime.combine(monday, time()), programme_timezone()),
            from_local(datetime.combine(monday + timedelta(days=5), time()), programme_timezone()))


def _reviews_due():
    """Per project: undecided progress reviews whose deadline falls in this working week (bound by
    :func:`_parameters`)."""
    return (sa.select(ProgressReview.project_id.label('project_id'), sa.func.count().label('reviews'))
            .where(ProgressReview.state != ReviewState.decided, ProgressReview.due_at >= sa.bindparam('week_start'),
                   ProgressReview.due_at < sa.bindparam('week_end'))
            .group_by(ProgressReview.project_id).subquery('reviews_due'))


_BOUND = ('site_id', 'tier', 'field', 'manager_id')


def _shape(filters):
    """``filters`` with each value that goes in a bind parameter replaced by True: what the statements depend
    on."""
    return replace(filters, **{name: True if getattr(filters, name) is not None else None for name in _BOUND})


@functools.cache
def _statements(shape):
    """(listing, shown, counted) for filters of ``shape`` (:func:`_shape`, a few hundred at most), built once:
    building them took longer than running them. :func:`_parameters` gives their bind parameters."""
    listing = _listing(shape)
    shown = _shown(listing, shape)
    counted = (sa.select(shown.subquery('shown')).add_columns(sa.func.count().over().label('total'))
               .limit(sa.bindparam('limit')).offset(sa.bindparam('offset')))
    return listing, shown, counted


def _parameters(filters, today):
    """The bind parameters of :func:`_statements` for ``filters`` on ``today``."""
    first, last = working_week(today)
    return {'today': today, 'week_start': first, 'week_end': last,
            **{name: getattr(filters, name) for name in _BOUND if getattr(filters, name) is not None}}


@dataclass(frozen=True)
class DashboardRow:
    project: Project
    health: Health
    reasons: list                     # in the reader's language, translated once (the page shows them twice)
    overdue: int
    oldest_overdue: sa.Row | None     # (project_id, title, due_date) of a milestone not accepted
    next_due: sa.Row | None
    reviews_due: int = 0
    last_review: ProgressReview | None = None


@dataclass(frozen=True)
class Summary:
    by_health: dict
    overdue_milestones: int
    awaiting_decision: int
    reviews_due: int

    @classmethod
    def of(cls, row):
        if row is None:
            return cls(by_health=dict.fromkeys(HEALTH_ORDER, 0), overdue_milestones=0, awaiting_decision=0,
                       reviews_due=0)
        return cls(by_health={health: int(getattr(row, f'health_{position}'))
                              for position, health in enumerate(HEALTH_ORDER)},
                   overdue_milestones=int(row.all_overdue), awaiting_decision=int(row.all_awaiting),
                   reviews_due=int(row.all_reviews_due))


class DashboardPage:
    """One page of the dashboard: its rows, the summary of every project the other filters select, and page
    numbers (a page past the end shows the last one)."""

    def __init__(self, rows, summary, page, per_page, total):
        self.rows, self.summary, self.page, self.per_page, self.total = rows, summary, page, per_page, total
        self.items = [row.project for row in rows]

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None


def dashboard_page(filters, today, page, per_page=PER_PAGE, with_reviews=False):
    """A page of projects, worst health first then oldest overdue, with the summary: the list in one statement
    whatever the number of projects, then the page's projects and their open milestones (two more), and
    (``with_reviews``) their last decided review (one more)."""
    listing, shown, counted = _statements(_shape(filters))
    parameters = _parameters(filters, today)
    found = db.session.execute(counted, {**parameters, 'limit': per_page, 'offset': (page - 1) * per_page}).all()
    if not found and page > 1:  # past the end: the last page
        total = db.session.execute(sa.select(sa.func.count()).select_from(shown.subquery()),
                                   parameters).scalar_one()
        page = max(1, -(-total // per_page))
        found = db.session.execute(counted, {**parameters, 'limit': per_page,
                                             'offset': (page - 1) * per_page}).all()
    summary_row = found[0] if found else db.session.execute(sa.select(listing).limit(1), parameters).first()
    projects = _projects_by_id([row.project_id for row in found])
    rows = rows_of(projects, today, reviews_due={row.project_id: int(row.reviews_due) for row in found},
                   with_reviews=with_reviews)
    return DashboardPage(rows, Summary.of(summary_row), page, per_page, int(found[0].total) if found else 0)


def _projects_by_id(ids):
    """The projects of ``ids`` in that order, with what a row shows."""
    if not ids:
        return []
    projects = db.session.execute(_projects_of_ids(), {'ids': list(ids)}).scalars().all()
    order = {project_id: position for position, project_id in enumerate(ids)}
    return sorted(projects, key=lambda project: order[project.id])


@functools.cache
def _projects_of_ids():
    return (sa.select(Project).where(Project.id.in_(sa.bindparam('ids', expanding=True)))
            .options(joinedload(Project.startup).joinedload(Startup.site),
                     joinedload(Project.manager).lazyload(User.role_rows)))  # the name only: no roles


@functools.cache
def _open_milestones_of_ids():
    return (sa.select(Milestone.project_id, Milestone.title, Milestone.due_date)
            .where(Milestone.project_id.in_(sa.bindparam('ids', expanding=True)),
                   Milestone.state != MilestoneState.accepted)
            .order_by(Milestone.due_date, Milestone.id))


def last_decided_reviews(project_ids):
    """``{project id: its last decided review}`` with who decided it: one statement."""
    if not project_ids:
        return {}
    latest = (sa.select(ProgressReview.id, sa.func.row_number().over(
        partition_by=ProgressReview.project_id,
        order_by=(ProgressReview.decided_at.desc(), ProgressReview.id.desc())).label('rank'))
        .where(ProgressReview.project_id.in_(project_ids), ProgressReview.state == ReviewState.decided)
        .subquery())
    reviews = db.session.execute(
        sa.select(ProgressReview).join(latest, sa.and_(latest.c.id == ProgressReview.id, latest.c.rank == 1))
        .options(joinedload(ProgressReview.decided_by).lazyload(User.role_rows))).scalars().all()
    return {review.project_id: review for review in reviews}


def rows_of(projects, today, reviews_due=None, with_reviews=False):
    """Each project's health (the project page's rule) and milestones to mention: one statement (two
    ``with_reviews``). The milestones not accepted are read as (project id, title, due date) rows, not loaded
    as objects: a row names them, and those past their due date are the overdue count health needs."""
    ids = [project.id for project in projects]
    open_milestones = db.session.execute(_open_milestones_of_ids(), {'ids': ids}).all() if ids else []
    last_reviews = last_decided_reviews(ids) if with_reviews else {}
    by_project = {}
    for milestone in open_milestones:
        by_project.setdefault(milestone.project_id, []).append(milestone)
    rows = []
    for project in projects:
        mine = by_project.get(project.id, [])
        overdue = [milestone for milestone in mine if milestone.due_date < today]
        level, reasons = health.classify(health.inputs_of(project, len(overdue), today))
        rows.append(DashboardRow(
            project=project, health=level, reasons=[str(reason) for reason in reasons], overdue=len(overdue),
            oldest_overdue=overdue[0] if overdue else None,
            next_due=next((m for m in mine if m.due_date >= today), None),
            reviews_due=(reviews_due or {}).get(project.id, 0), last_review=last_reviews.get(project.id)))
    return rows


def dashboard_ids(filters, today):
    """The ids of every project of the filtered list, in its order (the CSV export's rows): one statement."""
    shown = _statements(_shape(filters))[1].subquery('shown')
    return db.session.execute(sa.select(shown.c.project_id), _parameters(filters, today)).scalars().all()


def export_rows(ids, today, chunk=500):
    """(row, granted fen) for ``ids`` in their order, a chunk at a time: a fixed number of statements a chunk."""
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        projects = _projects_by_id(part)
        granted = dict(db.session.execute(
            sa.select(ProjectFunding.project_id, sa.func.sum(ProjectFunding.amount_fen))
            .where(ProjectFunding.project_id.in_(part)).group_by(ProjectFunding.project_id)).all())
        for row in rows_of(projects, today):
            yield row, int(granted.get(row.project.id, 0))



def project_managers():
    """The users responsible for some project, by name (the manager filter's choices)."""
    return db.session.execute(sa.select(User).where(User.id.in_(sa.select(Project.manager_id)))
                              .order_by(User.name, User.id)).scalars().all()
