"""The health rule: its cases, its inputs read from the database, and the same answer for one project or many."""
from datetime import date

import pytest

from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.health import Health, HealthInputs, classify, health_inputs, health_of, health_of_many
from incubator.projects.models import KpiKind, ProjectField, ReviewCadence, ReviewOutcome
from tests.projects.conftest import TODAY, figures_for


def inputs(outcome=None, overdue=0, kpi=None, elapsed=0.5):
    return HealthInputs(last_review_outcome=outcome, overdue_milestones=overdue, kpi_share=kpi, time_share=elapsed)


@pytest.mark.parametrize('case, expected', [
    (inputs(), Health.on_track),
    (inputs(outcome=ReviewOutcome.continue_), Health.on_track),
    (inputs(outcome=ReviewOutcome.warning), Health.at_risk),
    (inputs(outcome=ReviewOutcome.stop, kpi=1.0), Health.off_track),
    (inputs(overdue=1), Health.at_risk),
    (inputs(overdue=2), Health.off_track),
    (inputs(kpi=0.35, elapsed=0.5), Health.on_track),     # 15 points behind: still on track
    (inputs(kpi=0.34, elapsed=0.5), Health.at_risk),      # 16 behind
    (inputs(kpi=0.10, elapsed=0.5), Health.at_risk),      # 40 behind: at risk, not off
    (inputs(kpi=0.09, elapsed=0.5), Health.off_track),    # 41 behind
    (inputs(kpi=0.0, elapsed=1.0), Health.off_track),
    (inputs(kpi=None, elapsed=1.0), Health.on_track),     # no KPI targets: judged on the rest
    (inputs(outcome=ReviewOutcome.warning, overdue=2), Health.off_track),
])
def test_the_rule(app, case, expected):
    assert classify(case)[0] == expected


def test_the_reasons_are_in_words_graver_first(app, in_english):
    health, reasons = classify(inputs(outcome=ReviewOutcome.warning, overdue=2, kpi=0.2, elapsed=0.9))
    assert health == Health.off_track
    assert [str(reason) for reason in reasons] == [
        '2 milestones are overdue.',
        'KPI targets are 20% reached while 90% of the planned time has passed.',
        'The last progress review gave a warning.']


def test_inputs_from_the_database(world):
    project, milestone = world.project, world.milestone
    first = health_inputs([project], TODAY)[project.id]
    # Due 30 June and not accepted: overdue on 1 July; no figures yet: nothing reached.
    assert (first.overdue_milestones, first.kpi_share) == (1, 0.0)
    assert first.time_share == pytest.approx(181 / 364)
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 2_000_000, 20),
                               narrative='Early', today=date(2026, 5, 1))
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 5_000_000, 2),
                               narrative='Later', today=date(2026, 6, 1))
    db.session.commit()
    second = health_inputs([project], TODAY)[project.id]
    # The latest figures count: revenue half reached, hires 2 of 10 (the 20 of May are older).
    assert second.kpi_share == pytest.approx((0.5 + 0.2) / 2)
    operations.decide_milestone(world.manager, milestone, 'accept')
    db.session.commit()
    assert health_inputs([project], TODAY)[project.id].overdue_milestones == 0


def test_a_target_of_zero_counts_as_reached_and_figures_above_target_count_once(world):
    milestone = operations.add_milestone(world.manager, world.project, title='Zero', due_date=date(2026, 12, 1),
                                         targets=[(KpiKind.patents_granted, 0, None, None),
                                                  (KpiKind.products_shipped, 4, None, None)])
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 0, 40), narrative='Shipped')
    db.session.commit()
    # Two targets of the first milestone unreached (0, 0), then 1 and 1.
    assert health_inputs([world.project], TODAY)[world.project.id].kpi_share == pytest.approx(0.5)


def test_one_project_and_many_agree_in_a_fixed_number_of_statements(world, count_queries):
    projects = [world.project]
    for n in range(4):
        project = operations.create_project(
            world.manager, world.a, title=f'P{n}', field=ProjectField.other, lead_name='Lead',
            start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31), review_cadence=ReviewCadence.monthly,
            manager=world.manager)
        for month in range(1, 3 + n):
            operations.add_milestone(world.manager, project, title=f'M{month}', due_date=date(2026, month, 15),
                                     targets=[(KpiKind.hires, 4, None, None)])
        projects.append(project)
    db.session.commit()
    for project in projects:
        db.session.refresh(project)
    with count_queries() as one:
        single = health_of(world.project, TODAY)
    with count_queries() as many:
        every = health_of_many(projects, TODAY)
    assert one.count == many.count == 1
    assert every[world.project.id] == single
    assert {every[p.id][0] for p in projects[1:]} == {Health.off_track}
