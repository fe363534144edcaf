"""The project pages through HTTP: who sees what, the forms and their refusals, evidence, both languages, and a
project page whose statement count does not grow with its milestones."""
import io
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.attachments.models import Attachment
from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.models import (
    KpiFigure,
    KpiKind,
    Milestone,
    MilestoneState,
    ProgressSubmission,
    Project,
    ProjectField,
    ProjectFunding,
    ReviewCadence,
    ReviewOutcome,
)
from tests.factories import UserFactory
from tests.projects.conftest import EN, figures_for

PDF = b'%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'
EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00' + b'\x00' * 200

ROLES = ['anonymous', 'owner', 'member', 'other_startup', 'manager', 'admin', 'committee', 'nobody']
SEES_A = {'owner', 'member', 'manager', 'admin', 'committee'}

# (path, roles that get 200); anyone else who sees startup A gets 403, anyone who does not 404.
PAGES = [
    ('/startups/{a}/projects', SEES_A),
    ('/startups/{a}/projects/new', {'owner', 'manager', 'admin'}),
    ('/projects/{p}', SEES_A),
    ('/projects/{p}/edit', {'owner', 'manager', 'admin'}),
    ('/projects/{p}/fundings/new', {'manager', 'admin'}),
    ('/projects/{p}/milestones/new', {'owner', 'manager', 'admin'}),
    ('/milestones/{m}/edit', {'owner', 'manager', 'admin'}),
    ('/milestones/{m}/reschedule', {'manager', 'admin'}),
    ('/milestones/{m}/submit', {'owner', 'member'}),
]


def act_as(world, login, client, role):
    if role == 'anonymous':
        with client.session_transaction() as session:
            session.clear()
        return None
    return login(world.user(role))


def path_of(template, world):
    return template.format(a=world.a.id, p=world.project.id, m=world.milestone.id)


@pytest.mark.parametrize('template, allowed', PAGES, ids=[page[0] for page in PAGES])
def test_who_opens_which_page(world, client, login, template, allowed):
    path = path_of(template, world)
    for role in ROLES:
        act_as(world, login, client, role)
        status = client.get(path, headers=EN).status_code
        expected = 302 if role == 'anonymous' else 200 if role in allowed else 403 if role in SEES_A else 404
        assert status == expected, (role, status)


def test_the_project_list_shows_each_person_what_they_may_see(world, client, login):
    operations.create_project(world.manager, world.b, title='Beta vaccine', field=ProjectField.biomedicine,
                              lead_name='Dr Bo', start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31),
                              review_cadence=ReviewCadence.monthly, manager=world.manager)
    db.session.commit()
    for role, sees_beta in [('owner', False), ('member', False), ('other_startup', True), ('manager', True),
                            ('committee', True)]:
        login(world.user(role))
        body = client.get('/projects/', headers=EN).get_data(as_text=True)
        assert ('Beta vaccine' in body) == sees_beta, role
        assert ('Service robot' in body) == (role != 'other_startup'), role
    act_as(world, login, client, 'anonymous')
    assert client.get('/projects/').status_code == 302


def test_the_committee_reads_without_buttons(world, client, login):
    login(world.committee)
    body = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
    assert 'Service robot' in body
    for action in ('Edit', 'Record a funding', 'New milestone', 'Report progress', 'Reschedule', 'Start'):
        assert f'>{action}<' not in body, action


def test_a_startup_may_not_decide(world, client, login):
    operations.submit_progress(world.owner, world.milestone, figures=figures_for(world.milestone, 1, 1),
                               narrative='Done')
    db.session.commit()
    login(world.owner)
    assert client.post(f'/milestones/{world.milestone.id}/decide', data={'decision': 'accept'}).status_code == 403
    login(world.other_owner)
    assert client.post(f'/milestones/{world.milestone.id}/decide', data={'decision': 'accept'}).status_code == 404
    assert db.session.get(Milestone, world.milestone.id).state == MilestoneState.submitted


def test_the_edit_form_shows_the_responsible_manager(world, client, login):
    other = UserFactory(name='Another Manager', roles=['manager'])
    world.project.manager = other
    db.session.commit()
    login(world.owner)
    page = client.get(f'/projects/{world.project.id}/edit', headers=EN).get_data(as_text=True)
    assert f'<option selected value="{other.id}">Another Manager</option>' in page


# --- the whole flow through the forms -------------------------------------------------------------

def test_from_creation_to_acceptance_through_the_pages(world, client, login):
    login(world.owner)
    response = client.post(f'/startups/{world.a.id}/projects/new', data={
        'title': 'Smart farm', 'field': 'modern_agriculture', 'lead_name': 'Ms Zhao', 'start_date': '2026-02-01',
        'planned_end_date': '2027-01-31', 'review_cadence': 'half_yearly', 'manager': str(world.manager.id)},
        headers=EN)
    assert response.status_code == 302
    project = db.session.execute(sa.select(Project).filter_by(title='Smart farm')).scalar_one()
    response = client.post(f'/projects/{project.id}/milestones/new', data={
        'title': 'Pilot field', 'due_date': '2026-06-30', 'description': 'Sensors in one field',
        'targets-0-kind': 'revenue', 'targets-0-target': '１２３.５',          # full-width digits, in yuan
        'targets-1-kind': 'custom', 'targets-1-custom_name': 'Sensors', 'targets-1-unit': 'pcs',
        'targets-1-target': '40', 'targets-2-kind': '', 'targets-3-kind': ''}, headers=EN)
    assert response.status_code == 302
    milestone = db.session.execute(sa.select(Milestone).filter_by(title='Pilot field')).scalar_one()
    assert [(t.kind, t.target_value, t.custom_name) for t in milestone.kpi_targets] == [
        (KpiKind.revenue, 12350, None), (KpiKind.custom, 40, 'Sensors')]
    revenue, sensors = milestone.kpi_targets

    login(world.member)
    response = client.post(f'/milestones/{milestone.id}/submit', data={
        f'figure_{revenue.id}': '６０', f'figure_{sensors.id}': '12', 'narrative': 'Twelve sensors in',
        'evidence': [(io.BytesIO(PDF), 'invoice.pdf')]}, content_type='multipart/form-data', headers=EN)
    assert response.status_code == 302, response.get_data(as_text=True)
    submission = db.session.execute(sa.select(ProgressSubmission)).scalar_one()
    assert [f.value for f in submission.figures] == [6000, 12]
    [attachment] = db.session.execute(sa.select(Attachment)).scalars().all()
    assert (attachment.owner_kind, attachment.owner_id, attachment.original_name) == (
        'progress_submission', submission.id, 'invoice.pdf')

    login(world.manager)
    page = client.get(f'/projects/{project.id}', headers=EN).get_data(as_text=True)
    assert 'invoice.pdf' in page and 'Twelve sensors in' in page and 'Awaiting decision' in page
    assert client.post(f'/milestones/{milestone.id}/decide', data={'decision': 'request_changes'},
                       headers=EN).status_code == 400                      # changes need comments
    assert client.post(f'/milestones/{milestone.id}/decide', data={
        'decision': 'request_changes', 'comment': 'Show the sensor photos'}, headers=EN).status_code == 302
    login(world.owner)
    assert client.post(f'/milestones/{milestone.id}/submit', data={
        f'figure_{revenue.id}': '123.50', f'figure_{sensors.id}': '40', 'narrative': 'All forty',
        'evidence': [(io.BytesIO(b'\x89PNG\r\n\x1a\n' + b'\x00' * 64), 'photo.png')]},
        content_type='multipart/form-data', headers=EN).status_code == 302
    login(world.manager)
    assert client.post(f'/milestones/{milestone.id}/decide', data={'decision': 'accept'}).status_code == 302
    page = client.get(f'/projects/{project.id}', headers=EN).get_data(as_text=True)
    assert 'Show the sensor photos' in page and 'Accepted' in page and 'photo.png' in page

    login(world.owner)
    refused = client.post(f'/milestones/{milestone.id}/submit', data={
        f'figure_{revenue.id}': '1', f'figure_{sensors.id}': '1', 'narrative': 'More'},
        content_type='multipart/form-data', headers=EN)
    assert refused.status_code == 400
    assert 'This milestone is accepted' in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProgressSubmission.id))) == 2


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize('revenue, hires, message', [
    ('abc', '1', 'Enter an amount in yuan, such as 12.50.'),
    ('1', 'twelve', 'Enter a whole number, such as 12.'),
    ('1', '-3', 'A figure cannot be negative.'),
    ('1', '1000000000000001', 'Enter a number from 0 to 1,000,000,000,000,000.'),
    ('１２.345', '1', 'Enter at most two decimal places'),
    ('1', '', 'Enter the figure reached.'),
])
def test_a_bad_figure_is_a_message_and_nothing_is_stored(world, client, login, revenue, hires, message):
    login(world.owner)
    revenue_target, hires_target = world.milestone.kpi_targets
    response = client.post(f'/milestones/{world.milestone.id}/submit', data={
        f'figure_{revenue_target.id}': revenue, f'figure_{hires_target.id}': hires, 'narrative': 'Progress'},
        content_type='multipart/form-data', headers=EN)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(KpiFigure.id))) == 0
    assert db.session.get(Milestone, world.milestone.id).state == MilestoneState.planned


def test_a_forbidden_evidence_file_is_a_message_and_nothing_is_stored(world, client, login):
    login(world.owner)
    revenue_target, hires_target = world.milestone.kpi_targets
    response = client.post(f'/milestones/{world.milestone.id}/submit', data={
        f'figure_{revenue_target.id}': '100', f'figure_{hires_target.id}': '2', 'narrative': 'Progress',
        'evidence': [(io.BytesIO(PDF), 'report.pdf'), (io.BytesIO(EXE), 'setup.exe')]},
        content_type='multipart/form-data', headers=EN)
    assert response.status_code == 400
    assert 'is not a kind of file accepted here' in response.get_data(as_text=True)
    for model in (ProgressSubmission, KpiFigure, Attachment):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    assert db.session.get(Milestone, world.milestone.id).state == MilestoneState.planned


def test_a_due_date_before_the_start_is_a_message_and_nothing_is_stored(world, client, login):
    login(world.owner)
    response = client.post(f'/projects/{world.project.id}/milestones/new', data={
        'title': 'Too early', 'due_date': '2025-12-01', 'targets-0-kind': ''}, headers=EN)
    assert response.status_code == 400
    assert 'The due date cannot be before the project starts (2026-01-01).' in response.get_data(as_text=True)
    assert db.session.execute(sa.select(Milestone).filter_by(title='Too early')).first() is None


@pytest.mark.parametrize('data, message', [
    ({'targets-0-kind': 'hires', 'targets-0-target': 'ten'}, 'Enter a whole number, such as 12.'),
    ({'targets-0-kind': 'revenue', 'targets-0-target': ''}, 'Enter the target value.'),
    ({'targets-0-kind': 'custom', 'targets-0-target': '3'}, 'Name the custom indicator.'),
    ({'targets-0-kind': 'nonsense', 'targets-0-target': '3'}, 'Not a valid choice.'),
])
def test_bad_targets_are_messages(world, client, login, data, message):
    login(world.manager)
    response = client.post(f'/projects/{world.project.id}/milestones/new',
                           data={'title': 'Pilot', 'due_date': '2026-09-01', **data}, headers=EN)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.execute(sa.select(Milestone).filter_by(title='Pilot')).first() is None


def test_a_funding_is_entered_in_yuan(world, client, login):
    login(world.manager)
    bad = client.post(f'/projects/{world.project.id}/fundings/new', data={
        'kind': 'subsidy', 'amount': '0', 'granted_on': '2026-02-01'}, headers=EN)
    assert bad.status_code == 422 and 'Enter an amount above zero.' in bad.get_data(as_text=True)
    assert client.post(f'/projects/{world.project.id}/fundings/new', data={
        'kind': 'subsidy', 'amount': '￥５００,000'.replace(',', ''), 'granted_on': '2026-02-01', 'note': 'Seed'},
        headers=EN).status_code == 302
    assert db.session.execute(sa.select(ProjectFunding.amount_fen)).scalar_one() == 50_000_000
    assert '¥500,000.00' in client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)


def test_a_reschedule_through_the_page_keeps_its_history(world, client, login):
    login(world.manager)
    assert client.post(f'/milestones/{world.milestone.id}/reschedule', data={
        'due_date': '2026-08-15', 'reason': ''}, headers=EN).status_code == 422
    assert client.post(f'/milestones/{world.milestone.id}/reschedule', data={
        'due_date': '2026-08-15', 'reason': 'Customs delay'}, headers=EN).status_code == 302
    login(world.member)
    page = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
    assert 'Date history' in page and 'Customs delay' in page


# --- languages ------------------------------------------------------------------------------------

def test_the_project_page_in_both_languages(world, client, login):
    operations.record_review_outcome(world.project, ReviewOutcome.warning, user=world.manager)
    db.session.commit()
    login(world.owner)
    chinese = client.get(f'/projects/{world.project.id}').get_data(as_text=True)
    english = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
    assert 'Milestones' in english and 'The last progress review gave a warning.' in english
    assert '里程碑' in chinese and '最近一次定期评估给出了预警。' in chinese
    assert 'Milestones' not in chinese


# --- statements -----------------------------------------------------------------------------------

def test_the_project_page_statement_count_does_not_grow(world, client, login, count_queries):
    def page_statements():
        login(world.manager)
        with count_queries() as counter:
            assert client.get(f'/projects/{world.project.id}', headers=EN).status_code == 200
        return counter.count

    def report_on(milestone, day):
        operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 2, 1), narrative='A')
        operations.decide_milestone(world.manager, milestone, 'request_changes', 'More')
        operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 4, 2), narrative='B')
        operations.reschedule_milestone(world.manager, milestone, day, 'Later')

    report_on(world.milestone, date(2026, 7, 1))
    db.session.commit()
    small = page_statements()
    for month in range(7, 12):
        milestone = operations.add_milestone(world.manager, world.project, title=f'M{month}',
                                             due_date=date(2026, month, 10),
                                             targets=[(KpiKind.hires, 5, None, None),
                                                      (KpiKind.custom, 3, 'Pilots', 'firms')])
        report_on(milestone, date(2026, month, 20))
    db.session.commit()
    count = page_statements()
    assert count == small


# --- evidence: who downloads and removes it -------------------------------------------------------

def _submit_with_evidence(world, client, login):
    login(world.owner)
    revenue_target, hires_target = world.milestone.kpi_targets
    assert client.post(f'/milestones/{world.milestone.id}/submit', data={
        f'figure_{revenue_target.id}': '100', f'figure_{hires_target.id}': '2', 'narrative': 'Progress',
        'evidence': [(io.BytesIO(PDF), 'report.pdf'), (io.BytesIO(b'Minutes of the pilot'), 'notes.txt')]},
        content_type='multipart/form-data', headers=EN).status_code == 302
    return db.session.execute(sa.select(Attachment).order_by(Attachment.id)).scalars().all()


def test_evidence_is_downloaded_by_those_who_see_the_project(world, client, login):
    report, _ = _submit_with_evidence(world, client, login)
    for role, status in [('member', 200), ('committee', 200), ('manager', 200), ('other_startup', 404),
                         ('nobody', 404)]:
        login(world.user(role))
        assert client.get(f'/attachments/{report.id}').status_code == status, role


def test_evidence_is_removed_by_the_startup_until_the_submission_is_decided(world, client, login):
    report, notes = _submit_with_evidence(world, client, login)
    login(world.committee)
    assert client.post(f'/attachments/{notes.id}/remove', headers=EN).status_code in (302, 403)
    assert db.session.get(Attachment, notes.id) is not None
    login(world.member)
    assert client.post(f'/attachments/{notes.id}/remove', headers=EN).status_code == 302
    assert db.session.execute(sa.select(Attachment.id)).scalars().all() == [report.id]
    operations.decide_milestone(world.manager, db.session.get(Milestone, world.milestone.id), 'accept')
    db.session.commit()
    assert client.post(f'/attachments/{report.id}/remove', headers=EN).status_code == 302
    assert 'it can no longer be removed' in client.get('/', headers=EN).get_data(as_text=True)
    assert db.session.get(Attachment, report.id) is not None


def test_a_stopped_project_offers_no_milestone_actions(world, client, login):
    milestone = world.milestone
    operations.submit_progress(world.owner, milestone, figures=figures_for(milestone, 1, 1), narrative='Done')
    operations.add_milestone(world.owner, world.project, title='Pilot', due_date=date(2026, 9, 30))
    operations.record_review_outcome(world.project, ReviewOutcome.stop, user=world.manager)
    for user in (world.manager, world.owner):
        login(user)
        page = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
        assert 'decision-form' not in page and '>Start<' not in page and 'Reschedule' not in page
        assert 'Report progress' not in page
