"""Issue #14 done by hand: a project's milestone from creation to acceptance in Chinese, then two scheduled
progress reviews ending in a stop in English, as the owner and the manager click them in real browsers.

Chromium runs on the real clock, so the dates are counted from today: the project started a year ago and
the reviews are those of last month and of this month.
"""
import re
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from incubator.core.time import programme_timezone
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.projects import operations
from incubator.projects.models import KpiKind, MilestoneState, ProjectField, ProjectStatus, ReviewCadence
from incubator.projects.reviews.models import ProgressReview
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.runner import run_job
from incubator.startups.models import MembershipRole
from tests.e2e.test_booking_and_payment import absent, alerts, click_and_wait, set_value
from tests.e2e.test_browser import log_in
from tests.factories import SiteFactory, StartupFactory, UserFactory, member_of

#: A one-page PDF, small and well formed: the upload's type is sniffed from these bytes.
PDF = (b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n'
       b'3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')


def today():
    return datetime.now(programme_timezone()).date()


def at(day, hour=9):
    """An aware UTC instant at ``hour`` o'clock, programme time, on ``day``."""
    return datetime.combine(day, time(hour), programme_timezone()).astimezone(UTC)


def heading(browser):
    return browser.find_element(By.TAG_NAME, 'h1').text


def milestone_card(browser):
    return browser.find_element(By.CSS_SELECTOR, 'li.milestone')


@pytest.fixture
def screenshots(request, tmp_path):
    """``screenshots(name=browser, ...)``: those browsers' pages are saved to tmp_path if the test fails.

    The call's report is logged before teardown, so a rise of the session's failures means this test failed.
    """
    browsers = {}
    failed_before = request.session.testsfailed
    yield browsers.update
    if request.session.testsfailed > failed_before:
        for name, browser in browsers.items():
            browser.save_screenshot(str(tmp_path / f'{name}.png'))
            print(f'screenshot of the {name}: {tmp_path / f"{name}.png"} at {browser.current_url}')


def test_a_milestone_goes_from_creation_to_acceptance_with_evidence_in_chinese(app, live_server, browser_factory,
                                                                                 tmp_path, screenshots):
    site = SiteFactory(name='梧桐众创空间')
    startup = StartupFactory(site=site, name='青梧智能')
    member_of(startup, MembershipRole.owner, email='owner@example.com', name='刘洋')
    UserFactory(email='manager@example.com', name='李强', roles=['manager'])
    evidence = tmp_path / '验收报告.pdf'
    evidence.write_bytes(PDF)
    start, end, due = today() - timedelta(days=60), today() + timedelta(days=300), today() + timedelta(days=30)

    owner, manager = browser_factory('zh-CN'), browser_factory('zh-CN')
    screenshots(owner=owner, manager=manager)
    log_in(owner, live_server, 'owner@example.com')

    # The owner creates the project for the startup, the manager named responsible.
    owner.get(f'{live_server}/startups/{startup.id}/projects')
    assert heading(owner) == '青梧智能的项目'
    click_and_wait(owner, owner.find_element(By.LINK_TEXT, '新建项目'))
    owner.find_element(By.NAME, 'title').send_keys('服务机器人')
    Select(owner.find_element(By.NAME, 'field')).select_by_visible_text('先进制造')
    owner.find_element(By.NAME, 'lead_name').send_keys('李博士')
    Select(owner.find_element(By.NAME, 'manager')).select_by_visible_text('李强')
    set_value(owner, 'start_date', start.isoformat())
    set_value(owner, 'planned_end_date', end.isoformat())
    Select(owner.find_element(By.NAME, 'review_cadence')).select_by_visible_text('每季度')
    click_and_wait(owner, owner.find_element(By.XPATH, '//main//button[.="保存"]'))
    assert '项目服务机器人已创建。' in alerts(owner)
    assert heading(owner).startswith('服务机器人')
    project_url = owner.current_url
    assert re.fullmatch(rf'{live_server}/projects/\d+', project_url)
    facts = owner.find_element(By.CSS_SELECTOR, 'main dl').text
    assert '先进制造' in facts and '李博士' in facts and '李强' in facts and '每季度' in facts

    # A milestone with two KPI targets: revenue typed in full-width digits, and a count of new hires.
    click_and_wait(owner, owner.find_element(By.LINK_TEXT, '新建里程碑'))
    owner.find_element(By.NAME, 'title').send_keys('样机交付')
    set_value(owner, 'due_date', due.isoformat())
    owner.find_element(By.NAME, 'description').send_keys('交付可运行的服务机器人样机')
    Select(owner.find_element(By.NAME, 'targets-0-kind')).select_by_visible_text('营收')
    owner.find_element(By.NAME, 'targets-0-target').send_keys('１２００００')
    Select(owner.find_element(By.NAME, 'targets-1-kind')).select_by_visible_text('新增就业')
    owner.find_element(By.NAME, 'targets-1-target').send_keys('5')
    click_and_wait(owner, owner.find_element(By.XPATH, '//main//button[.="保存"]'))
    assert '里程碑样机交付已添加。' in alerts(owner)
    card = milestone_card(owner)
    assert '计划中' in card.find_element(By.CSS_SELECTOR, '.badge').text
    kpis = card.find_element(By.TAG_NAME, 'table').text
    assert '营收' in kpis and '¥120,000.00' in kpis
    assert '新增就业' in kpis

    # The owner starts it and reports progress with figures, a narrative and the PDF.
    click_and_wait(owner, card.find_element(By.XPATH, './/button[.="开始"]'))
    assert '里程碑已开始。' in alerts(owner)
    assert '进行中' in milestone_card(owner).find_element(By.CSS_SELECTOR, '.badge').text
    click_and_wait(owner, milestone_card(owner).find_element(By.LINK_TEXT, '提交进展报告'))
    assert heading(owner) == '提交“样机交付”的进展报告'
    revenue, hires = owner.find_elements(By.CSS_SELECTOR, 'input[name^=figure_]')
    revenue.send_keys('８００００')
    hires.send_keys('3')
    owner.find_element(By.NAME, 'narrative').send_keys('样机已完成首轮测试，签下两家试点客户。')
    owner.find_element(By.CSS_SELECTOR, 'input[type=file][name=evidence]').send_keys(str(evidence))
    click_and_wait(owner, owner.find_element(By.XPATH, '//main//button[.="提交"]'))
    assert '进展报告已提交，并已通知孵化经理。' in alerts(owner)
    card = milestone_card(owner)
    assert '已提交' in card.find_element(By.CSS_SELECTOR, '.badge').text
    assert card.find_element(By.LINK_TEXT, '验收报告.pdf')

    # The manager asks for changes, with a comment.
    log_in(manager, live_server, 'manager@example.com')
    manager.get(project_url)
    card = milestone_card(manager)
    assert '样机已完成首轮测试' in card.find_element(By.CSS_SELECTOR, '.submission-narrative').text
    card.find_element(By.NAME, 'comment').send_keys('请补充试点客户的合同。')
    click_and_wait(manager, card.find_element(By.XPATH, './/button[.="要求修改"]'))
    assert '已要求修改，并已通知该企业。' in alerts(manager)
    assert '需修改' in milestone_card(manager).find_element(By.CSS_SELECTOR, '.badge').text

    # The owner reads the comment and submits again.
    owner.get(project_url)
    card = milestone_card(owner)
    assert '需修改' in card.find_element(By.CSS_SELECTOR, '.badge').text
    assert '李强于' in card.text and '请补充试点客户的合同。' in card.text
    click_and_wait(owner, card.find_element(By.LINK_TEXT, '提交进展报告'))
    revenue, hires = owner.find_elements(By.CSS_SELECTOR, 'input[name^=figure_]')
    revenue.send_keys('１２５０００.５０')
    hires.send_keys('6')
    owner.find_element(By.NAME, 'narrative').send_keys('已补充两份试点合同，营收超过目标。')
    click_and_wait(owner, owner.find_element(By.XPATH, '//main//button[.="提交"]'))
    assert '进展报告已提交，并已通知孵化经理。' in alerts(owner)

    # The manager accepts; the page shows it accepted, the evidence to download, the chart drawn.
    manager.get(project_url)
    card = milestone_card(manager)
    assert len(card.find_elements(By.CSS_SELECTOR, 'form.decision-form')) == 1
    click_and_wait(manager, card.find_element(By.XPATH, './/form[contains(@class,"decision-form")]//button[.="接受"]'))
    assert '里程碑已通过验收，并已通知该企业。' in alerts(manager)

    owner.get(project_url)
    card = milestone_card(owner)
    assert card.find_element(By.CSS_SELECTOR, '.badge').text == '已通过'
    assert 'milestone-accepted' in card.get_attribute('class')
    kpis = card.find_element(By.TAG_NAME, 'table').text
    assert '¥125,000.50' in kpis and '100%' in kpis
    assert absent(owner, card, By.CSS_SELECTOR, 'form.decision-form')
    assert absent(owner, card, By.LINK_TEXT, '提交进展报告')
    link = card.find_element(By.LINK_TEXT, '验收报告.pdf')
    assert absent(owner, card, By.CSS_SELECTOR, '.attachment-list form')  # accepted: its files stay
    download = owner.execute_async_script(
        'var done = arguments[arguments.length - 1];'
        'fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status,'
        ' r.headers.get("Content-Disposition"), r.headers.get("X-Content-Type-Options"), b.byteLength])));',
        link.get_attribute('href'))
    assert download[0] == 200 and download[1].startswith('attachment') and download[2] == 'nosniff'
    assert download[3] == len(PDF)
    assert owner.find_element(By.CSS_SELECTOR, '#kpi-chart h2').text == '考核指标目标与实际完成情况'
    WebDriverWait(owner, 10).until(
        lambda browser: len(browser.find_elements(By.CSS_SELECTOR, '#kpi-chart .kpi-chart svg')) == 2)
    assert owner.find_elements(By.CSS_SELECTOR, '#kpi-chart .kpi-chart svg path')
    # The value axis of a count ends on a whole number, not on floating-point noise such as 6.7000000000000005.
    hires_chart = owner.find_elements(By.CSS_SELECTOR, '#kpi-chart .kpi-chart svg')[1]
    axis = [text for text in owner.execute_script(
        'return Array.from(arguments[0].querySelectorAll("text"), text => text.textContent)', hires_chart)
        if re.fullmatch(r'[\d.,]+', text)]
    assert axis and all(re.fullmatch(r'\d+', text) for text in axis), axis


@pytest.fixture
def reviewed_project(app):
    """A project of Alpha Robotics started a year ago, reviewed monthly, with a milestone in progress whose
    revenue and hires figures await a decision; its owner and its manager."""
    site = SiteFactory()
    startup = StartupFactory(site=site, name='Alpha Robotics')
    owner = member_of(startup, MembershipRole.owner, email='owner@example.com', name='Olivia Owner')
    manager = UserFactory(email='manager@example.com', name='Mia Manager', roles=['manager'])
    first_of_month = today().replace(day=1)
    project = operations.create_project(
        manager, startup, title='Service robot', field=ProjectField.advanced_manufacturing, lead_name='Dr Li',
        start_date=(first_of_month - timedelta(days=370)).replace(day=1),
        planned_end_date=first_of_month + timedelta(days=400), review_cadence=ReviewCadence.monthly,
        manager=manager)
    milestone = operations.add_milestone(
        owner, project, title='Prototype', due_date=today() + timedelta(days=30),
        targets=[(KpiKind.revenue, 10_000_000, None, None), (KpiKind.hires, 10, None, None)])
    operations.start_milestone(owner, milestone)
    revenue, hires = milestone.kpi_targets
    operations.submit_progress(owner, milestone, figures={revenue.id: 2_000_000, hires.id: 2},
                               narrative='First pilot customer.')
    db.session.commit()
    return project


def open_reviews(now):
    """Run the job as the scheduler does, in a transaction of its own: the test's reads so far are ended first
    (on SQLite a reader's old snapshot cannot become a writer once the server has written)."""
    db.session.commit()
    return run_job('projects.open_reviews', now=now)


def count(model, **where):
    """Rows of ``model`` now, as the server left them."""
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def decide(browser, ratings, findings, outcome):
    """On a review's page, rate each KPI in turn, write the findings, choose the outcome and record it."""
    selects = browser.find_elements(By.CSS_SELECTOR, '#decision select[name$="-rating"]')
    assert len(selects) == len(ratings)
    for select, rating in zip(selects, ratings, strict=True):
        Select(select).select_by_visible_text(rating)
    browser.find_element(By.NAME, 'findings').send_keys(findings)
    Select(browser.find_element(By.NAME, 'outcome')).select_by_visible_text(outcome)
    click_and_wait(browser, browser.find_element(By.XPATH, '//button[.="Record the decision"]'))
    assert 'The review is decided; the startup has been told.' in alerts(browser)


def test_two_scheduled_reviews_then_a_stop_suspend_the_free_hours_in_english(reviewed_project, live_server,
                                                                            browser_factory, screenshots):
    project = reviewed_project
    this_month = today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)

    # Last month's review: the job run twice for the same period, and again later that month, opens one.
    first = open_reviews(at(last_month))
    again = open_reviews(at(last_month))
    later = open_reviews(at(last_month + timedelta(days=10)))
    assert (first.outcome, first.counts) == (RunOutcome.succeeded, {'opened': 1})
    assert again.outcome == RunOutcome.skipped
    assert (later.outcome, later.counts) == (RunOutcome.succeeded, {'opened': 0})
    assert count(ProgressReview) == 1
    assert count(Notification, kind='review_opened') == 1
    assert count(Notification, kind='review_opened_for_startup') == 1

    owner, manager = browser_factory('en'), browser_factory('en')
    screenshots(owner=owner, manager=manager)

    # The owner answers the self-assessment from the project page.
    log_in(owner, live_server, 'owner@example.com')
    owner.get(f'{live_server}/projects/{project.id}')
    [review_link] = owner.find_elements(By.CSS_SELECTOR, '#reviews a')
    assert review_link.text.startswith('Review of the period from')
    click_and_wait(owner, review_link)
    assert heading(owner).startswith('Progress review of Service robot')
    owner.find_element(By.NAME, 'self_assessment').send_keys('The prototype works; hiring is slower than planned.')
    click_and_wait(owner, owner.find_element(By.XPATH, '//button[.="Save the self-assessment"]'))
    assert 'Your self-assessment is saved; the manager has been told.' in alerts(owner)
    assert 'hiring is slower than planned' in owner.find_element(By.ID, 'self-assessment').text
    review_url = owner.current_url

    # The manager finds it among their reviews, reads the answer, rates both KPIs and decides to continue.
    log_in(manager, live_server, 'manager@example.com')
    manager.get(f'{live_server}/reviews/mine')
    click_and_wait(manager, manager.find_element(By.CSS_SELECTOR, '#my-reviews').find_element(
        By.LINK_TEXT, 'Service robot'))
    assert manager.current_url == review_url
    assert 'hiring is slower than planned' in manager.find_element(By.ID, 'self-assessment').text
    rate = manager.find_element(By.ID, 'rate').text
    assert 'Revenue' in rate and 'New hires' in rate and 'Latest figure: ¥20,000.00' in rate
    decide(manager, ['Partly met', 'Missed'], 'Revenue is on its way; hire the two engineers.', 'Continue')
    assert manager.find_element(By.CSS_SELECTOR, '#outcome h2').text == 'Outcome: Continue'
    assert [row.text.split('\n')[0] for row in manager.find_elements(By.CSS_SELECTOR, '#ratings tbody tr')] == [
        'Revenue Prototype Partly met', 'New hires Prototype Missed']

    owner.get(review_url)
    assert owner.find_element(By.CSS_SELECTOR, '#outcome h2').text == 'Outcome: Continue'
    assert absent(owner, owner, By.ID, 'decision')

    # This month's run opens the second review, and only that one.
    second = open_reviews(at(this_month))
    assert (second.outcome, second.counts) == (RunOutcome.succeeded, {'opened': 1})
    assert count(ProgressReview) == 2
    assert count(ProgressReview, project_id=project.id, period_start=this_month) == 1

    # The manager decides to stop, with findings.
    manager.get(f'{live_server}/projects/{project.id}')
    reviews = manager.find_elements(By.CSS_SELECTOR, '#reviews li')
    assert len(reviews) == 2
    assert [review.find_element(By.CSS_SELECTOR, '.badge').text for review in reviews] == [
        'Awaiting the self-assessment', 'Continue']
    click_and_wait(manager, reviews[0].find_element(By.TAG_NAME, 'a'))
    assert 'A stop ends the project and suspends the free booking hours of Alpha Robotics' in manager.find_element(
        By.ID, 'decision').text
    decide(manager, ['Missed', 'Missed'], 'No revenue since the pilot; the team has left.', 'Stop')
    assert manager.find_element(By.CSS_SELECTOR, '#outcome h2').text == 'Outcome: Stop'
    assert 'This review decided to stop the project.' in manager.find_element(By.ID, 'stop-notice').text
    assert 'suspended' in manager.find_element(By.CSS_SELECTOR, '.free-quota-suspended').text

    # The owner sees the free hours suspended, and the project stopped and off track.
    owner.get(f'{live_server}/startups/{project.startup_id}/free-hours')
    notice = owner.find_element(By.CSS_SELECTOR, '.free-quota-suspended').text
    assert 'The free booking hours of Alpha Robotics are suspended since' in notice
    assert 'Service robot: No revenue since the pilot; the team has left.' in notice
    assert 'New bookings are paid until a manager or an administrator restores the free hours.' in notice
    assert absent(owner, owner, By.XPATH, '//button[.="Restore the free hours"]')

    owner.get(f'{live_server}/projects/{project.id}')
    title = owner.find_element(By.TAG_NAME, 'h1')
    assert title.find_element(By.CSS_SELECTOR, '.badge').text == 'Off track'
    assert 'Stopped' in owner.find_element(By.CSS_SELECTOR, 'main h1 + div').text
    assert 'The last progress review decided to stop the project.' in owner.find_element(By.ID, 'health').text
    assert absent(owner, owner, By.LINK_TEXT, 'New milestone')
    assert absent(owner, owner, By.LINK_TEXT, 'Report progress')

    db.session.commit()
    assert db.session.get(type(project), project.id).status == ProjectStatus.stopped
    assert count(ProgressReview) == 2
    assert db.session.get(type(project.milestones[0]), project.milestones[0].id).state == MilestoneState.submitted
