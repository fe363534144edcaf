"""Issue #16 done by hand: a green-channel request across the National Day holiday of 2026 (Oct 1-7 off; Oct 10,
a Saturday, a make-up working day), then its public notice, an objection and its fulfilment in real browsers.

The steps before the decision run through the operations with their dates (filed Sep 28, returned Sep 29,
resubmitted Oct 9, routed to two departments, one opinion, the other department's deadline missed, the
committee late and escalated, one member's vote); the browsers then show the paused time and the escalation in
Chinese, and the chair's vote and partial approval, the public notice with an objection lodged without an
account (English), its review (Chinese) and the delivery of lab access that lets the startup's members book the
lab (English) happen on today's clock, as Chromium runs on the real one.
"""
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from incubator.committees import operations as committee_operations
from incubator.committees.queries import decision_for
from incubator.core.time import programme_timezone
from incubator.extensions import db
from incubator.greenchannel import operations as green
from incubator.greenchannel.aftercare import notice
from incubator.greenchannel.models import (
    EscalationSent,
    GreenRequest,
    NoticeState,
    ObjectionState,
    OpinionKind,
    RequestState,
    ReviewState,
)
from incubator.projects import operations as project_operations
from incubator.projects.models import ProjectField, ReviewCadence
from incubator.spaces.models import UserCertification
from incubator.startups.models import MembershipRole
from tests.e2e.test_booking_and_payment import alerts, click_and_wait, set_value
from tests.e2e.test_browser import log_in
from tests.e2e.test_projects_flow import heading, screenshots  # noqa: F401 (a fixture)
from tests.factories import CertificationFactory, SiteFactory, SpaceFactory, StartupFactory, UserFactory, member_of


def at(month, day, hour=10):
    """An aware UTC instant at ``hour`` o'clock, programme time, on that day of 2026."""
    return datetime.combine(datetime(2026, month, day).date(), time(hour), programme_timezone()).astimezone(UTC)


def today():
    return datetime.now(programme_timezone()).date()


def test_a_request_from_filing_across_national_day_to_lab_access(app, live_server, browser_factory, screenshots):  # noqa: F811
    site = SiteFactory(name='梧桐众创空间')
    startup = StartupFactory(site=site, name='青梧智能')
    owner = member_of(startup, MembershipRole.owner, email='owner@example.com', name='刘洋')
    engineer = member_of(startup, MembershipRole.member, email='member@example.com', name='周婷')
    manager = UserFactory(email='manager@example.com', name='李强', roles=['manager'])
    admin = UserFactory(name='王敏', roles=['admin'])
    chair = UserFactory(email='chair@example.com', name='赵磊', roles=['committee'])
    voters = [chair, UserFactory(name='孙芳', roles=['committee'])]
    land_reviewer = UserFactory(name='林森', roles=['department_reviewer'])
    housing_reviewer = UserFactory(name='许安', roles=['department_reviewer'])
    lab = SpaceFactory(site=site, name='生物实验室', certification=CertificationFactory(name='实验室安全'))
    db.session.commit()
    project = project_operations.create_project(
        manager, startup, title='服务机器人', field=ProjectField.advanced_manufacturing, lead_name='李博士',
        start_date=datetime(2026, 1, 1).date(), planned_end_date=datetime(2027, 12, 31).date(),
        review_cadence=ReviewCadence.quarterly, manager=manager)
    land = green.save_department(None, user=admin, name_zh='自然资源局', name_en='Natural resources',
                                 head=land_reviewer, reviewers=[land_reviewer])
    housing = green.save_department(None, user=admin, name_zh='住建局', name_en='Housing', head=housing_reviewer,
                                    reviewers=[housing_reviewer])
    category = green.save_category(None, user=admin, name_zh='人才住房与场地', name_en='Talent housing and sites',
                                   departments=[land, housing], promised_working_days=15, opinion_working_days=5,
                                   needs_notice=True, notice_days=7, public_fields=['startup', 'granted',
                                                                                    'notice_period'])
    committee_operations.create_committee(user=admin, name='绿色通道会商委员会', purpose='greenchannel', chair=chair,
                                          members=voters)
    green.set_service_contact(startup, user=admin, contact=manager)

    # Filed on Monday Sep 28, returned on the 29th listing two items, supplied on Friday Oct 9: the clock stood
    # still for Sep 30, Oct 8 and Oct 9 (the holiday is no working day).
    request = green.save_draft(None, user=owner, startup=startup, project=project, category=category,
                               needed='300 平方米中试场地及实验室使用', justification='中试线 11 月投产')
    green.submit_request(request, user=owner, now=at(9, 28))
    green.return_request(request, user=manager, items=['场地用途说明', '消防安全评估'], now=at(9, 29))
    green.resubmit_request(request, user=owner, answer='已补齐', now=at(10, 9))
    assert request.whole_stage.paused_working_days == 3
    # Routed to both departments at once; land answers, housing lets its five working days pass (Oct 10, the
    # make-up Saturday, counts): the job sends the request on and records the miss.
    green.accept_request(request, user=manager, departments=[land, housing], now=at(10, 9, 15))
    green.give_opinion(request, land, user=land_reviewer, opinion=OpinionKind.support, now=at(10, 12))
    green.escalate(at(10, 19, 9))
    assert request.state == RequestState.in_committee
    assert request.review_of(housing).state == ReviewState.lapsed and request.opinions_incomplete
    # The committee lets its own deadline pass: the job tells the chair, once.
    green.escalate(at(10, 30, 9))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EscalationSent)) == 1
    committee_operations.record_opinion(decision_for('green_request', request.id), user=voters[1], choice='for')
    db.session.commit()

    owner_browser, chair_browser, public, manager_browser = (browser_factory('zh-CN'), browser_factory('en'),
                                                             browser_factory('en'), browser_factory('zh-CN'))
    screenshots(owner=owner_browser, chair=chair_browser, public=public, manager=manager_browser)

    # The owner follows it in Chinese: the paused days and the missed deadlines show.
    log_in(owner_browser, live_server, 'owner@example.com')
    owner_browser.get(f'{live_server}/greenchannel/{request.id}')
    page = owner_browser.find_element(By.TAG_NAME, 'main').text
    assert '暂停：3个工作日。' in page
    assert '已逾期' in page

    # The chair votes, which makes the quorum, and approves in part, in English.
    log_in(chair_browser, live_server, 'chair@example.com')
    chair_browser.get(f'{live_server}/greenchannel/{request.id}')
    vote = chair_browser.find_element(By.CSS_SELECTOR, 'form.opinion-form')
    chair_browser.execute_script('arguments[0].click()', vote.find_element(By.CSS_SELECTOR, 'input[value="for"]'))
    vote.find_element(By.NAME, 'comment').send_keys('The pilot line is due in November.')
    click_and_wait(chair_browser, vote.find_element(By.CSS_SELECTOR, '[type=submit]'))
    assert 'Your vote is recorded' in alerts(chair_browser)
    decide = chair_browser.find_element(By.ID, 'decide')
    partly = decide.find_element(By.CSS_SELECTOR, 'input[value=partly_approved]')
    chair_browser.execute_script('arguments[0].click()', partly)
    decide.find_element(By.NAME, 'granted').send_keys('The 300 m² pilot site and the lab for six months')
    decide.find_element(By.NAME, 'reasons').send_keys('No flat is free this year.')
    click_and_wait(chair_browser, decide.find_element(By.CSS_SELECTOR, 'button[type=submit]'))
    db.session.commit()         # a new transaction sees what the browsers wrote
    request = db.session.get(GreenRequest, request.id)
    assert request.state == RequestState.in_notice

    # Anyone objects on the public notice, without an account, in English.
    the_notice = notice.current_notice(request)
    public.get(f'{live_server}/notices/greenchannel/')
    click_and_wait(public, public.find_element(By.PARTIAL_LINK_TEXT, '青梧智能'))
    text = public.find_element(By.ID, 'notice').text
    assert 'The 300 m² pilot site' in text and 'No flat is free' not in text
    public.find_element(By.NAME, 'name').send_keys('Wang Wu')
    public.find_element(By.NAME, 'contact').send_keys('wang@example.com')
    public.find_element(By.NAME, 'reason').send_keys('The site is promised to another company.')
    click_and_wait(public, public.find_element(By.CSS_SELECTOR, '#objection-form button'))
    assert 'Your objection is recorded' in alerts(public)

    # The manager reviews it in Chinese: dismissed with a reason; the notice runs on.
    log_in(manager_browser, live_server, 'manager@example.com')
    manager_browser.get(f'{live_server}/greenchannel/{request.id}/after')
    assert heading(manager_browser).startswith('决定之后')
    objection = manager_browser.find_element(By.CSS_SELECTOR, '.objection')
    assert 'wang@example.com' in objection.text and '待审核' in objection.text
    Select(objection.find_element(By.NAME, 'verdict')).select_by_visible_text('不成立')
    objection.find_element(By.NAME, 'review_reason').send_keys('该场地未承诺给其他企业。')
    click_and_wait(manager_browser, objection.find_element(By.CSS_SELECTOR, 'button[type=submit]'))
    assert '异议审核结果已登记。' in alerts(manager_browser)
    db.session.commit()         # a new transaction sees what the browsers wrote
    assert the_notice.objections[0].state == ObjectionState.dismissed

    # Seven days on, the job lets the decision take effect.
    assert notice.take_effect_when_due(the_notice.ends_at + timedelta(minutes=1))['took_effect'] == 1
    db.session.commit()
    assert the_notice.state == NoticeState.took_effect

    # Fulfilment in English: lab access, delivered today until six months on, certifies both members.
    manager_browser = browser_factory('en')
    screenshots(manager_en=manager_browser)
    log_in(manager_browser, live_server, 'manager@example.com')
    manager_browser.get(f'{live_server}/greenchannel/{request.id}/after')
    assert heading(manager_browser).startswith('After the decision')
    form = manager_browser.find_element(By.ID, 'item-form')
    Select(form.find_element(By.NAME, 'kind')).select_by_value('lab_access')
    form.find_element(By.NAME, 'description').send_keys('Wet lab for six months')
    Select(form.find_element(By.NAME, 'space')).select_by_visible_text('生物实验室')
    click_and_wait(manager_browser, form.find_element(By.CSS_SELECTOR, 'button[type=submit]'))
    item = manager_browser.find_element(By.CSS_SELECTOR, '.fulfilment-item')
    set_value(manager_browser, 'delivered_on', today().isoformat())
    set_value(manager_browser, 'access_until', (today() + timedelta(days=180)).isoformat())
    click_and_wait(manager_browser, item.find_element(By.CSS_SELECTOR, 'button.btn-success'))
    db.session.commit()         # a new transaction sees what the browsers wrote
    request = db.session.get(GreenRequest, request.id)
    assert request.state == RequestState.closed
    held = {row.user_id for row in db.session.scalars(sa.select(UserCertification).where(
        UserCertification.certification_id == lab.certification_id))}
    assert held == {owner.id, engineer.id}
