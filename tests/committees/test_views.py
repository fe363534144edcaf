"""Administrators' committee pages, the vote and conflict forms, and the decision panel in both languages."""
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale

from incubator.committees import operations
from incubator.committees.models import Committee, OpinionChoice
from incubator.committees.views import panel_for
from incubator.extensions import db
from tests.factories import StartupFactory, member_of

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}
PANEL = "{% from 'committees/macros.html' import decision_panel %}{{ decision_panel(**panel) }}"


def _committee_form(world, **changes):
    data = {'name': 'Green-channel panel', 'purpose': 'greenchannel', 'quorum': '3/4', 'majority': '2/3',
            'chair': str(world.members[1].id), 'members': [str(u.id) for u in world.members[1:3]]}
    return {**data, **changes}


@pytest.mark.parametrize('who', ['manager', 'chair', 'owner'])
def test_only_administrators_manage_committees(world, client, login, who):
    login(getattr(world, who))
    assert client.get('/admin/committees/').status_code == 403
    assert client.post('/admin/committees/new', data=_committee_form(world)).status_code == 403
    assert client.get(f'/admin/committees/{world.committee.id}/edit').status_code == 403


def test_the_list_says_the_fractions_in_words(world, client, login):
    login(world.admin)
    body = client.get('/admin/committees/', headers=EN).get_data(as_text=True)
    assert 'Case committee' in body and 'Two thirds of the members' in body
    assert 'More than half of the votes cast' in body
    body = client.get('/admin/committees/', headers=ZH).get_data(as_text=True)
    assert '三分之二' in body


def test_create_a_committee(world, client, login):
    login(world.admin)
    form = client.get('/admin/committees/new', headers=EN).get_data(as_text=True)
    assert world.chair.name in form and world.manager.name not in form  # only committee-role accounts offered
    response = client.post('/admin/committees/new', data=_committee_form(world))
    assert response.status_code == 302
    committee = db.session.scalar(sa.select(Committee).where(Committee.name == 'Green-channel panel'))
    assert (committee.quorum, committee.majority, committee.chair) == ((3, 4), (2, 3), world.members[1])
    assert {m.user_id for m in committee.members} == {world.members[1].id, world.members[2].id}


@pytest.mark.parametrize(('changes', 'message'), [
    ({'name': 'Case committee'}, 'Another committee already has this name.'),
    ({'name': ''}, 'This field is required.'),
    ({'quorum': '5/4'}, 'Not a valid choice'),
    ({'members': [], 'chair': ''}, 'Not a valid choice'),
])
def test_committee_form_refusals(world, client, login, changes, message):
    login(world.admin)
    response = client.post('/admin/committees/new', data=_committee_form(world, **changes), headers=EN)
    assert response.status_code in (409, 422)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Committee.id))) == 1


def test_a_manager_account_cannot_be_slipped_in(world, client, login):
    login(world.admin)
    response = client.post('/admin/committees/new', data=_committee_form(world, chair=str(world.manager.id)),
                           headers=EN)
    assert response.status_code == 422


def test_edit_a_committee(world, client, login):
    login(world.admin)
    committee_id = world.committee.id
    page = client.get(f'/admin/committees/{committee_id}/edit', headers=EN).get_data(as_text=True)
    assert 'value="Case committee"' in page
    assert re.search(r'<option selected value="2/3">', page) and re.search(r'<option selected value="1/2">', page)
    assert re.search(rf'<option selected value="{world.chair.id}">', page)
    assert len(re.findall(r'<input checked[^>]*name="members"', page)) == 5
    response = client.post(f'/admin/committees/{committee_id}/edit', data=_committee_form(
        world, name='Case committee', purpose='cases', quorum='1/2', majority='1/2', is_active=''))
    assert response.status_code == 302
    committee = db.session.get(Committee, committee_id)
    assert (committee.quorum, committee.is_active, committee.chair) == ((1, 2), False, world.members[1])
    assert client.get('/admin/committees/99/edit').status_code == 404


def test_vote_and_change_it_from_the_subject_page(world, client, login):
    decision = world.open()
    decision_id, startup_id = decision.id, world.startup.id
    login(world.members[1])
    response = client.post(f'/committees/decisions/{decision_id}/opinion',
                           data={'choice': 'against', 'comment': 'Too risky'})
    assert response.status_code == 302
    assert response.headers['Location'] == f'/startups/{startup_id}#decision-{decision_id}'
    client.post(f'/committees/decisions/{decision_id}/opinion', data={'choice': 'for', 'comment': ''})
    db.session.expire_all()
    assert [(o.choice, o.comment) for o in decision.opinions] == [(OpinionChoice.for_, '')]


def test_the_vote_forms_refuse_clearly(world, client, login):
    decision = world.open()
    decision_id = decision.id
    login(world.members[1])
    response = client.post(f'/committees/decisions/{decision_id}/opinion', data={'choice': 'against'}, headers=EN)
    assert response.status_code == 422
    assert 'Say why you are against' in response.get_data(as_text=True)
    response = client.post(f'/committees/decisions/{decision_id}/conflict', data={'reason': ''}, headers=EN)
    assert response.status_code == 422
    assert client.post(f'/committees/decisions/{decision_id}/conflict',
                       data={'reason': 'Shareholder'}).status_code == 302
    response = client.post(f'/committees/decisions/{decision_id}/opinion', data={'choice': 'for'}, headers=EN)
    assert response.status_code == 403
    assert 'You declared a conflict of interest on this item.' in response.get_data(as_text=True)
    response = client.post(f'/committees/decisions/{decision_id}/conflict', data={'reason': 'Again'}, headers=EN)
    assert response.status_code == 409
    login(world.outsider)
    response = client.post(f'/committees/decisions/{decision_id}/opinion', data={'choice': 'for'}, headers=EN)
    assert response.status_code == 403 and 'You do not sit on this item.' in response.get_data(as_text=True)
    db.session.expire_all()
    assert decision.opinions == [] and len(decision.recusals) == 1


def test_no_vote_after_the_outcome(world, client, login):
    decision = world.open()
    for user in world.members[:4]:
        operations.record_opinion(decision, user=user, choice='for', comment='')
    operations.record_outcome(decision, user=world.chair, outcome='exempt')
    login(world.members[1])
    response = client.post(f'/committees/decisions/{decision.id}/opinion',
                           data={'choice': 'against', 'comment': 'Changed my mind'}, headers=EN)
    assert response.status_code == 409
    assert 'votes can no longer change' in response.get_data(as_text=True)


def test_who_may_not_see_the_subject_gets_404(world, client, login):
    decision = world.open()
    stranger = member_of(StartupFactory(name='Other'), role='owner')
    login(stranger)
    assert client.post(f'/committees/decisions/{decision.id}/opinion', data={'choice': 'for'}).status_code == 404
    assert client.post(f'/committees/decisions/{decision.id}/conflict', data={'reason': 'x'}).status_code == 404
    login(world.members[1])
    assert client.post('/committees/decisions/999/opinion', data={'choice': 'for'}).status_code == 404


def _panel(app, decision, user, locale):
    with app.test_request_context(), force_locale(locale):
        return render_template_string(PANEL, panel=panel_for(decision, user))


def test_the_panel_in_both_languages(app, world):
    decision = world.open()
    operations.record_opinion(decision, user=world.members[1], choice='against', comment='Too risky')
    operations.record_opinion(decision, user=world.members[2], choice='for', comment='')
    operations.declare_conflict(decision, user=world.members[3], reason='Former employee')
    chair_view = _panel(app, decision, world.chair, 'en')
    words = ' '.join(chair_view.split())
    assert '2 of 4 voted; quorum of 3 not reached: 1 more needed; 1 in favour and 1 against.' in words
    assert 'Too risky' in chair_view and 'Member 1' in chair_view
    assert 'Declared a conflict of interest' in chair_view and 'Not voted yet' in chair_view
    assert 'Record my vote' in chair_view and 'Declare a conflict of interest' in chair_view
    voter_view = _panel(app, decision, world.members[1], 'en')
    assert 'Change my vote' in voter_view and re.search(r'<input checked[^>]*value="against"', voter_view)
    recused_view = _panel(app, decision, world.members[3], 'en')
    assert 'You declared a conflict of interest on this item' in recused_view
    assert 'Too risky' not in recused_view and 'Record my vote' not in recused_view
    staff_view = _panel(app, decision, world.manager, 'en')
    assert '2 of 4 voted' in staff_view and 'Too risky' not in staff_view and 'Record my vote' not in staff_view
    chinese = _panel(app, decision, world.chair, 'zh_CN')
    assert '4人中2人已投票；未达到法定人数3人，还需1票；1票赞成和1票反对。' in ''.join(chinese.split())
    assert '利益冲突' in chinese


def test_the_panel_after_the_outcome(app, world):
    decision = world.open()
    for user in world.members[:4]:
        operations.record_opinion(decision, user=user, choice='for_with_conditions', comment='Report monthly')
    operations.record_outcome(decision, user=world.chair, outcome='exempt', note='Diligence shown')
    view = _panel(app, decision, world.members[1], 'en')
    assert 'Outcome recorded' in view and 'Diligence shown' in view and 'Record my vote' not in view
    assert '4 in favour with conditions' in view and 'Report monthly' in view


def test_the_home_page_lists_the_items_awaiting_my_vote(world, client, login):
    decision = world.open()
    operations.declare_conflict(decision, user=world.members[2], reason='Conflict')
    decision_id, startup_id = decision.id, world.startup.id
    login(world.members[1])
    body = client.get('/', headers=EN).get_data(as_text=True)
    assert '1 item awaits your vote' in body
    assert f'href="/startups/{startup_id}#decision-{decision_id}">Lanting Robotics</a>' in body
    client.post(f'/committees/decisions/{decision_id}/opinion', data={'choice': 'for'})
    body = client.get('/', headers=EN).get_data(as_text=True)
    assert 'No item awaits your vote.' in body and 'Lanting Robotics' not in body
    login(world.members[2])
    assert 'No item awaits your vote.' in client.get('/', headers=EN).get_data(as_text=True)
    login(world.members[3])
    assert '1项事项等待您投票' in client.get('/', headers=ZH).get_data(as_text=True)
