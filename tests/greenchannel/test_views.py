"""The pages: who sees a request (everyone else gets 404, its files too), the flow through HTTP, refusals that
answer a 4xx with their message and change nothing, both languages."""
import io
import re

import pytest
import sqlalchemy as sa

from incubator.attachments.models import Attachment
from incubator.committees import operations as committee_operations
from incubator.committees.queries import decision_for
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.greenchannel import operations
from incubator.greenchannel.models import GreenRequest, RequestState, ReviewState
from tests.greenchannel.conftest import EN, ZH, at, reload

PDF = b'%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'

#: Who sees a submitted request routed to the land department only (the committee: not before it is sent on).
SEES = {'owner': True, 'member': True, 'contact': True, 'manager': True, 'admin': True, 'chair': False,
        'voter': False, 'land_reviewer': True, 'housing_reviewer': False, 'other_owner': False, 'nobody': False,
        'outsider_committee': False}


@pytest.fixture
def routed_to_land(green):
    request = green.draft(files=[_upload()])
    operations.submit_request(request, user=green.owner, now=at('2026-09-30'))
    operations.accept_request(request, user=green.contact, departments=[green.land], now=at('2026-09-30', 15))
    db.session.commit()
    return request


def _upload(name='lease.pdf'):
    from werkzeug.datastructures import FileStorage
    return FileStorage(stream=io.BytesIO(PDF), filename=name, content_type='application/pdf')


@pytest.mark.parametrize('role', sorted(SEES))
def test_only_those_concerned_see_a_request_and_its_files(green, routed_to_land, client, login, role):
    login(green.user(role))
    attachment = db.session.execute(sa.select(Attachment)).scalar_one()
    page = client.get(f'/greenchannel/{routed_to_land.id}', headers=EN)
    download = client.get(f'/attachments/{attachment.id}')
    listed = client.get('/greenchannel/', headers=EN)
    if SEES[role]:
        assert page.status_code == 200 and download.status_code == 200
        assert routed_to_land.reference in listed.get_data(as_text=True)
    else:
        assert page.status_code == 404 and download.status_code == 404
        assert routed_to_land.reference not in listed.get_data(as_text=True)


def _sees(client, request, attachment):
    page = client.get(f'/greenchannel/{request.id}', headers=EN)
    download = client.get(f'/attachments/{attachment.id}')
    listed = request.reference in client.get('/greenchannel/', headers=EN).get_data(as_text=True)
    assert (page.status_code == 200) == (download.status_code == 200) == listed
    return listed


def test_the_committee_sees_a_request_once_it_is_before_them_unless_recused(green, routed_to_land, client, login):
    attachment = db.session.execute(sa.select(Attachment)).scalar_one()
    operations.send_to_committee(routed_to_land, user=green.contact, now=at('2026-11-30'))
    db.session.commit()
    for role, sees in (('chair', True), ('voter', True), ('outsider_committee', False)):
        login(green.user(role))
        assert _sees(client, routed_to_land, attachment) is sees, role
    decision = decision_for('green_request', routed_to_land.id)
    committee_operations.declare_conflict(decision, user=green.voters[0], reason='My brother runs it')
    db.session.commit()
    login(green.voters[0])
    assert _sees(client, routed_to_land, attachment) is False


@pytest.mark.parametrize('role', ['contact', 'manager', 'land_reviewer', 'chair', 'other_owner'])
def test_a_draft_is_the_startups_alone(green, client, login, role):
    request = green.draft()
    db.session.commit()
    login(green.user(role))
    assert client.get(f'/greenchannel/{request.id}').status_code == 404


def test_filing_by_http_then_the_window_returns_it_listing_everything(green, client, login):
    login(green.owner)
    form = client.get(f'/startups/{green.startup.id}/greenchannel/new', headers=EN)
    assert form.status_code == 200 and 'Talent housing and space' in form.get_data(as_text=True)
    data = {'category': green.category.id, 'project': green.project.id, 'needed': 'A lab of 300 m²',
            'justification': 'Pilot line', 'urgency': 'urgent', 'amount': '5000.50', 'area_m2': '300',
            'submit_now': '1'}
    response = client.post(f'/startups/{green.startup.id}/greenchannel/new', data=data, headers=EN)
    assert response.status_code == 302
    request = db.session.execute(sa.select(GreenRequest)).scalar_one()
    assert request.state == RequestState.submitted and request.amount_fen == 500_050
    login(green.contact)
    empty = client.post(f'/greenchannel/{request.id}/return', data={'items': '\n  \n'}, headers=EN)
    assert empty.status_code == 400 and 'at least one item' in empty.get_data(as_text=True)
    assert reload(request).state == RequestState.submitted
    returned = client.post(f'/greenchannel/{request.id}/return', data={'items': 'Lease draft\nID of the lead'},
                           headers=EN)
    assert returned.status_code == 302 and reload(request).state == RequestState.returned
    login(green.owner)
    page = client.get(f'/greenchannel/{request.id}', headers=EN).get_data(as_text=True)
    assert 'Lease draft' in page and 'ID of the lead' in page and 'waiting for the startup (clock paused)' in page
    chinese = client.get(f'/greenchannel/{request.id}').get_data(as_text=True)
    assert '退回补正' in chinese and '时限暂停' in chinese


def test_a_request_for_another_startup_is_refused(green, client, login):
    login(green.owner)
    assert client.get(f'/startups/{green.other.id}/greenchannel/new').status_code == 404
    data = {'category': green.category.id, 'project': green.other_project.id, 'needed': 'x', 'amount': '1',
            'area_m2': '1'}
    response = client.post(f'/startups/{green.startup.id}/greenchannel/new', data=data, headers=EN)
    assert response.status_code in (403, 422)
    assert db.session.execute(sa.select(GreenRequest)).first() is None


def test_an_opinion_for_a_department_not_routed_to_is_refused(green, routed_to_land, client, login):
    login(green.housing_reviewer)
    response = client.post(f'/greenchannel/{routed_to_land.id}/departments/{green.housing.id}/opinion',
                           data={'opinion': 'support'}, headers=EN)
    assert response.status_code == 404  # the housing reviewer does not even see it
    green.housing.reviewer_rows  # noqa: B018 (loaded)
    operations.save_department(green.housing, user=green.admin, name_zh=green.housing.name_zh,
                               reviewers=[green.housing_reviewer, green.land_reviewer])
    db.session.commit()
    login(green.land_reviewer)
    response = client.post(f'/greenchannel/{routed_to_land.id}/departments/{green.housing.id}/opinion',
                           data={'opinion': 'support'}, headers=EN)
    assert response.status_code == 403 and 'not routed to that department' in response.get_data(as_text=True)
    assert reload(routed_to_land).reviews[0].state == ReviewState.pending


def test_the_opinion_the_committee_and_a_decision_before_quorum(green, routed_to_land, client, login):
    login(green.land_reviewer)
    response = client.post(f'/greenchannel/{routed_to_land.id}/departments/{green.land.id}/opinion',
                           data={'opinion': 'support_with_conditions', 'comment': 'East wing only'}, headers=EN)
    assert response.status_code == 302
    request = reload(routed_to_land)
    assert request.state == RequestState.in_committee
    login(green.chair)
    page = client.get(f'/greenchannel/{request.id}', headers=EN).get_data(as_text=True)
    assert 'Record the committee' in page and 'East wing only' in page
    timeline = page[page.index('id="timeline"'):]
    assert 'Support with conditions' in timeline and 'support_with_conditions' not in timeline
    chinese = client.get(f'/greenchannel/{request.id}', headers=ZH).get_data(as_text=True)
    assert '有条件同意' in chinese[chinese.index('id="timeline"'):]
    early = client.post(f'/greenchannel/{request.id}/decide',
                        data={'outcome': 'approved', 'granted': '', 'reasons': ''}, headers=EN)
    assert early.status_code == 409 and 'quorum' in early.get_data(as_text=True)
    assert reload(request).state == RequestState.in_committee
    decision = decision_for('green_request', request.id)
    for member in (green.chair, *green.voters):
        committee_operations.record_opinion(decision, user=member, choice='for')
    db.session.commit()
    decided = client.post(f'/greenchannel/{request.id}/decide',
                          data={'outcome': 'partly_approved', 'granted': '200 m²', 'reasons': 'Space'}, headers=EN)
    assert decided.status_code == 302 and reload(request).state == RequestState.in_notice


def test_messages_are_exchanged_on_the_request(green, routed_to_land, client, login):
    login(green.land_reviewer)
    assert client.post(f'/greenchannel/{routed_to_land.id}/messages', data={'body': 'Which floor?'}).status_code == 302
    login(green.member)
    page = client.get(f'/greenchannel/{routed_to_land.id}', headers=EN).get_data(as_text=True)
    assert 'Which floor?' in page
    login(green.nobody)
    assert client.post(f'/greenchannel/{routed_to_land.id}/messages', data={'body': 'Hi'}).status_code == 404


def test_administrators_set_up_departments_and_categories(green, client, login):
    login(green.admin)
    assert client.get('/admin/greenchannel/', headers=EN).status_code == 200
    response = client.post('/admin/greenchannel/departments/new', data={
        'name_zh': '财政局', 'name_en': 'Finance', 'head': '', 'reviewers': [str(green.land_reviewer.id)],
        'is_active': 'y'})
    assert response.status_code == 302
    response = client.post('/admin/greenchannel/categories/new', data={
        'name_zh': '资金支持', 'name_en': 'Funding', 'asks_amount': 'y', 'promised_working_days': '10',
        'completeness_working_days': '2', 'opinion_working_days': '5', 'notice_days': '7',
        'public_fields': ['startup', 'amount'], 'is_active': 'y'})
    assert response.status_code == 302
    login(green.manager)
    assert client.get('/admin/greenchannel/').status_code == 403


def test_the_service_contact_is_shown_and_set_by_staff(green, client, login):
    login(green.member)
    assert 'Sun Contact' in client.get(f'/startups/{green.startup.id}', headers=EN).get_data(as_text=True)
    assert client.get(f'/startups/{green.startup.id}/service-contact').status_code == 403
    login(green.admin)
    response = client.post(f'/startups/{green.startup.id}/service-contact',
                           data={'service_contact': str(green.manager.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert green.startup.service_contact_id == green.manager.id


def test_overdue_requests_come_first_with_a_badge(green, client, login):
    fresh = green.routed(now=now_utc())
    late = green.routed(now=at('2026-09-01'))
    db.session.commit()
    login(green.manager)
    page = client.get('/greenchannel/', headers=EN).get_data(as_text=True)
    assert page.index(late.reference) < page.index(fresh.reference)
    assert 'green-request-overdue' in page and 'Overdue' in page


def test_a_department_asks_and_the_owner_answers_on_the_page(green, routed_to_land, client, login):
    login(green.land_reviewer)
    asked = client.post(f'/greenchannel/{routed_to_land.id}/departments/{green.land.id}/question',
                        data={'question': 'Which floor?'}, headers=EN)
    assert asked.status_code == 302
    review = reload(routed_to_land).reviews[0]
    assert review.state == ReviewState.asking
    login(green.member)
    refused = client.post(f'/greenchannel/{routed_to_land.id}/reviews/{review.id}/answer', data={'answer': 'x'})
    assert refused.status_code == 403
    login(green.owner)
    page = client.get(f'/greenchannel/{routed_to_land.id}', headers=EN).get_data(as_text=True)
    assert 'Which floor?' in page and 'Send the answer' in page
    answered = client.post(f'/greenchannel/{routed_to_land.id}/reviews/{review.id}/answer',
                           data={'answer': 'Ground floor'}, headers=EN)
    assert answered.status_code == 302 and reload(routed_to_land).reviews[0].state == ReviewState.pending


def test_a_returned_request_can_be_edited_then_resubmitted(green, client, login):
    request = green.submitted()
    operations.return_request(request, user=green.contact, items=['Area is wrong'])
    db.session.commit()
    login(green.owner)
    data = {'category': green.category.id, 'project': green.project.id, 'needed': 'A lab of 250 m²',
            'urgency': 'normal', 'amount': '5000', 'area_m2': '250'}
    assert client.post(f'/greenchannel/{request.id}/edit', data=data).status_code == 302
    assert client.post(f'/greenchannel/{request.id}/resubmit', data={'answer': 'Corrected'}).status_code == 302
    request = reload(request)
    assert request.area_m2 == 250 and request.state == RequestState.submitted


def test_a_deadline_in_a_year_without_calendar_data_is_shown_as_estimated(green, client, login):
    """No calendar holds the holidays of 2098 and 2099: a promise running through them says it may move; one
    within 2026 (entered) does not."""
    late = green.submitted(now=at('2098-12-28'))
    early = operations.submit_request(green.draft(), user=green.owner, now=at('2026-11-02'))
    db.session.commit()
    login(green.owner)
    page = client.get(f'/greenchannel/{late.id}', headers=EN).get_data(as_text=True)
    assert 'Estimated' in page and 'The public holidays of 2098 and 2099 are not entered yet' in page
    chinese = client.get(f'/greenchannel/{late.id}', headers=ZH).get_data(as_text=True)
    assert '2098和2099年的法定节假日尚未录入' in chinese
    assert 'Estimated' not in client.get(f'/greenchannel/{early.id}', headers=EN).get_data(as_text=True)


def test_the_timeline_names_departments_and_the_decision_in_the_readers_language(green, client, login):
    # Decided in Chinese (the default language, outside a request): the timeline keeps no words of the decider's.
    request = green.rejected(green.opposed(green.routed()))
    db.session.commit()
    login(green.owner)
    english = client.get(f'/greenchannel/{request.id}', headers=EN).get_data(as_text=True)
    timeline = english[english.index('id="timeline"'):]
    assert 'Natural resources, Housing' in timeline and 'Rejected' in timeline
    assert '自然资源局' not in timeline and '不予批准' not in timeline and '>rejected<' not in timeline
    chinese = client.get(f'/greenchannel/{request.id}', headers=ZH).get_data(as_text=True)
    timeline = chinese[chinese.index('id="timeline"'):]
    assert '自然资源局、住房和城乡建设局' in timeline and '不予批准' in timeline


def test_the_audit_log_names_a_vote_s_decision_by_what_is_decided(green, client, login):
    request = green.routed()
    for department, reviewer in ((green.land, green.land_reviewer), (green.housing, green.housing_reviewer)):
        operations.give_opinion(request, department, user=reviewer, opinion='support')
    committee_operations.record_opinion(decision_for('green_request', request.id), user=green.chair, choice='for')
    db.session.commit()
    login(green.admin)
    english = client.get('/admin/audit/', query_string={'object_type': 'opinion'}, headers=EN).get_data(as_text=True)
    assert f'Decision: Green-channel request {request.reference}' in english
    chinese = client.get('/admin/audit/', query_string={'object_type': 'opinion'}, headers=ZH).get_data(as_text=True)
    entries = chinese[chinese.index('<tbody>'):]
    assert f'绿色通道申请 {request.reference}' in entries and 'green_request' not in entries
    # Each entry says what it is about in words: the vote by what is decided and who voted, a department's review
    # by the request and the department, in the reader's language.
    assert f'<span class="small text-muted">Green-channel request {request.reference} · {green.chair.email}</span>' \
        in english
    assert f'<span class="small text-muted">绿色通道申请 {request.reference} · {green.chair.email}</span>' in entries
    reviews = client.get('/admin/audit/', query_string={'object_type': 'green_review'}, headers=EN)
    assert f'<span class="small text-muted">{request.reference} · Natural resources</span>' in reviews.text
    reviews = client.get('/admin/audit/', query_string={'object_type': 'green_review'}, headers=ZH)
    assert f'<span class="small text-muted">{request.reference} · 自然资源局</span>' in reviews.text
    seats = client.get('/admin/audit/', query_string={'object_type': 'committee_member'}, headers=EN)
    assert f' · {green.chair.email}</span>' in seats.text and re.search(r'>#\d+:\d+<', seats.text) is None


def test_a_department_pages_through_its_pending_reviews_and_a_page_past_the_end_shows_the_last(
        green, client, login, monkeypatch):
    from incubator.greenchannel import queries
    monkeypatch.setattr(queries, 'PER_PAGE', 2)
    requests = [green.routed(now=at('2026-09-30', 9 + number)) for number in range(3)]
    db.session.commit()
    references = {request.reference for request in requests}
    login(green.land_reviewer)
    path = f'/greenchannel/departments/{green.land.id}'
    first = client.get(path, headers=EN).get_data(as_text=True)
    assert '3 requests' in first and f'href="{path}?page=2"' in first
    second = client.get(path, query_string={'page': 2}, headers=EN).get_data(as_text=True)
    shown = {reference for reference in references if reference in first}
    assert len(shown) == 2 and references - shown == {r for r in references if r in second}
    assert f'href="{path}?page=1"' in second and 'Page 2 of 2' in second
    assert client.get(path, query_string={'page': 99}, headers=EN).get_data(as_text=True).count('GC-') \
        == second.count('GC-')
    login(green.manager)
    beyond = client.get('/greenchannel/', query_string={'page': 99}, headers=EN).get_data(as_text=True)
    assert 'Page 2 of 2' in beyond and 'href="/greenchannel/?page=1"' in beyond
