from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from incubator import PROJECT_DIR
from incubator.auth.models import User
from incubator.extensions import db
from tests.factories import UserFactory

CATALOGUES = PROJECT_DIR / 'incubator' / 'translations'


@pytest.mark.parametrize('accept, expected', [
    (None, '登录'),
    ('zh-CN,zh;q=0.9,en;q=0.5', '登录'),
    ('zh', '登录'),
    ('en-US,en;q=0.9', 'Log in'),
    ('fr-FR', '登录'),
])
def test_accept_language_decides_for_visitors(client, accept, expected):
    headers = {'Accept-Language': accept} if accept else {}
    page = client.get('/login', headers=headers).get_data(as_text=True)
    assert f'<h1 class="h4 mb-3">{expected}' in page


def test_html_lang_attribute_follows_the_language(client):
    assert '<html lang="zh-CN">' in client.get('/login').get_data(as_text=True)
    assert '<html lang="en">' in client.get('/login', headers={'Accept-Language': 'en'}).get_data(as_text=True)


def test_saved_language_beats_accept_language(client, login):
    login(UserFactory(locale='en', name='Zhang'))
    page = client.get('/', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
    assert 'Hello, Zhang' in page


def test_switching_language_is_saved_on_the_account(client, login):
    user = login(UserFactory(locale=None))
    response = client.post('/language', data={'locale': 'en', 'next': '/startups/'})
    assert response.status_code == 302
    assert response.headers['Location'] == '/startups/'
    assert db.session.get(User, user.id).locale == 'en'
    assert 'My startups' in client.get('/startups/', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)


def test_visitor_language_choice_is_kept_in_the_session(client):
    client.post('/language', data={'locale': 'en'})
    assert 'Log in to Wutong' in client.get('/login', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)


def test_unknown_language_changes_nothing(client, login):
    user = login(UserFactory(locale='zh_CN'))
    response = client.post('/language', data={'locale': 'xx', 'next': '//evil.example'})
    assert response.status_code == 302
    assert response.headers['Location'] == '/'
    assert db.session.get(User, user.id).locale == 'zh_CN'


def test_form_messages_in_both_languages(client):
    zh = client.post('/login', data={'email': 'not-an-email', 'password': ''}).get_data(as_text=True)
    assert '请输入有效的邮箱地址。' in zh
    assert '此项为必填项。' in zh
    en = client.post('/login', data={'email': 'not-an-email', 'password': ''},
                     headers={'Accept-Language': 'en'}).get_data(as_text=True)
    assert 'Enter a valid email address.' in en
    assert 'This field is required.' in en


def test_times_are_shown_in_the_site_timezone(client, login):
    from datetime import datetime
    admin = UserFactory(roles=['admin'])
    UserFactory(name='Night Owl', last_login_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    login(admin)
    page = client.get('/admin/users/', headers={'Accept-Language': 'en'}).get_data(as_text=True)
    assert 'Mar 2, 2026 12:30' in page  # 16:30 UTC is 00:30 the next day in Shanghai


def _messages(locale):
    with open(CATALOGUES / locale / 'LC_MESSAGES' / 'messages.po', 'rb') as file:
        return [message for message in read_po(file) if message.id]


@pytest.mark.parametrize('locale', ['zh_Hans_CN', 'en'])
def test_every_message_is_translated(locale):
    missing = [message.id for message in _messages(locale)
               if not all(message.string if isinstance(message.string, tuple) else (message.string,))
               or 'fuzzy' in message.flags]
    assert missing == []


def test_english_counts_with_plural_forms_not_brackets():
    """"1 item(s)" reads as a form, not a sentence: ngettext, or words that fit one and many."""
    bracketed = [message.id for message in _messages('en') if message.id and '(s)' in str(message.id)]
    assert bracketed == []


def test_catalogues_hold_every_message_of_the_template():
    with open(CATALOGUES / 'messages.pot', 'rb') as file:
        template = {message.id for message in read_po(file) if message.id}
    for locale in ('zh_Hans_CN', 'en'):
        assert template <= {message.id for message in _messages(locale)}, locale


def test_placeholders_survive_translation():
    import re
    pattern = re.compile(r'%\(\w+\)[sd]')
    for message in _messages('zh_Hans_CN'):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(pattern.findall(ids[-1]))
        for string in strings:
            assert sorted(pattern.findall(string)) == expected, message.id


def test_the_template_holds_every_message_of_the_code():
    """``make update-catalogues`` was run after the last change of a user-facing string."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    sources = (('incubator', [('**.py', 'python')]),
               ('templates', [('**.html', 'jinja2'), ('**.txt', 'jinja2')]))
    in_code = set()

    def searched(path):  # Babel's default skips directories starting with _, such as templates/_macros
        return not Path(path).name.startswith('.') and Path(path).name != '__pycache__'

    for directory, method_map in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(PROJECT_DIR / directory, method_map,
                                                                            keywords=keywords,
                                                                            directory_filter=searched):
            in_code.add(message if isinstance(message, str) else message[0])
    with open(CATALOGUES / 'messages.pot', 'rb') as file:
        template = {message.id if isinstance(message.id, str) else message.id[0]
                    for message in read_po(file) if message.id}
    assert sorted(in_code - template) == []
