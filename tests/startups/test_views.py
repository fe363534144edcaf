"""Registering and editing startups over HTTP, as an incubator manager."""
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.startups.models import Startup, StartupStatus, Tier
from tests.factories import SiteFactory, StartupFactory, UserFactory, make_credit_code

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}

VALID_CODE = make_credit_code(4242)
# A valid code with another check character: the only defect is the last character.
WRONG_CHECK = VALID_CODE[:17] + ('0' if VALID_CODE[17] != '0' else '1')
COLUMNS = ('name', 'credit_code', 'tier', 'site_id', 'admitted_on', 'status', 'contact_name', 'contact_phone',
           'contact_email', 'description', 'updated_at')


@pytest.fixture
def manager(login):
    return login(UserFactory(roles=['manager'], name='Mia Manager'))


@pytest.fixture
def site(app):
    return SiteFactory(name='Qianhai Hub')


def form_data(site, **overrides):
    data = {'name': 'Acme Robotics', 'credit_code': VALID_CODE, 'tier': 'accelerator', 'site_id': str(site.id),
            'admitted_on': '2026-03-01', 'status': 'incubating', 'contact_name': 'Li Lei',
            'contact_phone': '+86 (755) 8888-0000', 'contact_email': 'li@acme.example', 'description': 'Robots.'}
    data.update(overrides)
    return data


def startup_count():
    return db.session.execute(sa.select(sa.func.count()).select_from(Startup)).scalar_one()


def field_errors(html, field):
    """The error messages Bootstrap-Flask renders under ``field``."""
    for block in html.split('<div class="mb-3')[1:]:
        if f'name="{field}"' in block:
            return [message.strip() for message in re.findall(r'class="invalid-feedback[^"]*">(.*?)</div>', block,
                                                               re.S)]
    raise AssertionError(f'no field {field!r} in the page')


def snapshot(startup_id):
    db.session.expire_all()
    startup = db.session.get(Startup, startup_id)
    return {column: getattr(startup, column) for column in COLUMNS}


# --- registering ------------------------------------------------------------------

def test_the_form_renders(client, manager, site):
    response = client.get('/startups/new', headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'Register a startup' in body
    assert f'<option value="{site.id}">Qianhai Hub</option>' in body


def test_a_valid_registration_creates_one_startup_and_shows_it(client, manager, site):
    messy_code = f'  {VALID_CODE.lower()} '

    response = client.post('/startups/new', data=form_data(site, name='  Acme Robotics ', credit_code=messy_code),
                           headers=EN)

    assert response.status_code == 302
    startups = db.session.execute(sa.select(Startup)).scalars().all()
    assert len(startups) == 1
    startup = startups[0]
    assert urlsplit(response.headers['Location']).path == f'/startups/{startup.id}'
    assert startup.credit_code == VALID_CODE
    assert startup.name == 'Acme Robotics'
    assert startup.tier == Tier.accelerator
    assert startup.site_id == site.id
    assert startup.admitted_on == date(2026, 3, 1)
    assert startup.status == StartupStatus.incubating
    assert startup.contact_phone == '+86 (755) 8888-0000'
    assert startup.contact_email == 'li@acme.example'

    page = client.get(response.headers['Location'], headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'The startup Acme Robotics has been registered.' in body
    assert VALID_CODE in body


def test_registration_message_in_chinese(client, manager, site):
    response = client.post('/startups/new', data=form_data(site), headers=ZH)
    assert response.status_code == 302
    body = client.get(response.headers['Location'], headers=ZH).get_data(as_text=True)
    assert '入驻企业Acme Robotics已登记。' in body


def test_optional_fields_may_be_left_empty(client, manager, site):
    response = client.post('/startups/new', data=form_data(site, contact_email='', description=''))
    assert response.status_code == 302
    startup = db.session.execute(sa.select(Startup)).scalar_one()
    assert startup.contact_email is None
    assert startup.description is None


BAD_INPUTS = [
    pytest.param({'credit_code': WRONG_CHECK}, 'credit_code',
                 'The last character (the check character) does not match: please check the code for a typo.',
                 id='wrong check character'),
    pytest.param({'credit_code': VALID_CODE[:17]}, 'credit_code',
                 'A unified social credit code has exactly 18 characters.', id='17 characters'),
    pytest.param({'credit_code': VALID_CODE + '0'}, 'credit_code',
                 'A unified social credit code has exactly 18 characters.', id='19 characters'),
    *[pytest.param({'credit_code': VALID_CODE[:9] + letter + VALID_CODE[10:]}, 'credit_code',
                   'A unified social credit code uses only digits and capital letters other than I, O, S, V and Z.',
                   id=f'letter {letter} in code') for letter in 'IOZ'],
    pytest.param({'credit_code': '9144AB00000042420X'}, 'credit_code',
                 'Characters 3 to 8 of a unified social credit code are the digits of the region code.',
                 id='letters in region code'),
    pytest.param({'credit_code': ''}, 'credit_code', 'This field is required.', id='missing code'),
    pytest.param({'name': ''}, 'name', 'This field is required.', id='missing name'),
    pytest.param({'name': '   '}, 'name', 'This field is required.', id='blank name'),
    pytest.param({'contact_name': ' \t '}, 'contact_name', 'This field is required.', id='blank contact name'),
    pytest.param({'name': 'N' * 101}, 'name', 'At most 100 characters.', id='name of 101 characters'),
    pytest.param({'site_id': 'abc'}, 'site_id', 'Invalid Choice: could not coerce.', id='site id abc'),
    pytest.param({'site_id': '99999'}, 'site_id', 'Not a valid choice.', id='unknown site'),
    pytest.param({'admitted_on': '2026-13-45'}, 'admitted_on', 'Not a valid date value.', id='malformed date'),
    pytest.param({'admitted_on': ''}, 'admitted_on', 'Enter a date such as 2026-03-01.', id='missing date'),
    pytest.param({'admitted_on': '1999-12-31'}, 'admitted_on', 'Enter a date between 2000 and 2100.',
                 id='date before 2000'),
    pytest.param({'contact_phone': '0755-CALL-NOW'}, 'contact_phone',
                 'Enter a phone number with digits, spaces, +, - or brackets.', id='phone with letters'),
    pytest.param({'contact_email': 'not-an-email'}, 'contact_email', 'Enter a valid email address.',
                 id='bad email'),
    pytest.param({'tier': 'unicorn'}, 'tier', 'Not a valid choice.', id='unknown tier'),
]


@pytest.mark.parametrize('overrides, field, message', BAD_INPUTS)
def test_a_bad_registration_re_renders_the_form_and_creates_nothing(client, manager, site, overrides, field,
                                                                     message):
    response = client.post('/startups/new', data=form_data(site, **overrides), headers=EN)

    stored = db.session.execute(sa.select(Startup.name, Startup.contact_name)).all()
    assert response.status_code == 200, f'the form was accepted and stored (name, contact_name) = {stored}'
    body = response.get_data(as_text=True)
    assert 'Register a startup' in body
    assert message in field_errors(body, field)
    assert startup_count() == 0


def test_a_duplicate_credit_code_is_refused(client, manager, site):
    StartupFactory(site=site, name='First Holder', credit_code=VALID_CODE)

    response = client.post('/startups/new', data=form_data(site, credit_code=f' {VALID_CODE.lower()}'),
                           headers=EN)

    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), 'credit_code') == [
        f'A startup with the credit code {VALID_CODE} is already registered.']
    assert db.session.execute(sa.select(Startup.name)).scalars().all() == ['First Holder']


@pytest.mark.parametrize('overrides, field, message', [
    ({'credit_code': WRONG_CHECK}, 'credit_code', '最后一位（校验码）不符，请检查代码是否输入有误。'),
    ({'name': ''}, 'name', '此项为必填项。'),
    ({'contact_phone': '0755-CALL-NOW'}, 'contact_phone', '电话号码只能包含数字、空格、+、- 或括号。'),
])
def test_form_messages_in_chinese(client, manager, site, overrides, field, message):
    response = client.post('/startups/new', data=form_data(site, **overrides), headers=ZH)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '登记入驻企业' in body
    assert field_errors(body, field) == [message]
    assert startup_count() == 0


def test_duplicate_message_in_chinese(client, manager, site):
    StartupFactory(site=site, credit_code=VALID_CODE)
    response = client.post('/startups/new', data=form_data(site), headers=ZH)
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), 'credit_code') == [
        f'统一社会信用代码为{VALID_CODE}的企业已登记。']
    assert startup_count() == 1


def test_an_inactive_site_cannot_be_chosen_for_a_new_startup(client, manager, site):
    closed = SiteFactory(name='Closed Campus', is_active=False)
    response = client.post('/startups/new', data=form_data(closed), headers=EN)
    assert response.status_code == 200
    assert 'Not a valid choice.' in field_errors(response.get_data(as_text=True), 'site_id')
    assert startup_count() == 0


# --- editing ------------------------------------------------------------------

@pytest.fixture
def startup(site):
    return StartupFactory(site=site, name='Acme Robotics', credit_code=VALID_CODE, tier=Tier.accelerator,
                          admitted_on=date(2026, 3, 1), contact_name='Li Lei',
                          contact_phone='+86 (755) 8888-0000', contact_email='li@acme.example',
                          description='Robots.')


def test_the_edit_form_is_filled_in(client, manager, startup):
    response = client.get(f'/startups/{startup.id}/edit', headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'Edit Acme Robotics' in body
    assert f'value="{VALID_CODE}"' in body
    assert 'value="2026-03-01"' in body


def test_a_valid_edit_is_saved(client, manager, site, startup):
    other_site = SiteFactory(name='Other Site')
    new_code = make_credit_code(777)

    response = client.post(f'/startups/{startup.id}/edit', headers=EN, data=form_data(
        site, name='Acme Robotics Ltd', credit_code=new_code.lower(), site_id=str(other_site.id),
        status='graduated', contact_email=''))

    assert response.status_code == 302
    assert urlsplit(response.headers['Location']).path == f'/startups/{startup.id}'
    saved = snapshot(startup.id)
    assert saved['name'] == 'Acme Robotics Ltd'
    assert saved['credit_code'] == new_code
    assert saved['site_id'] == other_site.id
    assert saved['status'] == StartupStatus.graduated
    assert saved['contact_email'] is None
    assert startup_count() == 1
    body = client.get(response.headers['Location'], headers=EN).get_data(as_text=True)
    assert 'The startup Acme Robotics Ltd has been saved.' in body


def test_saving_a_startup_with_its_own_code_is_not_a_duplicate(client, manager, site, startup):
    response = client.post(f'/startups/{startup.id}/edit', data=form_data(site, description='New text.'))
    assert response.status_code == 302
    assert snapshot(startup.id)['description'] == 'New text.'


@pytest.mark.parametrize('overrides, field, message', BAD_INPUTS)
def test_a_bad_edit_changes_nothing(client, manager, site, startup, overrides, field, message):
    before = snapshot(startup.id)
    # Every other field changes too: none of it may be saved.
    data = form_data(site, name='Renamed', contact_name='Someone Else', description='Changed.', status='exited')
    data.update(overrides)

    response = client.post(f'/startups/{startup.id}/edit', data=data, headers=EN)

    assert response.status_code == 200, f'the edit was accepted: {before} became {snapshot(startup.id)}'
    assert message in field_errors(response.get_data(as_text=True), field)
    assert snapshot(startup.id) == before


def test_an_edit_to_a_code_already_used_changes_nothing(client, manager, site, startup):
    other = StartupFactory(site=site, name='Other Startup')
    before = snapshot(startup.id)

    response = client.post(f'/startups/{startup.id}/edit', headers=EN,
                           data=form_data(site, name='Renamed', credit_code=other.credit_code.lower()))

    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True), 'credit_code') == [
        f'A startup with the credit code {other.credit_code} is already registered.']
    assert snapshot(startup.id) == before


def test_an_edit_may_keep_an_inactive_site(client, manager, startup):
    closed = SiteFactory(name='Closed Campus', is_active=False)
    startup.site = closed
    db.session.commit()
    response = client.post(f'/startups/{startup.id}/edit', data=form_data(closed, name='Still Here'))
    assert response.status_code == 302
    assert snapshot(startup.id)['name'] == 'Still Here'


# --- addresses that name no startup ------------------------------------------------

@pytest.mark.parametrize('method, path', [
    ('GET', '/startups/99999'),
    ('GET', '/startups/99999/edit'),
    ('POST', '/startups/99999/edit'),
    ('GET', '/startups/99999/members/invite'),
    ('POST', '/startups/99999/members/1/remove'),
    ('GET', '/startups/abc'),
    ('GET', '/startups/abc/edit'),
    ('POST', '/startups/abc/edit'),
    ('GET', '/startups/1.5'),
    ('GET', '/startups/-1'),
    ('GET', '/startups/0'),
    ('GET', '/startups/%20'),
    ('GET', '/startups/1%00'),
    ('GET', '/startups/99999999999999999999'),
    ('GET', '/startups/99999999999999999999/edit'),
    ('GET', '/startups/9223372036854775808'),
    ('GET', '/startups/2147483648'),
])
def test_an_unknown_or_malformed_startup_id_is_404(client, manager, site, method, path):
    response = client.open(path, method=method, data=form_data(site), headers=EN)
    assert response.status_code == 404, f'{method} {path} answered {response.status_code}, not 404'
    assert 'The page you asked for does not exist, or you may not see it.' in response.get_data(as_text=True)
    assert startup_count() == 0


def test_404_page_in_chinese(client, manager):
    response = client.get('/startups/99999', headers=ZH)
    assert response.status_code == 404
    assert '您访问的页面不存在，或您无权查看。' in response.get_data(as_text=True)


# --- cost of the list ------------------------------------------------------------

def test_the_list_runs_as_many_statements_for_30_startups_as_for_3(client, manager, count_queries):
    StartupFactory.create_batch(3)
    with count_queries() as few:
        response = client.get('/startups/')
    assert response.status_code == 200

    StartupFactory.create_batch(27)
    names = db.session.execute(sa.select(Startup.name)).scalars().all()
    with count_queries() as many:
        response = client.get('/startups/')
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert len(names) == 30 and all(name in body for name in names)

    assert few.count > 0
    assert many.count == few.count, many.statements


def test_startup_list_is_paginated(client, login):
    site = SiteFactory()
    StartupFactory.create_batch(60, site=site)
    login(UserFactory(roles=['manager']))
    first = client.get('/startups/', headers={'Accept-Language': 'en'}).get_data(as_text=True)
    second = client.get('/startups/?page=2', headers={'Accept-Language': 'en'}).get_data(as_text=True)
    beyond = client.get('/startups/?page=99')
    names = [f'>{s.name}</a>' for s in db.session.query(Startup).order_by(Startup.name, Startup.id)]
    assert names[0] in first and names[49] in first and names[50] not in first
    assert names[50] in second and names[59] in second and names[0] not in second
    assert '60 startups' in first
    assert beyond.status_code == 200
