"""Project health: on track, at risk or off track, by one stated rule.

The rule (:func:`classify`), checked in this order:

* **off track** if the last review decided to stop, or two or more milestones are overdue, or the share of
  KPI targets reached is more than 40 points below the share of the planned time that has passed;
* **at risk** if the last review gave a warning, or one milestone is overdue, or that share is more than
  15 points below the time passed;
* **on track** otherwise.

The reasons given are every condition met, the graver first.

The share of KPI targets reached is the mean, over every KPI target of the project's milestones, of its
latest figure divided by its target (at most 100 %; a target of 0 counts as reached; no figure yet counts 0).
A project without KPI targets is judged on the other two. The time passed is from the start to the
planned end, between 0 and 100 %.

The inputs that do not depend on today (the KPI share, the two earliest due dates of milestones not accepted,
the last review outcome) are kept on the project row (:mod:`incubator.projects.latest`); :func:`health_inputs`
adds the overdue count for any number of projects in one statement, so the dashboard and the project page read
the same numbers and apply the same rule.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.core.db import LabelledEnum
from incubator.extensions import db
from incubator.projects.models import KpiTarget, Milestone, ReviewOutcome

#: Points the KPI share may lag behind the time passed before a project is at risk, and off track.
AT_RISK_LAG, OFF_TRACK_LAG = 15, 40


class Health(LabelledEnum):
    on_track = 'on_track'
    at_risk = 'at_risk'
    off_track = 'off_track'

    @classmethod
    def labels(cls):
        return {cls.on_track: _l('On track'), cls.at_risk: _l('At risk'), cls.off_track: _l('Off track')}

    @property
    def colour(self):
        """The Bootstrap colour of its badge."""
        return {Health.on_track: 'success', Health.at_risk: 'warning', Health.off_track: 'danger'}[self]


@dataclass(frozen=True)
class HealthInputs:
    last_review_outcome: ReviewOutcome | None
    overdue_milestones: int
    kpi_share: float | None       # 0..1, None without KPI targets
    time_share: float             # 0..1


def time_share(start_date, planned_end_date, today):
    """The share of the planned time passed on ``today``, between 0 and 1."""
    total = (planned_end_date - start_date).days
    if total <= 0:
        return 1.0 if today >= planned_end_date else 0.0
    return min(max((today - start_date).days / total, 0.0), 1.0)


def classify(inputs):
    """(Health, reasons in words): the rule of this module's docstring, written once."""
    off, risk = [], []
    if inputs.last_review_outcome == ReviewOutcome.stop:
        off.append(_l('The last progress review decided to stop the project.'))
    elif inputs.last_review_outcome == ReviewOutcome.warning:
        risk.append(_l('The last progress review gave a warning.'))
    if inputs.overdue_milestones >= 2:
        off.append(_l('%(count)d milestones are overdue.', count=inputs.overdue_milestones))
    elif inputs.overdue_milestones == 1:
        risk.append(_l('One milestone is overdue.'))
    if inputs.kpi_share is not None:
        kpi, elapsed = round(inputs.kpi_share * 100), round(inputs.time_share * 100)
        lag = elapsed - kpi
        words = _l('KPI targets are %(kpi)d%% reached while %(elapsed)d%% of the planned time has passed.',
                   kpi=kpi, elapsed=elapsed)
        if lag > OFF_TRACK_LAG:
            off.append(words)
        elif lag > AT_RISK_LAG:
            risk.append(words)
    if off:
        return Health.off_track, off + risk
    if risk:
        return Health.at_risk, risk
    return Health.on_track, [_l('No milestone is overdue, the KPI targets keep pace with the time passed, '
                                'and the last review raised no concern.')]


def health_inputs(projects, today):
    """``{project id: HealthInputs}`` for ``projects`` (loaded Project rows): one statement whatever their number."""
    ids = [project.id for project in projects]
    if not ids:
        return {}
    overdue = dict(db.session.execute(
        sa.select(Milestone.project_id, sa.func.count())
        .where(Milestone.project_id.in_(ids), Milestone.overdue_clause(today))
        .group_by(Milestone.project_id)).all())
    return {project.id: inputs_of(project, overdue.get(project.id, 0), today) for project in projects}


def inputs_of(project, overdue_milestones, today):
    """The HealthInputs of a loaded project with ``overdue_milestones`` counted by the caller."""
    return HealthInputs(last_review_outcome=project.last_review_outcome, overdue_milestones=overdue_milestones,
                        kpi_share=project.kpi_share,
                        time_share=time_share(project.start_date, project.planned_end_date, today))


def kpi_share_of(project_id):
    """The mean share of the KPI targets of project ``project_id`` (a column or value) reached, by each target's
    latest figure (kept on the target by :mod:`incubator.projects.latest`): a scalar subquery, NULL without
    targets."""
    latest = sa.func.coalesce(KpiTarget.latest_value, 0)
    share = sa.case((KpiTarget.target_value == 0, 1.0), (latest >= KpiTarget.target_value, 1.0),
                    else_=sa.cast(latest, sa.Float) / KpiTarget.target_value)
    return (sa.select(sa.func.avg(share))
            .select_from(KpiTarget)
            .join(Milestone, Milestone.id == KpiTarget.milestone_id)
            .where(Milestone.project_id == project_id)
            .scalar_subquery())


def health_of(project, today):
    """(Health, reasons) of one project on ``today``."""
    return classify(health_inputs([project], today)[project.id])


def health_of_many(projects, today):
    """``{project id: (Health, reasons)}`` in the same fixed number of statements as :func:`health_inputs`."""
    return {project_id: classify(inputs) for project_id, inputs in health_inputs(projects, today).items()}

