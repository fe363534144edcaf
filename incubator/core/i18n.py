"""Language codes: the app speaks of ``zh_CN`` and ``en``; Babel canonicalizes zh_CN as zh_Hans_CN.

Catalogues therefore live in ``translations/zh_Hans_CN``, while accounts, sessions
and the outbox store the configured codes of ``LANGUAGES``.
"""
from babel import Locale
from flask import current_app
from flask_babel import get_locale


def language_code(locale):
    """The configured code (``zh_CN`` or ``en``) for a Babel locale or locale string."""
    locale = Locale.parse(locale) if isinstance(locale, str) else locale
    for code in current_app.config['LANGUAGES']:
        if Locale.parse(code) == locale:
            return code
    for code in current_app.config['LANGUAGES']:
        if Locale.parse(code).language == locale.language:
            return code
    return current_app.config['BABEL_DEFAULT_LOCALE']


def current_language():
    return language_code(get_locale())
