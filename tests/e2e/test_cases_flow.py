"""Issue #15 done by hand: a tolerance-for-failure case from filing to closure through an appeal, clicked in real
browsers. The startup's owner and the managers work in Chinese, the committee in English: filing, acceptance,
assignment, assessment, a vote with one member recused and the quorum reached, the chair's decision, the letter
(printable, then issued in English too), the appeal, the committee's final decision, the record and the closure.
"""
import re
from datetime import date, timedelta

import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from incubator.cases import operations as cases
from incubator.cases.models import Case, CaseState, ChecklistKind, DecisionLetter
from incubator.committees import operations as committees
from incubator.extensions import db
from incubator.projects import operations as projects
from incubator.projects.models import FundingKind, ProjectField, ReviewCadence
from incubator.startups.models import MembershipRole
from tests.e2e import test_projects_flow as projects_flow
from tests.e2e.test_booking_and_payment import alerts, click_accepting_confirm, click_and_wait, set_value
from tests.e2e.test_browser import log_in
from tests.e2e.test_projects_flow import heading, today
from tests.factories import SiteFactory, StartupFactory, UserFactory, member_of

screenshots = projects_flow.screenshots


def current(case_id):
    """The case as the server left it (a new transaction sees what its requests committed)."""
    db.session.rollback()
    return db.session.get(Case, case_id)


def submit_form(browser, action_suffix):
    """Press the submit button of the page's form whose action ends with ``action_suffix``."""
    form = browser.find_element(By.CSS_SELECTOR, f'main form[action$="{action_suffix}"]')
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, '[type=submit]'))


def fill(browser, name, text, within=None):
    field = (within or browser).find_element(By.NAME, name)
    field.clear()
    field.send_keys(text)


def vote(browser, base, case_id, choice, comment):
    browser.get(f'{base}/cases/{case_id}')
    form = browser.find_element(By.CSS_SELECTOR, 'form.opinion-form')
    browser.execute_script('arguments[0].click()', form.find_element(By.CSS_SELECTOR, f'input[value="{choice}"]'))
    fill(browser, 'comment', comment, form)
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, '[type=submit]'))


def decide(browser, base, case_id, outcome, legal_basis, consequences=''):
    browser.get(f'{base}/cases/{case_id}')
    form = browser.find_element(By.ID, 'decide')
    browser.execute_script('arguments[0].click()', form.find_element(By.CSS_SELECTOR, f'input[value="{outcome}"]'))
    fill(browser, 'consequences', consequences, form)
    fill(browser, 'legal_basis', legal_basis, form)
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, '[type=submit]'))


def record(browser, base, case_id, reference):
    browser.get(f'{base}/cases/{case_id}')
    set_value(browser, 'filed_with_body_on', today().isoformat())
    fill(browser, 'filing_reference', reference)
    submit_form(browser, '/record')


def test_a_case_goes_from_filing_through_an_appeal_to_closure(app, live_server, browser_factory, screenshots):
    site = SiteFactory(name='梧桐众创空间')
    startup = StartupFactory(site=site, name='青梧智能')
    member_of(startup, MembershipRole.owner, email='owner@example.com', name='刘洋')
    manager = UserFactory(email='manager@example.com', name='李强', roles=['manager'])
    admin = UserFactory(email='admin@example.com', name='王敏', roles=['admin'])
    chair = UserFactory(email='chair@example.com', name='Chair Zhao', roles=['committee'])
    members = [UserFactory(email=f'member{n}@example.com', name=f'Member {n}', roles=['committee'])
               for n in (1, 2, 3)]
    db.session.commit()
    project = projects.create_project(
        manager, startup, title='服务机器人', field=ProjectField.advanced_manufacturing, lead_name='李博士',
        start_date=today() - timedelta(days=300), planned_end_date=today() + timedelta(days=60),
        review_cadence=ReviewCadence.quarterly, manager=manager)
    funding = projects.record_funding(manager, project, kind=FundingKind.subsidy, amount_fen=500_000_00,
                                      granted_on=today() - timedelta(days=200))
    committees.create_committee(user=admin, name='容错免责评审委员会', purpose='cases', chair=chair,
                                members=[chair, *members])
    item = cases.save_checklist_item(None, user=admin, kind=ChecklistKind.diligence_condition,
                                     label_zh='决策程序符合规定', label_en='The decision process was followed',
                                     position=0)
    db.session.commit()

    owner_browser, manager_browser = browser_factory('zh-CN'), browser_factory('zh-CN')
    committee_browser = browser_factory('en')
    screenshots(owner=owner_browser, manager=manager_browser, committee=committee_browser)
    base = live_server

    # The owner drafts the case about the project, with what is at stake, then files it (Chinese).
    log_in(owner_browser, base, 'owner@example.com')
    owner_browser.get(f'{base}/projects/{project.id}/cases/new')
    assert owner_browser.find_element(By.TAG_NAME, 'html').get_attribute('lang') == 'zh-CN'
    fill(owner_browser, 'what_happened', '样机未通过第三方安全测试，试点客户退出。')
    set_value(owner_browser, 'happened_on', (today() - timedelta(days=30)).isoformat())
    fill(owner_browser, 'losses', '１２００００')
    fill(owner_browser, 'rules_in_force', '《科技创新容错免责实施办法》')
    fill(owner_browser, 'parties', '李博士，项目负责人\n王工，结构工程师')
    fill(owner_browser, f'stake_{funding.id}', '300000')
    click_and_wait(owner_browser, owner_browser.find_element(By.CSS_SELECTOR, 'main form [type=submit]'))
    case_id = int(re.search(r'/cases/(\d+)', owner_browser.current_url).group(1))
    assert current(case_id).state == CaseState.draft and current(case_id).losses_fen == 120_000_00
    submit_form(owner_browser, f'/cases/{case_id}/file')
    case = current(case_id)
    assert case.state == CaseState.filed and case.number
    assert case.number in heading(owner_browser)

    # The manager accepts it, assigns himself and writes the assessment (Chinese).
    log_in(manager_browser, base, 'manager@example.com')
    manager_browser.get(f'{base}/cases/{case_id}')
    fill(manager_browser, 'note', '材料齐全，予以受理。')
    submit_form(manager_browser, '/accept')
    assert current(case_id).state == CaseState.accepted
    Select(manager_browser.find_element(By.NAME, 'assessor')).select_by_value(str(manager.id))
    submit_form(manager_browser, '/assign')
    assert current(case_id).state == CaseState.under_assessment
    manager_browser.get(f'{base}/cases/{case_id}/assessment')
    assert manager_browser.find_element(By.PARTIAL_LINK_TEXT, '检索案例库')
    for name, value in (('exploration', 'exploration'), ('rule', 'no_rule_yet'), ('purpose', 'for_development')):
        manager_browser.execute_script('arguments[0].click()', manager_browser.find_element(
            By.CSS_SELECTOR, f'input[name={name}][value={value}]'))
    for name, text in (('exploration_evidence', '国内尚无先例的技术路线。'), ('rule_evidence', '事发时尚无相应标准。'),
                       ('purpose_evidence', '未发现个人获利。'), ('diligence', '立项经专家论证。'),
                       ('remedies', '一周内召回样机。')):
        fill(manager_browser, name, text)
    manager_browser.execute_script('arguments[0].click()', manager_browser.find_element(
        By.CSS_SELECTOR, f'input[name=diligence_items][value="{item.id}"]'))
    click_and_wait(manager_browser, manager_browser.find_element(By.CSS_SELECTOR, 'main form [type=submit]'))
    assert current(case_id).state == CaseState.committee_review

    # The committee, in English: member 3 declares a conflict, members 1 and 2 vote; 2 of 3 is the quorum.
    log_in(committee_browser, base, 'member3@example.com')
    committee_browser.get(f'{base}/cases/{case_id}')
    conflict = committee_browser.find_element(By.CSS_SELECTOR, 'form.conflict-form')
    committee_browser.execute_script('var d = arguments[0].closest("details"); if (d) d.open = true;', conflict)
    fill(committee_browser, 'reason', 'I advised the startup last year.', conflict)
    click_and_wait(committee_browser, conflict.find_element(By.CSS_SELECTOR, '[type=submit]'))
    committee_browser.get(f'{base}/cases/{case_id}')
    assert case.number not in committee_browser.page_source  # recused: the case is not shown to them any more
    for number, choice in ((1, 'for'), (2, 'for_with_conditions')):
        committee_browser.delete_all_cookies()
        log_in(committee_browser, base, f'member{number}@example.com')
        vote(committee_browser, base, case_id, choice, 'An exploratory failure with documented diligence.')
    committee_browser.delete_all_cookies()
    log_in(committee_browser, base, 'chair@example.com')
    committee_browser.get(f'{base}/cases/{case_id}')
    assert '2 of 3 voted; quorum of 2 reached' in committee_browser.find_element(By.ID, 'committee').text
    decide(committee_browser, base, case_id, 'partly_exempt', 'Article 6 of the municipal rules',
           'A written warning; no new application for a year.')
    case = current(case_id)
    assert case.state == CaseState.decided and case.outcome.value == 'partly_exempt'

    # The manager issues the letter and records the filing; the letter prints on A4; English on request.
    record(manager_browser, base, case_id, '深科容备〔2026〕1号')
    assert current(case_id).state == CaseState.recorded
    letter = db.session.execute(sa.select(DecisionLetter).filter_by(case_id=case_id, round=1)).scalar_one()
    manager_browser.get(f'{base}/cases/{case_id}/letters/{letter.id}')
    sheet = manager_browser.find_element(By.CSS_SELECTOR, 'article.decision-letter')
    assert sheet.get_attribute('lang') == 'zh-CN' and case.number in sheet.text and '李博士' in sheet.text
    assert manager_browser.find_element(By.CSS_SELECTOR, 'link[href$="print-letter.css"]')
    assert manager_browser.find_element(By.CSS_SELECTOR, 'button[data-print]')
    manager_browser.get(f'{base}/cases/{case_id}')
    Select(manager_browser.find_element(By.NAME, 'language')).select_by_value('en')
    submit_form(manager_browser, '/letters')
    db.session.rollback()
    english = db.session.execute(sa.select(DecisionLetter).filter_by(case_id=case_id, language='en')).scalar_one()
    committee_browser.get(f'{base}/cases/{case_id}/letters/{english.id}')
    text = committee_browser.find_element(By.CSS_SELECTOR, 'article.decision-letter').text
    assert 'Decision on a tolerance-for-failure case' in text and 'Article 6 of the municipal rules' in text
    assert 'The filer may appeal once' in text

    # The owner appeals (Chinese); the manager refers it to the committee: round 2.
    owner_browser.get(f'{base}/cases/{case_id}')
    fill(owner_browser, 'reason', '安全测试标准在事发后才发布，请求复议。')
    submit_form(owner_browser, '/appeal')
    assert current(case_id).state == CaseState.appealed
    manager_browser.get(f'{base}/cases/{case_id}')
    submit_form(manager_browser, '/refer')
    assert current(case_id).state == CaseState.committee_review and current(case_id).round == 2

    # Round 2 in English: members 1 and 2 and the chair vote, the chair decides; that decision is final.
    for email in ('member1@example.com', 'member2@example.com', 'chair@example.com'):
        committee_browser.delete_all_cookies()
        log_in(committee_browser, base, email)
        vote(committee_browser, base, case_id, 'for', 'The rule came after the facts.')
    decide(committee_browser, base, case_id, 'exempt', 'Article 5 of the municipal rules')
    case = current(case_id)
    assert case.state == CaseState.decided and case.round == 2 and case.outcome.value == 'exempt' and case.is_final

    # The manager records the final decision and closes the case (Chinese).
    record(manager_browser, base, case_id, '深科容备〔2026〕2号')
    assert current(case_id).state == CaseState.recorded
    manager_browser.get(f'{base}/cases/{case_id}')
    submit_form(manager_browser, '/close')
    assert current(case_id).state == CaseState.closed
    assert alerts(manager_browser)
    db.session.rollback()
    final = db.session.execute(sa.select(DecisionLetter).filter_by(case_id=case_id, round=2)).scalar_one()
    assert final.number == f'{case.number}-2'
    assert date.today() - timedelta(days=1) <= current(case_id).closed_at.date() <= date.today() + timedelta(days=1)


def test_an_owner_discards_a_draft_after_confirming(app, live_server, browser_factory):
    """A draft its owner no longer means to file is deleted from its page, after the browser asks (Chinese)."""
    startup = StartupFactory(site=SiteFactory(name='梧桐众创空间'), name='青梧智能')
    owner = member_of(startup, MembershipRole.owner, email='owner@example.com', name='刘洋')
    manager = UserFactory(email='manager@example.com', name='李强', roles=['manager'])
    project = projects.create_project(
        manager, startup, title='服务机器人', field=ProjectField.advanced_manufacturing, lead_name='李博士',
        start_date=today() - timedelta(days=300), planned_end_date=today() + timedelta(days=60),
        review_cadence=ReviewCadence.quarterly, manager=manager)
    case_id = cases.create_case(project, user=owner, what_happened='样机未通过测试。').id
    db.session.commit()
    browser = browser_factory('zh-CN')
    log_in(browser, live_server, 'owner@example.com')
    browser.get(f'{live_server}/cases/{case_id}')
    discard = browser.find_element(By.CSS_SELECTOR, f'form[action$="/cases/{case_id}/discard"] button')
    assert discard.text == '删除草稿'
    click_accepting_confirm(browser, discard)
    assert browser.current_url == f'{live_server}/cases/'
    assert '草稿及其证明材料已删除。' in alerts(browser)
    assert current(case_id) is None
