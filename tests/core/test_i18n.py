"""Templates' gettext: the catalogue is looked up once per rendering, with Jinja's newstyle behaviour."""
from contextlib import contextmanager

from flask import render_template_string
from flask_babel import force_locale, refresh

GREETING = "{{ _('Bookings of %(name)s', name=name) }}"
PLURAL = "{{ ngettext('up to %(num)d person', 'up to %(num)d people', count) }}"
EN = {'Accept-Language': 'en'}


@contextmanager
def request_in(app, headers=None):
    """A request of its own: Flask-Babel keeps the locale in ``g``, which the test's app context shares."""
    with app.test_request_context(headers=headers or {}):
        refresh()
        yield


def test_templates_translate_in_the_requests_language_and_escape_what_they_fill_in(app):
    with request_in(app, EN):
        assert render_template_string(GREETING, name='<b>A&B</b>') == 'Bookings of &lt;b&gt;A&amp;B&lt;/b&gt;'
    with request_in(app):                                        # Chinese by default
        assert render_template_string(GREETING, name='梧桐') == '梧桐的预约'


def test_plurals_take_the_number_as_num(app):
    with request_in(app, EN):
        assert render_template_string(PLURAL, count=1) == 'up to 1 person'
        assert render_template_string(PLURAL, count=3) == 'up to 3 people'
    with request_in(app):
        assert render_template_string(PLURAL, count=3) == '最多3人'


def test_a_rendering_inside_force_locale_uses_that_language_and_the_next_one_the_requests_again(app):
    """Mails are rendered in the recipient's language in the middle of someone else's request."""
    with request_in(app):
        with force_locale('en'):
            assert render_template_string(GREETING, name='X') == 'Bookings of X'
        assert render_template_string(GREETING, name='X') == 'X的预约'


def test_macros_imported_without_the_context_still_translate(app):
    template = app.jinja_env.from_string("{% macro greet(name) %}" + GREETING + "{% endmacro %}")
    with request_in(app, EN):
        assert str(template.module.greet('<i>')) == 'Bookings of &lt;i&gt;'


def test_a_string_without_variables_is_still_formatted_as_jinja_would(app):
    """A label with no variables skips the formatting only where it changes nothing: ``%%`` still reads ``%``."""
    with request_in(app, EN):
        assert render_template_string("{{ _('Month') }}") == 'Month'
        assert render_template_string("{{ _('100%% free') }}") == '100% free'
        assert render_template_string("{{ _('<b>kept</b>') }}") == '<b>kept</b>'
        assert render_template_string("{% autoescape false %}{{ _('50%%') }}{% endautoescape %}") == '50%'
