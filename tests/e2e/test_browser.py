"""A manager and a founder click through the app in a real browser."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from incubator.startups.models import MembershipRole
from tests.conftest import link_in
from tests.e2e.conftest import page_left
from tests.factories import PASSWORD, SiteFactory, StartupFactory, UserFactory, member_of


def click_and_wait(browser, element):
    """Click something that loads a new page, and wait until the old page is gone."""
    page = browser.find_element(By.TAG_NAME, 'html')
    element.click()
    WebDriverWait(browser, 10).until(page_left(page))


def submit(browser):
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, 'main form button[type=submit]'))


def log_in(browser, base, email, password=PASSWORD):
    browser.get(base + '/login')
    browser.find_element(By.NAME, 'email').send_keys(email)
    browser.find_element(By.NAME, 'password').send_keys(password)
    submit(browser)


def test_manager_registers_a_startup_in_chinese(live_server, browser_factory):
    SiteFactory(name='梧桐众创空间')
    UserFactory(email='manager@example.com', name='李强', roles=['manager'])
    browser = browser_factory('zh-CN')
    log_in(browser, live_server, 'manager@example.com')
    assert '李强，您好' in browser.find_element(By.TAG_NAME, 'h1').text

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, '入驻企业'))
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, '登记入驻企业'))
    browser.find_element(By.NAME, 'name').send_keys('深圳青梧智能科技有限公司')
    browser.find_element(By.NAME, 'credit_code').send_keys('91350100m000100y44')
    browser.execute_script("document.querySelector('[name=admitted_on]').value = '2026-03-01'")
    browser.find_element(By.NAME, 'contact_name').send_keys('刘洋')
    browser.find_element(By.NAME, 'contact_phone').send_keys('0755-8888 0000')
    Select(browser.find_element(By.NAME, 'tier')).select_by_visible_text('孵化器')
    submit(browser)
    assert '校验码' in browser.find_element(By.CSS_SELECTOR, '.invalid-feedback').text

    code = browser.find_element(By.NAME, 'credit_code')
    code.clear()
    code.send_keys('91350100M000100Y43')
    submit(browser)
    assert '已登记' in browser.find_element(By.CSS_SELECTOR, '.alert').text
    assert browser.find_element(By.TAG_NAME, 'h1').text.startswith('深圳青梧智能科技有限公司')
    assert '孵化器' in browser.page_source


def test_founder_invites_a_colleague_who_joins_in_english(app, live_server, browser_factory, outbox):
    startup = StartupFactory(name='Qingwu Tech')
    member_of(startup, MembershipRole.owner, email='founder@example.com', name='Liu Yang')
    StartupFactory(name='Someone Else Ltd')
    founder = browser_factory('en')
    log_in(founder, live_server, 'founder@example.com')
    click_and_wait(founder, founder.find_element(By.LINK_TEXT, 'My startups'))
    assert 'Someone Else Ltd' not in founder.page_source
    click_and_wait(founder, founder.find_element(By.LINK_TEXT, 'Qingwu Tech'))
    click_and_wait(founder, founder.find_element(By.LINK_TEXT, 'Invite a member'))
    founder.find_element(By.NAME, 'email').send_keys('zhou@example.com')
    founder.find_element(By.NAME, 'name').send_keys('Zhou Ting')
    submit(founder)
    assert 'An invitation has been sent to zhou@example.com.' in founder.find_element(By.CSS_SELECTOR, '.alert').text

    [email] = outbox('zhou@example.com')
    colleague = browser_factory('en')
    colleague.get(live_server + link_in(email, '/invitation/'))
    colleague.find_element(By.NAME, 'password').send_keys('our new password')
    colleague.find_element(By.NAME, 'confirm').send_keys('our new password')
    submit(colleague)
    assert 'Welcome to Wutong, Zhou Ting.' in colleague.find_element(By.CSS_SELECTOR, '.alert').text
    assert 'Qingwu Tech' in colleague.page_source

    founder.get(live_server + '/')
    assert founder.find_element(By.ID, 'unread-notifications').text.startswith('1')
    click_and_wait(founder, founder.find_element(By.CSS_SELECTOR, 'a[href="/notifications/"]'))
    assert 'Zhou Ting accepted your invitation to Qingwu Tech.' in founder.page_source

    click_and_wait(colleague, colleague.find_element(By.CSS_SELECTOR, 'nav button[value=zh_CN]'))
    assert re.search('Zhou Ting，您好', colleague.find_element(By.TAG_NAME, 'h1').text)
