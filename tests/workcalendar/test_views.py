"""The administrators' calendar pages: who may open them, what they change, and bad input refused clearly."""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEntry
from incubator.core.calendar import CalendarDay, CalendarYear, DayKind, working_deadline
from incubator.extensions import db
from incubator.startups.models import MembershipRole, StartupMembership
from tests.factories import StartupFactory, UserFactory

EN = {'Accept-Language': 'en'}


@pytest.fixture
def admin(app):
    return UserFactory(roles=['admin'], email='admin@example.com')


def calendar_state():
    days = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)).all()
    years = db.session.execute(sa.select(CalendarYear.year, CalendarYear.is_complete, CalendarYear.stamp)).all()
    return sorted(days), sorted(years)


def startup_owner():
    user = UserFactory()
    db.session.add(StartupMembership(startup=StartupFactory(), user=user, role=MembershipRole.owner))
    return user


@pytest.mark.parametrize('who', ['manager', 'committee', 'owner'])
@pytest.mark.parametrize('method, path', [
    ('GET', '/admin/calendar/'), ('GET', '/admin/calendar/2027'), ('POST', '/admin/calendar/2027'),
    ('POST', '/admin/calendar/2027/complete'), ('GET', '/admin/calendar/days/{day}'),
    ('POST', '/admin/calendar/days/{day}/delete'),
])
def test_only_administrators_may_open_the_calendar(client, login, who, method, path):
    login(startup_owner() if who == 'owner' else UserFactory(roles=[who]))
    day = db.session.execute(sa.select(CalendarDay.id).filter_by(day=date(2026, 10, 1))).scalar_one()
    before = calendar_state()
    response = client.open(path.format(day=day), method=method,
                           data={'day': '2027-10-01', 'kind': 'holiday', 'name': '国庆节'})
    assert response.status_code == 403
    assert calendar_state() == before


def test_visitors_are_sent_to_log_in(client):
    assert client.get('/admin/calendar/').status_code == 302


def test_an_administrator_enters_2027_and_its_deadlines_become_exact(client, login, admin):
    login(admin)
    page = client.get('/admin/calendar/', headers=EN).get_data(as_text=True)
    assert 'Working-day calendar' in page and '2027' in page and 'no complete data for 2027' in page
    assert 'chinesecalendar package' in page
    jobs = client.get('/admin/jobs/', headers=EN).get_data(as_text=True)
    assert 'no complete data for 2027' in jobs and '/admin/calendar/' in jobs
    assert working_deadline(date(2027, 9, 30), 2).estimated

    for day in range(1, 8):
        response = client.post('/admin/calendar/2027', data={'day': f'2027-10-0{day}', 'kind': 'holiday',
                                                                'name': '国庆节'})
        assert response.status_code == 302
    client.post('/admin/calendar/2027', data={'day': '2027-10-09', 'kind': 'make_up_workday', 'name': '国庆节'})
    page = client.get('/admin/calendar/2027', headers=EN).get_data(as_text=True)
    assert 'National Day' in page and 'Make-up working day' in page and 'Mark this year complete' in page
    assert client.post('/admin/calendar/2027/complete').status_code == 302

    deadline = working_deadline(date(2027, 9, 30), 2)
    assert deadline.at == date(2027, 10, 9) and not deadline.estimated
    year = db.session.get(CalendarYear, 2027)
    assert year.is_complete and year.confirmed_by == 'admin@example.com'
    assert 'no complete data' not in client.get('/admin/jobs/', headers=EN).get_data(as_text=True)
    audited = db.session.execute(sa.select(AuditEntry.object_type, AuditEntry.actor_label)).all()
    assert ('calendar_day', 'admin@example.com') in audited and ('calendar_year', 'admin@example.com') in audited


def test_a_day_is_corrected_and_removed(client, login, admin):
    login(admin)
    client.post('/admin/calendar/2027', data={'day': '2027-10-01', 'kind': 'holiday', 'name': 'National'})
    entry = db.session.execute(sa.select(CalendarDay).filter_by(day=date(2027, 10, 1))).scalar_one()
    entry_id = entry.id
    assert client.get(f'/admin/calendar/days/{entry_id}').status_code == 200
    response = client.post(f'/admin/calendar/days/{entry.id}',
                           data={'day': '2027-10-02', 'kind': 'holiday', 'name': '国庆节'})
    assert response.status_code == 302
    assert (entry.day, entry.name) == (date(2027, 10, 2), '国庆节')
    assert client.post(f'/admin/calendar/days/{entry_id}/delete').status_code == 302
    assert db.session.get(CalendarDay, entry_id) is None
    assert client.get(f'/admin/calendar/days/{entry_id}').status_code == 404


@pytest.mark.parametrize('data, message_en, message_zh', [
    ({'day': '', 'kind': 'holiday', 'name': '国庆节'}, 'Enter a date such as 2027-10-01.', '请输入日期'),
    ({'day': '2027-10-01', 'kind': 'holiday', 'name': '   '}, 'This field is required.', None),
    ({'day': '0001-01-01', 'kind': 'holiday', 'name': '国庆节'}, 'Enter a date between 2000 and 2100.',
     '请输入2000年至2100年之间的日期'),
    ({'day': '9999-12-31', 'kind': 'holiday', 'name': '国庆节'}, 'Enter a date between 2000 and 2100.',
     None),
    ({'day': '2027-13-45', 'kind': 'holiday', 'name': '国庆节'}, 'Enter a date such as 2027-10-01.', None),
    ({'day': '2027-10-01', 'kind': 'weekend', 'name': '国庆节'}, 'Not a valid choice', None),
    ({'day': '2027-10-01', 'kind': 'holiday', 'name': 'x' * 51}, 'At most 50 characters.', None),
    ({'day': '2027-10-04', 'kind': 'make_up_workday', 'name': '国庆节'}, 'falls on a Saturday or Sunday',
     '调休上班日应在周六或周日'),
    ({'day': '2026-10-01', 'kind': 'holiday', 'name': '国庆节'}, '2026-10-01 is already in the calendar',
     '已在日历中'),
])
def test_bad_input_is_refused_clearly_and_writes_nothing(client, login, admin, data, message_en, message_zh):
    login(admin)
    before = calendar_state()
    response = client.post('/admin/calendar/2027', data=data, headers=EN)
    assert response.status_code == 200
    assert message_en in response.get_data(as_text=True)
    if message_zh:
        chinese = client.post('/admin/calendar/2027', data=data, headers={'Accept-Language': 'zh-CN'})
        assert message_zh in chinese.get_data(as_text=True)
    assert calendar_state() == before


@pytest.mark.parametrize('data', [{'day': '2027-10-01', 'kind': 'holiday', 'name': 'Nat\x00ional'},
                                  {'day': '2027-10-01\x00', 'kind': 'holiday', 'name': '国庆节'}])
def test_nul_characters_are_refused_before_the_form_and_write_nothing(client, login, admin, data):
    login(admin)
    before = calendar_state()
    response = client.post('/admin/calendar/2027', data=data, headers=EN)
    assert response.status_code == 400
    assert 'NUL character' in response.get_data(as_text=True)
    assert calendar_state() == before


def test_years_outside_the_range_are_not_found(client, login, admin):
    login(admin)
    assert client.get('/admin/calendar/1').status_code == 404
    assert client.get('/admin/calendar/99999').status_code == 404
    assert client.post('/admin/calendar/9999/complete').status_code == 404


def test_a_year_cannot_be_completed_twice_and_can_be_reopened(client, login, admin):
    login(admin)
    client.post('/admin/calendar/2026/complete')
    assert db.session.get(CalendarYear, 2026).is_complete
    assert client.post('/admin/calendar/2026/reopen').status_code == 302
    assert working_deadline(date(2026, 9, 30), 1).estimated_years == (2026,)
    page = client.get('/admin/calendar/2026').get_data(as_text=True)
    assert '标记本年已完整' in page and '国庆节' in page


@pytest.mark.parametrize('lang, words', [('zh-CN', ['工作日历', '法定节假日', '调休上班日', '元旦']),
                                         ('en', ['Working-day calendar', 'Public holiday', 'Spring Festival'])])
def test_the_year_page_in_both_languages(client, login, admin, lang, words):
    login(admin)
    page = client.get('/admin/calendar/2025', headers={'Accept-Language': lang}).get_data(as_text=True)
    assert [word for word in words if word not in page] == []
    menu = client.get('/', headers={'Accept-Language': lang}).get_data(as_text=True)
    assert words[0] in menu  # the administration menu links to the calendar


def test_the_deadline_macro_shows_the_warning(app, admin):
    from flask import render_template_string
    from flask_login import login_user
    template = "{% from 'workcalendar/macros.html' import deadline with context %}{{ deadline(d) }}"
    with app.test_request_context(headers=EN):
        login_user(admin)
        estimated = render_template_string(template, d=working_deadline(date(2027, 9, 30), 2))
        exact = render_template_string(template, d=working_deadline(date(2026, 9, 30), 1))
    assert 'Estimated' in estimated and 'not entered yet' in estimated and '/admin/calendar/2027' in estimated
    assert 'Estimated' not in exact and 'Oct 8, 2026' in exact
    assert DayKind.holiday.label
