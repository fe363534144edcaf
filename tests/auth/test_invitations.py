from datetime import timedelta

import sqlalchemy as sa
import time_machine

from incubator.auth.models import Invitation, Role, User
from incubator.extensions import db
from incubator.startups.models import MembershipRole
from tests.conftest import link_in
from tests.factories import StartupFactory, UserFactory, member_of

EN = {'Accept-Language': 'en'}
NEW_PASSWORD = 'a brand new password'


def invite_staff(client, email='new.manager@example.com', role='manager', headers=EN):
    return client.post('/admin/users/invite', data={'email': email, 'name': 'New Manager', 'role': role},
                       headers=headers)


def test_admin_invites_staff_who_sets_a_password_and_gets_the_role(client, login, outbox):
    login(UserFactory(roles=['admin'], name='Admin Wang'))
    response = invite_staff(client)
    assert response.status_code == 302
    [email] = outbox('new.manager@example.com')
    assert email.locale == 'en'
    assert email.subject == 'Your invitation to Wutong'
    assert 'Admin Wang invites you to Wutong as Incubator manager.' in email.text_body
    assert 'Admin Wang' in email.html_body
    link = link_in(email, '/invitation/')

    client.post('/logout')
    page = client.get(link, headers=EN)
    assert page.status_code == 200
    assert 'Choose a password' in page.get_data(as_text=True)
    response = client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    assert response.status_code == 302
    user = db.session.execute(sa.select(User).filter_by(email='new.manager@example.com')).scalar_one()
    assert user.roles == {Role.manager}
    assert user.check_password(NEW_PASSWORD)
    assert user.locale == 'en'
    assert client.get('/startups/new').status_code == 200


def test_invitation_email_is_in_the_inviters_language(client, login, outbox):
    login(UserFactory(roles=['admin'], name='王敏'))
    invite_staff(client, headers={'Accept-Language': 'zh-CN,zh;q=0.9'})
    [email] = outbox()
    assert email.locale == 'zh_CN'
    assert email.subject == '您的梧桐邀请'
    assert '王敏' in email.text_body


def test_invitation_link_works_once(client, login, outbox):
    login(UserFactory(roles=['admin']))
    invite_staff(client)
    link = link_in(outbox()[0], '/invitation/')
    client.post('/logout')
    client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    client.post('/logout')
    response = client.get(link, headers=EN)
    assert response.status_code == 404
    assert 'invalid, has expired or was already used' in response.get_data(as_text=True)
    assert client.post(link, data={'password': 'another password 123', 'confirm': 'another password 123'}
                       ).status_code == 404


def test_invitation_expires_after_seven_days(client, login, outbox):
    with time_machine.travel('2026-11-01 08:00:00+00:00', tick=False) as traveller:
        login(UserFactory(roles=['admin']))
        invite_staff(client)
        link = link_in(outbox()[0], '/invitation/')
        client.post('/logout')
        traveller.shift(timedelta(days=6, hours=23))
        assert client.get(link).status_code == 200
        traveller.shift(timedelta(hours=2))
        assert client.get(link).status_code == 404
        assert client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD}).status_code == 404
    assert db.session.execute(sa.select(User).filter_by(email='new.manager@example.com')).first() is None


def test_inviting_again_revokes_the_earlier_link(client, login, outbox):
    login(UserFactory(roles=['admin']))
    invite_staff(client)
    invite_staff(client)
    first, second = outbox()
    client.post('/logout')
    assert client.get(link_in(first, '/invitation/')).status_code == 404
    assert client.get(link_in(second, '/invitation/')).status_code == 200


def test_revoked_invitation_cannot_be_used(client, login, outbox):
    login(UserFactory(roles=['admin']))
    invite_staff(client)
    invitation = db.session.execute(sa.select(Invitation)).scalar_one()
    assert client.post(f'/admin/users/invitations/{invitation.id}/revoke').status_code == 302
    client.post('/logout')
    assert client.get(link_in(outbox()[0], '/invitation/')).status_code == 404


def test_weak_or_mismatched_password_is_refused_and_creates_nothing(client, login, outbox):
    login(UserFactory(roles=['admin']))
    invite_staff(client)
    link = link_in(outbox()[0], '/invitation/')
    client.post('/logout')
    short = client.post(link, data={'password': 'short', 'confirm': 'short'}, headers=EN)
    assert short.status_code == 200
    assert 'at least 10 characters' in short.get_data(as_text=True)
    mismatch = client.post(link, data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD + 'x'},
                           headers={'Accept-Language': 'zh-CN'})
    assert '两次输入的密码不一致' in mismatch.get_data(as_text=True)
    assert db.session.execute(sa.select(User).filter_by(email='new.manager@example.com')).first() is None


def test_staff_invitation_for_an_existing_account_is_refused(client, login, outbox):
    login(UserFactory(roles=['admin']))
    UserFactory(email='taken@example.com')
    response = invite_staff(client, email='taken@example.com')
    assert response.status_code == 200
    assert 'already has an account' in response.get_data(as_text=True)
    assert outbox() == []


def test_owner_invites_a_member_of_their_startup(client, login, outbox):
    startup = StartupFactory(name='Qingwu Tech')
    login(member_of(startup, MembershipRole.owner, name='Owner Liu'))
    response = client.post(f'/startups/{startup.id}/members/invite', headers=EN,
                           data={'email': 'engineer@example.com', 'name': 'Engineer Zhou', 'role': 'member'})
    assert response.status_code == 302
    [email] = outbox('engineer@example.com')
    assert 'Owner Liu invites you to join Qingwu Tech on Wutong as Member.' in email.text_body
    client.post('/logout')
    client.post(link_in(email, '/invitation/'), data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    user = db.session.execute(sa.select(User).filter_by(email='engineer@example.com')).scalar_one()
    assert startup.membership_of(user).role == MembershipRole.member
    assert user.roles == set()
    assert client.get(f'/startups/{startup.id}').status_code == 200


def test_manager_invites_a_startup_owner(client, login, outbox):
    startup = StartupFactory()
    login(UserFactory(roles=['manager']))
    client.post(f'/startups/{startup.id}/members/invite',
                data={'email': 'founder@example.com', 'name': 'Founder', 'role': 'owner'})
    client.post('/logout')
    client.post(link_in(outbox()[0], '/invitation/'), data={'password': NEW_PASSWORD, 'confirm': NEW_PASSWORD})
    user = db.session.execute(sa.select(User).filter_by(email='founder@example.com')).scalar_one()
    assert startup.membership_of(user).role == MembershipRole.owner


def test_plain_member_may_not_invite(client, login, outbox):
    startup = StartupFactory()
    login(member_of(startup, MembershipRole.member))
    response = client.post(f'/startups/{startup.id}/members/invite',
                           data={'email': 'x@example.com', 'name': 'X', 'role': 'owner'})
    assert response.status_code == 403
    assert outbox() == []


def test_existing_user_accepts_by_logging_in_as_the_invitee(client, login, outbox):
    startup = StartupFactory(name='Second Startup')
    existing = UserFactory(email='already@example.com')
    login(UserFactory(roles=['manager']))
    client.post(f'/startups/{startup.id}/members/invite',
                data={'email': 'already@example.com', 'name': 'Already', 'role': 'member'})
    link = link_in(outbox()[0], '/invitation/')

    other = client.get(link, headers=EN)
    assert 'Log in with it to accept' in other.get_data(as_text=True)
    assert client.post(link).status_code == 200
    assert startup.membership_of(existing) is None

    client.post('/logout')
    login(existing)
    assert client.post(link).status_code == 302
    db.session.expire_all()
    assert startup.membership_of(db.session.get(User, existing.id)).role == MembershipRole.member
