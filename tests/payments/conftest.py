"""Payments tests: the booking world of tests/booking, and a fake Stripe on loopback the app talks to."""
import pytest
import time_machine

from tests.booking.conftest import NOW, world  # noqa: F401 (the fixture, for the tests of this package)
from tests.payments.fake_stripe import FakeStripe

SECRET_KEY = 'sk_test_wutong_0123456789abcdef'
WEBHOOK_SECRET = 'whsec_wutong_0123456789abcdef'
STRIPE_SETTINGS = ('STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE', 'STRIPE_PAYMENT_METHOD_TYPES')


@pytest.fixture
def stripe_server(app):
    """Stripe is set up: the app's keys are the fake's, its API base the fake's address."""
    fake = FakeStripe(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET)
    fake.start()
    saved = {key: app.config.get(key) for key in STRIPE_SETTINGS}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake.url,
                      STRIPE_PAYMENT_METHOD_TYPES=['card', 'alipay', 'wechat_pay'])
    yield fake
    app.config.update(saved)
    fake.stop()
    fake.check_handler_errors()


@pytest.fixture
def frozen(app):
    """Requests and operations read the same clock: NOW, ticking."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
