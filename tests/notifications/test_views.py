"""The inbox over HTTP: only one's own, marking read, the bell's count, preferences, and a real use."""
import re

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.notifications.models import NotificationPreference
from incubator.notifications.operations import notify
from incubator.startups.models import MembershipRole
from tests.conftest import link_in
from tests.factories import StartupFactory, UserFactory, member_of

EN = {'Accept-Language': 'en'}
NEW_PASSWORD = 'a brand new password'


def accepted(user, name='Zhou Jie', startup='Qingwu Tech', link='/startups/7'):
    notification = notify(user, 'invitation_accepted', link=link, name=name, startup=startup)
    db.session.commit()
    return notification


def badge(page):
    match = re.search(r'id="unread-notifications">(\d+)<', page)
    return int(match.group(1)) if match else None


def test_the_inbox_lists_the_users_notifications_newest_first_unread_highlighted(client, login):
    user = login(UserFactory(locale='en'))
    older = accepted(user, name='First Person')
    newer = accepted(user, name='Second Person')
    accepted(UserFactory(), name='Someone Else')
    older_id = older.id
    client.post(f'/notifications/{older_id}/read')

    page = client.get('/notifications/').get_data(as_text=True)

    assert page.index('Second Person accepted') < page.index('First Person accepted')
    assert 'Someone Else' not in page
    assert re.search(rf'id="notification-{newer.id}"', page)
    unread_item = re.search(rf'<li class="([^"]*)" id="notification-{newer.id}"', page).group(1)
    read_item = re.search(rf'<li class="([^"]*)" id="notification-{older_id}"', page).group(1)
    assert 'notification-unread' in unread_item
    assert 'notification-unread' not in read_item


def test_an_empty_inbox(client, login):
    login(UserFactory(locale='en'))
    assert 'You have no notifications.' in client.get('/notifications/').get_data(as_text=True)


def test_the_inbox_needs_a_login(client):
    response = client.get('/notifications/')
    assert response.status_code == 302
    assert '/login' in response.headers['Location']
    assert client.post('/notifications/read-all').status_code == 302


def test_the_inbox_pages_by_thirty(client, login):
    user = login(UserFactory(locale='en'))
    for n in range(31):
        notify(user, 'invitation_accepted', name=f'Person {n:02d}', startup='S')
    db.session.commit()
    first = client.get('/notifications/').get_data(as_text=True)
    second = client.get('/notifications/?page=2').get_data(as_text=True)
    assert first.count('accepted your invitation') == 30
    assert 'Person 30' in first and 'Person 00' not in first
    assert second.count('accepted your invitation') == 1 and 'Person 00' in second
    assert client.get('/notifications/?page=99').status_code == 200
    assert client.get('/notifications/?page=-1').status_code == 200


def test_mark_one_read_then_back_to_the_inbox(client, login, notifications):
    user = login(UserFactory())
    notification_id = accepted(user).id
    response = client.post(f'/notifications/{notification_id}/read')
    assert response.status_code == 302
    assert response.headers['Location'] == '/notifications/?page=1'
    [stored] = notifications(user)
    assert stored.read_at is not None


def test_open_marks_read_and_goes_to_the_object(client, login, notifications):
    user = login(UserFactory())
    notification_id = accepted(user, link='/startups/42').id
    response = client.post(f'/notifications/{notification_id}/read', data={'open': '1'})
    assert response.status_code == 302
    assert response.headers['Location'] == '/startups/42'
    assert notifications(user)[0].read_at is not None


def test_mark_all_read_reads_only_ones_own(client, login, notifications):
    user = login(UserFactory(locale='en'))
    other = UserFactory()
    accepted(user), accepted(user), accepted(other)
    response = client.post('/notifications/read-all', headers=EN)
    assert response.status_code == 302
    assert all(n.read_at is not None for n in notifications(user))
    assert notifications(other)[0].read_at is None
    assert 'All notifications are marked as read.' in client.get('/notifications/', headers=EN).get_data(as_text=True)


@pytest.mark.parametrize('data', [{}, {'open': '1'}])
def test_another_users_notification_is_404_and_unchanged(client, login, notifications, data):
    owner = UserFactory()
    theirs = accepted(owner, link='/startups/1')
    login(UserFactory())
    assert client.post(f'/notifications/{theirs.id}/read', data=data).status_code == 404
    assert client.post('/notifications/999999/read').status_code == 404
    assert notifications(owner)[0].read_at is None


def test_the_bell_shows_the_unread_count_with_one_query(client, login, count_queries):
    user = login(UserFactory(locale='en'))
    first = accepted(user)
    accepted(user), accepted(user)
    accepted(UserFactory())
    client.post(f'/notifications/{first.id}/read')

    with count_queries() as counter:
        page = client.get('/').get_data(as_text=True)

    assert badge(page) == 2
    assert 'href="/notifications/"' in page
    [counted] = [s for s in counter.statements if 'notifications' in s]
    assert 'FROM users' in counted  # counted as the request loads its user: no statement of its own

    client.post('/notifications/read-all')
    assert badge(client.get('/').get_data(as_text=True)) is None


def test_visitors_get_no_bell_and_no_query(client, count_queries):
    with count_queries() as counter:
        page = client.get('/login').get_data(as_text=True)
    assert 'href="/notifications/"' not in page
    assert not [s for s in counter.statements if 'notifications' in s]


def test_the_inbox_costs_the_same_at_any_size(client, login, count_queries):
    user = login(UserFactory())
    accepted(user)
    with count_queries() as few:
        client.get('/notifications/')
    for n in range(25):
        notify(user, 'invitation_accepted', name=f'P{n}', startup='S', link='/startups/1')
    db.session.commit()
    with count_queries() as many:
        client.get('/notifications/')
    assert many.count == few.count


def test_titles_follow_the_readers_language(client, login):
    from flask_babel import lazy_gettext as _l

    from incubator.notifications import kinds
    kinds.register(kinds.NotificationKind(name='test_greeting', title=_l('Hello %(name)s,'), label=_l('Greetings'),
                                          email_template=None))
    try:
        user = login(UserFactory(locale='zh_CN'))
        notify(user, 'test_greeting', name='王敏')
        db.session.commit()
        assert '王敏，您好：' in client.get('/notifications/').get_data(as_text=True)
        client.post('/language', data={'locale': 'en'})
        assert 'Hello 王敏,' in client.get('/notifications/').get_data(as_text=True)
    finally:
        kinds.unregister('test_greeting')


def test_preferences_list_the_choosable_kinds_and_save(client, login, outbox):
    user = login(UserFactory(locale='en', email='pref@example.com'))
    page = client.get('/notifications/preferences').get_data(as_text=True)
    assert 'Someone accepts an invitation I sent' in page
    assert 'value="invitation_accepted" checked' in page or re.search(r'checked[^>]*value="invitation_accepted"', page)
    assert 'password' not in re.sub(r'password resets', '', page.split('<fieldset')[1].split('</fieldset>')[0])

    response = client.post('/notifications/preferences', data={})
    assert response.status_code == 302
    row = db.session.execute(sa.select(NotificationPreference).filter_by(
        user_id=user.id, kind='invitation_accepted')).scalar_one()
    assert row.email_enabled is False
    page = client.get('/notifications/preferences', headers=EN).get_data(as_text=True)
    assert 'Your email preferences have been saved.' in page
    assert 'checked' not in page.split('<fieldset')[1]

    accepted(user)
    assert outbox() == []
    assert badge(client.get('/').get_data(as_text=True)) == 1

    client.post('/notifications/preferences', data={'email_kinds': ['invitation_accepted']})
    accepted(user)
    assert len(outbox('pref@example.com')) == 1


def test_an_unknown_kind_is_refused_by_the_preferences_form(client, login):
    user = login(UserFactory())
    response = client.post('/notifications/preferences', data={'email_kinds': ['auth/password_reset']})
    assert response.status_code == 200
    assert db.session.execute(sa.select(NotificationPreference).filter_by(user_id=user.id)).first() is None


def test_every_post_needs_the_csrf_token(app, client, login, notifications):
    user = login(UserFactory(locale='en'))
    notification_id = accepted(user).id
    app.config['WTF_CSRF_ENABLED'] = True
    try:
        for url in (f'/notifications/{notification_id}/read', '/notifications/read-all',
                    '/notifications/preferences'):
            response = client.post(url, data={'open': '1'}, headers=EN)
            assert response.status_code == 400, url
            assert 'The form has expired' in response.get_data(as_text=True)
        assert notifications(user)[0].read_at is None
        page = client.get('/notifications/').get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(f'/notifications/{notification_id}/read', data={'csrf_token': token})
        assert response.status_code == 302
        assert notifications(user)[0].read_at is not None
    finally:
        app.config['WTF_CSRF_ENABLED'] = False


# --- the first real use: an accepted invitation tells the inviter -------------------------

def test_the_inviter_hears_when_a_startup_invitation_is_accepted(client, login, outbox, notifications):
    startup = StartupFactory(name='Qingwu Tech')
    owner = login(member_of(startup, MembershipRole.owner, name='Owner Liu', email='owner@example.com',
                            locale='en'))
    client.post(f'/startups/{startup.id}/members/invite', headers={'Accept-Language': 'zh-CN'},
                data={'email': 'engineer@example.com', 'name': 'Engineer Zhou', 'role': 'member'})
    client.post('/logout')
    client.post(link_in(outbox('engineer@example.com')[0], '/invitation/'),
                data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD}, headers={'Accept-Language': 'zh-CN'})

    [notification] = notifications(owner)
    assert notification.kind == 'invitation_accepted'
    assert notification.params == {'name': 'Engineer Zhou', 'startup': 'Qingwu Tech'}
    assert notification.link == f'/startups/{startup.id}'
    [email] = outbox('owner@example.com')
    assert email.locale == 'en'
    assert email.subject == 'Engineer Zhou accepted your invitation to Qingwu Tech.'
    assert f'http://localhost/startups/{startup.id}' in email.text_body

    client.post('/logout')
    login(owner)
    page = client.get('/', headers=EN).get_data(as_text=True)
    assert badge(page) == 1
    inbox = client.get('/notifications/', headers=EN).get_data(as_text=True)
    assert 'Engineer Zhou accepted your invitation to Qingwu Tech.' in inbox
    response = client.post(f'/notifications/{notification.id}/read', data={'open': '1'})
    assert response.headers['Location'] == f'/startups/{startup.id}'
    assert client.get(response.headers['Location']).status_code == 200
    assert badge(client.get('/').get_data(as_text=True)) is None


def test_an_admin_hears_when_a_staff_invitation_is_accepted(client, login, outbox, notifications):
    admin = login(UserFactory(roles=['admin'], email='admin@example.com'))
    client.post('/admin/users/invite', data={'email': 'new.manager@example.com', 'name': 'New Manager',
                                             'role': 'manager'}, headers=EN)
    client.post('/logout')
    client.post(link_in(outbox('new.manager@example.com')[0], '/invitation/'),
                data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})

    [notification] = notifications(admin)
    assert notification.link == '/admin/users/'
    assert notification.params == {'name': 'New Manager', 'startup': None}
    [email] = outbox('admin@example.com')
    assert email.locale == 'zh_CN'  # the admin chose no language: the default
    assert 'New Manager' in email.subject


def test_an_existing_user_accepting_also_tells_the_inviter(client, login, outbox, notifications):
    startup = StartupFactory(name='Second Startup')
    existing = UserFactory(email='already@example.com', name='Already Here')
    manager = login(UserFactory(roles=['manager']))
    client.post(f'/startups/{startup.id}/members/invite',
                data={'email': 'already@example.com', 'name': 'Already', 'role': 'member'})
    link = link_in(outbox()[0], '/invitation/')
    client.post('/logout')
    login(existing)
    assert client.post(link).status_code == 302
    [notification] = notifications(manager)
    assert notification.params['name'] == 'Already Here'
    assert notifications(existing) == []
