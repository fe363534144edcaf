"""Derived columns kept in the transaction that changes their sources: each KPI target's latest figure
(``latest_value``, ``latest_recorded_on``) and each project's health inputs that do not depend on today
(``kpi_share``, ``first_open_due_on``, ``second_open_due_on``).

The dashboard ranks and filters every project by health on each request; computing those from the figures and
milestones meant ranking every figure and aggregating every milestone. Flush listeners recompute the columns of
every target whose figures the flush added, changed or deleted, then of every project whose milestones, targets
or figures it touched, so any code that writes them through the ORM keeps them right: operations, the demo data,
tests. A statement that changes those tables directly does not: rebuild afterwards with
``flask projects rebuild-health-inputs``.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from incubator.projects.health import kpi_share_of
from incubator.projects.models import KpiFigure, KpiTarget, Milestone, MilestoneState, Project

_TARGETS, _FIGURES = KpiTarget.__table__, KpiFigure.__table__
_PROJECTS, _MILESTONES = Project.__table__, Milestone.__table__
_TOUCHED, _UPDATED = 'kpi_latest_touched_targets', 'kpi_latest_updated_targets'
_TOUCHED_PROJECTS, _TOUCHED_MILESTONES = 'health_touched_projects', 'health_touched_milestones'
_UPDATED_PROJECTS = 'health_updated_projects'
_PROJECT_INPUTS = ('kpi_share', 'first_open_due_on', 'second_open_due_on')


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


def _open_due(position):
    """The due date of the project's ``position``-th (from 0) earliest milestone not accepted, or NULL."""
    return (sa.select(_MILESTONES.c.due_date)
            .where(_MILESTONES.c.project_id == _PROJECTS.c.id, _MILESTONES.c.state != MilestoneState.accepted)
            .order_by(_MILESTONES.c.due_date).limit(1).offset(position).scalar_subquery())


def health_inputs_from_sources():
    """(project id, KPI share, first and second open due dates) of every project as its milestones and targets
    give them: what the columns hold when they are right."""
    return sa.select(_PROJECTS.c.id, kpi_share_of(_PROJECTS.c.id), _open_due(0), _open_due(1))


def health_inputs_update(project_ids=None):
    """An UPDATE setting the stored health inputs of ``project_ids`` (every project if None) from their
    milestones and targets, leaving ``updated_at`` as it was: the row's own fields did not change."""
    update = sa.update(_PROJECTS).values(kpi_share=kpi_share_of(_PROJECTS.c.id), first_open_due_on=_open_due(0),
                                         second_open_due_on=_open_due(1), updated_at=_PROJECTS.c.updated_at)
    return update if project_ids is None else update.where(_PROJECTS.c.id.in_(sorted(project_ids)))


def _lock_projects(connection, project_ids, milestone_ids, target_ids):
    """Lock the rows of the projects of ``project_ids``, of the milestones of ``milestone_ids`` and of the targets
    of ``target_ids``; return their ids.

    Locked first, in id order, so that the UPDATE, a later statement, reads milestones that a concurrent
    transaction committed while this one waited: an UPDATE alone would compute from its own older snapshot
    (PostgreSQL, read committed). NO KEY UPDATE does not conflict with the key-share locks that inserting a
    milestone takes on its project."""
    chosen = []
    if project_ids:
        chosen.append(_PROJECTS.c.id.in_(sorted(project_ids)))
    if milestone_ids:
        chosen.append(_PROJECTS.c.id.in_(sa.select(_MILESTONES.c.project_id)
                                         .where(_MILESTONES.c.id.in_(sorted(milestone_ids)))))
    if target_ids:
        chosen.append(_PROJECTS.c.id.in_(sa.select(_MILESTONES.c.project_id)
                                         .join(_TARGETS, _TARGETS.c.milestone_id == _MILESTONES.c.id)
                                         .where(_TARGETS.c.id.in_(sorted(target_ids)))))
    return set(connection.execute(sa.select(_PROJECTS.c.id).where(sa.or_(*chosen)).order_by(_PROJECTS.c.id)
                                  .with_for_update(key_share=True)).scalars())


def _before(obj, attribute):
    """The values of ``attribute`` as the database held them before this flush."""
    history = getattr(sa.inspect(obj).attrs, attribute).history
    return set(history.deleted or history.unchanged)


def _target_ids(figure, *, before=False):
    """The target a figure belongs to, now or (``before``) as the database held it before this flush."""
    if before:
        return _before(figure, 'kpi_target_id')
    return {figure.kpi_target_id if figure.kpi_target_id is not None else getattr(figure.kpi_target, 'id', None)}


def _note(session, key, ids):
    if ids:
        session.info.setdefault(key, set()).update(ids)


#: What a change of a milestone or target must touch to move its project's inputs (targets dropped from a
#: milestone's list are deleted as orphans during the flush, unseen before it: the list's change tells).
_INPUT_FIELDS = {Milestone: ('project_id', 'due_date', 'state', 'kpi_targets'),
                 KpiTarget: ('milestone_id', 'target_value')}


def _moves_inputs(obj):
    return any(getattr(sa.inspect(obj).attrs, name).history.has_changes() for name in _INPUT_FIELDS[type(obj)])


@sa.event.listens_for(Session, 'before_flush')
def _note_deleted_rows(session, flush_context, instances):
    """Deleted rows, and the rows a change moves away from, are read before the flush: afterwards the database
    no longer links them."""
    touched, projects, milestones = set(), set(), set()
    for obj in session.deleted:
        if isinstance(obj, KpiFigure):
            touched |= _target_ids(obj)
        elif isinstance(obj, Milestone):
            projects |= _before(obj, 'project_id')
        elif isinstance(obj, KpiTarget):
            milestones |= _before(obj, 'milestone_id')
    for obj in session.dirty:
        if isinstance(obj, KpiFigure):
            touched |= _target_ids(obj, before=True)
        elif isinstance(obj, Milestone) and _moves_inputs(obj):
            projects |= _before(obj, 'project_id')
        elif isinstance(obj, KpiTarget) and _moves_inputs(obj):
            milestones |= _before(obj, 'milestone_id')
    _note(session, _TOUCHED, touched)
    _note(session, _TOUCHED_PROJECTS, projects - {None})
    _note(session, _TOUCHED_MILESTONES, milestones - {None})


@sa.event.listens_for(Session, 'after_flush')
def _update_derived_columns(session, flush_context):
    """The targets' latest figures first: the projects' KPI shares are read from them. A milestone's title or a
    target's unit changes nothing here."""
    touched = session.info.pop(_TOUCHED, set())
    projects = session.info.pop(_TOUCHED_PROJECTS, set())
    milestones = session.info.pop(_TOUCHED_MILESTONES, set())
    for obj in session.new | session.dirty:
        new = obj in session.new
        if isinstance(obj, KpiFigure) and (new or session.is_modified(obj)):
            touched.add(obj.kpi_target_id)
        elif isinstance(obj, Milestone) and (new or _moves_inputs(obj)):
            projects.add(obj.project_id)
        elif isinstance(obj, KpiTarget) and (new or _moves_inputs(obj)):
            milestones.add(obj.milestone_id)
    touched.discard(None)
    projects.discard(None)
    milestones.discard(None)
    if touched:
        session.connection().execute(latest_figures_update(touched))
        session.info[_UPDATED] = touched
    if touched or projects or milestones:
        locked = _lock_projects(session.connection(), projects, milestones, touched)
        if locked:
            session.connection().execute(health_inputs_update(locked))
            session.info[_UPDATED_PROJECTS] = locked


@sa.event.listens_for(Session, 'after_flush_postexec')
def _expire_updated_rows(session, flush_context):
    """Loaded targets and projects read the columns the UPDATEs wrote again, once the flush has settled their
    state."""
    updated = session.info.pop(_UPDATED, ())
    projects = session.info.pop(_UPDATED_PROJECTS, ())
    for obj in list(session.identity_map.values()):
        if isinstance(obj, KpiTarget) and obj.id in updated:
            session.expire(obj, ['latest_value', 'latest_recorded_on'])
        elif isinstance(obj, Project) and obj.id in projects:
            session.expire(obj, list(_PROJECT_INPUTS))


def rebuild_health_inputs(session):
    """Set every target's latest figure, then every project's health inputs, again from their sources (after a
    change made outside the ORM). Return the numbers of targets and of projects."""
    targets = session.execute(latest_figures_update()).rowcount
    return targets, session.execute(health_inputs_update()).rowcount
