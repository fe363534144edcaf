import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from incubator.auth.models import LoginAttempt
from incubator.extensions import db
from incubator.notifications.email import queue_email
from incubator.notifications.models import OutboxEmail
from incubator.scheduling import registry
from incubator.scheduling.models import JobClaim, JobRun, RunOutcome
from incubator.scheduling.runner import run_job
from incubator.scheduling.scheduler import build_trigger, catch_up, missed_fire_time
from tests.factories import UserFactory

calls = []


@pytest.fixture
def digest_job():
    """A once-per-period job whose effect is one email per period; it can be told to fail or dawdle."""
    behaviour = {'fail': False, 'pause': 0.0}

    @registry.job('test.digest', trigger={'trigger': 'cron', 'hour': 9, 'minute': 0})
    def digest(period, now):
        """Send the daily digest."""
        calls.append(period)
        queue_email('digest@example.com', 'auth/password_reset', 'en', user=UserFactory.build(name='D'),
                    token=f'digest-{period}', hours=1)
        time.sleep(behaviour['pause'])
        if behaviour['fail']:
            raise RuntimeError('the digest broke')
        return {'emails': 1}

    yield behaviour
    registry.unregister('test.digest')
    calls.clear()


def effects():
    return db.session.execute(sa.select(sa.func.count()).select_from(OutboxEmail)).scalar_one()


def outcomes():
    return sorted(run.outcome.value for run in db.session.execute(sa.select(JobRun)).scalars())


def test_a_period_takes_effect_once(app, digest_job):
    first = run_job('test.digest', period='2026-11-26')
    second = run_job('test.digest', period='2026-11-26')
    assert (first.outcome, second.outcome) == (RunOutcome.succeeded, RunOutcome.skipped)
    assert first.counts == {'emails': 1}
    assert effects() == 1
    run_job('test.digest', period='2026-11-27')
    assert effects() == 2


def test_default_period_is_the_current_day_in_shanghai(app, digest_job):
    run = run_job('test.digest', now=datetime(2026, 11, 26, 17, 30, tzinfo=UTC))
    assert run.period_key == '2026-11-27'


def test_a_failed_run_is_recorded_rolls_back_and_can_be_retried(app, digest_job):
    digest_job['fail'] = True
    failed = run_job('test.digest', period='2026-11-26')
    assert failed.outcome == RunOutcome.failed
    assert 'the digest broke' in failed.error
    assert failed.finished_at is not None
    assert effects() == 0
    assert db.session.execute(sa.select(JobClaim)).first() is None
    digest_job['fail'] = False
    assert run_job('test.digest', period='2026-11-26').outcome == RunOutcome.succeeded
    assert effects() == 1


def test_two_schedulers_firing_at_the_same_moment_give_one_effect(app, digest_job):
    """Two APScheduler instances, as two scheduler processes would, fire the job at one instant."""
    digest_job['pause'] = 0.3
    fire_at = datetime.now(UTC) + timedelta(seconds=1)
    done = threading.Barrier(3, timeout=30)

    def fire():
        with app.app_context():
            try:
                run_job('test.digest', period='2026-Q4')
            finally:
                db.session.remove()
                done.wait()

    schedulers = [BackgroundScheduler(timezone='UTC') for _ in range(2)]
    for scheduler in schedulers:
        scheduler.add_job(fire, DateTrigger(run_date=fire_at), id='test.digest')
        scheduler.start()
    try:
        done.wait()
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
    db.session.expire_all()
    assert effects() == 1
    assert calls.count('2026-Q4') >= 1
    assert outcomes() == ['skipped', 'succeeded']


def test_missed_fire_time_is_caught_up_once(app, digest_job):
    trigger = build_trigger({'trigger': 'cron', 'hour': 9, 'minute': 0})
    morning = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai: today's run not due
    assert missed_fire_time(trigger, morning) == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    later = datetime(2026, 11, 26, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
    assert missed_fire_time(trigger, later) == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)

    jobs = {'test.digest': registry.get_job('test.digest')}
    catch_up(app, jobs, now=later)
    catch_up(app, jobs, now=later)
    assert effects() == 1
    assert db.session.execute(sa.select(JobClaim.period_key)).scalars().all() == ['2026-11-26']


def test_purge_forgets_old_login_attempts(app):
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    db.session.add_all([
        LoginAttempt(email='old@example.com', ip_address='1.1.1.1', succeeded=False,
                     attempted_at=now - timedelta(days=2)),
        LoginAttempt(email='new@example.com', ip_address='1.1.1.1', succeeded=False,
                     attempted_at=now - timedelta(hours=1)),
    ])
    db.session.commit()
    run = run_job('housekeeping.purge', now=now)
    assert run.outcome == RunOutcome.succeeded
    assert run.counts['login_attempts'] == 1
    assert db.session.execute(sa.select(LoginAttempt.email)).scalars().all() == ['new@example.com']


def test_cli_lists_and_runs_jobs(app, digest_job):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=['jobs', 'list'])
    assert listing.exit_code == 0
    assert 'test.digest' in listing.output and 'housekeeping.purge' in listing.output
    result = runner.invoke(args=['jobs', 'run', 'test.digest', '--period', '2026-11-26'])
    assert result.exit_code == 0, result.output
    assert 'test.digest 2026-11-26: succeeded' in result.output
    again = runner.invoke(args=['jobs', 'run', 'test.digest', '--period', '2026-11-26'])
    assert 'skipped' in again.output
    unknown = runner.invoke(args=['jobs', 'run', 'no.such.job'])
    assert unknown.exit_code != 0
    digest_job['fail'] = True
    failed = runner.invoke(args=['jobs', 'run', 'test.digest', '--period', '2026-11-28'])
    assert failed.exit_code == 1


def test_admin_sees_runs_and_failures(app, client, login, digest_job):
    digest_job['fail'] = True
    run_job('test.digest', period='2026-11-26')
    login(UserFactory(roles=['admin']))
    page = client.get('/admin/jobs/', headers={'Accept-Language': 'en'})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'the digest broke' in text and 'test.digest' in text
    filtered = client.get('/admin/jobs/?outcome=succeeded').get_data(as_text=True)
    assert 'the digest broke' not in filtered


@pytest.mark.parametrize('roles', [['manager'], ['committee'], []])
def test_only_admins_see_jobs(client, login, roles):
    login(UserFactory(roles=roles))
    assert client.get('/admin/jobs/').status_code == 403


def test_changes_made_by_a_job_are_audited_as_the_job(app):
    from incubator.core.audit import AuditEntry
    from incubator.sites.models import Site

    @registry.job('test.open_site', trigger={'trigger': 'cron', 'hour': 6})
    def open_site(period, now):
        db.session.add(Site(name=f'Opened {period}'))
        return {'sites': 1}

    try:
        run_job('test.open_site', period='2026-11-26')
    finally:
        registry.unregister('test.open_site')
    entry = db.session.execute(sa.select(AuditEntry).filter_by(object_type='site')).scalar_one()
    assert (entry.actor_label, entry.summary) == ('job:test.open_site', 'Opened 2026-11-26')


@pytest.mark.parametrize('trigger, english, chinese', [
    ({'trigger': 'interval', 'minutes': 1}, 'every minute', '每分钟'),
    ({'trigger': 'interval', 'minutes': 5}, 'every 5 minutes', '每5分钟'),
    ({'trigger': 'interval', 'hours': 1}, 'every hour', '每小时'),
    ({'trigger': 'cron', 'minute': 5}, 'every hour at minute 5', '每小时第5分钟'),
    ({'trigger': 'cron', 'hour': 3, 'minute': 17}, 'every day at 03:17', '每天03:17'),
    ({'trigger': 'cron', 'day_of_week': 'mon', 'hour': 8, 'minute': 0}, 'day_of_week=mon hour=8 minute=0 (cron)',
     'day_of_week=mon hour=8 minute=0 (cron)'),
])
def test_schedules_are_told_in_words_in_both_languages(app, trigger, english, chinese):
    from flask_babel import force_locale

    from incubator.scheduling.registry import describe_trigger
    with force_locale('en'):
        assert describe_trigger(trigger) == english
    with force_locale('zh_Hans_CN'):
        assert describe_trigger(trigger) == chinese


def test_jobs_page_tells_the_schedule_in_words(app, client, login):
    login(UserFactory(roles=['admin']))
    text = client.get('/admin/jobs/', headers={'Accept-Language': 'en'}).get_data(as_text=True)
    assert 'every day at 03:17' in text and 'minute=' not in text


@pytest.mark.parametrize('key, english, chinese', [
    ('2026-12-07', 'Dec 7, 2026', '2026年12月7日'),
    ('2026-12-07T22', 'Dec 7, 2026, 10:00\u202fPM–11:00\u202fPM', '2026年12月7日 22:00–23:00'),
    ('2026-12-07T23', 'Dec 7, 2026, 11:00\u202fPM–12:00\u202fAM', '2026年12月7日 23:00–00:00'),
    ('2026-12-07T09:05', 'Dec 7, 2026 9:05\u202fAM', '2026年12月7日 09:05'),
    ('2026-12', 'December 2026', '2026年12月'),
    ('2026-Q4', 'Q4 2026', '2026年第4季度'),
    ('2026-13-45', '2026-13-45', '2026-13-45'),
    ('manual-rerun', 'manual-rerun', 'manual-rerun'),
])
def test_periods_are_told_in_words_in_both_languages(app, key, english, chinese):
    from flask_babel import force_locale

    from incubator.scheduling.registry import describe_period
    with force_locale('en'):
        assert describe_period(key) == english
    with force_locale('zh_Hans_CN'):
        assert describe_period(key) == chinese


def test_jobs_page_tells_the_current_period_in_words(app, client, login):
    login(UserFactory(roles=['admin']))
    text = client.get('/admin/jobs/', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
    assert re.search(r'\d{4}-\d{2}-\d{2}', text.split('<tbody>')[1].split('</tbody>')[0]) is None
