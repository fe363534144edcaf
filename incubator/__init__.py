"""Wutong: incubator and maker-space management."""
import functools
import importlib
import logging
from pathlib import Path

from flask import Flask, request, session
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from incubator.extensions import babel, bootstrap, csrf, db, login_manager, migrate

PROJECT_DIR = Path(__file__).resolve().parent.parent

#: The domains, each below the ones after it: the one list to extend when a domain is added (README: "Adding a domain").
DOMAINS = ('scheduling', 'notifications', 'auth', 'workcalendar', 'users', 'sites', 'attachments', 'startups', 'spaces',
           'committees',
           'booking', 'payments', 'projects', 'projects.reviews', 'cases', 'cases.precedents', 'greenchannel',
           'greenchannel.aftercare', 'audit', 'dashboard')


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in routes: ids beyond a database integer are simply not found (404, not 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault('max', 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config=None):
    """Build the app: extensions, the domains (see ``DOMAINS``), error handlers, CLI, in that order."""
    from config import config_from_environment

    config = config or config_from_environment()
    app = Flask(__name__, instance_path=config.INSTANCE_PATH,
                template_folder=str(PROJECT_DIR / 'templates'),
                static_folder=str(PROJECT_DIR / 'static'))
    app.url_map.converters['int'] = DatabaseIdConverter
    app.config.from_object(config)
    _configure_logging(app)  # before anything logs: Flask would give its logger a handler of its own (twice told)
    config.init_app(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _init_domains(app)
    _register_template_helpers(app)
    _register_security_headers(app)

    from incubator.core.errors import register_error_handlers
    register_error_handlers(app)

    from incubator.cli import register_cli
    register_cli(app)
    return app


def _configure_logging(app):
    if not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    logging.getLogger('incubator').setLevel(logging.INFO)


def _init_extensions(app):
    from incubator.core import db as core_db
    from incubator.core import i18n, params, transactions

    db.init_app(app)
    with app.app_context():
        core_db.configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / 'migrations'), render_as_batch=True,
                     compare_type=True)
    params.init_app(app)  # before CSRF: a NUL character is refused with its own message
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / 'translations'))
    i18n.install_template_gettext(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = 'auth.login'
    login_manager.login_message_category = 'info'
    login_manager.session_protection = 'basic'
    from flask_babel import lazy_gettext as _l
    login_manager.login_message = _l('Please log in to see this page.')
    transactions.init_app(app)
    from incubator.core import audit, calendar  # noqa: F401 (register their models)


def _init_domains(app):
    """Each domain registers its models, blueprints, permission rules, jobs, notification kinds and CLI commands."""
    for name in DOMAINS:
        importlib.import_module(f'incubator.{name}').init_app(app)


def select_locale():
    """The account's saved language, else the one chosen this session, else Accept-Language."""
    from flask import current_app, has_request_context
    languages = current_app.config['LANGUAGES']
    if not has_request_context():
        return current_app.config['BABEL_DEFAULT_LOCALE']
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get('locale') in languages:
        return session['locale']
    return request.accept_languages.best_match(languages) or current_app.config['BABEL_DEFAULT_LOCALE']


@functools.cache
def _user_statement():
    """One statement, built once (its SQL and cache key then cost nothing per request): the user with what every
    page reads of them, the roles and startup memberships its permission checks ask, its bell's unread count and,
    on a GET, the count of the unread notifications leading to this page (to be marked read; ``links`` defaults to
    none, as a refresh of the expired user after a commit runs these expressions again without parameters)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import joinedload, with_expression

    from incubator.auth.models import User
    from incubator.notifications.queries import unread_count_of
    from incubator.startups.models import StartupMembership
    return (sa.select(User).where(User.id == sa.bindparam('user_id'))
            .options(joinedload(User.role_rows), joinedload(User.memberships).joinedload(StartupMembership.startup),
                     with_expression(User.loaded_unread_count, unread_count_of(User.id)),
                     with_expression(User.loaded_opened_count,
                                     unread_count_of(User.id, sa.bindparam('links', [], expanding=True)))))


@login_manager.user_loader
def _load_user(session_id):
    from flask import has_request_context

    from incubator.notifications.queries import links_to_this_page
    user_id, _, version = session_id.partition(':')
    if not user_id.isdigit() or not version.isdigit() or len(user_id) > 9:
        return None
    links = links_to_this_page() if has_request_context() and request.method == 'GET' else []
    user = db.session.execute(_user_statement(), {'user_id': int(user_id), 'links': links}).unique()\
        .scalar_one_or_none()
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def _register_template_helpers(app):
    from incubator.core import formatting
    from incubator.core.calendar import holiday_name
    from incubator.core.fragments import render_kept
    from incubator.core.i18n import current_language
    from incubator.core.permissions import can

    @app.context_processor
    def inject_helpers():
        # The user is looked up once per rendering, not through Flask-Login's proxy on every check (a list asks
        # one or two per row).
        user = current_user._get_current_object()
        return {
            'can': lambda action, obj=None: can(user, action, obj),
            'current_locale': current_language(),
            'languages': app.config['LANGUAGES'],
        }

    app.jinja_env.globals['kept_fragment'] = render_kept
    app.jinja_env.filters['localdatetime'] = formatting.local_datetime
    app.jinja_env.filters['localdate'] = formatting.local_date
    app.jinja_env.filters['localmonth'] = formatting.local_month
    app.jinja_env.filters['yuan'] = formatting.yuan
    app.jinja_env.filters['sitedatetime'] = formatting.site_datetime
    app.jinja_env.filters['sitetime'] = formatting.site_time
    app.jinja_env.filters['sitedate'] = formatting.site_date
    app.jinja_env.filters['siteperiod'] = formatting.site_period
    app.jinja_env.filters['hours'] = formatting.hours
    app.jinja_env.filters['listing'] = formatting.listing
    app.jinja_env.filters['zonename'] = formatting.zone_name
    app.jinja_env.filters['otherzone'] = formatting.other_zone
    app.jinja_env.filters['holidayname'] = holiday_name


_STATIC_ENDPOINTS = {'static', 'bootstrap.static'}


def _register_security_headers(app):
    """Domains add the origins their forms may be answered with (a payment provider's checkout page) to
    ``app.extensions['wutong.form_action_sources']``: functions giving an origin or None."""
    sources = app.extensions.setdefault('wutong.form_action_sources', [])
    policy = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "font-src 'self'; frame-ancestors 'none'; form-action 'self'{checkout}; base-uri 'self'")

    @app.after_request
    def set_security_headers(response):
        checkout = ''.join(f' {origin}' for origin in (source() for source in sources) if origin)
        response.headers.setdefault('Content-Security-Policy', policy.format(checkout=checkout))
        response.headers.setdefault('X-Content-Type-Options', 'nosniff')
        response.headers.setdefault('X-Frame-Options', 'DENY')
        response.headers.setdefault('Referrer-Policy', 'same-origin')
        if app.config.get('STRICT_TRANSPORT_SECURITY'):
            response.headers.setdefault('Strict-Transport-Security', app.config['STRICT_TRANSPORT_SECURITY'])
        # What a signed-in person sees is theirs: no browser or proxy may keep it (the back button after
        # logging out, a shared computer). Static files stay cacheable, and are checked before the user is loaded.
        if request.endpoint not in _STATIC_ENDPOINTS and current_user.is_authenticated:
            response.headers['Cache-Control'] = 'no-store'
        return response
