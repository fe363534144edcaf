"""End-to-end tests: Debian's Chromium drives the app served on loopback.

With ``CI=true`` a missing Chromium fails the run; elsewhere these tests are skipped
with the reason shown (``make test`` installs Chromium when it runs as root).
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')


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


@pytest.fixture
def browser_factory(chromium_available, tmp_path):
    drivers = []

    def open_browser(language='zh-CN'):
        driver = open_chromium(tmp_path / f'profile-{len(drivers)}', language)
        drivers.append(driver)
        return driver

    yield open_browser
    for driver in drivers:
        driver.quit()


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
