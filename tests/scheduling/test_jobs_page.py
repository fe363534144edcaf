"""The jobs page for people: each job named and described in the reader's language, its schedule in words,
and runs that did nothing folded into one line."""
import re
from datetime import UTC, datetime, timedelta

import pytest

from incubator.extensions import db
from incubator.scheduling.models import JobRun, RunOutcome
from incubator.scheduling.queries import IdleRuns, fold_idle_runs
from incubator.scheduling.registry import load_jobs
from tests.factories import UserFactory

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def add_run(name, minutes, counts=None, outcome=RunOutcome.succeeded, error=None):
    run = JobRun(job_name=name, period_key=f'2026-12-01T10:{minutes:02d}', started_at=T0 + timedelta(minutes=minutes),
                 finished_at=T0 + timedelta(minutes=minutes, seconds=1), outcome=outcome, counts=counts, error=error)
    db.session.add(run)
    db.session.commit()
    return run


def test_every_job_has_a_chinese_title_and_description(app):
    from flask_babel import force_locale
    with force_locale('zh_Hans_CN'):
        for job in load_jobs().values():
            if job.name.startswith('test.'):
                continue
            for text in (str(job.title), str(job.description)):
                assert re.search(r'[\u4e00-\u9fff]', text), (job.name, text)
                assert not re.search(r'[A-Za-z]{4,}', text.replace('Stripe', '')), (job.name, text)


def test_every_count_a_job_reports_is_named_in_chinese(app):
    """Each job once, on an empty programme (the counts are there with zeros): every key it reports has a label."""
    from flask_babel import force_locale

    from incubator.scheduling.runner import run_job
    from incubator.scheduling.views import COUNT_LABELS
    keys = set()
    for job in load_jobs().values():
        if not job.name.startswith('test.'):
            run = run_job(job.name)
            assert run.outcome == RunOutcome.succeeded, (job.name, run.error)
            keys |= set(run.counts or {})
    assert keys and keys <= set(COUNT_LABELS), keys - set(COUNT_LABELS)
    with force_locale('zh_Hans_CN'):
        assert all(re.search(r'[\u4e00-\u9fff]', str(COUNT_LABELS[key])) for key in keys)


def test_the_page_names_jobs_in_chinese_with_schedules_in_words(client, login):
    login(UserFactory(roles=['admin']))
    add_run('booking.release_no_shows', 1, counts={'released': 2})
    page = client.get('/admin/jobs/', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
    assert '释放未签到预约' in page and '每分钟' in page and '每天03:17' in page
    assert '>booking.release_no_shows<' not in page and '<code>' not in page


def test_runs_that_did_nothing_fold_into_one_line(client, login):
    for minute in range(5):
        add_run('booking.release_no_shows', minute, counts={'released': 0})
    add_run('booking.release_no_shows', 5, counts={'released': 3})
    add_run('booking.release_no_shows', 6, counts={'released': 0})
    add_run('booking.release_no_shows', 7, outcome=RunOutcome.failed, error='the database went away')
    add_run('projects.open_reviews', 8, outcome=RunOutcome.skipped)
    login(UserFactory(roles=['admin']))
    english = client.get('/admin/jobs/', headers={'Accept-Language': 'en'}).get_data(as_text=True)
    assert '5 runs that did nothing' in english and 'released: 3' in english
    assert 'the database went away' in english
    assert english.count('released: 0') == 1  # the lone idle run at 10:06 stays a row of its own
    chinese = client.get('/admin/jobs/', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
    assert '5次运行无事可做' in chinese and '已释放：3' in chinese and 'released' not in chinese


@pytest.mark.parametrize('runs, shape', [
    ([('a', 0), ('a', 0), ('b', 0), ('a', 1)], ['idle:a:2', 'run:b', 'run:a']),
    ([('a', 1), ('a', 0), ('a', 0), ('a', 0)], ['run:a', 'idle:a:3']),
    ([], []),
])
def test_folding_keeps_order_and_jobs_apart(app, runs, shape):
    built = [JobRun(job_name=name, period_key='p', outcome=RunOutcome.succeeded, counts={'n': count})
             for name, count in runs]
    folded = fold_idle_runs(built)
    assert [f'idle:{item.job_name}:{len(item.runs)}' if isinstance(item, IdleRuns) else f'run:{item.job_name}'
            for item in folded] == shape
