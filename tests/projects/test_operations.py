"""The rules of projects, fundings, milestones, submissions, decisions and reschedules; what is stored and who
is told. Each refusal is decided by its code, and leaves nothing behind."""
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from incubator.extensions import db
from incubator.notifications.kinds import render_title
from incubator.notifications.models import Notification
from incubator.projects import operations
from incubator.projects.models import (
    FundingKind,
    KpiFigure,
    KpiKind,
    KpiTarget,
    Milestone,
    MilestoneState,
    ProgressSubmission,
    Project,
    ProjectField,
    ProjectFunding,
    ProjectStatus,
    ReviewCadence,
    ReviewOutcome,
    SubmissionState,
)
from tests.conftest import refused
from tests.projects.conftest import figures_for


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def notifications_of(user):
    return db.session.execute(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).scalars().all()


def project_fields(world, **changes):
    fields = dict(title='Drone', field=ProjectField.new_energy, lead_name='Dr Wu', start_date=date(2026, 3, 1),
                  planned_end_date=date(2027, 2, 28), review_cadence=ReviewCadence.monthly, manager=world.manager)
    fields.update(changes)
    return fields


# --- projects -------------------------------------------------------------------------------------

@pytest.mark.parametrize('role', ['owner', 'manager', 'admin'])
def test_owners_and_staff_create_projects(world, role):
    project = operations.create_project(world.user(role), world.a, **project_fields(world))
    assert project.status == ProjectStatus.active and project.manager == world.manager
    assert project.last_review_outcome is None


@pytest.mark.parametrize('role', ['member', 'other_startup', 'committee', 'nobody'])
def test_others_may_not_create_projects(world, role):
    before = count(Project)
    with refused('projects.not_allowed'):
        operations.create_project(world.user(role), world.a, **project_fields(world))
    assert count(Project) == before


@pytest.mark.parametrize('changes, code', [
    ({'planned_end_date': date(2026, 2, 1)}, 'projects.end_before_start'),
    ({'title': '  '}, 'projects.title_needed'),
    ({'lead_name': ''}, 'projects.lead_name_needed'),
    ({'start_date': date(1999, 12, 31)}, 'projects.date_out_of_range'),
    ({'manager': None}, 'projects.not_a_manager'),
])
def test_project_facts_are_checked(world, changes, code):
    before = count(Project)
    with refused(code):
        operations.create_project(world.manager, world.a, **project_fields(world, **changes))
    assert count(Project) == before


def test_the_responsible_manager_must_be_a_manager(world):
    with refused('projects.not_a_manager'):
        operations.create_project(world.manager, world.a, **project_fields(world, manager=world.owner))


def test_a_project_start_cannot_move_after_a_milestone(world):
    with refused('projects.due_before_start'):
        operations.update_project(world.owner, world.project, **project_fields(world, start_date=date(2026, 7, 1)))
    db.session.refresh(world.project)
    assert world.project.title == 'Service robot'


# --- fundings -------------------------------------------------------------------------------------

@pytest.mark.parametrize('role', ['manager', 'admin'])
def test_staff_record_fundings(world, role):
    funding = operations.record_funding(world.user(role), world.project, kind=FundingKind.subsidy,
                                        amount_fen=50_000_000, granted_on=date(2026, 2, 1), note='Start-up subsidy')
    assert funding.amount_fen == 50_000_000 and world.project.fundings == [funding]


@pytest.mark.parametrize('role', ['owner', 'member', 'committee', 'other_startup'])
def test_only_staff_record_fundings(world, role):
    with refused('projects.not_allowed'):
        operations.record_funding(world.user(role), world.project, kind=FundingKind.grant, amount_fen=100,
                                  granted_on=date(2026, 2, 1))
    assert count(ProjectFunding) == 0


@pytest.mark.parametrize('amount', [0, -5, None])
def test_a_funding_has_a_positive_amount(world, amount):
    with refused('projects.amount_not_positive'):
        operations.record_funding(world.manager, world.project, kind=FundingKind.loan, amount_fen=amount,
                                  granted_on=date(2026, 2, 1))
    assert count(ProjectFunding) == 0


# --- milestones and KPI targets -------------------------------------------------------------------

def test_a_milestone_is_planned_with_its_targets(world):
    milestone = world.milestone
    assert milestone.state == MilestoneState.planned
    assert [(t.kind, t.target_value) for t in milestone.kpi_targets] == [(KpiKind.revenue, 10_000_000),
                                                                         (KpiKind.hires, 10)]


@pytest.mark.parametrize('due, code', [
    (date(2025, 12, 31), 'projects.due_before_start'),
    (date(2040, 1, 1), 'projects.due_too_far'),
    (date(9999, 1, 1), 'projects.date_out_of_range'),
])
def test_a_due_date_lies_within_the_project(world, due, code):
    before = count(Milestone)
    with refused(code):
        operations.add_milestone(world.owner, world.project, title='Later', due_date=due)
    assert count(Milestone) == before


@pytest.mark.parametrize('targets, code', [
    ([(KpiKind.custom, 5, '', 'units')], 'projects.custom_kpi_unnamed'),
    ([(KpiKind.hires, -1, None, None)], 'projects.kpi_out_of_range'),
    ([(KpiKind.revenue, 10**15 + 1, None, None)], 'projects.kpi_out_of_range'),
    ([(KpiKind.hires, 1, None, None)] * 11, 'projects.too_many_targets'),
])
def test_kpi_targets_are_checked(world, targets, code):
    before = count(KpiTarget)
    with refused(code):
        operations.add_milestone(world.owner, world.project, title='Pilot', due_date=date(2026, 9, 1),
                                 targets=targets)
    assert count(KpiTarget) == before


def test_a_custom_target_keeps_its_name_and_unit_and_labels_by_it(world, in_english):
    milestone = operations.add_milestone(world.manager, world.project, title='Pilot', due_date=date(2026, 9, 1),
                                         targets=[(KpiKind.custom, 3, 'Pilot customers', 'firms'),
                                                  (KpiKind.patents_filed, 2, 'ignored', 'ignored')])
    custom, patents = milestone.kpi_targets
    assert (custom.label, custom.unit) == ('Pilot customers', 'firms')
    assert (patents.label, patents.custom_name, patents.unit) == ('Patents filed', None, None)


@pytest.mark.parametrize('role', ['member', 'committee', 'other_startup'])
def test_members_and_others_do_not_plan_milestones(world, role):
    with refused('projects.not_allowed'):
        operations.add_milestone(world.user(role), world.project, title='X', due_date=date(2026, 9, 1))


def test_only_a_planned_milestone_is_edited(world):
    operations.start_milestone(world.owner, world.milestone)
    with refused('projects.milestone_not_planned'):
        operations.update_milestone(world.owner, world.milestone, title='Renamed', due_date=date(2026, 6, 30))
    assert world.milestone.title == 'Prototype'


def test_editing_replaces_the_targets(world):
    operations.update_milestone(world.owner, world.milestone, title='Prototype 2', due_date=date(2026, 8, 1),
                                targets=[(KpiKind.products_shipped, 5, None, None)])
    db.session.commit()
    assert [t.kind for t in world.milestone.kpi_targets] == [KpiKind.products_shipped]
    assert count(KpiTarget) == 1


# --- submissions ----------------------------------------------------------------------------------

def test_a_submission_records_figures_and_tells_the_manager(world, in_english):
    milestone = world.milestone
    submission = operations.submit_progress(world.member, milestone, figures=figures_for(milestone, 2_500_000, 4),
                                            narrative='First customers', today=date(2026, 5, 20))
    db.session.commit()
    assert milestone.state == MilestoneState.submitted and submission.state == SubmissionState.pending
    assert [(f.kpi_target.kind, f.value, f.recorded_on) for f in submission.figures] == [
        (KpiKind.revenue, 2_500_000, date(2026, 5, 20)), (KpiKind.hires, 4, date(2026, 5, 20))]
    [note] = notifications_of(world.manager)
    assert note.kind == 'progress_submitted' and note.link == f'/projects/{world.project.id}#milestone-{milestone.id}'
    assert render_title(note.kind, note.params) == (
        'Alpha Robotics submitted progress on milestone "Prototype" of Service robot; it awaits your decision.')


@pytest.mark.parametrize('figures, narrative, code', [
    ('none', 'Text', 'projects.figure_missing'),
    ('out_of_range', 'Text', 'projects.kpi_out_of_range'),
    ('negative', 'Text', 'projects.kpi_out_of_range'),
    ('ok', '   ', 'projects.narrative_needed'),
])
def test_bad_submissions_store_nothing(world, figures, narrative, code):
    milestone = world.milestone
    values = {'out_of_range': figures_for(milestone, 10**15 + 1, 1), 'negative': figures_for(milestone, 5, -1),
              'ok': figures_for(milestone, 5, 1), 'none': {}}[figures]
    with refused(code):
        operations.submit_progress(world.owner, milestone, figures=values, narrative=narrative)
    db.session.commit()
    assert milestone.state == MilestoneState.planned
    assert count(ProgressSubmission) == 0 and count(KpiFigure) == 0
    assert notifications_of(world.manager) == []


def test_a_submission_on_an_accepted_milestone_is_refused(world):
    milestone = world.milestone
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 1, 1), narrative='Done')
    operations.decide_milestone(world.manager, milestone, 'accept')
    with refused('projects.milestone_accepted'):
        operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 2, 2), narrative='More')
    assert count(ProgressSubmission) == 1 and count(KpiFigure) == 2


def test_a_stopped_project_takes_no_submissions(world):
    operations.record_review_outcome(world.project, ReviewOutcome.stop, user=world.manager)
    with refused('projects.not_active'):
        operations.submit_progress(world.owner, world.milestone, figures=figures_for(world.milestone, 1, 1),
                                   narrative='Done')


@pytest.mark.parametrize('action', ['accept', 'request_changes', 'reject'])
def test_a_stopped_projects_pending_submission_is_no_longer_decided(world, action):
    milestone = world.milestone
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 1, 1), narrative='Done')
    operations.record_review_outcome(world.project, ReviewOutcome.stop, user=world.manager)
    with refused('projects.not_active'):
        operations.decide_milestone(world.manager, milestone, action, comment='Late')
    with refused('projects.not_active'):
        operations.reschedule_milestone(world.manager, milestone, date(2026, 9, 30), 'More time')
    assert milestone.state == MilestoneState.submitted and milestone.date_changes == []
    assert not any(milestone.allows(action) for action in ('start', 'submit', 'edit', 'reschedule', 'decide'))


# --- decisions ------------------------------------------------------------------------------------

def submitted(world):
    milestone = world.milestone
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 1, 1), narrative='Done')
    db.session.commit()
    return milestone


@pytest.mark.parametrize('action, kind, text', [
    ('accept', 'progress_accepted', 'Milestone "Prototype" of Service robot is accepted.'),
    ('request_changes', 'progress_changes_requested',
     'Changes are requested on milestone "Prototype" of Service robot: Add the invoices'),
    ('reject', 'progress_rejected',
     'The progress submitted on milestone "Prototype" of Service robot was rejected: Add the invoices'),
])
def test_decisions_tell_the_owners_in_their_language(world, action, kind, text):
    milestone = submitted(world)
    comment = '' if action == 'accept' else 'Add the invoices'
    submission = operations.decide_milestone(world.manager, milestone, action, comment)
    db.session.commit()
    assert submission.decided_by_id == world.manager.id and submission.decided_at is not None
    assert [n.kind for n in notifications_of(world.owner)] == [kind]
    assert notifications_of(world.member) == []  # owners are told, not every member
    note = notifications_of(world.owner)[0]
    with force_locale('en'):
        assert render_title(note.kind, note.params) == text
    with force_locale('zh_CN'):
        assert render_title(note.kind, note.params) != text


@pytest.mark.parametrize('action', ['request_changes', 'reject'])
def test_changes_and_rejections_need_a_comment(world, action):
    milestone = submitted(world)
    with refused('projects.comment_needed'):
        operations.decide_milestone(world.manager, milestone, action, '  ')
    db.session.commit()
    assert milestone.state == MilestoneState.submitted
    assert milestone.submissions[0].state == SubmissionState.pending


def test_a_rejected_milestone_is_submitted_again_and_accepted(world):
    milestone = submitted(world)
    operations.decide_milestone(world.manager, milestone, 'reject', 'No evidence')
    assert milestone.state == MilestoneState.in_progress
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 9, 9), narrative='Again')
    operations.decide_milestone(world.manager, milestone, 'request_changes', 'Explain the hires')
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 10, 10), narrative='Third')
    operations.decide_milestone(world.admin, milestone, 'accept')
    db.session.commit()
    assert milestone.state == MilestoneState.accepted
    assert [s.state for s in milestone.submissions] == [SubmissionState.rejected, SubmissionState.changes_requested,
                                                        SubmissionState.accepted]


def test_an_unknown_decision_is_refused(world):
    with refused('projects.unknown_decision'):
        operations.decide_milestone(world.manager, submitted(world), 'approve')


# --- reschedules ----------------------------------------------------------------------------------

def test_a_reschedule_keeps_the_history_and_tells_the_owners(world):
    milestone = world.milestone
    operations.reschedule_milestone(world.manager, milestone, date(2026, 8, 31), 'Supplier delay')
    operations.reschedule_milestone(world.manager, milestone, date(2026, 9, 30), 'Second delay')
    db.session.commit()
    assert milestone.due_date == date(2026, 9, 30)
    assert [(c.old_due_date, c.new_due_date, c.reason) for c in milestone.date_changes] == [
        (date(2026, 6, 30), date(2026, 8, 31), 'Supplier delay'),
        (date(2026, 8, 31), date(2026, 9, 30), 'Second delay')]
    assert [n.params['due'] for n in notifications_of(world.owner)] == ['2026-08-31', '2026-09-30']


@pytest.mark.parametrize('role', ['owner', 'member', 'committee'])
def test_only_staff_reschedule(world, role):
    with refused('projects.not_allowed'):
        operations.reschedule_milestone(world.user(role), world.milestone, date(2026, 8, 31), 'Later')


@pytest.mark.parametrize('due, reason, code', [
    (date(2026, 8, 31), ' ', 'projects.reason_needed'),
    (date(2026, 6, 30), 'Same', 'projects.same_date'),
    (date(2025, 1, 1), 'Earlier', 'projects.due_before_start'),
])
def test_reschedules_are_checked(world, due, reason, code):
    with refused(code):
        operations.reschedule_milestone(world.manager, world.milestone, due, reason)
    assert world.milestone.date_changes == []


def test_an_accepted_milestone_keeps_its_date(world):
    milestone = submitted(world)
    operations.decide_milestone(world.manager, milestone, 'accept')
    with refused('projects.milestone_accepted'):
        operations.reschedule_milestone(world.manager, milestone, date(2026, 8, 31), 'Later')


# --- review outcomes ------------------------------------------------------------------------------

def test_a_review_outcome_is_recorded_and_a_stop_stops_the_project(world):
    operations.record_review_outcome(world.project, ReviewOutcome.warning, user=world.manager)
    assert (world.project.last_review_outcome, world.project.status) == (ReviewOutcome.warning, ProjectStatus.active)
    operations.record_review_outcome(world.project, ReviewOutcome.stop, user=world.manager)
    assert (world.project.last_review_outcome, world.project.status) == (ReviewOutcome.stop, ProjectStatus.stopped)


@pytest.mark.parametrize('role', ['owner', 'committee'])
def test_only_staff_record_review_outcomes(world, role):
    with refused('projects.not_allowed'):
        operations.record_review_outcome(world.project, ReviewOutcome.stop, user=world.user(role))
    assert world.project.status == ProjectStatus.active


def test_review_cadence_periods():
    day = date(2026, 11, 17)
    assert ReviewCadence.monthly.period_start(day) == date(2026, 11, 1)
    assert ReviewCadence.monthly.next_period_start(day) == date(2026, 12, 1)
    assert ReviewCadence.quarterly.period_start(day) == date(2026, 10, 1)
    assert ReviewCadence.quarterly.next_period_start(day) == date(2027, 1, 1)
    assert ReviewCadence.half_yearly.period_start(day) == date(2026, 7, 1)
    assert ReviewCadence.half_yearly.next_period_start(date(2026, 6, 30)) == date(2026, 7, 1)
    assert ReviewCadence.monthly.next_period_start(date(2026, 12, 31)) == date(2027, 1, 1)
