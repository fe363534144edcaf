"""Each KPI target keeps its latest figure (greatest day, then id) in the transaction that records a figure."""
from datetime import date

import sqlalchemy as sa

from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.health import health_inputs
from incubator.projects.latest import latest_from_figures
from incubator.projects.models import KpiFigure, KpiTarget
from tests.projects.conftest import TODAY, figures_for


def latest(milestone):
    """(value, day) kept on each of the milestone's targets, as the database holds them."""
    return [db.session.execute(sa.select(KpiTarget.latest_value, KpiTarget.latest_recorded_on)
                               .where(KpiTarget.id == target.id)).one()._tuple()
            for target in milestone.kpi_targets]


def submit(world, milestone, *values, day):
    return operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, *values),
                                      narrative='Progress', today=day)


def test_no_figure_yet_keeps_nothing(world):
    assert latest(world.milestone) == [(None, None), (None, None)]


def test_a_later_submission_replaces_the_latest_figure_and_the_loaded_target_sees_it(world):
    milestone = world.milestone
    submit(world, milestone, 2_000_000, 20, day=date(2026, 5, 1))
    assert latest(milestone) == [(2_000_000, date(2026, 5, 1)), (20, date(2026, 5, 1))]
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
    submit(world, milestone, 5_000_000, 2, day=date(2026, 6, 1))
    assert [target.latest_value for target in milestone.kpi_targets] == [5_000_000, 2]    # before the commit
    db.session.commit()
    assert latest(milestone) == [(5_000_000, date(2026, 6, 1)), (2, date(2026, 6, 1))]


def test_a_figure_of_an_earlier_day_added_later_does_not_become_the_latest(world):
    milestone = world.milestone
    submit(world, milestone, 5_000_000, 2, day=date(2026, 6, 1))
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
    submit(world, milestone, 1, 1, day=date(2026, 5, 1))
    db.session.commit()
    assert latest(milestone) == [(5_000_000, date(2026, 6, 1)), (2, date(2026, 6, 1))]


def test_on_the_same_day_the_figure_recorded_last_is_the_latest(world):
    milestone = world.milestone
    submit(world, milestone, 5_000_000, 2, day=date(2026, 6, 1))
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
    submit(world, milestone, 3_000_000, 7, day=date(2026, 6, 1))
    db.session.commit()
    assert latest(milestone) == [(3_000_000, date(2026, 6, 1)), (7, date(2026, 6, 1))]


def test_a_rejected_submission_still_counts_as_health_always_counted_it(world):
    milestone = world.milestone
    submit(world, milestone, 5_000_000, 5, day=date(2026, 6, 1))
    operations.decide_milestone(world.manager, milestone, 'reject', 'Not credible')
    db.session.commit()
    assert latest(milestone) == [(5_000_000, date(2026, 6, 1)), (5, date(2026, 6, 1))]
    assert health_inputs([world.project], TODAY)[world.project.id].kpi_share > 0


def test_deleting_or_moving_a_figure_falls_back_to_the_previous_one(world):
    milestone = world.milestone
    submit(world, milestone, 1_000_000, 1, day=date(2026, 5, 1))
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
    submit(world, milestone, 5_000_000, 5, day=date(2026, 6, 1))
    db.session.commit()
    revenue, hires = milestone.kpi_targets
    db.session.delete(revenue.figures[-1])
    hires.figures[-1].recorded_on = date(2026, 4, 1)
    db.session.commit()
    assert latest(milestone) == [(1_000_000, date(2026, 5, 1)), (1, date(2026, 5, 1))]
    for figure in list(revenue.figures):
        db.session.delete(figure)
    db.session.commit()
    assert latest(milestone)[0] == (None, None)


def test_the_rebuild_command_sets_them_again_after_a_change_in_sql(app, world):
    milestone = world.milestone
    submit(world, milestone, 5_000_000, 5, day=date(2026, 6, 1))
    db.session.commit()
    db.session.execute(sa.update(KpiFigure.__table__).values(value=7))
    db.session.commit()
    assert latest(milestone)[1] == (5, date(2026, 6, 1))      # a table statement: the listener never saw it
    result = app.test_cli_runner().invoke(args=['projects', 'rebuild-health-inputs'])
    assert result.exit_code == 0, result.output
    assert 'Health inputs rebuilt:' in result.output
    assert latest(milestone) == [(7, date(2026, 6, 1)), (7, date(2026, 6, 1))]
    stored = {row.id: (row.latest_value, row.latest_recorded_on) for row in db.session.execute(
        sa.select(KpiTarget.id, KpiTarget.latest_value, KpiTarget.latest_recorded_on))}
    assert stored == {row[0]: tuple(row[1:]) for row in db.session.execute(latest_from_figures())}
