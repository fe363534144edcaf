"""Configuration classes, read from the environment.

Pick one with ``WUTONG_ENV`` (``development``, ``production`` or ``testing``);
``production`` is the default so that a forgotten setting fails safe.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get('WUTONG_INSTANCE_PATH', BASE_DIR / 'instance'))


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {'1', 'true', 'yes', 'on'}


class Config:
    INSTANCE_PATH = str(INSTANCE_DIR)
    SECRET_KEY = os.environ.get('SECRET_KEY')
    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL') or f'sqlite:///{INSTANCE_DIR / "wutong.sqlite3"}'
    # No ping before each checkout: it is a round trip on every request. A connection found dead (the database
    # restarted) fails its request and SQLAlchemy then renews the whole pool; recycling keeps idle connections
    # younger than the timeouts of firewalls and poolers. DATABASE_PRE_PING=1 pings anyway.
    SQLALCHEMY_ENGINE_OPTIONS = {'pool_pre_ping': _bool('DATABASE_PRE_PING'), 'pool_recycle': 1800}

    # Host (and port) of the site as users reach it: links in mail sent by jobs are built from it.
    SERVER_NAME = os.environ.get('SERVER_NAME')
    PREFERRED_URL_SCHEME = os.environ.get('PREFERRED_URL_SCHEME', 'https')

    # Working days for deadlines: 'china' (holidays and make-up workdays) or 'weekends'.
    WORKING_CALENDAR = os.environ.get('WORKING_CALENDAR', 'china')

    LANGUAGES = ('zh_CN', 'en')
    BABEL_DEFAULT_LOCALE = 'zh_CN'
    BABEL_DEFAULT_TIMEZONE = os.environ.get('WUTONG_TIMEZONE', 'Asia/Shanghai')

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = 'Lax'
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = 'Lax'
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # Evidence files (incubator/attachments): where they are kept (default: <instance>/attachments; in production
    # a shared volume every web worker and the scheduler see), which kinds are accepted, and how much.
    ATTACHMENTS_DIR = os.environ.get('ATTACHMENTS_DIR') or None
    ATTACHMENTS_ALLOWED = frozenset(kind.strip() for kind in os.environ.get(
        'ATTACHMENTS_ALLOWED', 'pdf,image,office,text,zip').split(',') if kind.strip())
    ATTACHMENTS_MAX_FILE_BYTES = int(os.environ.get('ATTACHMENTS_MAX_FILE_BYTES', 20 * 1024 * 1024))
    ATTACHMENTS_MAX_ITEM_BYTES = int(os.environ.get('ATTACHMENTS_MAX_ITEM_BYTES', 50 * 1024 * 1024))
    ATTACHMENTS_MAX_FILES = int(os.environ.get('ATTACHMENTS_MAX_FILES', 10))
    # One request carries at most one item's files and its other fields; a larger body is refused (413).
    MAX_CONTENT_LENGTH = ATTACHMENTS_MAX_ITEM_BYTES + 1024 * 1024

    BOOTSTRAP_SERVE_LOCAL = True

    # Argon2id parameters (OWASP: m=19 MiB, t=2, p=1 as the floor).
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_COST = 19 * 1024
    PASSWORD_HASH_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 10

    LOGIN_THROTTLE_LIMIT = 5
    LOGIN_THROTTLE_WINDOW = timedelta(minutes=15)
    INVITATION_MAX_AGE = timedelta(days=7)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)

    MAIL_DEFAULT_SENDER = os.environ.get('MAIL_DEFAULT_SENDER', 'Wutong <noreply@wutong.local>')
    # Bodies of outgoing mail carry tokens: log them only where nobody else reads the log.
    MAIL_LOG_BODY = _bool('MAIL_LOG_BODY')
    # How the outbox is sent (job notifications.send_emails): 'smtp', or 'console' (log and mark sent).
    MAIL_BACKEND = os.environ.get('MAIL_BACKEND', 'smtp')
    MAIL_SERVER = os.environ.get('MAIL_SERVER', 'localhost')
    MAIL_PORT = int(os.environ.get('MAIL_PORT', 25))
    MAIL_USE_TLS = _bool('MAIL_USE_TLS')  # STARTTLS after connecting (usually port 587)
    MAIL_USE_SSL = _bool('MAIL_USE_SSL')  # TLS from the start (usually port 465); not with MAIL_USE_TLS
    MAIL_USERNAME = os.environ.get('MAIL_USERNAME') or None
    MAIL_PASSWORD = os.environ.get('MAIL_PASSWORD') or None
    MAIL_TIMEOUT = float(os.environ.get('MAIL_TIMEOUT', 10))  # seconds, per connection and command

    # Stripe: without both keys priced bookings are paid on site and recorded by a manager.
    STRIPE_SECRET_KEY = os.environ.get('STRIPE_SECRET_KEY') or None
    STRIPE_WEBHOOK_SECRET = os.environ.get('STRIPE_WEBHOOK_SECRET') or None
    # Another Stripe-compatible server (tests, or trying the flow by hand with tests/payments/fake_stripe.py).
    STRIPE_API_BASE = os.environ.get('STRIPE_API_BASE') or None
    # The Strict-Transport-Security header: production only (development and tests run over plain HTTP).
    STRICT_TRANSPORT_SECURITY = None
    STRIPE_PAYMENT_METHOD_TYPES = [method.strip() for method in os.environ.get(
        'STRIPE_PAYMENT_METHOD_TYPES', 'card,alipay,wechat_pay').split(',') if method.strip()]
    # How long a priced booking is held while its booker pays online.
    PAYMENT_HOLD = timedelta(minutes=int(os.environ.get('PAYMENT_HOLD_MINUTES', 15)))
    # Progress reviews: the manager decides within this many working days of the review's opening.
    REVIEW_DUE_WORKING_DAYS = int(os.environ.get('REVIEW_DUE_WORKING_DAYS', 10))
    # Tolerance-for-failure cases: the filer may appeal within this many working days of the decision letter.
    CASE_APPEAL_WORKING_DAYS = int(os.environ.get('CASE_APPEAL_WORKING_DAYS', 15))
    # Reminders to a startup this many working days before a milestone's due date, and after it while unaccepted.
    REMINDER_WORKING_DAYS_BEFORE = int(os.environ.get('REMINDER_WORKING_DAYS_BEFORE', 3))
    REMINDER_WORKING_DAYS_AFTER = int(os.environ.get('REMINDER_WORKING_DAYS_AFTER', 1))

    @classmethod
    def init_app(cls, app):
        pass


class DevelopmentConfig(Config):
    DEBUG = True
    SERVER_NAME = os.environ.get('SERVER_NAME', '127.0.0.1:5000')
    PREFERRED_URL_SCHEME = os.environ.get('PREFERRED_URL_SCHEME', 'http')
    MAIL_LOG_BODY = _bool('MAIL_LOG_BODY', True)
    MAIL_BACKEND = os.environ.get('MAIL_BACKEND', 'console')

    @classmethod
    def init_app(cls, app):
        if not app.config.get('SECRET_KEY'):
            app.config['SECRET_KEY'] = _instance_secret_key(Path(app.instance_path))


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool('SESSION_COOKIE_SECURE', True)
    REMEMBER_COOKIE_SECURE = _bool('SESSION_COOKIE_SECURE', True)
    # Browsers keep to HTTPS for a year once they have seen the site; empty turns the header off.
    STRICT_TRANSPORT_SECURITY = os.environ.get('STRICT_TRANSPORT_SECURITY', 'max-age=31536000; includeSubDomains')

    @classmethod
    def init_app(cls, app):
        if not app.config.get('SECRET_KEY'):
            raise RuntimeError('SECRET_KEY must be set in the environment to run Wutong in production.')
        if not app.config.get('SERVER_NAME'):
            app.logger.warning('SERVER_NAME is not set: emails sent by scheduled jobs cannot contain links.')


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = 'testing-only-not-secret'
    SERVER_NAME = 'localhost'
    PREFERRED_URL_SCHEME = 'http'
    SQLALCHEMY_DATABASE_URI = os.environ.get('TEST_DATABASE_URL', 'sqlite://')
    WTF_CSRF_ENABLED = False
    MAIL_LOG_BODY = False
    # Tests point these at their own SMTP server on loopback.
    MAIL_BACKEND = 'smtp'
    MAIL_SERVER = '127.0.0.1'
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_TIMEOUT = 5
    # Cheap hashing keeps the suite fast; production keeps the parameters above.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 1024
    # No Stripe unless a test starts its fake server and sets the keys.
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_API_BASE = None


def _instance_secret_key(instance_dir):
    """Generate the development secret key once and keep it, so sessions survive restarts."""
    path = instance_dir / 'secret_key'
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


configs = {
    'development': DevelopmentConfig,
    'production': ProductionConfig,
    'testing': TestingConfig,
}


def config_from_environment():
    name = os.environ.get('WUTONG_ENV', 'production')
    try:
        return configs[name]
    except KeyError:
        raise RuntimeError(f'WUTONG_ENV must be one of {", ".join(configs)}, not {name!r}') from None
