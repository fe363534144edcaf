"""Case pages over HTTP: the confidentiality matrix of every role against every page and download, the audit of
each view, the steps through their forms, the refusals the issue lists, the project and review sections."""
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from incubator.attachments.models import Attachment
from incubator.attachments.operations import attach_files
from incubator.cases import operations
from incubator.cases.models import Case, CaseState, ChecklistItem
from incubator.committees.queries import decision_for
from incubator.core.audit import AuditAction, AuditEntry
from incubator.core.time import now_utc
from incubator.extensions import db
from tests.cases.conftest import EN, FACTS, FINDINGS, ROLES, reload

PDF = b'%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'
#: Who sees a case (issue #15, point 6): managers, the filing startup's owners, the seated committee members who
#: did not declare a conflict. Everyone else gets 404.
SEES = {'owner', 'manager', 'assessor', 'committee', 'chair'}


@pytest.fixture
def recorded(world):
    """A recorded case with an evidence file and its letter; member 3 declared a conflict."""
    case = world.draft()
    attach_files(case, [FileStorage(io.BytesIO(PDF), filename='minutes.pdf')], user=world.owner)
    db.session.commit()
    operations.file_case(case, user=world.owner)
    operations.accept_case(case, user=world.manager)
    operations.assign_assessor(case, user=world.manager, assessor=world.assessor)
    operations.submit_assessment(case, user=world.assessor, **FINDINGS)
    db.session.commit()
    world.vote(case)
    operations.decide_case(case, user=world.chair, outcome='exempt', consequences='', legal_basis='Article 5')
    operations.record_case(case, user=world.manager, filed_with_body_on=date(2026, 7, 2), filing_reference='SB-1')
    db.session.commit()
    return case


def pages(case):
    attachment = db.session.execute(sa.select(Attachment)).scalar_one()
    return {'show': f'/cases/{case.id}', 'letter': f'/cases/{case.id}/letters/{case.letters[0].id}',
            'download': f'/attachments/{attachment.id}'}


def viewed(case):
    return db.session.execute(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == AuditAction.viewed, AuditEntry.object_type == 'case',
        AuditEntry.object_id == str(case.id))).scalars().all()


@pytest.mark.parametrize('role', ROLES)
@pytest.mark.parametrize('page', ['show', 'letter', 'download'])
def test_confidentiality_matrix(client, login, world, recorded, role, page):
    user = login(world.user(role))
    path = pages(recorded)[page]
    response = client.get(path, headers=EN)
    if role in SEES:
        assert response.status_code == 200
        assert viewed(recorded) == [user.id]
    else:
        assert response.status_code == 404
        assert recorded.number not in response.get_data(as_text=True)
        assert viewed(recorded) == []


@pytest.mark.parametrize('role', ROLES)
def test_the_list_shows_a_case_only_to_those_who_see_it(client, login, world, recorded, role):
    login(world.user(role))
    response = client.get('/cases/', headers=EN)
    if role in ('admin', 'member', 'nobody'):  # neither a manager, an owner nor a committee member
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert (recorded.number in response.get_data(as_text=True)) == (role in SEES)


def test_a_draft_is_seen_by_its_side_only(client, login, world):
    owners_draft = world.draft()
    managers_draft = world.draft(by=world.manager)
    login(world.manager)
    assert client.get(f'/cases/{owners_draft.id}').status_code == 404
    assert client.get(f'/cases/{managers_draft.id}').status_code == 200
    login(world.owner)
    assert client.get(f'/cases/{owners_draft.id}').status_code == 200
    assert client.get(f'/cases/{managers_draft.id}').status_code == 404


def test_a_draft_is_discarded_by_its_side_with_its_evidence_files(client, login, world, app):
    draft = world.draft()
    attach_files(draft, [FileStorage(io.BytesIO(PDF), filename='minutes.pdf')], user=world.owner)
    db.session.commit()
    draft_id = draft.id
    stored = Path(app.config['ATTACHMENTS_DIR'], db.session.execute(sa.select(Attachment.stored_name)).scalar_one())
    assert stored.exists()
    login(world.manager)
    assert client.post(f'/cases/{draft_id}/discard').status_code == 404
    login(world.owner)
    page = client.get(f'/cases/{draft_id}').get_data(as_text=True)
    assert '删除草稿' in page and 'data-confirm="删除这份草稿及其证明材料？删除后无法恢复。"' in page
    response = client.post(f'/cases/{draft_id}/discard', headers=EN)
    assert (response.status_code, response.headers['Location']) == (302, '/cases/')
    listed = client.get('/cases/', headers=EN).get_data(as_text=True)
    assert 'The draft is discarded, with its evidence files.' in listed
    assert db.session.get(Case, draft_id) is None
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attachment)).scalar() == 0
    assert not stored.exists()
    assert db.session.execute(sa.select(AuditEntry.actor_id).where(
        AuditEntry.action == AuditAction.deleted, AuditEntry.object_type == 'case',
        AuditEntry.object_id == str(draft_id))).scalar_one() == world.owner.id


def test_a_draft_may_leave_the_date_empty_as_a_browser_sends_it_until_it_is_filed(client, login, world):
    login(world.owner)
    response = client.post(f'/projects/{world.project.id}/cases/new', headers=EN,
                           data={'what_happened': 'The prototype failed.', 'happened_on': '', 'losses': '',
                                 'rules_in_force': '', 'parties': ''})
    assert response.status_code == 302
    draft = db.session.execute(sa.select(Case)).scalar_one()
    assert (draft.state, draft.happened_on) == (CaseState.draft, None)
    refused = client.post(f'/cases/{draft.id}/file', headers=EN)
    assert refused.status_code == 400
    assert 'Before filing, say what happened, when, and who was involved.' in refused.get_data(as_text=True)
    assert reload(draft).state == CaseState.draft


def test_a_draft_is_headed_as_a_draft_and_a_filed_case_by_its_number(client, login, world):
    draft, filed = world.draft(), world.filed()
    login(world.owner)

    def heading(path, headers=None):
        page = client.get(path, headers=headers or {}).get_data(as_text=True)
        return page[page.index('<h1'):page.index('</h1>')]
    assert '案例草稿' in heading(f'/cases/{draft.id}') and '案例案例' not in heading(f'/cases/{draft.id}')
    assert '编辑案例草稿' in heading(f'/cases/{draft.id}/edit')
    assert 'Draft case' in heading(f'/cases/{draft.id}', EN)
    assert f'案例{filed.number}' in heading(f'/cases/{filed.id}')


def test_a_filed_case_is_not_discarded(client, login, world):
    case = world.filed()
    login(world.owner)
    assert 'Discard the draft' not in client.get(f'/cases/{case.id}', headers=EN).get_data(as_text=True)
    response = client.post(f'/cases/{case.id}/discard', headers=EN)
    assert response.status_code == 403
    assert 'You may not do this on a tolerance-for-failure case.' in response.get_data(as_text=True)
    assert reload(case).state == CaseState.filed


def test_the_steps_through_their_forms_in_both_languages(client, login, world):
    login(world.owner)
    data = {'what_happened': FACTS['what_happened'], 'happened_on': '2026-05-10', 'losses': '1200.50',
            'rules_in_force': 'Rules', 'parties': 'Dr Li, project lead\nWang Wei、工程师',
            f'stake_{world.funding.id}': '300000', 'evidence': (io.BytesIO(PDF), 'minutes.pdf')}
    response = client.post(f'/projects/{world.project.id}/cases/new', data=data, headers=EN)
    assert response.status_code == 302
    case = db.session.execute(sa.select(Case)).scalar_one()
    assert (case.losses_fen, [p.position for p in case.parties]) == (120050, ['project lead', '工程师'])
    assert case.subsidies[0].amount_at_stake_fen == 300_000_00
    assert client.post(f'/cases/{case.id}/file', headers=EN).status_code == 302
    assert reload(case).number == 'RC-2026-0001'
    login(world.manager)
    assert client.post(f'/cases/{case.id}/accept', data={'note': ''}).status_code == 302
    assert client.post(f'/cases/{case.id}/assign', data={'assessor': world.assessor.id}).status_code == 302
    login(world.assessor)
    page = client.get(f'/cases/{case.id}/assessment', headers=EN)
    assert page.status_code == 200 and 'The decision process was followed' in page.get_data(as_text=True)
    assert '决策程序合规' in client.get(f'/cases/{case.id}/assessment').get_data(as_text=True)
    assessment = {'exploration': 'exploration', 'exploration_evidence': 'E1', 'rule': 'no_rule_yet',
                  'rule_evidence': 'E2', 'purpose': 'for_development', 'purpose_evidence': 'E3',
                  'diligence': 'D', 'remedies': 'R', 'diligence_items': [str(world.items[0].id)],
                  'exempt_items': [str(world.items[2].id)]}
    assert client.post(f'/cases/{case.id}/assessment', data=assessment).status_code == 302
    assert reload(case).state == CaseState.committee_review
    world.vote(reload(case))
    login(world.chair)
    page = client.get(f'/cases/{case.id}', headers=EN).get_data(as_text=True)
    assert 'Record the committee’s outcome' in page and '2 of 3 voted' in page
    decide = {'outcome': 'not_exempt', 'consequences': 'Reclaim half.', 'legal_basis': 'Article 7',
              f'reclaim_{reload(case).subsidies[0].id}': '150000'}
    assert client.post(f'/cases/{case.id}/decide', data=decide).status_code == 302
    case = reload(case)
    assert (case.outcome.value, case.subsidies[0].reclaim_fen) == ('not_exempt', 150_000_00)
    login(world.manager)
    record = {'filed_with_body_on': '2026-07-02', 'filing_reference': 'SB-2026-11'}
    assert client.post(f'/cases/{case.id}/record', data=record).status_code == 302
    assert client.post(f'/cases/{case.id}/letters', data={'language': 'en'}).status_code == 302
    case = reload(case)
    english = next(letter for letter in case.letters if letter.language == 'en')
    chinese = next(letter for letter in case.letters if letter.language == 'zh_Hans_CN')
    assert 'Decision on a tolerance-for-failure case' in english.html and 'Not exempt' in english.html
    assert '不予免责' in chinese.html
    login(world.owner)
    page = client.get(f'/cases/{case.id}', headers=EN).get_data(as_text=True)
    assert 'You may appeal once' in page
    assert client.post(f'/cases/{case.id}/appeal', data={'reason': 'New evidence.'}).status_code == 302
    login(world.manager)
    assert client.post(f'/cases/{case.id}/refer').status_code == 302
    assert reload(case).round == 2
    for lang in ('en', 'zh'):
        assert client.get(f'/cases/{case.id}', headers={'Accept-Language': lang}).status_code == 200


def test_an_edit_of_a_decided_case_is_refused_and_changes_nothing(client, login, world, recorded):
    login(world.manager)
    assert client.get(f'/cases/{recorded.id}/edit', headers=EN).status_code == 409
    response = client.post(f'/cases/{recorded.id}/edit', data={'what_happened': 'Rewritten', 'happened_on':
                                                               '2026-05-10'}, headers=EN)
    assert response.status_code == 409
    assert 'can no longer be edited' in response.get_data(as_text=True)
    assert reload(recorded).what_happened == FACTS['what_happened']
    assert client.post(f'/cases/{recorded.id}/entries', data={'text': 'Losses corrected'}).status_code == 302
    assert [entry.text for entry in reload(recorded).entries] == ['Losses corrected']


def test_an_appeal_after_its_deadline_or_twice_is_refused(client, login, world, recorded):
    login(world.owner)
    deadline = recorded.appeal_deadline_at
    recorded.appeal_deadline_at = now_utc() - timedelta(minutes=1)  # the period ran out (a session would too)
    db.session.commit()
    late = client.post(f'/cases/{recorded.id}/appeal', data={'reason': 'Late'}, headers=EN)
    assert late.status_code == 409 and 'The appeal period ended' in late.get_data(as_text=True)
    assert reload(recorded).state == CaseState.recorded and recorded.appealed_at is None
    recorded.appeal_deadline_at = deadline
    db.session.commit()
    assert client.post(f'/cases/{recorded.id}/appeal', data={'reason': 'In time'}).status_code == 302
    again = client.post(f'/cases/{recorded.id}/appeal', data={'reason': 'Again'}, headers=EN)
    assert again.status_code in (403, 409) and reload(recorded).appeal_reason == 'In time'


def test_filing_about_another_startups_project_is_refused(client, login, world):
    login(world.other_owner)
    data = {'what_happened': 'x', 'happened_on': '2026-05-10', 'parties': 'A'}
    assert client.get(f'/projects/{world.project.id}/cases/new').status_code == 404
    assert client.post(f'/projects/{world.project.id}/cases/new', data=data).status_code == 404
    login(world.member)
    response = client.post(f'/projects/{world.project.id}/cases/new', data=data, headers=EN)
    assert response.status_code == 403
    assert db.session.execute(sa.select(Case)).first() is None


def test_the_project_page_shows_the_decision_to_those_who_see_the_case(client, login, world, recorded):
    login(world.owner)
    page = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
    assert recorded.number in page and 'The startup keeps its eligibility.' in page
    assert 'waived: ¥300,000.00' in page
    login(world.member)
    page = client.get(f'/projects/{world.project.id}', headers=EN).get_data(as_text=True)
    assert recorded.number not in page and 'tolerance-for-failure case' not in page.lower().replace(
        'a tolerance-for-failure case may be opened', '')


def test_administrators_configure_the_checklists(client, login, world):
    login(world.manager)
    assert client.get('/admin/cases/checklists').status_code == 403
    login(world.admin)
    assert client.get('/admin/cases/checklists', headers=EN).status_code == 200
    data = {'kind': 'exempt_situation', 'label_zh': '青年科研人员首个项目', 'label_en': 'A young researcher’s first '
            'R&D project', 'position': '5', 'is_active': 'y'}
    assert client.post('/admin/cases/checklists', data=data).status_code == 302
    item = db.session.execute(sa.select(ChecklistItem).where(ChecklistItem.position == 5)).scalar_one()
    assert client.post(f'/admin/cases/checklists/{item.id}', data={**data, 'is_active': ''}).status_code == 302
    assert reload_item(item).is_active is False
    assert client.post('/admin/cases/checklists', data={**data, 'label_zh': ''}).status_code == 422


def reload_item(item):
    db.session.expire_all()
    return db.session.get(ChecklistItem, item.id)


def test_the_chair_is_offered_the_outcome_form_only_once_the_quorum_is_reached(client, login, world):
    case = world.before_committee()
    login(world.chair)
    page = client.get(f'/cases/{case.id}', headers=EN).get_data(as_text=True)
    assert 'You can record the outcome once the quorum is reached.' in page
    assert 'Record the outcome' not in page
    world.vote(case)
    page = client.get(f'/cases/{case.id}', headers=EN).get_data(as_text=True)
    assert 'Record the outcome' in page
    assert 'You can record the outcome once the quorum is reached.' not in page


def test_a_member_who_declares_a_conflict_is_sent_home_not_to_a_page_now_hidden_from_them(client, login, world):
    case = world.before_committee()
    decision = decision_for('case', case.id, case.round)
    login(world.members[3])
    assert client.get(f'/cases/{case.id}').status_code == 200
    response = client.post(f'/committees/decisions/{decision.id}/conflict', data={'reason': 'Former adviser'})
    assert response.status_code == 302
    assert response.headers['Location'] == '/'
    assert client.get(f'/cases/{case.id}').status_code == 404
