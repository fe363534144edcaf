"""Figures of the green channel, per category and per department: requests, approval rate, median working days
to decision, share decided within the promise, working days paused; and the requests by stage.

Everything is aggregated in SQL: counts, rates and sums in one statement per grouping, the median in another
over the working days each finished clock stored (China's calendar, paused days left out); days paused include the
pauses still running. Statements do not grow with the data.
"""
import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.core.calendar import site_calendar
from incubator.core.time import now_utc, to_local
from incubator.core.workdays import working_days_between
from incubator.extensions import db
from incubator.greenchannel.models import (
    Department,
    DepartmentReview,
    GreenRequest,
    Outcome,
    RequestCategory,
    RequestState,
    Stage,
    StageKind,
)

APPROVALS = (Outcome.approved, Outcome.partly_approved)


@dataclass
class Figures:
    name: str
    requests: int
    decided: int
    approved: int
    within_promise: int
    paused_days: int
    median_days: float | None = None

    @property
    def approval_rate(self):
        return self.approved / self.decided if self.decided else None

    @property
    def share_within_promise(self):
        return self.within_promise / self.decided if self.decided else None


def _whole_stage():
    return sa.and_(Stage.request_id == GreenRequest.id, Stage.kind == StageKind.request)


def _aggregates(key):
    decided = GreenRequest.outcome.is_not(None)
    return (
        key,
        sa.func.count(GreenRequest.id),
        sa.func.sum(sa.case((decided, 1), else_=0)),
        sa.func.sum(sa.case((GreenRequest.outcome.in_(APPROVALS), 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(decided, Stage.met.is_(True)), 1), else_=0)),
        sa.func.coalesce(sa.func.sum(Stage.paused_working_days), 0),
    )


def _submitted():
    return GreenRequest.submitted_at.is_not(None)


def _medians(key, joins=()):
    """Per ``key``, the median of the decided requests' working days to decision (each finished clock stores
    them), computed in SQL with window functions (both databases have them; neither shares a median)."""
    ranked = (sa.select(key.label('key'), Stage.used_working_days.label('days'),
                        sa.func.row_number().over(partition_by=key, order_by=Stage.used_working_days).label('rank'),
                        sa.func.count().over(partition_by=key).label('total'))
              .select_from(GreenRequest).join(Stage, _whole_stage()))
    for target, on in joins:
        ranked = ranked.join(target, on)
    ranked = ranked.where(GreenRequest.outcome.is_not(None), Stage.used_working_days.is_not(None)).subquery()
    middle = sa.or_(ranked.c.rank == (ranked.c.total + 1) // 2, ranked.c.rank == (ranked.c.total + 2) // 2)
    return {group: float(median) for group, median in db.session.execute(
        sa.select(ranked.c.key, sa.func.avg(ranked.c.days)).where(middle).group_by(ranked.c.key))}


def _running_pauses(key, joins=()):
    """Per ``key``, the working days paused so far by the clocks paused now (a pause adds to the stored sum only
    when it ends): one statement, and the working days counted once per day a pause began."""
    query = (sa.select(key, Stage.paused_since).select_from(GreenRequest).join(Stage, _whole_stage())
             .where(Stage.paused_since.is_not(None)))
    for target, on in joins:
        query = query.join(target, on)
    now, calendar, days, counted = now_utc(), site_calendar(), {}, {}
    for group, since in db.session.execute(query):
        day = to_local(since).date()  # the count depends on the day only: once per day, not per request
        if day not in counted:
            counted[day] = working_days_between(since, now, calendar)
        days[group] = days.get(group, 0) + counted[day]
    return days


def _figures(rows, names, medians, running):
    return sorted((Figures(names.get(row[0], '?'), *row[1:-1], row[-1] + running.get(row[0], 0),
                           medians.get(row[0])) for row in rows), key=lambda figures: figures.name)


def by_category():
    key = GreenRequest.category_id
    rows = db.session.execute(
        sa.select(*_aggregates(key)).select_from(GreenRequest).outerjoin(Stage, _whole_stage())
        .where(_submitted()).group_by(key)).all()
    names = {category.id: category.name for category in db.session.scalars(sa.select(RequestCategory))}
    return _figures(rows, names, _medians(key), _running_pauses(key))


def by_department():
    key = DepartmentReview.department_id
    on = DepartmentReview.request_id == GreenRequest.id
    rows = db.session.execute(
        sa.select(*_aggregates(key)).select_from(GreenRequest).join(DepartmentReview, on)
        .outerjoin(Stage, _whole_stage()).where(_submitted()).group_by(key)).all()
    names = {department.id: department.name for department in db.session.scalars(sa.select(Department))}
    joins = ((DepartmentReview, on),)
    return _figures(rows, names, _medians(key, joins), _running_pauses(key, joins))


def by_stage():
    """How many requests are in each state (drafts left out: they are the startup's own)."""
    counts = dict(db.session.execute(
        sa.select(GreenRequest.state, sa.func.count()).where(GreenRequest.state != RequestState.draft)
        .group_by(GreenRequest.state)).all())
    return [(state, counts.get(state, 0)) for state in RequestState if state != RequestState.draft]


def as_csv(categories, departments, headers):
    """Both tables in one UTF-8 file with a byte-order mark (so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write('\ufeff')
    writer = csv.writer(out)
    writer.writerow(headers)
    for grouping, rows in (('category', categories), ('department', departments)):
        for row in rows:
            writer.writerow([grouping, row.name, row.requests, row.decided, _ratio(row.approval_rate),
                             '' if row.median_days is None else row.median_days,
                             _ratio(row.share_within_promise), row.paused_days])
    return out.getvalue()


def _ratio(value):
    return '' if value is None else f'{value:.3f}'
