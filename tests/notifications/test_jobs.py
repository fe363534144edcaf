"""The outbox job, run the way the scheduler runs it."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import time_machine

from incubator.extensions import db
from incubator.notifications.email import queue_email
from incubator.notifications.models import EmailStatus, OutboxEmail
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.registry import get_job, load_jobs
from incubator.scheduling.runner import run_job

NOON = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


def queue(recipient='li.lei@example.com'):
    email = queue_email(recipient, 'auth/password_reset', 'en', user=SimpleNamespace(name='Li Lei'),
                        token='t', hours=2)
    db.session.commit()
    return email.id


def test_the_job_is_registered_every_minute_and_may_overlap():
    job = load_jobs()['notifications.send_emails']
    assert job.trigger == {'trigger': 'interval', 'minutes': 1}
    assert job.once_per_period is False
    assert job.period(NOON) == '2026-11-02T12:00'


def test_the_job_sends_through_the_runner_and_counts(app, smtp):
    queue(), queue('han.meimei@example.com')

    run = run_job('notifications.send_emails')

    assert run.outcome == RunOutcome.succeeded
    assert run.counts == {'sent': 2, 'failed': 0, 'retry': 0}
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ['han.meimei@example.com', 'li.lei@example.com']
    again = run_job('notifications.send_emails')  # same minute: runs again, sends nothing twice
    assert again.outcome == RunOutcome.succeeded
    assert again.counts == {'sent': 0, 'failed': 0, 'retry': 0}
    assert len(smtp.received) == 2


def test_with_the_server_down_the_job_succeeds_and_keeps_the_mail(app, smtp_server):
    with time_machine.travel(NOON, tick=False) as traveller:
        email_id = queue()
        run = run_job('notifications.send_emails')
        assert run.outcome == RunOutcome.succeeded
        assert run.counts == {'sent': 0, 'failed': 0, 'retry': 1}
        email = db.session.get(OutboxEmail, email_id)
        assert (email.status, email.attempts, email.next_attempt_at) == (
            EmailStatus.pending, 1, NOON + timedelta(minutes=1))

        smtp_server.start()
        traveller.shift(timedelta(minutes=1))
        assert run_job('notifications.send_emails').counts == {'sent': 1, 'failed': 0, 'retry': 0}
        assert run_job('notifications.send_emails').counts == {'sent': 0, 'failed': 0, 'retry': 0}
    assert len(smtp_server.received) == 1
    db.session.expire_all()
    assert db.session.get(OutboxEmail, email_id).status == EmailStatus.sent


def test_get_job_finds_it_with_a_description_in_both_languages(app):
    from flask_babel import force_locale
    job = get_job('notifications.send_emails')
    assert not job.once_per_period
    with force_locale('en'):
        assert str(job.description) == 'Send the due emails of the outbox, retrying failed ones with backoff.'
    with force_locale('zh_CN'):
        assert str(job.description) == '发送发件箱中到期的邮件，失败的邮件按退避间隔重试。'
