"""Precedents: a draft from a decided case, the check of what still identifies it, the review by another manager
(the transition table over every state and role), withdrawing and revising, the search by words and findings,
and who sees what."""
import pytest
from flask_babel import force_locale

from incubator.cases.models import CaseOutcome
from incubator.cases.precedents import operations
from incubator.cases.precedents.models import (
    PRECEDENT_ACTIONS,
    Precedent,
    PrecedentState,
    precedent_transition,
)
from incubator.cases.precedents.permissions import roles_in
from incubator.cases.precedents.queries import search_precedents, search_words
from incubator.core.errors import DomainError
from incubator.extensions import db
from tests.cases.conftest import EN
from tests.conftest import refused

CLEAN = {'title': '技术路线失败的高风险项目', 'summary': 'A high-risk prototype failed; the startup was exempted.',
         'facts': '企业在探索新的技术路线时，样机未通过安全测试，试点客户退出。',
         'exploration_reasons': 'First product of its kind.', 'rule_reasons': 'No standard existed.',
         'purpose_reasons': 'No personal gain found.', 'decision': 'Exempt.', 'legal_basis': 'Article 5'}
#: Who acts in the matrix: the author, another manager, a committee member, the startup's owner, nobody.
ACTORS = ('author', 'reviewer', 'committee', 'owner', 'nobody')


def actor(world, name):
    return {'author': world.manager, 'reviewer': world.assessor, 'committee': world.members[1],
            'owner': world.owner, 'nobody': world.nobody}[name]


def draft(world, **texts):
    case = world.recorded()
    precedent = operations.create_precedent(case, user=world.manager)
    operations.update_precedent(precedent, user=world.manager, **{**CLEAN, **texts})
    db.session.commit()
    return precedent


def in_state(world, state, **texts):
    precedent = draft(world, **texts)
    if state != PrecedentState.draft:
        operations.submit_precedent(precedent, user=world.manager)
    if state in (PrecedentState.published, PrecedentState.withdrawn):
        operations.approve_precedent(precedent, user=world.assessor)
    if state == PrecedentState.withdrawn:
        operations.withdraw_precedent(precedent, user=world.assessor, reason='A rule now forbids it.')
    db.session.commit()
    return precedent


def take(action, precedent, user):
    if action == 'edit':
        return operations.update_precedent(precedent, user=user, **CLEAN)
    if action == 'send_back':
        return operations.send_back_precedent(precedent, user=user, comment='Say more about the diligence.')
    if action == 'withdraw':
        return operations.withdraw_precedent(precedent, user=user, reason='A rule now forbids it.')
    return getattr(operations, f'{action}_precedent')(precedent, user=user)


@pytest.mark.parametrize('state', list(PrecedentState), ids=lambda state: state.value)
def test_every_step_of_every_state_by_every_role(world, state):
    """Every actor's every step on one precedent in ``state``, each undone after: the precedent is brought to its
    state once per state rather than once per actor."""
    precedent = in_state(world, state)
    for name in ACTORS:
        user = actor(world, name)
        for action in PRECEDENT_ACTIONS:
            expected = precedent_transition(state, action, roles_in(user, precedent))
            savepoint = db.session.begin_nested()
            try:
                take(action, precedent, user)
            except DomainError as error:
                assert expected is None, (name, action, error.code)
                savepoint.rollback()
                db.session.expire_all()
                precedent = db.session.get(Precedent, precedent.id)
                assert precedent.state == state, (name, action)
                continue
            assert expected is not None and precedent.state == expected, (name, action)
            savepoint.rollback()
            db.session.expire_all()
            precedent = db.session.get(Precedent, precedent.id)


def test_the_table_lets_only_another_manager_review():
    from incubator.cases.precedents.models import PrecedentRole as R
    assert precedent_transition(PrecedentState.in_review, 'approve', {R.author}) is None
    assert precedent_transition(PrecedentState.in_review, 'approve', {R.reviewer}) == PrecedentState.published
    assert precedent_transition(PrecedentState.published, 'edit', {R.author, R.reviewer}) is None
    assert precedent_transition(PrecedentState.published, 'withdraw', {R.committee}) is None
    assert precedent_transition(PrecedentState.published, 'withdraw', {R.author}) == PrecedentState.withdrawn
    assert precedent_transition(PrecedentState.published, 'withdraw', {R.reviewer}) == PrecedentState.withdrawn
    assert precedent_transition(PrecedentState.withdrawn, 'edit', {R.author}) is None
    assert precedent_transition(PrecedentState.withdrawn, 'revise', {R.reviewer}) == PrecedentState.draft


def test_the_draft_is_prefilled_from_the_decided_case(world):
    case = world.recorded()
    precedent = operations.create_precedent(case, user=world.manager)
    assert precedent.state == PrecedentState.draft and precedent.outcome == CaseOutcome.exempt
    assert precedent.facts.startswith(case.what_happened)
    assert [finding.value for _n, finding, _r in precedent.findings] == ['exploration', 'no_rule_yet',
                                                                         'for_development']
    assert precedent.legal_basis == 'Article 5 of the municipal rules'
    with refused('precedent.exists'):
        operations.create_precedent(case, user=world.assessor)


def test_only_managers_draft_and_only_from_a_decided_case(world):
    with refused('precedent.not_decided'):
        operations.create_precedent(world.before_committee(), user=world.manager)
    with refused('precedent.not_allowed'):
        operations.create_precedent(world.recorded(), user=world.members[1])


def test_names_company_and_amounts_are_found_and_refused_at_submitting_and_publishing(world):
    precedent = draft(world, facts='Dr li and ALPHA ROBOTICS lost 120,000.00 yuan; 30万 of the subsidy was at stake '
                                   'and 500000 granted.')
    assert operations.identifying_terms(precedent) == ['Dr Li', 'Alpha Robotics', '120,000.00', '30万', '500000']
    with refused('precedent.identifying'):
        operations.submit_precedent(precedent, user=world.manager)
    db.session.rollback()
    operations.update_precedent(precedent, user=world.manager, **CLEAN)
    operations.submit_precedent(precedent, user=world.manager)
    # An edit slipped in before the review (say, by a script) is still refused at publishing.
    precedent.summary = 'Wang Wei signed it.'
    with refused('precedent.identifying'):
        operations.approve_precedent(precedent, user=world.assessor)


def test_numbers_that_only_contain_an_amount_are_not_taken_for_it(world):
    precedent = draft(world, facts='Batch 1120000.5 and version 3000000 shipped; 12 people.')
    assert operations.identifying_terms(precedent) == []


def test_a_reviewer_sends_it_back_with_a_comment_and_its_author_is_told(world):
    precedent = in_state(world, PrecedentState.in_review)
    with refused('precedent.own_review'):
        operations.approve_precedent(precedent, user=world.manager)
    with refused('precedent.required'):
        operations.send_back_precedent(precedent, user=world.assessor, comment='  ')
    operations.send_back_precedent(precedent, user=world.assessor, comment='Remove the town.')
    assert precedent.state == PrecedentState.draft and precedent.review_comment == 'Remove the town.'
    from incubator.notifications.models import Notification
    kinds = db.session.execute(db.select(Notification.kind).filter_by(user_id=world.manager.id)).scalars().all()
    assert 'precedent_sent_back' in kinds


def published(world, **texts):
    return in_state(world, PrecedentState.published, **texts)


def test_search_by_chinese_and_english_words_anded_and_by_findings(world):
    one = published(world)
    other_case = world.recorded(outcome='not_exempt')
    two = operations.create_precedent(other_case, user=world.manager)
    operations.update_precedent(two, user=world.manager, **{**CLEAN, 'title': 'Procurement after a prohibition',
                                                            'summary': 'Bought 50% OFF_LABEL parts.',
                                                            'facts': '违反明确禁止的采购规定。'})
    operations.submit_precedent(two, user=world.manager)
    operations.approve_precedent(two, user=world.assessor)
    in_review = world.recorded()
    operations.create_precedent(in_review, user=world.manager)  # a draft: never found
    db.session.commit()

    def found(text='', **filters):
        return [p.id for p in search_precedents(search_words(text), filters, 1).items]

    assert found('技术路线') == [one.id]
    assert found('HIGH-RISK prototype') == [one.id]
    assert found('prototype prohibition') == []
    assert set(found()) == {one.id, two.id}
    assert found('50%') == [two.id] and found('off_label') == [two.id] and found('%') == [two.id]
    assert found('_') == [two.id]
    assert found(outcome=CaseOutcome.not_exempt) == [two.id]
    from incubator.cases.models import ExplorationFinding
    assert set(found(exploration=ExplorationFinding.exploration)) == {one.id, two.id}
    assert found(exploration=ExplorationFinding.knowing_violation) == []


def test_the_list_is_paginated(world, client, login):
    first = published(world)
    for _number in range(10):
        case = world.recorded()
        precedent = operations.create_precedent(case, user=world.manager)
        operations.update_precedent(precedent, user=world.manager, **CLEAN)
        operations.submit_precedent(precedent, user=world.manager)
        operations.approve_precedent(precedent, user=world.assessor)
    db.session.commit()
    login(world.manager)
    page_one = client.get('/precedents/?q=技术路线', headers=EN).get_data(as_text=True)
    assert page_one.count('class="card h-100"') == 10 and 'page=2' in page_one
    page_two = client.get('/precedents/?q=技术路线&page=2', headers=EN).get_data(as_text=True)
    assert page_two.count('class="card h-100"') == 1 and f'/precedents/{first.id}"' in page_two


@pytest.mark.parametrize('name, published_status, draft_status', [
    ('author', 200, 200), ('reviewer', 200, 200), ('committee', 200, 404), ('owner', 404, 404),
    ('nobody', 404, 404)])
def test_who_sees_a_precedent(world, client, login, name, published_status, draft_status):
    public = published(world)
    hidden = draft(world)
    login(actor(world, name))
    assert client.get(f'/precedents/{public.id}', headers=EN).status_code == published_status
    assert client.get(f'/precedents/{hidden.id}', headers=EN).status_code == draft_status
    assert client.get(f'/precedents/{hidden.id}/edit', headers=EN).status_code == (
        200 if name == 'author' else 403 if name == 'reviewer' else 404)
    search = client.get('/precedents/', headers=EN)
    assert search.status_code == (200 if name in ('author', 'reviewer', 'committee') else 403)


def test_from_the_case_page_to_a_published_precedent_through_the_pages(world, client, login):
    case = world.recorded()
    login(world.manager)
    page = client.get(f'/cases/{case.id}', headers=EN).get_data(as_text=True)
    assert 'id="similar-precedents"' in page and 'exploration=exploration' in page
    response = client.post(f'/cases/{case.id}/precedent', headers=EN)
    assert response.status_code == 302
    precedent = db.session.execute(db.select(Precedent).filter_by(case_id=case.id)).scalar_one()
    edit = client.get(f'/precedents/{precedent.id}/edit', headers=EN).get_data(as_text=True)
    assert 'id="identifying-terms"' not in edit and 'prototype line failed' in edit
    assert client.post(f'/precedents/{precedent.id}/edit', data={**CLEAN, 'facts': 'Dr Li tried.'},
                       headers=EN).status_code == 302
    saved = client.get(f'/precedents/{precedent.id}/edit', headers=EN).get_data(as_text=True)
    assert 'still identifies the case' in saved and 'id="identifying-terms"' in saved and 'Dr Li' in saved
    assert client.post(f'/precedents/{precedent.id}/submit', headers=EN).status_code == 409
    client.post(f'/precedents/{precedent.id}/edit', data=CLEAN, headers=EN)
    assert client.post(f'/precedents/{precedent.id}/submit', headers=EN).status_code == 302
    assert client.post(f'/precedents/{precedent.id}/approve', headers=EN).status_code == 403
    login(world.assessor)
    assert client.post(f'/precedents/{precedent.id}/send-back', data={'comment': ''}, headers=EN).status_code == 422
    assert client.post(f'/precedents/{precedent.id}/approve', headers=EN).status_code == 302
    login(world.members[1])
    found = client.get('/precedents/?q=技术路线&outcome=exempt&rule=no_rule_yet').get_data(as_text=True)
    assert f'/precedents/{precedent.id}"' in found and '技术路线失败的高风险项目' in found


def test_a_withdrawn_precedent_leaves_the_search_tells_its_author_and_is_revised_and_published_again(world):
    precedent = published(world)
    first_published_at = precedent.published_at
    with refused('precedent.required'):
        operations.withdraw_precedent(precedent, user=world.assessor, reason='  \n ')
    db.session.rollback()
    with refused('precedent.not_allowed'):
        operations.withdraw_precedent(precedent, user=world.members[1], reason='Outdated.')
    db.session.rollback()
    operations.withdraw_precedent(precedent, user=world.assessor, reason='The 2026 rules forbid it now.')
    db.session.commit()
    assert precedent.state == PrecedentState.withdrawn and precedent.withdrawn_by_id == world.assessor.id
    assert precedent.withdrawn_at is not None and precedent.withdrawal_reason == 'The 2026 rules forbid it now.'
    assert search_precedents([], {}, 1).items == []

    from incubator.notifications.kinds import render_title
    from incubator.notifications.models import Notification
    note = db.session.execute(db.select(Notification).filter_by(user_id=world.manager.id,
                                                                kind='precedent_withdrawn')).scalar_one()
    with force_locale('en'):
        assert render_title(note.kind, note.params) == (
            f'Your precedent “{precedent.title}” was withdrawn: The 2026 rules forbid it now.')
    with force_locale('zh_CN'):
        assert render_title(note.kind, note.params) == (
            f'您撰写的案例“{precedent.title}”已被撤回：The 2026 rules forbid it now.')

    # The manager who revises it writes it now; the one who wrote it reviews it.
    operations.revise_precedent(precedent, user=world.assessor)
    assert precedent.state == PrecedentState.draft and precedent.author_id == world.assessor.id
    assert precedent.published_at is None and precedent.withdrawal_reason == 'The 2026 rules forbid it now.'
    operations.update_precedent(precedent, user=world.assessor, **{**CLEAN, 'legal_basis': 'Article 5 (2024)'})
    operations.submit_precedent(precedent, user=world.assessor)
    with refused('precedent.own_review'):
        operations.approve_precedent(precedent, user=world.assessor)
    operations.approve_precedent(precedent, user=world.manager)
    db.session.commit()
    assert precedent.state == PrecedentState.published and precedent.published_at >= first_published_at
    assert precedent.withdrawal_reason is None and precedent.withdrawn_at is None
    assert [p.id for p in search_precedents([], {}, 1).items] == [precedent.id]


def test_the_author_withdrawing_their_own_precedent_is_not_told_of_it(world):
    precedent = published(world)
    operations.withdraw_precedent(precedent, user=world.manager, reason='I found a mistake.')
    db.session.commit()
    from incubator.notifications.models import Notification
    assert db.session.execute(db.select(Notification.id).filter_by(kind='precedent_withdrawn')).first() is None


@pytest.mark.parametrize('name, status', [('author', 200), ('reviewer', 200), ('committee', 404), ('owner', 404),
                                          ('nobody', 404)])
def test_who_sees_a_withdrawn_precedent(world, client, login, name, status):
    precedent = in_state(world, PrecedentState.withdrawn)
    login(actor(world, name))
    assert client.get(f'/precedents/{precedent.id}', headers=EN).status_code == status
    assert client.post(f'/precedents/{precedent.id}/revise', headers=EN).status_code == (
        302 if name in ('author', 'reviewer') else 404)


def test_withdrawing_and_revising_through_the_pages(world, client, login):
    precedent = published(world)
    login(world.members[1])
    assert 'id="withdraw"' not in client.get(f'/precedents/{precedent.id}', headers=EN).get_data(as_text=True)
    assert client.post(f'/precedents/{precedent.id}/withdraw', data={'reason': 'Outdated.'},
                       headers=EN).status_code == 403
    login(world.assessor)
    page = client.get(f'/precedents/{precedent.id}', headers=EN).get_data(as_text=True)
    assert 'id="withdraw"' in page and 'data-confirm="Withdraw this precedent?"' in page
    refused_page = client.post(f'/precedents/{precedent.id}/withdraw', data={'reason': '   '}, headers=EN)
    assert refused_page.status_code == 422 and 'This field is required.' in refused_page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Precedent, precedent.id).state == PrecedentState.published
    response = client.post(f'/precedents/{precedent.id}/withdraw', data={'reason': 'A 2026 rule forbids it.'},
                           headers=EN)
    assert response.status_code == 302 and response.location.endswith(f'/precedents/{precedent.id}')
    page = client.get(f'/precedents/{precedent.id}', headers=EN).get_data(as_text=True)
    assert 'id="withdrawal"' in page and 'A 2026 rule forbids it.' in page and world.assessor.name in page
    assert 'id="withdraw"' not in page and 'Revise it as a draft' in page
    index = client.get('/precedents/', headers=EN).get_data(as_text=True)
    assert 'id="in-progress"' in index and f'/precedents/{precedent.id}"' in index
    assert 'No published precedent matches.' in index
    assert client.post(f'/precedents/{precedent.id}/withdraw', data={'reason': 'Again.'},
                       headers=EN).status_code == 409
    zh_page = client.get(f'/precedents/{precedent.id}').get_data(as_text=True)
    assert '已撤回' in zh_page and f'{world.assessor.name}于' in zh_page and '撤回，理由：' in zh_page

    assert client.post(f'/precedents/{precedent.id}/revise', headers=EN).status_code == 302
    page = client.get(f'/precedents/{precedent.id}', headers=EN).get_data(as_text=True)
    assert 'what to revise:' in page and 'A 2026 rule forbids it.' in page and 'Submit for review' in page
