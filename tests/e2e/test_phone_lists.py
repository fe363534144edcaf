"""Every list at phone size (390×844 CSS pixels) in both languages, on the demo data: a table's rows become
cards, no text cell is squeezed narrower than a few characters, and no page scrolls sideways.

One browser and one demo load serve the whole module; each person logs in once and their session cookie is put
back whenever a page is theirs.
"""
import threading

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from incubator.demo import DEMO_DOMAIN, DEMO_PASSWORD
from incubator.extensions import db
from tests.demo_pages import LISTS
from tests.e2e.conftest import open_chromium, page_left

PHONE = (390, 844)
#: The narrowest a cell's text may be, in its own font size: three characters (Chinese ones are 1 em wide).
MIN_EMS = 3


#: Visible text cells whose content box (without padding) is narrower than MIN_EMS of their font size, the cards'
#: labels taller than their cells (they would run into the next line of the card), and how far the page is wider
#: than the window. Table heads a phone shows as cards are hidden on purpose: skipped.
MEASURE = """
const narrow = [];
const cells = document.querySelectorAll('main td, main th, main .list-group-item, main .card-body, main dd');
for (const cell of cells) {
  if (cell.closest('.table-cards > thead') || !cell.checkVisibility()) continue;
  const text = cell.innerText.trim();
  if (!text) continue;
  const style = getComputedStyle(cell);
  const box = cell.getBoundingClientRect();
  const width = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  if (width < arguments[0] * parseFloat(style.fontSize)) {
    narrow.push(`${cell.tagName} ${Math.round(width)}px: ${text.slice(0, 40)}`);
  }
}
const overflowing = [];
for (const cell of document.querySelectorAll('main .table-cards > * > tr > [data-label]')) {
  if (!cell.dataset.label || !cell.checkVisibility()) continue;
  const label = parseFloat(getComputedStyle(cell, '::before').height);
  if (label > cell.getBoundingClientRect().height + 1) overflowing.push(cell.dataset.label);
}
return {narrow: narrow, overflowing: overflowing, scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth, cards: document.querySelectorAll('main table.table-cards tbody tr').length};
"""


@pytest.fixture(scope='module')
def demo_site(_app, chromium_available, tmp_path_factory):
    """The demo data with a payment, served on loopback; the database emptied afterwards as ``app`` does."""
    from incubator.auth.models import User
    from incubator.booking.models import Booking
    from incubator.core.time import to_local
    from incubator.demo import load_demo
    from incubator.greenchannel.models import Department
    from incubator.payments import operations as payments
    from incubator.spaces.models import Space
    from incubator.startups.models import Startup
    from tests.conftest import _empty_all_tables, _restore_working_calendar

    with _app.app_context():
        load_demo()
        manager = db.session.execute(sa.select(User).filter_by(email=f'manager@{DEMO_DOMAIN}')).scalar_one()
        startup = db.session.execute(sa.select(Startup).order_by(Startup.id)).scalars().first()
        priced = db.session.execute(sa.select(Booking).where(Booking.startup_id == startup.id,
                                                             Booking.price_fen > 0)).scalars().all()
        payments.record_payment_on_site(manager, priced[:1])
        space = db.session.execute(sa.select(Space).filter_by(name='会议室 A')).scalar_one()
        owners = db.session.execute(sa.select(Booking).filter_by(space_id=space.id, startup_id=startup.id)
                                    .order_by(Booking.start_at)).scalars().first()
        values = {'startup': startup.id, 'space': space.id, 'year': 2026, 'booking': owners.id,
                  'department': db.session.execute(sa.select(Department.id).order_by(Department.id)).scalars().first(),
                  'day': to_local(owners.start_at, space.site.zone).date().isoformat()}
        db.session.commit()
    server = make_server('127.0.0.1', 0, _app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = open_chromium(tmp_path_factory.mktemp('phone-profile'), size=PHONE)
    # A headless window is at least 500 pixels wide: the phone's viewport is emulated instead.
    browser.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {'width': PHONE[0], 'height': PHONE[1],
                                                                   'deviceScaleFactor': 2, 'mobile': True})
    yield _app, f'http://127.0.0.1:{server.server_port}', browser, values, {}
    browser.quit()
    server.shutdown()
    thread.join(5)
    with _app.app_context():
        _empty_all_tables()
        _restore_working_calendar()


def act_as(site, who, language):
    """Show the next pages to ``who`` (logging in the first time) in ``language``."""
    app, base, browser, _values, sessions = site
    with app.app_context():
        from incubator.auth.models import User
        user = db.session.execute(sa.select(User).filter_by(email=f'{who}@{DEMO_DOMAIN}')).scalar_one()
        user.locale = language
        db.session.commit()
    if who not in sessions:
        browser.delete_all_cookies()
        browser.get(base + '/login')
        browser.find_element(By.NAME, 'email').send_keys(f'{who}@{DEMO_DOMAIN}')
        browser.find_element(By.NAME, 'password').send_keys(DEMO_PASSWORD)
        login_page = browser.find_element(By.TAG_NAME, 'html')
        browser.find_element(By.CSS_SELECTOR, 'main form button[type=submit]').click()
        # The session to keep is the one set by the login's answer: wait for the login page to be gone (its own
        # h1 would be found at once, and its cookie is not logged in).
        WebDriverWait(browser, 10).until(page_left(login_page))
        browser.find_element(By.TAG_NAME, 'h1')
        assert '/login' not in browser.current_url, f'{who} could not log in'
        sessions[who] = browser.get_cookie('session')
        assert sessions[who], f'{who} could not log in'
    else:
        browser.get(base + '/login')
        browser.delete_all_cookies()
        browser.add_cookie({'name': 'session', 'value': sessions[who]['value'], 'path': '/'})


@pytest.mark.parametrize('language', ['zh_CN', 'en'])
@pytest.mark.parametrize(('who', 'path'), LISTS, ids=[f'{who}:{path}' for who, path in LISTS])
def test_every_list_reads_on_a_phone(demo_site, who, path, language):
    _app, base, browser, values, _sessions = demo_site
    act_as(demo_site, who, language)
    browser.get(base + path.format(**values))
    assert browser.execute_script('return document.documentElement.lang') == ('zh-CN' if language == 'zh_CN'
                                                                               else 'en')
    heading = browser.find_element(By.TAG_NAME, 'h1').text
    assert heading and 'Log in' not in heading and '登录' not in heading, heading
    measured = browser.execute_script(MEASURE, MIN_EMS)
    assert measured['innerWidth'] == PHONE[0]
    assert measured['scrollWidth'] <= measured['innerWidth'], f'{path} scrolls sideways: {measured}'
    assert not measured['narrow'], f'{path}: text squeezed narrower than {MIN_EMS} characters: {measured["narrow"]}'
    assert not measured['overflowing'], f'{path}: labels longer than their cards\' lines: {measured["overflowing"]}'


def test_the_lists_show_their_rows_as_cards(demo_site):
    """The measure above means something only if the tables are there, as cards: check a few lists have rows."""
    _app, base, browser, values, _sessions = demo_site
    act_as(demo_site, 'manager', 'en')
    for path in ('/payments/', '/bookings/occupancy', '/projects/dashboard'):
        browser.get(base + path.format(**values))
        measured = browser.execute_script(MEASURE, MIN_EMS)
        assert measured['cards'] > 0, path
        row = browser.find_element(By.CSS_SELECTOR, 'main table.table-cards tbody tr')
        assert row.value_of_css_property('display') == 'block', path


def test_on_a_phone_the_calendar_shows_one_day_and_marks_what_is_mine(demo_site):
    _app, base, browser, values, _sessions = demo_site
    act_as(demo_site, 'owner', 'en')
    browser.get(base + '/spaces/{space}?day={day}'.format(**values))
    shown = [cell for cell in browser.find_elements(By.CSS_SELECTOR, '.week-grid thead th') if cell.is_displayed()]
    assert len(shown) == 2                                            # the times, and one day
    mine = browser.find_elements(By.CSS_SELECTOR, '.week-grid a[href="/bookings/{booking}"]'.format(**values))
    assert mine and all(link.is_displayed() and link.text == 'Yours' for link in mine)
    browser.find_element(By.CSS_SELECTOR, '#day-nav a[rel=next]').click()
    assert not [link for link in browser.find_elements(By.CSS_SELECTOR, '.week-grid a[href="/bookings/{booking}"]'
                                                       .format(**values)) if link.is_displayed()]


def test_the_booking_preview_scrolls_into_view(demo_site):
    _app, base, browser, values, _sessions = demo_site
    act_as(demo_site, 'owner', 'en')
    browser.get(base + '/spaces/{space}/book?day={day}&start=19:00&end=20:00'.format(**values))
    browser.find_element(By.CSS_SELECTOR, 'button[name=preview]').click()
    preview = browser.find_element(By.ID, 'booking-preview')
    WebDriverWait(browser, 5).until(lambda browser: browser.execute_script(
        'return arguments[0].getBoundingClientRect().top', preview) < PHONE[1] / 2)
    top = browser.execute_script('return arguments[0].getBoundingClientRect().top', preview)
    assert 0 <= top < PHONE[1] / 2 and browser.execute_script('return window.scrollY') > 0


def test_on_a_phone_filters_fold_behind_a_button_until_one_is_set(demo_site):
    _app, base, browser, _values, _sessions = demo_site
    act_as(demo_site, 'admin', 'zh_CN')
    browser.get(base + '/admin/audit/')
    toggle = browser.find_element(By.CSS_SELECTOR, 'button[aria-controls=list-filters]')
    actor = browser.find_element(By.NAME, 'actor')
    assert toggle.is_displayed() and toggle.text == '筛选' and not actor.is_displayed()
    first_row = browser.find_element(By.CSS_SELECTOR, 'main table.table-cards tbody tr')
    assert browser.execute_script('return arguments[0].getBoundingClientRect().top', first_row) < PHONE[1] / 2
    toggle.click()
    WebDriverWait(browser, 5).until(lambda browser: actor.is_displayed())
    assert toggle.get_attribute('aria-expanded') == 'true'
    actor.send_keys('owner@')
    actor.submit()
    WebDriverWait(browser, 5).until(lambda browser: 'actor=owner' in browser.current_url)
    toggle = browser.find_element(By.CSS_SELECTOR, 'button[aria-controls=list-filters]')
    assert toggle.text == '筛选 1' and browser.find_element(By.NAME, 'actor').is_displayed()
    # Wider than a phone the filters are always there, and the button is not.
    browser.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {'width': 1024, 'height': 800,
                                                                   'deviceScaleFactor': 1, 'mobile': False})
    try:
        browser.get(base + '/admin/audit/')
        assert browser.find_element(By.NAME, 'actor').is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, 'button[aria-controls=list-filters]').is_displayed()
    finally:
        browser.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {'width': PHONE[0], 'height': PHONE[1],
                                                                       'deviceScaleFactor': 2, 'mobile': True})


def test_wider_than_a_phone_a_tall_audit_row_starts_every_cell_at_the_top(demo_site):
    _app, base, browser, _values, _sessions = demo_site
    act_as(demo_site, 'admin', 'en')
    browser.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {'width': 1280, 'height': 900,
                                                                   'deviceScaleFactor': 1, 'mobile': False})
    try:
        browser.get(base + '/admin/audit/')
        tops = browser.execute_script("""
            const row = document.querySelector('main table tbody tr');
            return Array.from(row.cells, cell => {
              const text = document.createRange();
              text.selectNodeContents(cell);
              return [text.getClientRects()[0].top, row.getBoundingClientRect().height];
            });""")
    finally:
        browser.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {'width': PHONE[0], 'height': PHONE[1],
                                                                       'deviceScaleFactor': 2, 'mobile': True})
    assert tops[0][1] > 100                                           # the demo's first action is tall
    time_top, changes_top = tops[0][0], tops[2][0]
    assert abs(time_top - changes_top) < 10, tops


def test_on_a_phone_a_list_narrowed_by_a_hidden_filter_says_so(demo_site):
    _app, base, browser, values, _sessions = demo_site
    act_as(demo_site, 'manager', 'en')
    browser.get(base + '/payments/?startup={startup}'.format(**values))
    notice = browser.find_element(By.XPATH, "//p[contains(., 'Only the payments of one startup are shown.')]")
    toggle = browser.find_element(By.CSS_SELECTOR, 'button[aria-controls=list-filters]')
    assert notice.is_displayed() and toggle.text == 'Filters 1'
