"""Each project keeps its health inputs that do not depend on today (KPI share, the two earliest due dates of its
milestones not accepted) in the transaction that changes a milestone, a target or a figure; the dashboard ranks
every project from them. (conftest checks after every test that they match their sources.)"""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.dashboard import DashboardFilters, dashboard_ids
from incubator.projects.health import Health, health_of
from incubator.projects.latest import health_inputs_from_sources
from incubator.projects.models import KpiFigure, KpiKind, Milestone, Project, ReviewOutcome
from tests.projects.conftest import TODAY, figures_for


def stored(project):
    """(KPI share, first and second open due dates) as the database holds them, checked against their sources."""
    kept = db.session.execute(sa.select(Project.kpi_share, Project.first_open_due_on, Project.second_open_due_on)
                              .where(Project.id == project.id)).one()._tuple()
    sources = {row[0]: tuple(row[1:]) for row in db.session.execute(health_inputs_from_sources())}
    assert kept == sources[project.id]
    return kept


def ranked(level):
    return set(dashboard_ids(DashboardFilters(health=level), TODAY))


def submit(world, milestone, *values, day=date(2026, 6, 1)):
    return operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, *values),
                                      narrative='Progress', today=day)


def test_a_new_project_has_none(world):
    project = operations.create_project(
        world.manager, world.a, title='Empty', field=world.project.field, lead_name='Lead',
        start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31), review_cadence=world.project.review_cadence,
        manager=world.manager)
    db.session.commit()
    assert stored(project) == (None, None, None)


def test_milestones_added_set_the_earliest_open_due_dates_and_the_loaded_project_sees_them(world):
    project = world.project
    assert stored(project) == (0.0, date(2026, 6, 30), None)
    operations.add_milestone(world.manager, project, title='Pilot', due_date=date(2026, 9, 30),
                             targets=[(KpiKind.hires, 4, None, None)])
    assert (project.kpi_share, project.first_open_due_on, project.second_open_due_on) == (
        0.0, date(2026, 6, 30), date(2026, 9, 30))                                          # before the commit
    operations.add_milestone(world.manager, project, title='Sooner', due_date=date(2026, 3, 31))
    db.session.commit()
    assert stored(project) == (0.0, date(2026, 3, 31), date(2026, 6, 30))


def test_figures_recorded_changed_and_deleted_move_the_kpi_share(world):
    project, milestone = world.project, world.milestone
    submit(world, milestone, 5_000_000, 2)
    db.session.commit()
    assert stored(project)[0] == pytest.approx((0.5 + 0.2) / 2)
    assert project.kpi_share == pytest.approx(0.35)
    figure = db.session.execute(sa.select(KpiFigure).where(KpiFigure.value == 2)).scalar_one()
    figure.value = 10
    db.session.commit()
    assert stored(project)[0] == pytest.approx((0.5 + 1.0) / 2)
    db.session.delete(figure)
    db.session.commit()
    assert stored(project)[0] == pytest.approx(0.5 / 2)


def test_accepting_a_milestone_closes_it_and_a_request_for_changes_does_not(world):
    project, milestone = world.project, world.milestone
    later = operations.add_milestone(world.manager, project, title='Pilot', due_date=date(2026, 9, 30))
    submit(world, milestone, 10_000_000, 10)
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
    db.session.commit()
    assert stored(project) == (1.0, date(2026, 6, 30), date(2026, 9, 30))
    submit(world, milestone, 10_000_000, 10)
    operations.decide_milestone(world.manager, milestone, 'accept')
    db.session.commit()
    assert stored(project) == (1.0, later.due_date, None)
    assert health_of(project, TODAY)[0] == Health.on_track and project.id in ranked(Health.on_track)


def test_rescheduling_moves_the_due_dates_and_the_health(world):
    project, milestone = world.project, world.milestone
    second = operations.add_milestone(world.manager, project, title='Pilot', due_date=date(2026, 6, 15))
    db.session.commit()
    assert stored(project)[1:] == (date(2026, 6, 15), date(2026, 6, 30))
    assert project.id in ranked(Health.off_track)                      # two overdue on 1 July
    operations.reschedule_milestone(world.manager, second, date(2026, 10, 1), 'Supplier late')
    operations.reschedule_milestone(world.manager, milestone, date(2026, 8, 1), 'Supplier late')
    db.session.commit()
    assert stored(project)[1:] == (date(2026, 8, 1), date(2026, 10, 1))
    assert health_of(project, TODAY)[0] == Health.off_track            # no figure while half the time passed
    assert project.id in ranked(Health.off_track)


def test_replacing_a_planned_milestones_targets_recomputes_the_share(world):
    project = world.project
    planned = operations.add_milestone(world.manager, project, title='Pilot', due_date=date(2026, 9, 30),
                                       targets=[(KpiKind.hires, 4, None, None)])
    db.session.commit()
    submit(world, world.milestone, 10_000_000, 10)
    db.session.commit()
    assert stored(project)[0] == pytest.approx(2 / 3)
    operations.update_milestone(world.manager, planned, title='Pilot', due_date=date(2026, 9, 30), targets=[])
    db.session.commit()
    assert stored(project)[0] == 1.0
    operations.update_milestone(world.manager, planned, title='Pilot', due_date=date(2026, 9, 30),
                                targets=[(KpiKind.hires, 0, None, None), (KpiKind.patents_filed, 2, None, None)])
    db.session.commit()
    assert stored(project)[0] == pytest.approx(3 / 4)


def test_deleting_a_milestone_or_a_project_keeps_the_rest_right(world):
    project = world.project
    extra = operations.add_milestone(world.manager, project, title='Pilot', due_date=date(2026, 9, 30))
    db.session.commit()
    db.session.delete(extra)
    db.session.commit()
    assert stored(project) == (0.0, date(2026, 6, 30), None)
    db.session.delete(project)
    db.session.commit()
    assert db.session.get(Project, project.id) is None


def test_a_review_outcome_changes_the_health_the_dashboard_ranks_by(world):
    project, milestone = world.project, world.milestone
    submit(world, milestone, 10_000_000, 10)
    operations.decide_milestone(world.manager, milestone, 'accept')
    db.session.commit()
    assert project.id in ranked(Health.on_track)
    operations.record_review_outcome(project, ReviewOutcome.warning, user=world.manager)
    db.session.commit()
    assert health_of(project, TODAY)[0] == Health.at_risk and project.id in ranked(Health.at_risk)
    operations.record_review_outcome(project, ReviewOutcome.stop, user=world.manager)
    db.session.commit()
    assert health_of(project, TODAY)[0] == Health.off_track and project.id in ranked(Health.off_track)


def test_the_rebuild_command_restores_them_after_a_change_in_sql(app, world):
    project, milestone = world.project, world.milestone
    submit(world, milestone, 10_000_000, 10)
    db.session.commit()
    db.session.execute(sa.update(Milestone.__table__).values(due_date=date(2026, 5, 1)))
    db.session.execute(sa.update(KpiFigure.__table__).values(value=0))
    db.session.commit()
    kept = db.session.execute(sa.select(Project.kpi_share, Project.first_open_due_on)
                              .where(Project.id == project.id)).one()._tuple()
    assert kept == (1.0, date(2026, 6, 30))                 # table statements: the listeners never saw them
    result = app.test_cli_runner().invoke(args=['projects', 'rebuild-health-inputs'])
    assert result.exit_code == 0, result.output
    assert 'Health inputs rebuilt: 2 KPI targets, 1 projects.' in result.output
    assert stored(project) == (0.0, date(2026, 5, 1), None)


def test_a_new_title_or_description_leaves_them_alone(world, count_queries):
    milestone = world.milestone
    milestone.title, milestone.description = 'Prototype v2', 'Sturdier'
    with count_queries() as counter:
        db.session.flush()
    assert counter.count and not [statement for statement in counter.statements
                                  if statement.startswith('UPDATE projects') or 'FOR NO KEY UPDATE' in statement]
    db.session.commit()
    assert stored(world.project) == (0.0, date(2026, 6, 30), None)
