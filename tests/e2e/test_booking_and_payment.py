"""A startup member books a room and pays for hot desks in a real browser, as people click.

Chromium runs on the real clock (time-machine cannot reach it), so the tests
book a working day a few days ahead of today rather than a frozen date.
"""
import re
from datetime import datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import alert_is_present, any_of
from selenium.webdriver.support.ui import WebDriverWait

from incubator.sites.hours import opening_windows
from tests.booking import conftest as booking
from tests.e2e.conftest import page_left
from tests.e2e.test_browser import log_in
from tests.payments.conftest import SECRET_KEY, STRIPE_SETTINGS, WEBHOOK_SECRET
from tests.payments.fake_stripe import FakeStripe

#: tests/booking's fixture: a site open 08:00-20:00 on working days, a meeting room, hot desks, a startup, its members.
world = booking.world


@pytest.fixture
def stripe_for_browser(app, live_server):
    """The fake Stripe, its webhook aimed at the live server, and external URLs that lead back to it.

    The app builds Stripe's success and cancel URLs with ``_external=True`` from
    SERVER_NAME; TestingConfig's 'localhost' would send the browser nowhere.
    """
    fake = FakeStripe(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET,
                      webhook_url=live_server + '/payments/stripe/webhook')
    fake.start()
    saved = {key: app.config.get(key) for key in (*STRIPE_SETTINGS, 'SERVER_NAME')}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake.url,
                      STRIPE_PAYMENT_METHOD_TYPES=['card', 'alipay', 'wechat_pay'],
                      SERVER_NAME=live_server.removeprefix('http://'))
    yield fake
    app.config.update(saved)
    fake.stop()
    fake.check_handler_errors()


def press(browser, element):
    """Scroll there at once, then click: Bootstrap's smooth scrolling would still be moving the page under the
    click when the button sits below the fold."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def click_and_wait(browser, element):
    """Click something that loads a new page, and wait until the old page is gone."""
    page = browser.find_element(By.TAG_NAME, 'html')
    press(browser, element)
    WebDriverWait(browser, 10).until(page_left(page))


def bookable_day(site):
    """The first day the site is open, two or more days from today: well before the 24-hour cancellation cutoff."""
    today = datetime.now(site.zone).date()
    return opening_windows(site, today + timedelta(days=2), today + timedelta(days=30))[0].day


def open_slot(browser, base, space, day, start):
    """On the space's week calendar, click the free slot's "+" that starts at ``start`` on ``day``."""
    monday = day - timedelta(days=day.weekday())
    browser.get(f'{base}/spaces/{space.id}?week={monday.isoformat()}')
    slot = browser.find_element(By.CSS_SELECTOR,
                                f'a[href="/spaces/{space.id}/book?day={day.isoformat()}&start={start}"]')
    assert slot.text == '+'
    click_and_wait(browser, slot)


def set_value(browser, name, value):
    """Time inputs type differently per browser locale; set them as the time picker would."""
    browser.execute_script('document.querySelector(arguments[0]).value = arguments[1]', f'[name={name}]', value)


def preview_and_confirm(browser):
    """Ask for the price, then press the preview's confirm button; return the preview's text."""
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, 'button[name=preview]'))
    preview = browser.find_element(By.CSS_SELECTOR, '.col-lg-7 .card-body').text
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, 'input[name=confirm] ~ button[type=submit]'))
    return preview


def click_accepting_confirm(browser, element):
    """Click a button whose form may ask "are you sure?" in a JS dialog: accept it, wait for the next page."""
    page = browser.find_element(By.TAG_NAME, 'html')
    press(browser, element)
    if WebDriverWait(browser, 10).until(any_of(alert_is_present(), page_left(page))) is not True:
        browser.switch_to.alert.accept()
        WebDriverWait(browser, 10).until(page_left(page))


def absent(browser, within, by, value):
    """True if ``within`` holds no such element, asked at once when the page has loaded (``find_elements`` would
    wait the implicit 5 seconds for an element that is rightly not there)."""
    WebDriverWait(browser, 10).until(lambda browser: browser.execute_script('return document.readyState') == 'complete')
    browser.implicitly_wait(0)
    try:
        return not within.find_elements(by, value)
    finally:
        browser.implicitly_wait(5)


def background(browser, element):
    """The colour a cell is painted in, as the browser computed it."""
    return browser.execute_script('return getComputedStyle(arguments[0]).backgroundColor', element)


def alerts(browser):
    """The flashed messages and notices of the page, as one text."""
    return ' '.join(alert.text for alert in browser.find_elements(By.CSS_SELECTOR, 'main .alert'))


def test_member_books_a_room_from_the_calendar_and_cancels_it_in_chinese(world, live_server, browser_factory):
    """Chinese is the default: a member books within the free hours from the week grid, then cancels from the list."""
    day = bookable_day(world.site)
    browser = browser_factory('zh-CN')
    log_in(browser, live_server, world.member.email)

    open_slot(browser, live_server, world.room, day, '10:00')
    assert browser.find_element(By.TAG_NAME, 'h1').text == '预约Meeting room A'
    assert browser.find_element(By.NAME, 'end').get_attribute('value') == '11:00'
    set_value(browser, 'end', '11:30')
    preview = preview_and_confirm(browser)
    assert '确认前请核对' in preview
    assert '已用免费时长' in preview
    assert '1.5 / 1.5小时' in preview
    assert '免费' in preview
    assert '应付总额：¥0.00' in preview

    assert re.search(r'/bookings/\d+$', browser.current_url)
    assert '预约成功：Meeting room A' in alerts(browser)
    assert browser.find_element(By.TAG_NAME, 'h1').text == 'Meeting room A 已确认'
    details = browser.find_element(By.CSS_SELECTOR, 'main dl').text
    assert '10:00' in details and '11:30' in details
    assert 'Alpha Robotics' in details
    assert browser.find_element(By.XPATH, '//dt[.="价格"]/following-sibling::dd[1]').text == '免费'

    monday = day - timedelta(days=day.weekday())
    browser.get(f'{live_server}/spaces/{world.room.id}?week={monday.isoformat()}')
    mine = browser.find_elements(By.CSS_SELECTOR, 'td.slot-mine')
    assert [cell.text for cell in mine] == ['我的'] * 3  # 10:00, 10:30 and 11:00: one's own, not just "busy"
    assert {background(browser, cell) for cell in mine} == {'rgb(207, 226, 255)'}
    assert absent(browser, browser, By.CSS_SELECTOR, 'td.slot-full')
    assert background(browser, browser.find_element(By.CSS_SELECTOR, 'td.slot-free')) == 'rgb(234, 246, 236)'

    browser.get(f'{live_server}/bookings/')
    row = browser.find_element(By.XPATH, '//main//tr[td[contains(., "Meeting room A")]]')
    assert 'Alpha Robotics' in row.text
    assert '已确认' in row.text
    cancel = row.find_element(By.CSS_SELECTOR, 'form[data-confirm] button')
    assert cancel.text == '取消'
    question = cancel.find_element(By.XPATH, './..').get_attribute('data-confirm')
    assert question.startswith('取消Meeting room A在2026年12月') and question.endswith('的预约？')  # names the booking
    click_accepting_confirm(browser, cancel)

    assert browser.current_url == live_server + '/bookings/'
    assert '预约已取消。已退还免费时长：1.5小时。' in alerts(browser)
    # A cancelled booking leaves the upcoming tab for the past-and-cancelled one.
    assert absent(browser, browser, By.XPATH, '//main//tr[td[contains(., "Meeting room A")]]')
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, '已过去和已取消'))
    row = browser.find_element(By.XPATH, '//main//tr[td[contains(., "Meeting room A")]]')
    assert '已取消' in row.text
    click_and_wait(browser, row.find_element(By.TAG_NAME, 'a'))
    assert browser.find_element(By.TAG_NAME, 'h1').text == 'Meeting room A 已取消'


def test_member_books_hot_desks_and_pays_online_in_english(world, live_server, stripe_for_browser, browser_factory):
    """The whole purchase as a member clicks it: book, Pay now, think again, pay on Stripe's page, get the receipt."""
    day = bookable_day(world.site)
    browser = browser_factory('en')
    log_in(browser, live_server, world.member.email)

    open_slot(browser, live_server, world.desks, day, '14:00')
    assert browser.find_element(By.TAG_NAME, 'h1').text == 'Book Hot desks'
    set_value(browser, 'end', '16:00')
    preview = preview_and_confirm(browser)
    assert '2 h' in preview and '¥20.00' in preview
    assert 'Total to pay: ¥20.00 · paid online' in preview

    booking_url = browser.current_url
    assert re.search(r'/bookings/\d+$', booking_url)
    assert 'Held for you: pay now to confirm the booking.' in alerts(browser)
    assert browser.find_element(By.TAG_NAME, 'h1').text == 'Hot desks Awaiting payment'
    assert 'Pay ¥20.00 online by' in alerts(browser)

    # Stripe's page, left with its Cancel button: back on the booking, still held.
    click_and_wait(browser, browser.find_element(By.XPATH, '//button[normalize-space()="Pay now"]'))
    assert browser.current_url.startswith(stripe_for_browser.url + '/checkout/cs_test_')
    assert browser.find_element(By.ID, 'amount').text == '¥20.00'
    assert browser.find_element(By.ID, 'description').text.startswith('Hot desks')
    click_and_wait(browser, browser.find_element(By.ID, 'cancel'))
    assert browser.current_url == booking_url
    assert browser.find_element(By.TAG_NAME, 'h1').text == 'Hot desks Awaiting payment'

    # Back to the same checkout, this time through the payment's own page.
    click_and_wait(browser, browser.find_element(By.XPATH, '//dt[.="Payment"]/following-sibling::dd[1]/a'))
    assert 'This payment has not been completed.' in alerts(browser)
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, 'Continue to payment'))
    assert browser.current_url.startswith(stripe_for_browser.url + '/checkout/cs_test_')
    assert len(stripe_for_browser.sessions) == 1
    click_and_wait(browser, browser.find_element(By.ID, 'pay'))

    assert stripe_for_browser.deliveries == [('checkout.session.completed', 200)]
    assert re.search(r'/payments/\d+$', browser.current_url)
    heading = browser.find_element(By.TAG_NAME, 'h1').text
    receipt = re.search(r'WT\d{6}-\d{6}', heading).group()
    assert heading == f'Payment {receipt} Paid'
    assert 'Thank you: your payment has been received and the booking is confirmed.' in alerts(browser)
    assert '¥20.00 CNY' in browser.find_element(By.CSS_SELECTOR, 'main dl').text

    click_and_wait(browser, browser.find_element(By.XPATH, '//main//table//a'))
    assert browser.current_url == booking_url
    assert browser.find_element(By.TAG_NAME, 'h1').text == 'Hot desks Confirmed'
    payment_link = browser.find_element(By.LINK_TEXT, receipt)
    assert payment_link.find_element(By.XPATH, './..').text == f'{receipt} · Paid'

    click_and_wait(browser, payment_link)
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, 'Receipt'))
    assert browser.find_element(By.ID, 'receipt-number').text == receipt
    assert 'Alpha Robotics' in browser.find_element(By.ID, 'receipt').text
    assert browser.find_element(By.ID, 'receipt-net').text == '¥20.00'
