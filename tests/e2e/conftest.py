"""End-to-end tests: Debian's Chromium drives the app served on loopback.

With ``CI=true`` a missing Chromium fails the run; elsewhere these tests are skipped
with the reason shown (``make test`` installs Chromium when it runs as root).
"""
import os
import shutil
import threading

import pytest
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, WebDriverException
from werkzeug.serving import make_server

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')


def page_left(page):
    """A wait condition: the page whose ``html`` element is ``page`` has been left (a new one loaded).

    Selenium's ``staleness_of`` expects a stale-element error; Chrome sometimes answers "Node with given id does
    not belong to the document" instead for an element of the page it just left (SeleniumHQ/selenium#15401),
    which failed a run now and then. Both mean the page is gone.
    """
    def left(_driver):
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if 'does not belong to the document' in str(error):
                return True
            raise
        return False
    return left


@pytest.fixture(scope='session')
def chromium_available():
    found = os.path.exists(CHROMIUM) and (os.path.exists(CHROMEDRIVER) or shutil.which('chromedriver'))
    if not found:
        if os.environ.get('CI') == 'true':
            pytest.fail(f'Chromium and ChromeDriver are required on CI ({CHROMIUM}, {CHROMEDRIVER})')
        pytest.skip('Chromium is not installed (apt-get install chromium chromium-driver)')


@pytest.fixture
def live_server(app):
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope='session')
def _idle_browsers(chromium_available, tmp_path_factory):
    """Chromium instances kept for the session, by language: starting one takes one to two seconds."""
    idle = {}
    yield idle
    for drivers in idle.values():
        for driver in drivers:
            driver.quit()


@pytest.fixture
def browser_factory(_idle_browsers, tmp_path_factory):
    """``browser_factory(language)``: a Chromium of its own for this test, as if just started (no cookies, no cache,
    a blank page); those of earlier tests are reused once reset."""
    taken = []

    def open_browser(language='zh-CN'):
        idle = _idle_browsers.setdefault(language, [])
        driver = idle.pop() if idle else open_chromium(tmp_path_factory.mktemp('profile'), language)
        taken.append((language, driver))
        return driver

    yield open_browser
    for language, driver in taken:
        try:
            _reset(driver)
        except Exception:  # noqa: BLE001 (a browser that cannot be reset is not reused)
            driver.quit()
        else:
            _idle_browsers[language].append(driver)


def _reset(driver):
    """Back to a freshly started browser: one window on a blank page, no dialog, storage, cookies or cache."""
    handles = driver.window_handles
    for handle in handles[1:]:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(handles[0])
    try:
        driver.switch_to.alert.dismiss()
    except NoAlertPresentException:
        pass
    driver.execute_script('try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}')
    driver.execute_cdp_cmd('Network.clearBrowserCookies', {})
    driver.execute_cdp_cmd('Network.clearBrowserCache', {})
    driver.get('about:blank')
    driver.implicitly_wait(5)


def open_chromium(profile, language='zh-CN', size=(1280, 900)):
    """A headless Chromium of ``size`` (CSS pixels) asking for pages in ``language``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                     '--disable-background-networking', '--disable-component-update', '--disable-sync',
                     f'--window-size={size[0]},{size[1]}', f'--lang={language}', f'--user-data-dir={profile}'):
        options.add_argument(argument)
    options.add_experimental_option('prefs', {'intl.accept_languages': language})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    return driver
