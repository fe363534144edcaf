from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from incubator.auth.models import LoginAttempt
from incubator.extensions import db
from tests.factories import PASSWORD, UserFactory

EN = {'Accept-Language': 'en'}


def post_login(client, email, password, next_path=None, headers=EN):
    data = {'email': email, 'password': password}
    if next_path is not None:
        data['next'] = next_path
    return client.post('/login', data=data, headers=headers)


def test_login_with_correct_password_opens_the_dashboard(client):
    user = UserFactory(name='Li Qiang')
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers['Location'] == '/'
    page = client.get('/', headers=EN).get_data(as_text=True)
    assert 'Hello, Li Qiang' in page
    assert db.session.get(type(user), user.id).last_login_at is not None


def test_login_email_is_case_insensitive(client):
    UserFactory(email='mixed@example.com')
    assert post_login(client, '  MIXED@Example.com ', PASSWORD).status_code == 302


@pytest.mark.parametrize('email, password', [('user-x@example.com', 'wrong password'),
                                             ('nobody@example.com', PASSWORD)])
def test_login_failure_gives_one_message_and_records_the_attempt(client, email, password):
    UserFactory(email='user-x@example.com')
    response = post_login(client, email, password)
    assert response.status_code == 200
    assert 'The email or password is not correct' in response.get_data(as_text=True)
    assert client.get('/').status_code == 302
    attempts = db.session.execute(sa.select(LoginAttempt)).scalars().all()
    assert [(a.email, a.succeeded) for a in attempts] == [(email, False)]


def test_login_failure_message_in_chinese_by_default(client):
    response = post_login(client, 'nobody@example.com', 'whatever', headers={})
    assert '邮箱或密码不正确' in response.get_data(as_text=True)


def test_disabled_account_cannot_log_in(client):
    user = UserFactory(is_active=False)
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert client.get('/').status_code == 302


def test_disabling_an_account_ends_its_sessions(client, login):
    user = login(UserFactory())
    assert client.get('/').status_code == 200
    user.is_active = False
    user.invalidate_sessions()
    db.session.commit()
    assert client.get('/').status_code == 302


@pytest.mark.parametrize('next_path, expected', [
    ('/startups/', '/startups/'),
    ('/startups/?q=a%20b', '/startups/?q=a%20b'),
    ('//evil.example/', '/'),
    ('/\\evil.example/', '/'),
    ('\\/evil.example', '/'),
    ('https://evil.example/', '/'),
    ('http:/evil.example', '/'),
    ('javascript:alert(1)', '/'),
    ('/\t/evil.example', '/'),
    ('', '/'),
])
def test_next_only_redirects_to_a_path_on_this_site(client, next_path, expected):
    user = UserFactory()
    response = post_login(client, user.email, PASSWORD, next_path=next_path)
    assert response.status_code == 302
    assert response.headers['Location'] == expected


def test_login_page_keeps_next_from_the_redirect(client):
    response = client.get('/startups/')
    assert response.status_code == 302
    assert response.headers['Location'].startswith('/login?next=')
    page = client.get(response.headers['Location']).get_data(as_text=True)
    assert 'value="/startups/"' in page


def test_session_cookie_is_httponly_and_samesite(client):
    user = UserFactory()
    response = post_login(client, user.email, PASSWORD)
    cookie = next(value for value in response.headers.getlist('Set-Cookie') if value.startswith('session='))
    assert 'HttpOnly' in cookie
    assert 'SameSite=Lax' in cookie


def test_production_config_demands_a_secret_key_and_secure_cookies(monkeypatch):
    from config import ProductionConfig
    from incubator import create_app

    class NoKey(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match='SECRET_KEY'):
        create_app(NoKey)

    class WithKey(ProductionConfig):
        SECRET_KEY = 'x' * 40
        SQLALCHEMY_DATABASE_URI = 'sqlite://'

    app = create_app(WithKey)
    assert app.config['SESSION_COOKIE_SECURE'] is True
    assert app.config['REMEMBER_COOKIE_SECURE'] is True
    assert app.config['SESSION_COOKIE_HTTPONLY'] is True


def test_login_starts_a_new_session(client):
    """Whatever was in the session before login (a planted value) is gone after it."""
    user = UserFactory()
    with client.session_transaction() as session:
        session['planted'] = 'by an attacker'
    post_login(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        assert 'planted' not in session


def test_logout_needs_post_and_ends_the_session(client, login):
    login(UserFactory())
    assert client.get('/logout').status_code == 405
    assert client.post('/logout').status_code == 302
    assert client.get('/').status_code == 302


class TestThrottling:
    def fail(self, client, email, times, ip='10.0.0.1'):
        for _ in range(times):
            response = client.post('/login', data={'email': email, 'password': 'wrong password'},
                                   headers=EN, environ_base={'REMOTE_ADDR': ip})
            assert response.status_code == 200

    def test_five_failures_for_an_account_lock_it_even_with_the_right_password(self, client):
        user = UserFactory()
        self.fail(client, user.email, 5, ip='10.0.0.1')
        response = client.post('/login', data={'email': user.email, 'password': PASSWORD}, headers=EN,
                               environ_base={'REMOTE_ADDR': '10.0.0.99'})
        assert response.status_code == 429
        assert 'Too many failed logins' in response.get_data(as_text=True)
        assert client.get('/').status_code == 302

    def test_four_failures_still_let_the_right_password_in(self, client):
        user = UserFactory()
        self.fail(client, user.email, 4)
        response = client.post('/login', data={'email': user.email, 'password': PASSWORD},
                               environ_base={'REMOTE_ADDR': '10.0.0.1'})
        assert response.status_code == 302

    def test_five_failures_from_an_address_lock_that_address_for_every_account(self, client):
        victim = UserFactory()
        for n in range(5):
            self.fail(client, f'guess{n}@example.com', 1, ip='10.0.0.7')
        blocked = client.post('/login', data={'email': victim.email, 'password': PASSWORD}, headers=EN,
                              environ_base={'REMOTE_ADDR': '10.0.0.7'})
        assert blocked.status_code == 429
        elsewhere = client.post('/login', data={'email': victim.email, 'password': PASSWORD},
                                environ_base={'REMOTE_ADDR': '10.0.0.8'})
        assert elsewhere.status_code == 302

    def test_the_lock_lifts_after_fifteen_minutes(self, client):
        user = UserFactory()
        with time_machine.travel('2026-11-26 10:00:00+00:00', tick=False) as traveller:
            self.fail(client, user.email, 5)
            traveller.shift(timedelta(minutes=14))
            response = client.post('/login', data={'email': user.email, 'password': PASSWORD},
                                   environ_base={'REMOTE_ADDR': '10.0.0.1'})
            assert response.status_code == 429
            traveller.shift(timedelta(minutes=1, seconds=1))
            response = client.post('/login', data={'email': user.email, 'password': PASSWORD},
                                   environ_base={'REMOTE_ADDR': '10.0.0.1'})
            assert response.status_code == 302

    def test_throttled_message_in_chinese(self, client):
        user = UserFactory()
        self.fail(client, user.email, 5)
        response = client.post('/login', data={'email': user.email, 'password': PASSWORD},
                               environ_base={'REMOTE_ADDR': '10.0.0.1'})
        assert '登录失败次数过多' in response.get_data(as_text=True)


def test_a_session_loads_its_user_roles_and_startups_in_one_statement(app, count_queries):
    """Every page's permission checks read them: one round trip, whatever the user belongs to."""
    from incubator import _load_user
    from tests.factories import MembershipFactory, StartupFactory, member_of
    first, second = StartupFactory(), StartupFactory()
    user = member_of(first, roles=['manager', 'committee'])
    MembershipFactory(startup=second, user=user)
    member_of(second)                                  # someone else's membership is not loaded
    db.session.commit()
    session_id, names = user.get_id(), {first.name, second.name}
    db.session.remove()
    db.session.execute(sa.select(1))                   # a transaction already begun, as in a request

    with count_queries() as counter:
        loaded = _load_user(session_id)
        roles = {role.value for role in loaded.roles}
        startups = {(membership.startup.name, membership.startup.status.value) for membership in loaded.memberships}
    assert counter.count == 1, counter.statements
    assert roles == {'manager', 'committee'}
    assert startups == {(name, 'incubating') for name in names}
    assert _load_user(f'{loaded.id}:{loaded.session_version + 1}') is None   # an ended session
