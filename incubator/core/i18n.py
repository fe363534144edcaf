"""Language codes: the app speaks of ``zh_CN`` and ``en``; Babel canonicalizes zh_CN as zh_Hans_CN.

Catalogues therefore live in ``translations/zh_Hans_CN``, while accounts, sessions
and the outbox store the configured codes of ``LANGUAGES``.
"""
from babel import Locale
from flask import current_app
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup


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


#: The template variable holding the rendering's catalogue.
_CATALOGUE = '_wutong_catalogue'


def install_template_gettext(app):
    """Templates' ``_()``, ``gettext`` and ``ngettext`` with the catalogue looked up once per rendering.

    Flask-Babel's callables find the request, its locale and the catalogue again at every call,
    inside Jinja's newstyle wrappers: ~30 µs per string, and a page translates 30 to 60. These
    behave like Jinja's newstyle ones (autoescaped, always %-formatted, ``num`` for plurals); the
    catalogue is the one of the locale in force when rendering starts (``force_locale`` for mails).
    """
    @app.context_processor
    def inject_catalogue():
        return {_CATALOGUE: get_translations()}

    def catalogue(context):
        return context.get(_CATALOGUE) or get_translations()

    def filled(context, text, variables):
        text = Markup(text) if context.eval_ctx.autoescape else text
        # Without a '%' the formatting changes nothing, and Markup's costs more than the lookup (labels in rows).
        return text % variables if variables or '%' in text else text

    @pass_context
    def gettext(context, string, **variables):
        return filled(context, catalogue(context).ugettext(string), variables)

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault('num', num)
        return filled(context, catalogue(context).ungettext(singular, plural, num), variables)

    app.jinja_env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext)
