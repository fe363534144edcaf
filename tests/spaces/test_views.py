"""Managers set up spaces, blackouts, certifications and free quotas over HTTP (a site's hours: tests/sites)."""
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from incubator.extensions import db
from incubator.sites.models import SiteClosure, SiteOpeningHours
from incubator.spaces.models import Blackout, Certification, Space, SpaceKind, TierQuota, UserCertification
from incubator.startups.models import Tier
from tests.factories import CertificationFactory, SiteFactory, SpaceFactory, StartupFactory, UserFactory, member_of

EN = {'Accept-Language': 'en'}
SPACE_COLUMNS = ('site_id', 'name', 'kind', 'capacity', 'description', 'hourly_price_fen', 'daily_price_fen',
                 'min_booking_minutes', 'max_booking_minutes', 'booking_horizon_days', 'cancellation_cutoff_hours',
                 'requires_approval', 'requires_check_in', 'certification_id', 'is_active', 'updated_at')


@pytest.fixture
def site(app):
    return SiteFactory(name='Qianhai Hub')


@pytest.fixture
def manager(login):
    return login(UserFactory(roles=['manager'], name='Mia Manager'))


@pytest.fixture
def june_manager(login):
    """A manager logged in on 1 June 2026 (Shanghai), when the test runs."""
    with time_machine.travel(datetime(2026, 6, 1, 4, tzinfo=UTC), tick=False):
        yield login(UserFactory(roles=['manager'], name='Mia Manager'))


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def snapshot(space_id):
    db.session.expire_all()
    space = db.session.get(Space, space_id)
    return {column: getattr(space, column) for column in SPACE_COLUMNS}


def body(response):
    return response.get_data(as_text=True)


def field_errors(html, field):
    """The error messages rendered under the input named ``field``."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(field)}"', html)
    assert match, f'no field {field!r} in the page'
    rest = html[match.end():]
    following = re.search(r'<(?:input|select|textarea) ', rest)
    rest = rest[:following.start()] if following else rest
    return [message.strip() for message in re.findall(r'class="invalid-feedback[^"]*">(.*?)</div>', rest, re.S)]


def space_data(site, **overrides):
    data = {'site_id': str(site.id), 'name': 'Meeting room A', 'kind': 'meeting_room', 'capacity': '8',
            'description': 'Screen and whiteboard.', 'hourly_price_fen': '12.50', 'daily_price_fen': '80',
            'min_length_hours': '0', 'min_length_minutes': '30', 'max_length_hours': '8', 'max_length_minutes': '0',
            'booking_horizon_days': '60', 'cancellation_cutoff_hours': '24', 'certification_id': '0',
            'requires_approval': 'y', 'is_active': 'y'}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- who may open the pages ---------------------------------------------------------------

@pytest.fixture
def things(app):
    site = SiteFactory()
    space = SpaceFactory(site=site)
    certification = CertificationFactory()
    person = UserFactory()
    blackout = Blackout(space=space, starts_at=datetime(2026, 5, 1, 1, tzinfo=UTC),
                        ends_at=datetime(2026, 5, 1, 5, tzinfo=UTC), reason='Cleaning')
    closure = SiteClosure(site=site, starts_on=date(2026, 5, 4), ends_on=date(2026, 5, 5), reason='Works')
    held = UserCertification(user=person, certification=certification, expires_on=date(2027, 1, 1))
    db.session.add_all([blackout, closure, held])
    db.session.commit()
    return {'space_id': space.id, 'site_id': space.site_id, 'blackout_id': blackout.id, 'closure_id': closure.id,
            'held_id': held.id}


PAGES = ['/spaces/manage/', '/spaces/manage/new', '/spaces/manage/{space_id}/edit',
         '/spaces/manage/{space_id}/blackouts', '/spaces/manage/sites/{site_id}/hours',
         '/spaces/manage/certifications', '/spaces/manage/quotas']
POSTS = ['/spaces/manage/new', '/spaces/manage/{space_id}/edit', '/spaces/manage/{space_id}/blackouts',
         '/spaces/manage/{space_id}/blackouts/{blackout_id}/delete', '/spaces/manage/sites/{site_id}/hours',
         '/spaces/manage/sites/{site_id}/closures', '/spaces/manage/sites/{site_id}/closures/{closure_id}/delete',
         '/spaces/manage/certifications', '/spaces/manage/certifications/record',
         '/spaces/manage/certifications/held/{held_id}/revoke', '/spaces/manage/quotas']


@pytest.mark.parametrize('page', PAGES)
@pytest.mark.parametrize('roles', [['manager'], ['admin']])
def test_managers_and_admins_open_every_page_in_both_languages(client, login, things, page, roles):
    login(UserFactory(roles=roles))
    url = page.format(**things)
    chinese = client.get(url)
    assert chinese.status_code == 200
    assert '<html lang="zh-CN">' in body(chinese)
    english = client.get(url, headers=EN)
    assert english.status_code == 200
    assert '<html lang="en">' in body(english)


@pytest.mark.parametrize('page', PAGES)
def test_startup_members_and_committee_members_are_refused(client, login, things, page):
    login(member_of(StartupFactory()))
    assert client.get(page.format(**things)).status_code == 403
    login(UserFactory(roles=['committee']))
    assert client.get(page.format(**things)).status_code == 403


@pytest.mark.parametrize('page', PAGES)
def test_visitors_are_sent_to_log_in(client, things, page):
    response = client.get(page.format(**things))
    assert response.status_code == 302
    assert '/login' in response.headers['Location']


@pytest.mark.parametrize('url', POSTS)
def test_startup_members_cannot_post_and_nothing_changes(client, login, things, url):
    login(member_of(StartupFactory()))
    before = {model: count(model) for model in (Space, Blackout, SiteClosure, SiteOpeningHours, Certification,
                                                UserCertification, TierQuota)}
    response = client.post(url.format(**things), data={'name': 'X', 'reason': 'X', 'starts_on': '2026-06-01'})
    assert response.status_code == 403
    assert {model: count(model) for model in before} == before


def test_unknown_and_mismatched_objects_answer_404(client, manager, things):
    other = SpaceFactory()
    assert client.get('/spaces/manage/99999/edit').status_code == 404
    assert client.get('/spaces/manage/sites/99999/hours').status_code == 404
    assert client.post(f'/spaces/manage/{other.id}/blackouts/{things["blackout_id"]}/delete').status_code == 404
    assert client.post(f'/spaces/manage/sites/{other.site_id}/closures/{things["closure_id"]}/delete') \
        .status_code == 404
    assert count(Blackout) == 1 and count(SiteClosure) == 1


# --- the list -----------------------------------------------------------------------------

def test_the_list_groups_spaces_by_site_with_prices_in_yuan(client, manager, site):
    SpaceFactory(site=site, name='Lab 1', kind=SpaceKind.lab, hourly_price_fen=1250, daily_price_fen=0,
                 min_booking_minutes=90, max_booking_minutes=240, requires_check_in=True,
                 certification=CertificationFactory(name='Lab safety'))
    SpaceFactory(site=SiteFactory(name='Nanshan Campus'), name='Desk zone', kind=SpaceKind.hot_desk,
                 hourly_price_fen=123456, is_active=False)
    SiteFactory(name='Empty Site')
    db.session.add(SiteOpeningHours(site=site, weekday=0, opens_minute=8 * 60, closes_minute=1440))
    db.session.commit()

    page = body(client.get('/spaces/manage/', headers=EN))

    assert page.index('Empty Site') < page.index('Nanshan Campus') < page.index('Desk zone') \
        < page.index('Qianhai Hub') < page.index('Lab 1')
    assert '¥12.50' in page and '¥1,234.56' in page
    assert '1 h 30 min – 4 h' in page
    assert 'Lab safety' in page and 'Check-in' in page and 'Not in use' in page
    assert 'Mon 08:00–24:00' in page
    assert 'No spaces at this site yet.' in page
    assert f'/spaces/manage/sites/{site.id}/hours' in page


# --- creating and editing a space -------------------------------------------------------------

def test_a_new_space_is_created_with_prices_in_fen(client, manager, site):
    certification = CertificationFactory(name='Lab safety')
    form = client.get('/spaces/manage/new', headers=EN)
    assert 'Price per hour (yuan)' in body(form)
    assert 'value="0.00"' in body(form)

    response = client.post('/spaces/manage/new', headers=EN, data=space_data(
        site, name='  Meeting room A ', hourly_price_fen='12.50', daily_price_fen='０.０７',
        min_length_hours='1', min_length_minutes='15', max_length_hours='24', max_length_minutes='0',
        certification_id=str(certification.id), requires_check_in='y'))

    assert response.status_code == 302
    assert response.headers['Location'].endswith('/spaces/manage/')
    space = db.session.execute(sa.select(Space)).scalar_one()
    assert (space.name, space.site_id, space.kind, space.capacity) == ('Meeting room A', site.id,
                                                                       SpaceKind.meeting_room, 8)
    assert (space.hourly_price_fen, space.daily_price_fen) == (1250, 7)
    assert type(space.hourly_price_fen) is int
    assert (space.min_booking_minutes, space.max_booking_minutes) == (75, 1440)
    assert (space.requires_approval, space.requires_check_in, space.is_active) == (True, True, True)
    assert space.certification_id == certification.id
    assert 'has been created' in body(client.get('/spaces/manage/', headers=EN))


@pytest.mark.parametrize('typed, fen', [('0', 0), ('12.5', 1250), ('0.01', 1), ('19.99', 1999), ('¥8', 800),
                                        ('1000000', 100_000_000), ('.5', 50), ('12.500', 1250),
                                        ('33.33', 3333), ('０.１', 10)])
def test_prices_typed_in_yuan_are_stored_exactly_in_fen(client, manager, site, typed, fen):
    response = client.post('/spaces/manage/new', data=space_data(site, hourly_price_fen=typed))
    assert response.status_code == 302
    assert db.session.execute(sa.select(Space.hourly_price_fen)).scalar_one() == fen


BAD_SPACES = [
    ({'hourly_price_fen': '-1'}, 'hourly_price_fen', 'An amount cannot be negative.'),
    ({'hourly_price_fen': '12.345'}, 'hourly_price_fen', 'Enter at most two decimal places (a yuan has 100 fen).'),
    ({'daily_price_fen': '12,50'}, 'daily_price_fen', 'Enter an amount in yuan, such as 12.50.'),
    ({'daily_price_fen': 'abc'}, 'daily_price_fen', 'Enter an amount in yuan, such as 12.50.'),
    ({'daily_price_fen': '1e3'}, 'daily_price_fen', 'Enter an amount in yuan, such as 12.50.'),
    ({'daily_price_fen': ''}, 'daily_price_fen', 'Enter an amount in yuan, such as 12.50 (0 if free).'),
    ({'hourly_price_fen': '1000000.01'}, 'hourly_price_fen', 'Enter at most ¥1,000,000.'),
    ({'min_length_hours': '9'}, 'max_length_hours', 'The longest booking cannot be shorter than the shortest.'),
    ({'min_length_hours': '0', 'min_length_minutes': '0'}, 'min_length_hours',
     'The shortest booking must last at least 1 minute.'),
    ({'max_length_hours': '24', 'max_length_minutes': '30'}, 'max_length_hours',
     'A booking can last at most 24 hours.'),
    ({'max_length_minutes': '60'}, 'max_length_minutes', 'Enter a number from 0 to 59.'),
    ({'capacity': '0'}, 'capacity', 'Enter a number from 1 to 10000.'),
    ({'capacity': ''}, 'capacity', 'This field is required.'),
    ({'booking_horizon_days': '0'}, 'booking_horizon_days', 'Enter a number from 1 to 730.'),
    ({'cancellation_cutoff_hours': '-1'}, 'cancellation_cutoff_hours', 'Enter a number from 0 to 8760.'),
    ({'name': '   '}, 'name', 'This field is required.'),
    ({'name': 'x' * 101}, 'name', 'At most 100 characters.'),
    ({'kind': 'spaceship'}, 'kind', 'Not a valid choice.'),
    ({'site_id': '99999'}, 'site_id', 'Not a valid choice.'),
    ({'certification_id': '99999'}, 'certification_id', 'Not a valid choice.'),
]


@pytest.mark.parametrize('overrides, field, message', BAD_SPACES)
def test_bad_input_creates_nothing_and_says_why(client, manager, site, overrides, field, message):
    response = client.post('/spaces/manage/new', data=space_data(site, **overrides), headers=EN)
    assert response.status_code == 200
    assert message in field_errors(body(response), field)
    assert count(Space) == 0


@pytest.mark.parametrize('overrides, field, message', BAD_SPACES)
def test_bad_input_leaves_an_edited_space_as_it_was(client, manager, site, overrides, field, message):
    space = SpaceFactory(site=site, name='Room B')
    before = snapshot(space.id)
    response = client.post(f'/spaces/manage/{space.id}/edit', data=space_data(site, **overrides), headers=EN)
    assert response.status_code == 200
    assert message in field_errors(body(response), field)
    assert snapshot(space.id) == before


def test_a_duplicate_name_at_the_same_site_is_a_clear_conflict(client, manager, site):
    SpaceFactory(site=site, name='Meeting room A')
    response = client.post('/spaces/manage/new', data=space_data(site, name='Meeting room A'), headers=EN)
    assert response.status_code == 200
    assert 'Qianhai Hub already has a space named Meeting room A.' in field_errors(body(response), 'name')
    assert count(Space) == 1

    elsewhere = SiteFactory()
    assert client.post('/spaces/manage/new', data=space_data(elsewhere, name='Meeting room A')).status_code == 302
    assert count(Space) == 2


def test_renaming_onto_another_space_changes_nothing(client, manager, site):
    SpaceFactory(site=site, name='Meeting room A')
    space = SpaceFactory(site=site, name='Room B')
    before = snapshot(space.id)
    response = client.post(f'/spaces/manage/{space.id}/edit', data=space_data(site, name='Meeting room A',
                                                                              capacity='3'), headers=EN)
    assert 'already has a space named' in body(response)
    assert snapshot(space.id) == before


def test_the_edit_form_shows_the_space_and_saves_it(client, manager, site):
    space = SpaceFactory(site=site, name='Room B', hourly_price_fen=1205, daily_price_fen=0,
                         min_booking_minutes=45, max_booking_minutes=150, requires_approval=True)
    page = body(client.get(f'/spaces/manage/{space.id}/edit', headers=EN))
    assert 'value="12.05"' in page and 'value="0.00"' in page
    assert re.search(r'name="min_length_minutes"[^>]*value="45"', page)
    assert re.search(r'name="max_length_hours"[^>]*value="2"', page)

    response = client.post(f'/spaces/manage/{space.id}/edit', data=space_data(
        site, name='Room B', hourly_price_fen='12.05', daily_price_fen='0.00', capacity='4',
        min_length_hours='0', min_length_minutes='45', max_length_hours='2', max_length_minutes='30',
        requires_approval=None, is_active=None))
    assert response.status_code == 302
    db.session.expire_all()
    space = db.session.get(Space, space.id)
    assert (space.capacity, space.hourly_price_fen, space.daily_price_fen) == (4, 1205, 0)
    assert (space.requires_approval, space.is_active) == (False, False)


# --- blackouts --------------------------------------------------------------------------------

def test_a_blackout_is_read_in_the_sites_timezone_and_stored_in_utc(client, manager):
    space = SpaceFactory(site=SiteFactory(timezone='Europe/Berlin'))
    summer = client.post(f'/spaces/manage/{space.id}/blackouts', data={
        'starts_at': '2026-07-01T09:00', 'ends_at': '2026-07-01T17:30', 'reason': 'Painting'})
    winter = client.post(f'/spaces/manage/{space.id}/blackouts', data={
        'starts_at': '2026-12-24 18:00', 'ends_at': '2026-12-27T08:00', 'reason': 'Christmas'})
    assert summer.status_code == winter.status_code == 302
    rows = db.session.execute(sa.select(Blackout).order_by(Blackout.starts_at)).scalars().all()
    assert [(row.starts_at, row.ends_at, row.reason) for row in rows] == [
        (datetime(2026, 7, 1, 7, 0, tzinfo=UTC), datetime(2026, 7, 1, 15, 30, tzinfo=UTC),
         'Painting'),
        (datetime(2026, 12, 24, 17, 0, tzinfo=UTC), datetime(2026, 12, 27, 7, 0, tzinfo=UTC),
         'Christmas'),
    ]
    assert all(row.starts_at.utcoffset().total_seconds() == 0 for row in rows)

    page = body(client.get(f'/spaces/manage/{space.id}/blackouts', headers=EN))
    assert "site's timezone, Berlin." in page and 'Europe/Berlin' not in page
    assert 'Jul 1, 2026 9:00' in page and 'Dec 27, 2026 8:00' in page


@pytest.mark.parametrize('data, field, message', [
    ({'starts_at': '2026-07-01T09:00', 'ends_at': '2026-07-01T08:00'}, 'ends_at', 'The end must be after the start.'),
    ({'starts_at': '2026-07-01T09:00', 'ends_at': '2026-07-01T09:00'}, 'ends_at', 'The end must be after the start.'),
    ({'starts_at': 'tomorrow', 'ends_at': '2026-07-01T09:00'}, 'starts_at',
     'Enter a date and time such as 2026-03-01 09:00.'),
    ({'starts_at': '', 'ends_at': '2026-07-01T09:00'}, 'starts_at', 'Enter a date and time such as 2026-03-01 09:00.'),
    ({'reason': ''}, 'reason', 'This field is required.'),
    ({'starts_at': '1900-01-01T00:00'}, 'starts_at', 'Enter a date between 2000 and 2100.'),
])
def test_a_bad_blackout_stores_nothing(client, manager, data, field, message):
    space = SpaceFactory()
    values = {'starts_at': '2026-07-01T09:00', 'ends_at': '2026-07-01T10:00', 'reason': 'Works'}
    values.update(data)
    response = client.post(f'/spaces/manage/{space.id}/blackouts', data=values, headers=EN)
    assert response.status_code == 200
    assert message in field_errors(body(response), field)
    assert count(Blackout) == 0


def test_a_blackout_is_deleted(client, manager, things):
    response = client.post(f'/spaces/manage/{things["space_id"]}/blackouts/{things["blackout_id"]}/delete')
    assert response.status_code == 302
    assert count(Blackout) == 0


# --- certifications -------------------------------------------------------------------------

def test_certifications_are_created_with_unique_names(client, manager):
    response = client.post('/spaces/manage/certifications', data={'name': ' Lab safety ', 'description': 'BSL-1'})
    assert response.status_code == 302
    assert db.session.execute(sa.select(Certification.name)).scalar_one() == 'Lab safety'

    again = client.post('/spaces/manage/certifications', data={'name': 'Lab safety'}, headers=EN)
    assert again.status_code == 200
    assert 'A certification named Lab safety already exists.' in field_errors(body(again), 'name')
    assert count(Certification) == 1


def test_a_certification_is_recorded_renewed_and_revoked(client, june_manager):
    manager = june_manager
    certification = CertificationFactory(name='Lab safety')
    person = UserFactory(email='li.lei@example.com', name='Li Lei')

    first = client.post('/spaces/manage/certifications/record', headers=EN, data={
        'email': ' Li.Lei@Example.com ', 'certification_id': str(certification.id), 'expires_on': '2026-12-31'})
    assert first.status_code == 302
    assert 'Li Lei now holds the certification Lab safety' in body(client.get('/spaces/manage/certifications',
                                                                             headers=EN))
    renewal = client.post('/spaces/manage/certifications/record', headers=EN, data={
        'email': 'li.lei@example.com', 'certification_id': str(certification.id), 'expires_on': '2027-06-30'})
    assert renewal.status_code == 302

    held = db.session.execute(sa.select(UserCertification)).scalar_one()
    assert (held.user_id, held.certification_id, held.expires_on) == (person.id, certification.id, date(2027, 6, 30))
    assert held.recorded_by_id == manager.id
    page = body(client.get('/spaces/manage/certifications', headers=EN))
    assert 'now runs until' in page and 'Valid' in page

    response = client.post(f'/spaces/manage/certifications/held/{held.id}/revoke')
    assert response.status_code == 302
    assert count(UserCertification) == 0


def test_an_expired_certification_is_marked(client, june_manager):
    certification = CertificationFactory(name='Lab safety')
    db.session.add_all([
        UserCertification(user=UserFactory(name='Old Timer'), certification=certification,
                          expires_on=date(2026, 5, 31)),
        UserCertification(user=UserFactory(name='New Comer'), certification=certification,
                          expires_on=date(2026, 6, 1)),
    ])
    db.session.commit()
    page = body(client.get('/spaces/manage/certifications', headers=EN))
    assert re.search(r'New Comer.*?text-bg-success">Valid<', page, re.S)
    assert re.search(r'Old Timer.*?text-bg-danger">Expired<', page, re.S)


@pytest.mark.parametrize('data, field, message', [
    ({'email': 'nobody@example.com'}, 'email', 'Nobody has an account with the email address nobody@example.com.'),
    ({'email': 'not an email'}, 'email', 'Enter a valid email address.'),
    ({'expires_on': '2026-05-31'}, 'expires_on',
     'This date has already passed: enter the last day the certification is valid.'),
    ({'expires_on': ''}, 'expires_on', 'Enter a date such as 2026-03-01.'),
    ({'certification_id': '99999'}, 'certification_id', 'Not a valid choice.'),
])
def test_a_bad_record_stores_nothing(client, june_manager, data, field, message):
    certification = CertificationFactory(name='Lab safety')
    UserFactory(email='li.lei@example.com')
    values = {'email': 'li.lei@example.com', 'certification_id': str(certification.id), 'expires_on': '2026-12-31'}
    values.update(data)
    response = client.post('/spaces/manage/certifications/record', data=values, headers=EN)
    assert response.status_code == 200
    assert message in field_errors(body(response), field)
    assert count(UserCertification) == 0


# --- free quotas ----------------------------------------------------------------------------

def quota_data(**cells):
    data = {f'free_{tier.value}_{kind.value}': '' for tier in Tier for kind in SpaceKind}
    data.update(cells)
    return data


def stored_quotas():
    db.session.expire_all()
    return {(row.tier, row.space_kind): row.free_minutes
            for row in db.session.execute(sa.select(TierQuota)).scalars()}


def test_the_quota_matrix_is_saved_in_one_form(client, manager):
    db.session.add_all([TierQuota(tier=Tier.incubator, space_kind=SpaceKind.lab, free_minutes=600),
                        TierQuota(tier=Tier.accelerator, space_kind=SpaceKind.lab, free_minutes=20)])
    db.session.commit()
    page = body(client.get('/spaces/manage/quotas', headers=EN))
    assert 'name="free_incubator_lab"' in page and 'value="10"' in page and 'value="0.33"' in page
    assert 'Maker space · Meeting room' in page

    response = client.post('/spaces/manage/quotas', data=quota_data(
        free_maker_space_meeting_room='10', free_incubator_meeting_room='7.5', free_accelerator_hot_desk='0.25',
        free_incubator_lab='0', free_accelerator_lab='0.33'))

    assert response.status_code == 302, re.findall(r'invalid-feedback[^>]*>(.*?)<', body(response))
    assert stored_quotas() == {
        (Tier.maker_space, SpaceKind.meeting_room): 600, (Tier.incubator, SpaceKind.meeting_room): 450,
        (Tier.accelerator, SpaceKind.hot_desk): 15, (Tier.incubator, SpaceKind.lab): 0,
        (Tier.accelerator, SpaceKind.lab): 20,   # shown as 0.33 and sent back untouched: kept exactly
    }


@pytest.mark.parametrize('cell, message', [
    ('-1', 'A number of hours cannot be negative.'),
    ('ten', 'Enter a number of hours, such as 10 or 7.5.'),
    ('0.01', 'Enter hours that make whole minutes, such as 7.5 or 0.25.'),
    ('10001', 'Enter at most 10,000 hours.'),
])
def test_a_bad_quota_cell_saves_no_cell(client, manager, cell, message):
    db.session.add(TierQuota(tier=Tier.incubator, space_kind=SpaceKind.lab, free_minutes=600))
    db.session.commit()
    response = client.post('/spaces/manage/quotas', headers=EN, data=quota_data(
        free_incubator_lab='20', free_maker_space_meeting_room='5', free_accelerator_equipment=cell))
    assert response.status_code == 200
    assert message in field_errors(body(response), 'free_accelerator_equipment')
    assert stored_quotas() == {(Tier.incubator, SpaceKind.lab): 600}


# --- languages ------------------------------------------------------------------------------

def test_the_pages_speak_chinese_by_default_and_english_on_request(client, manager, site):
    SpaceFactory(site=site, name='Room B')
    chinese = body(client.get('/spaces/manage/'))
    assert '编辑' in chinese and '运营中' in chinese
    english = body(client.get('/spaces/manage/', headers=EN))
    assert 'Set up spaces' in english and 'Edit' in english and '编辑' not in english
