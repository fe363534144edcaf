"""Keeping each KPI target's latest figure (``latest_value``, ``latest_recorded_on``) on the target itself.

The health rule needs every target's latest figure for every project on each dashboard request; reading it
from the figures meant ranking all of them. A flush listener recomputes the two columns of every target whose
figures the flush added, changed or deleted, in the same transaction, so any code that records figures through
the ORM keeps them right: operations, the demo data, tests. A statement that changes the figures table directly
does not: rebuild afterwards with ``flask projects rebuild-latest-figures``.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from incubator.projects.models import KpiFigure, KpiTarget

_TARGETS, _FIGURES = KpiTarget.__table__, KpiFigure.__table__
_TOUCHED, _UPDATED = 'kpi_latest_touched_targets', 'kpi_latest_updated_targets'


def _latest(column):
    """``column`` of the target's latest figure, the greatest (recorded_on, id), read in index order."""
    return (sa.select(column).where(_FIGURES.c.kpi_target_id == _TARGETS.c.id)
            .order_by(_FIGURES.c.recorded_on.desc(), _FIGURES.c.id.desc()).limit(1).scalar_subquery())


def latest_from_figures():
    """(target id, latest value, latest day) of every target as its figures give them: what the columns hold
    when they are right."""
    return sa.select(_TARGETS.c.id, _latest(_FIGURES.c.value), _latest(_FIGURES.c.recorded_on))


def latest_figures_update(target_ids=None):
    """An UPDATE setting the latest figure of ``target_ids`` (every target if None) from their figures."""
    update = sa.update(_TARGETS).values(latest_value=_latest(_FIGURES.c.value),
                                        latest_recorded_on=_latest(_FIGURES.c.recorded_on))
    return update if target_ids is None else update.where(_TARGETS.c.id.in_(sorted(target_ids)))


def _target_ids(figure, *, before=False):
    """The target a figure belongs to, now or (``before``) as the database held it before this flush."""
    if before:
        history = sa.inspect(figure).attrs.kpi_target_id.history
        return set(history.deleted or history.unchanged)
    return {figure.kpi_target_id if figure.kpi_target_id is not None else getattr(figure.kpi_target, 'id', None)}


@sa.event.listens_for(Session, 'before_flush')
def _note_deleted_figures(session, flush_context, instances):
    """Deleted figures are read before the flush: afterwards their rows are gone."""
    touched = set()
    for obj in session.deleted:
        if isinstance(obj, KpiFigure):
            touched |= _target_ids(obj)
    for obj in session.dirty:
        if isinstance(obj, KpiFigure):
            touched |= _target_ids(obj, before=True)
    if touched:
        session.info.setdefault(_TOUCHED, set()).update(touched)


@sa.event.listens_for(Session, 'after_flush')
def _update_latest_figures(session, flush_context):
    touched = session.info.pop(_TOUCHED, set())
    for obj in session.new:
        if isinstance(obj, KpiFigure):
            touched.add(obj.kpi_target_id)
    for obj in session.dirty:
        if isinstance(obj, KpiFigure) and session.is_modified(obj):
            touched.add(obj.kpi_target_id)
    touched.discard(None)
    if not touched:
        return
    session.connection().execute(latest_figures_update(touched))
    session.info[_UPDATED] = touched


@sa.event.listens_for(Session, 'after_flush_postexec')
def _expire_updated_targets(session, flush_context):
    """Loaded targets read the columns the UPDATE wrote again, once the flush has settled their state."""
    updated = session.info.pop(_UPDATED, ())
    for obj in list(session.identity_map.values()):
        if isinstance(obj, KpiTarget) and obj.id in updated:
            session.expire(obj, ['latest_value', 'latest_recorded_on'])


def rebuild_latest_figures(session):
    """Set every target's latest figure again from the figures (after a change made outside the ORM).
    Return the number of targets."""
    return session.execute(latest_figures_update()).rowcount
