from datetime import UTC, datetime, timedelta

import time_machine

from incubator.auth.models import User
from incubator.extensions import db
from tests.conftest import link_in
from tests.factories import PASSWORD, UserFactory

EN = {'Accept-Language': 'en'}
NEW_PASSWORD = 'a much better password'


def ask_reset(client, email, headers=EN):
    return client.post('/password/forgot', data={'email': email}, headers=headers)


def test_reset_by_emailed_link(client, outbox):
    user = UserFactory(email='forgetful@example.com')
    response = ask_reset(client, 'Forgetful@Example.com')
    assert response.status_code == 302
    [email] = outbox('forgetful@example.com')
    assert email.subject == 'Reset your Wutong password'
    link = link_in(email, '/password/reset/')
    assert client.get(link).status_code == 200
    response = client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get('/').status_code == 200
    user = db.session.get(User, user.id)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)


def test_unknown_email_gets_the_same_answer_and_no_mail(client, outbox):
    UserFactory(email='someone@example.com')
    known = ask_reset(client, 'someone@example.com')
    unknown = ask_reset(client, 'nobody@example.com')
    assert known.status_code == unknown.status_code == 302
    assert [e.recipient for e in outbox()] == ['someone@example.com']


def test_disabled_account_gets_no_reset_mail(client, outbox):
    UserFactory(email='gone@example.com', is_active=False)
    ask_reset(client, 'gone@example.com')
    assert outbox() == []


def test_reset_link_works_once(client, outbox):
    UserFactory(email='once@example.com')
    ask_reset(client, 'once@example.com')
    link = link_in(outbox()[0], '/password/reset/')
    client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    client.post('/logout')
    again = client.post(link, data={'password': 'yet another password', 'confirm': 'yet another password'},
                        headers=EN)
    assert again.status_code == 404
    assert 'invalid or has expired' in again.get_data(as_text=True)


def test_reset_link_expires_after_two_hours(client, outbox):
    user = UserFactory(email='late@example.com')
    with time_machine.travel('2026-11-26 08:00:00+00:00', tick=False) as traveller:
        ask_reset(client, 'late@example.com')
        link = link_in(outbox()[0], '/password/reset/')
        traveller.shift(timedelta(hours=2, minutes=1))
        response = client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert response.status_code == 404
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_tampered_token_is_refused(client, outbox):
    UserFactory(email='t@example.com')
    ask_reset(client, 't@example.com')
    link = link_in(outbox()[0], '/password/reset/')
    assert client.get(link[:-3] + 'abc').status_code == 404
    assert client.get('/password/reset/not-a-token').status_code == 404


def test_reset_logs_out_other_sessions(app, client, login, outbox):
    user = UserFactory(email='both@example.com')
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session['_user_id'] = user.get_id()
    assert other_device.get('/').status_code == 200
    ask_reset(client, 'both@example.com')
    link = link_in(outbox()[0], '/password/reset/')
    client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert other_device.get('/').status_code == 302
    assert client.get('/').status_code == 200


def test_reset_email_uses_the_accounts_language(client, outbox):
    UserFactory(email='zh@example.com', locale='zh_CN')
    ask_reset(client, 'zh@example.com', headers=EN)
    [email] = outbox()
    assert email.locale == 'zh_CN'
    assert email.subject == '重置您的梧桐密码'


def test_change_password_needs_the_current_one(client, login):
    user = login(UserFactory())
    wrong = client.post('/account/password', headers=EN, data={
        'current_password': 'not it', 'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert wrong.status_code == 200
    assert 'The current password is not correct.' in wrong.get_data(as_text=True)
    right = client.post('/account/password', data={
        'current_password': PASSWORD, 'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert right.status_code == 302
    assert client.get('/').status_code == 200
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


class TestThrottling:
    """Like logins: each request mails someone, so an account and an address are limited per window."""

    def ask(self, client, email, ip, headers=EN):
        return client.post('/password/forgot', data={'email': email}, headers=headers,
                           environ_base={'REMOTE_ADDR': ip})

    def test_five_requests_for_an_account_then_it_waits(self, client, outbox):
        UserFactory(email='target@example.com')
        for n in range(5):
            assert self.ask(client, 'target@example.com', f'10.0.0.{n}').status_code == 302
        response = self.ask(client, 'Target@example.com', '10.0.0.99')
        assert response.status_code == 429
        assert 'Too many password reset requests' in response.get_data(as_text=True)
        assert len(outbox('target@example.com')) == 5

    def test_five_requests_from_an_address_then_it_waits(self, client, outbox):
        UserFactory(email='other@example.com')
        for n in range(5):
            assert self.ask(client, f'nobody{n}@example.com', '10.0.0.1').status_code == 302
        assert self.ask(client, 'other@example.com', '10.0.0.1').status_code == 429
        assert outbox('other@example.com') == []
        assert self.ask(client, 'other@example.com', '10.0.0.2').status_code == 302

    def test_the_window_passes(self, app, client, outbox):
        UserFactory(email='patient@example.com')
        with time_machine.travel(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), tick=False) as traveller:
            for _ in range(5):
                self.ask(client, 'patient@example.com', '10.0.0.1')
            assert self.ask(client, 'patient@example.com', '10.0.0.1').status_code == 429
            traveller.shift(app.config['LOGIN_THROTTLE_WINDOW'] + timedelta(seconds=1))
            assert self.ask(client, 'patient@example.com', '10.0.0.1').status_code == 302
        assert len(outbox('patient@example.com')) == 6

    def test_throttled_message_in_chinese(self, client):
        for _ in range(5):
            self.ask(client, 'someone@example.com', '10.0.0.1', headers={})
        assert '重置密码的请求过多' in self.ask(client, 'someone@example.com', '10.0.0.1', headers={}).get_data(
            as_text=True)
