"""Sending the outbox through a real SMTP server on loopback: formats, retries, backoff, claiming."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session

from incubator.extensions import db
from incubator.notifications.delivery import BACKOFF_MINUTES, MAX_ATTEMPTS, backoff, send_due_emails
from incubator.notifications.email import queue_email
from incubator.notifications.models import EmailStatus, OutboxEmail

NOON = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def queue(recipient='li.lei@example.com', locale='en', name='Li Lei', token='secret-token-123'):
    """A password-reset email in the outbox, committed like the request that wrote it."""
    email = queue_email(recipient, 'auth/password_reset', locale, user=SimpleNamespace(name=name),
                        token=token, hours=2)
    db.session.commit()
    return email.id


def stored(email_id):
    db.session.expire_all()
    return db.session.get(OutboxEmail, email_id)


def send(now=None, **kwargs):
    counts = send_due_emails(now, **kwargs)
    db.session.commit()
    return counts


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def test_a_queued_email_arrives_as_text_and_html_with_a_chinese_subject(app, smtp, frozen):
    email_id = queue('wang.min@example.com', locale='zh_CN', name='王敏')
    subject = stored(email_id).subject
    assert subject == '重置您的梧桐密码'

    assert send() == {'sent': 1, 'failed': 0, 'retry': 0}

    [received] = smtp.received
    assert received.rcpt_tos == ['wang.min@example.com']
    assert received.mail_from == 'noreply@wutong.local'
    headers = received.raw.split(b'\r\n\r\n', 1)[0]
    assert headers.isascii()  # the Chinese subject travels RFC 2047-encoded
    assert b'=?utf-8?' in headers
    message = received.message
    assert message['Subject'] == subject
    assert message['To'] == 'wang.min@example.com'
    assert message['From'] == 'Wutong <noreply@wutong.local>'
    assert message['Message-ID'].startswith(f'<outbox.{email_id}.') and message['Message-ID'].endswith('@wutong.local>')
    assert message['Date'].datetime == NOON
    assert message['Content-Language'] == 'zh-CN'
    assert message.get_content_type() == 'multipart/alternative'
    text, html = message.iter_parts()
    assert text.get_content_type() == 'text/plain' and text.get_content_charset() == 'utf-8'
    assert html.get_content_type() == 'text/html' and html.get_content_charset() == 'utf-8'
    assert '王敏，您好：' in text.get_content()
    assert 'http://localhost/password/reset/secret-token-123' in text.get_content()
    assert '王敏' in html.get_content()
    assert '<a href="http://localhost/password/reset/secret-token-123">' in html.get_content()

    email = stored(email_id)
    assert email.status == EmailStatus.sent
    assert email.sent_at == NOON
    assert email.attempts == 1


def test_an_english_email_stays_readable_on_the_wire(app, smtp):
    queue(locale='en')
    send()
    [received] = smtp.received
    assert received.message['Subject'] == 'Reset your Wutong password'
    text = received.message.get_body(('plain',))
    assert text['Content-Transfer-Encoding'] in ('7bit', 'quoted-printable')  # not base64: plain to read
    assert text.get_content().startswith('Hello Li Lei,')


def test_smtp_down_then_up_delivers_exactly_once(app, smtp_server, frozen):
    email_id = queue()

    counts = send()  # nobody listens on the port yet

    assert counts == {'sent': 0, 'failed': 0, 'retry': 1}
    email = stored(email_id)
    assert email.status == EmailStatus.pending
    assert email.attempts == 1
    assert email.next_attempt_at == NOON + timedelta(minutes=1)
    assert 'Connection refused' in email.last_error or 'ConnectionRefusedError' in email.last_error
    assert email.sent_at is None

    smtp_server.start()
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}  # not due yet
    assert smtp_server.received == []

    frozen.shift(timedelta(minutes=1))
    assert send() == {'sent': 1, 'failed': 0, 'retry': 0}
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}
    frozen.shift(timedelta(hours=5))
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}

    assert len(smtp_server.received) == 1
    email = stored(email_id)
    assert email.status == EmailStatus.sent
    assert email.attempts == 2
    assert email.sent_at == NOON + timedelta(minutes=1)


def test_an_unreachable_server_stops_the_batch_and_leaves_the_rest_as_they_were(app, smtp_server, frozen):
    first, second, third = queue('a@example.com'), queue('b@example.com'), queue('c@example.com')

    assert send() == {'sent': 0, 'failed': 0, 'retry': 1}

    assert stored(first).attempts == 1
    for email_id in (second, third):
        email = stored(email_id)
        assert (email.status, email.attempts, email.next_attempt_at) == (EmailStatus.pending, 0, NOON)
    smtp_server.start()
    assert send() == {'sent': 2, 'failed': 0, 'retry': 0}
    frozen.shift(timedelta(minutes=1))
    assert send() == {'sent': 1, 'failed': 0, 'retry': 0}
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ['a@example.com', 'b@example.com',
                                                                  'c@example.com']


def test_a_server_closing_the_session_mid_batch_stops_it(app, smtp, frozen):
    smtp.refuse['b@example.com'] = '421 4.3.2 Shutting down'
    first, second, third = queue('a@example.com'), queue('b@example.com'), queue('c@example.com')

    assert send() == {'sent': 1, 'failed': 0, 'retry': 1}

    assert stored(first).status == EmailStatus.sent
    email = stored(second)
    assert (email.status, email.attempts) == (EmailStatus.pending, 1)
    assert '421 4.3.2 Shutting down' in email.last_error
    assert (stored(third).attempts, stored(third).next_attempt_at) == (0, NOON)


def test_nothing_due_means_no_connection(app, smtp_server, frozen, monkeypatch):
    from incubator.notifications.delivery import SMTPTransport

    def refuse_to_connect(self):
        raise AssertionError('connected with nothing to send')
    monkeypatch.setattr(SMTPTransport, 'open', refuse_to_connect)
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}
    email_id = queue()
    email = stored(email_id)
    email.next_attempt_at = NOON + timedelta(minutes=5)
    db.session.commit()
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}


def test_sending_twice_sends_nothing_twice(app, smtp):
    ids = [queue(f'user{n}@example.com') for n in range(3)]
    assert send() == {'sent': 3, 'failed': 0, 'retry': 0}
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}
    assert len(smtp.received) == 3
    assert len({r.message['Message-ID'] for r in smtp.received}) == 3
    assert all(stored(email_id).status == EmailStatus.sent for email_id in ids)


def test_oldest_first_and_at_most_the_limit_per_batch(app, smtp):
    ids = [queue(f'user{n}@example.com') for n in range(3)]
    assert send(limit=2) == {'sent': 2, 'failed': 0, 'retry': 0}
    assert [r.rcpt_tos[0] for r in smtp.received] == ['user0@example.com', 'user1@example.com']
    assert stored(ids[2]).status == EmailStatus.pending
    send(limit=2)
    assert smtp.received[-1].rcpt_tos == ['user2@example.com']


def test_a_permanently_refused_recipient_fails_at_once_and_the_batch_goes_on(app, smtp, frozen):
    smtp.refuse['nobody@example.com'] = '550 5.1.1 No such user here'
    refused, accepted = queue('nobody@example.com'), queue('somebody@example.com')

    assert send() == {'sent': 1, 'failed': 1, 'retry': 0}

    email = stored(refused)
    assert email.status == EmailStatus.failed
    assert email.attempts == 1
    assert '550 5.1.1 No such user here' in email.last_error
    assert stored(accepted).status == EmailStatus.sent
    frozen.shift(timedelta(days=30))
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}


def test_a_temporarily_refused_recipient_is_retried_with_backoff(app, smtp, frozen):
    smtp.refuse['busy@example.com'] = '451 4.2.1 Mailbox busy, try later'
    email_id = queue('busy@example.com')

    assert send() == {'sent': 0, 'failed': 0, 'retry': 1}
    frozen.shift(timedelta(minutes=1))
    assert send() == {'sent': 0, 'failed': 0, 'retry': 1}
    email = stored(email_id)
    assert email.attempts == 2
    assert email.next_attempt_at == NOON + timedelta(minutes=1 + 5)
    assert '451 4.2.1 Mailbox busy' in email.last_error

    del smtp.refuse['busy@example.com']
    frozen.shift(timedelta(minutes=4))
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}
    frozen.shift(timedelta(minutes=1))
    assert send() == {'sent': 1, 'failed': 0, 'retry': 0}


def test_backoff_grows_and_the_email_is_given_up_after_max_attempts(app, smtp_server, frozen):
    assert [backoff(n) for n in range(1, 5)] == [timedelta(minutes=m) for m in (1, 5, 15, 60)]
    assert backoff(MAX_ATTEMPTS + 5) == timedelta(minutes=BACKOFF_MINUTES[-1])
    assert MAX_ATTEMPTS == 10
    email_id = queue()

    for attempt in range(1, MAX_ATTEMPTS):
        assert send() == {'sent': 0, 'failed': 0, 'retry': 1}
        email = stored(email_id)
        assert email.attempts == attempt
        frozen.move_to(email.next_attempt_at)
    assert send() == {'sent': 0, 'failed': 1, 'retry': 0}

    email = stored(email_id)
    assert email.status == EmailStatus.failed
    assert email.attempts == MAX_ATTEMPTS
    smtp_server.start()
    frozen.shift(timedelta(days=30))
    assert send() == {'sent': 0, 'failed': 0, 'retry': 0}
    assert smtp_server.received == []


def test_errors_and_logs_hold_neither_the_password_nor_the_body(app, smtp, mail_logs, monkeypatch):
    caplog = mail_logs
    monkeypatch.setitem(app.config, 'MAIL_USERNAME', 'wutong')
    monkeypatch.setitem(app.config, 'MAIL_PASSWORD', 'hunter2-smtp-password')
    email_id = queue(token='secret-token-in-the-body')

    assert send() == {'sent': 0, 'failed': 0, 'retry': 1}  # this server offers no AUTH

    email = stored(email_id)
    assert 'AUTH' in email.last_error
    assert f'Email {email_id} (auth/password_reset) to li.lei@example.com not sent (try 1)' in caplog.text
    for secret in ('hunter2-smtp-password', 'secret-token-in-the-body'):
        assert secret not in email.last_error
        assert secret not in caplog.text

    monkeypatch.setitem(app.config, 'MAIL_USERNAME', None)
    monkeypatch.setitem(app.config, 'MAIL_PASSWORD', None)
    send(now=email.next_attempt_at)
    assert len(smtp.received) == 1
    assert 'secret-token-in-the-body' not in caplog.text


def test_the_console_backend_logs_and_marks_sent(app, mail_logs, monkeypatch):
    caplog = mail_logs
    monkeypatch.setitem(app.config, 'MAIL_BACKEND', 'console')
    quiet = queue(token='token-kept-quiet')
    caplog.clear()
    assert send() == {'sent': 1, 'failed': 0, 'retry': 0}
    assert stored(quiet).status == EmailStatus.sent
    assert f'Email {quiet} to li.lei@example.com: Reset your Wutong password' in caplog.text
    assert 'token-kept-quiet' not in caplog.text

    queue(token='token-for-the-developer')
    monkeypatch.setitem(app.config, 'MAIL_LOG_BODY', True)
    caplog.clear()
    send()
    assert 'token-for-the-developer' in caplog.text


@pytest.mark.parametrize('setting, value', [('MAIL_BACKEND', 'carrier-pigeon'), ('MAIL_USE_SSL', True)])
def test_a_wrong_setting_fails_loudly_and_touches_nothing(app, smtp, monkeypatch, setting, value):
    monkeypatch.setitem(app.config, 'MAIL_USE_TLS', True)
    monkeypatch.setitem(app.config, setting, value)
    email_id = queue()
    with pytest.raises(ValueError):
        send_due_emails()
    db.session.rollback()
    email = stored(email_id)
    assert (email.status, email.attempts) == (EmailStatus.pending, 0)


def test_two_senders_at_once_never_take_the_same_email(app, smtp, backend):
    if backend != 'postgresql':
        pytest.skip('row locks: on SQLite the second sender waits for the write lock instead')
    ids = [queue(f'user{n}@example.com') for n in range(3)]
    with Session(db.engine) as other_sender:
        held = other_sender.execute(
            sa.select(OutboxEmail).order_by(OutboxEmail.id).limit(1).with_for_update(skip_locked=True)
        ).scalars().all()
        assert [email.id for email in held] == ids[:1]

        assert send() == {'sent': 2, 'failed': 0, 'retry': 0}
        other_sender.rollback()
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ['user1@example.com', 'user2@example.com']
    assert stored(ids[0]).status == EmailStatus.pending
    send()
    assert smtp.received[-1].rcpt_tos == ['user0@example.com']


def test_on_sqlite_a_second_sender_waits_for_the_first(app, smtp, backend):
    if backend != 'sqlite':
        pytest.skip('SQLite only')
    queue()
    impatient = sa.create_engine(db.engine.url, connect_args={'timeout': 0.1})  # its own, short busy timeout
    try:
        with impatient.connect() as other_sender:
            send_due_emails()  # holds the write lock until the commit below
            with pytest.raises(sa.exc.OperationalError, match='locked'):
                other_sender.execute(sa.update(OutboxEmail).where(sa.false()).values(attempts=0))
            other_sender.rollback()
            db.session.commit()
            other_sender.execute(sa.update(OutboxEmail).where(sa.false()).values(attempts=0))
            other_sender.rollback()
    finally:
        impatient.dispose()
    assert len(smtp.received) == 1
