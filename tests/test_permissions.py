"""Who may open which page: the permission matrix, what lists show, which buttons appear.

Roles: anonymous, the three staff roles, the owner and a plain member of
startup A, the owner of another startup B, and a user with neither a role nor
a membership. Startup pages answer 404 to those who may not see the startup
(its existence is private) and 403 to those who see it but may not act.
"""
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from incubator.auth.models import Invitation, Role, User, UserRole
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.startups.models import MembershipRole, Startup, StartupMembership
from tests.factories import SiteFactory, StartupFactory, UserFactory

EN = {'Accept-Language': 'en'}

ANONYMOUS, ADMIN, MANAGER, COMMITTEE = 'anonymous', 'admin', 'manager', 'committee'
OWNER_A, MEMBER_A, OWNER_B, NOBODY = 'owner_of_a', 'member_of_a', 'owner_of_b', 'no_role'
ROLES = [ANONYMOUS, ADMIN, MANAGER, COMMITTEE, OWNER_A, MEMBER_A, OWNER_B, NOBODY]
LOGGED_IN = set(ROLES) - {ANONYMOUS}
SEES_ALL_STARTUPS = {ADMIN, MANAGER, COMMITTEE}
SEES_A = SEES_ALL_STARTUPS | {OWNER_A, MEMBER_A}


@dataclass
class World:
    site: Site
    a: Startup
    b: Startup
    owner_a: User
    member_a: User
    owner_b: User
    member_a_membership: StartupMembership
    owner_b_membership: StartupMembership
    users: dict

    def values(self):
        return {'a': self.a.id, 'b': self.b.id, 'site': self.site.id, 'mid': self.member_a_membership.id,
                'user': self.member_a.id}


@pytest.fixture
def world(app):
    """Startups A and B on one site, their people and one user per staff role, in one commit."""
    site = SiteFactory.build(name='Nanshan Campus')
    a = StartupFactory.build(site=site, name='Alpha Robotics')
    b = StartupFactory.build(site=site, name='Beta Biotech')
    users = {role: UserFactory.build(roles=[role], name=f'Staff {role}') for role in (ADMIN, MANAGER, COMMITTEE)}
    users[NOBODY] = UserFactory.build(name='Nora Nobody')
    users[OWNER_A] = UserFactory.build(name='Olivia Owner')
    users[MEMBER_A] = UserFactory.build(name='Mark Member')
    users[OWNER_B] = UserFactory.build(name='Bob Owner')
    memberships = [
        StartupMembership(startup=a, user=users[OWNER_A], role=MembershipRole.owner),
        StartupMembership(startup=a, user=users[MEMBER_A], role=MembershipRole.member),
        StartupMembership(startup=b, user=users[OWNER_B], role=MembershipRole.owner),
    ]
    db.session.add_all([site, a, b, *users.values(), *memberships])
    db.session.commit()
    return World(site=site, a=a, b=b, owner_a=users[OWNER_A], member_a=users[MEMBER_A], owner_b=users[OWNER_B],
                 member_a_membership=memberships[1], owner_b_membership=memberships[2], users=users)


@pytest.fixture
def act_as(world, login):
    """``act_as(role)`` logs the client in as the world's user with that role (nobody for anonymous)."""
    def acting(role):
        return None if role == ANONYMOUS else login(world.users[role])
    return acting


def state():
    """Everything a permission-refused request must leave untouched."""
    def rows(query):
        return sorted(tuple(row) for row in db.session.execute(query).all())
    return {
        'startups': rows(sa.select(Startup.id, Startup.name, Startup.credit_code, Startup.updated_at)),
        'sites': rows(sa.select(Site.id, Site.name, Site.updated_at)),
        'memberships': rows(sa.select(StartupMembership.id, StartupMembership.startup_id,
                                      StartupMembership.user_id, StartupMembership.role)),
        'invitations': rows(sa.select(Invitation.id, Invitation.email)),
        'users': rows(sa.select(User.id, User.is_active, User.session_version)),
        'user_roles': rows(sa.select(UserRole.user_id, UserRole.role)),
    }


# (method, path, roles allowed, status when allowed, startup-scoped, form data for POST)
# Startup-scoped pages answer 404 to a logged-in user who cannot see startup A.
ROUTES = [
    ('GET', '/', LOGGED_IN, 200, False, None),
    ('GET', '/startups/', LOGGED_IN, 200, False, None),
    ('GET', '/startups/new', {ADMIN, MANAGER}, 200, False, None),
    ('POST', '/startups/new', {ADMIN, MANAGER}, 200, False, {}),  # empty form: re-rendered with errors
    ('GET', '/startups/{a}', SEES_A, 200, True, None),
    ('GET', '/startups/{a}/edit', {ADMIN, MANAGER}, 200, True, None),
    ('POST', '/startups/{a}/edit', {ADMIN, MANAGER}, 200, True, {}),
    ('GET', '/startups/{a}/members/invite', {ADMIN, MANAGER, OWNER_A}, 200, True, None),
    ('POST', '/startups/{a}/members/invite', {ADMIN, MANAGER, OWNER_A}, 200, True, {}),
    ('POST', '/startups/{a}/members/{mid}/remove', {ADMIN, MANAGER, OWNER_A}, 302, True, {}),
    ('GET', '/sites/', {ADMIN, MANAGER}, 200, False, None),
    ('GET', '/sites/new', {ADMIN}, 200, False, None),
    ('POST', '/sites/new', {ADMIN}, 200, False, {}),
    ('GET', '/sites/{site}/edit', {ADMIN}, 200, False, None),
    ('POST', '/sites/{site}/edit', {ADMIN}, 200, False, {'name': ''}),
    ('GET', '/admin/users/', {ADMIN}, 200, False, None),
    ('GET', '/admin/users/invite', {ADMIN}, 200, False, None),
    ('POST', '/admin/users/invite', {ADMIN}, 200, False, {}),
    ('GET', '/admin/users/{user}', {ADMIN}, 200, False, None),
    ('POST', '/admin/users/{user}', {ADMIN}, 302, False, {'roles': 'committee', 'is_active': 'y'}),
    ('GET', '/admin/committees/', {ADMIN}, 200, False, None),
    ('GET', '/admin/committees/new', {ADMIN}, 200, False, None),
    ('POST', '/admin/committees/new', {ADMIN}, 422, False, {}),  # empty form: re-rendered with errors
]


def expected_status(role, allowed, ok_status, startup_scoped):
    if role == ANONYMOUS:
        return 302
    if role in allowed:
        return ok_status
    if startup_scoped and role not in SEES_A:
        return 404
    return 403


MATRIX = [
    pytest.param(role, method, path, data, expected_status(role, allowed, ok, scoped),
                 id=f'{method} {path} as {role}')
    for method, path, allowed, ok, scoped, data in ROUTES
    for role in ROLES
]


@pytest.mark.parametrize('role, method, path_template, data, expected', MATRIX)
def test_permission_matrix(client, world, act_as, role, method, path_template, data, expected):
    act_as(role)
    ids = world.values()
    path = path_template.format(**ids)
    before = state()

    response = client.open(path, method=method, data=data, headers=EN)

    assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    body = response.get_data(as_text=True)
    if role == ANONYMOUS:
        location = urlsplit(response.headers['Location'])
        assert location.path == '/login'
        assert parse_qs(location.query)['next'] == [path]
    if expected == 404:
        assert 'Alpha Robotics' not in body, 'a 404 page must not reveal the hidden startup'
    if expected == 403:
        assert 'You do not have permission to do this.' in body

    changed = method == 'POST' and expected == 302 and role != ANONYMOUS
    if not changed:
        assert state() == before, 'a refused or invalid request changed the database'
    elif '/remove' in path_template:
        assert db.session.get(StartupMembership, ids['mid']) is None
    else:  # the user edit form
        assert db.session.get(User, ids['user']).roles == {Role.committee}


# --- what lists show -----------------------------------------------------------

@pytest.mark.parametrize('role, visible', [
    (ADMIN, {'Alpha Robotics', 'Beta Biotech', 'Gamma Games'}),
    (MANAGER, {'Alpha Robotics', 'Beta Biotech', 'Gamma Games'}),
    (COMMITTEE, {'Alpha Robotics', 'Beta Biotech', 'Gamma Games'}),
    (OWNER_A, {'Alpha Robotics'}),
    (MEMBER_A, {'Alpha Robotics', 'Gamma Games'}),  # also a member of C below
    (OWNER_B, {'Beta Biotech'}),
    (NOBODY, set()),
])
def test_startup_list_shows_exactly_the_startups_the_user_may_see(client, world, act_as, role, visible):
    c = StartupFactory(site=world.site, name='Gamma Games')
    db.session.add(StartupMembership(startup=c, user=world.member_a, role=MembershipRole.member))
    db.session.commit()
    act_as(role)

    body = client.get('/startups/', headers=EN).get_data(as_text=True)

    shown = {name for name in ('Alpha Robotics', 'Beta Biotech', 'Gamma Games') if name in body}
    assert shown == visible
    for startup in (world.a, world.b, c):
        assert (startup.credit_code in body) == (startup.name in visible)
    assert ('No startups found.' in body) == (not visible)


def test_a_member_searching_for_another_startup_finds_nothing(client, world, act_as):
    act_as(MEMBER_A)
    body = client.get('/startups/?q=Beta', headers=EN).get_data(as_text=True)
    assert 'Beta Biotech' not in body
    assert 'No startups found.' in body
    body = client.get(f'/startups/?q={world.b.credit_code}', headers=EN).get_data(as_text=True)
    assert 'No startups found.' in body
    assert f'href="/startups/{world.b.id}"' not in body


@pytest.mark.parametrize('role, title', [(MANAGER, 'Startups'), (MEMBER_A, 'My startups'),
                                         (NOBODY, 'My startups')])
def test_startup_list_title_depends_on_what_the_user_sees(client, world, act_as, role, title):
    act_as(role)
    body = client.get('/startups/', headers=EN).get_data(as_text=True)
    assert f'<h1 class="h3 mb-0">{title}</h1>' in body


# --- which buttons appear --------------------------------------------------------

@pytest.mark.parametrize('role, may_edit, may_manage_members', [
    (ADMIN, True, True),
    (MANAGER, True, True),
    (COMMITTEE, False, False),
    (OWNER_A, False, True),
    (MEMBER_A, False, False),
])
def test_startup_page_shows_only_usable_buttons(client, world, act_as, role, may_edit, may_manage_members):
    act_as(role)
    a = world.a.id

    response = client.get(f'/startups/{a}', headers=EN)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'Olivia Owner' in body and 'Mark Member' in body
    assert (f'href="/startups/{a}/edit"' in body) == may_edit
    assert (f'href="/startups/{a}/members/invite"' in body) == may_manage_members
    assert ('Invite a member' in body) == may_manage_members
    assert (f'action="/startups/{a}/members/{world.member_a_membership.id}/remove"' in body) == may_manage_members


def test_startup_page_buttons_in_chinese(client, world, act_as):
    act_as(MANAGER)
    body = client.get(f'/startups/{world.a.id}', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
    assert '编辑' in body and '邀请成员' in body
    act_as(COMMITTEE)
    body = client.get(f'/startups/{world.a.id}', headers={'Accept-Language': 'zh-CN'}).get_data(as_text=True)
    assert '邀请成员' not in body
    assert f'href="/startups/{world.a.id}/edit"' not in body


@pytest.mark.parametrize('role, may_register', [(ADMIN, True), (MANAGER, True), (COMMITTEE, False),
                                                (OWNER_A, False), (NOBODY, False)])
def test_register_button_only_for_those_who_may_register(client, world, act_as, role, may_register):
    act_as(role)
    body = client.get('/startups/', headers=EN).get_data(as_text=True)
    assert ('href="/startups/new"' in body) == may_register
    assert ('Register a startup' in body) == may_register


@pytest.mark.parametrize('role, sites_link, users_link', [
    (ADMIN, True, True), (MANAGER, True, False), (COMMITTEE, False, False), (OWNER_A, False, False),
    (NOBODY, False, False),
])
def test_navigation_shows_only_reachable_sections(client, world, act_as, role, sites_link, users_link):
    act_as(role)
    response = client.get('/', headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert ('href="/sites/"' in body) == sites_link
    assert ('href="/admin/users/"' in body) == users_link


# --- removing members across startups ----------------------------------------------

@pytest.mark.parametrize('role', [OWNER_A, MANAGER, ADMIN])
def test_removing_a_membership_of_another_startup_through_a_startup_does_nothing(client, world, act_as, role):
    act_as(role)
    b_membership = world.owner_b_membership.id
    before = state()

    response = client.post(f'/startups/{world.a.id}/members/{b_membership}/remove')

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert urlsplit(response.headers['Location']).path == f'/startups/{world.a.id}'
    assert db.session.get(StartupMembership, b_membership) is not None
    assert state() == before


def test_owner_of_a_cannot_remove_members_of_b_through_b(client, world, act_as):
    act_as(OWNER_A)
    response = client.post(f'/startups/{world.b.id}/members/{world.owner_b_membership.id}/remove')
    assert response.status_code == 404
    assert db.session.get(StartupMembership, world.owner_b_membership.id) is not None


def test_removing_an_unknown_membership_is_404(client, world, act_as):
    act_as(MANAGER)
    before = state()
    response = client.post(f'/startups/{world.a.id}/members/99999/remove')
    assert response.status_code == 404
    assert state() == before


def test_the_last_owner_cannot_be_removed_over_http(client, world, act_as):
    act_as(MANAGER)
    owner_membership = world.a.membership_of(world.owner_a).id

    response = client.post(f'/startups/{world.a.id}/members/{owner_membership}/remove', headers=EN)

    assert response.status_code == 302
    assert db.session.get(StartupMembership, owner_membership) is not None
    page = client.get(response.headers['Location'], headers=EN).get_data(as_text=True)
    assert 'A startup keeps at least one owner' in page


def test_an_owner_removes_a_member_and_the_member_loses_access(client, world, act_as, login):
    act_as(OWNER_A)
    membership_id = world.member_a_membership.id
    response = client.post(f'/startups/{world.a.id}/members/{membership_id}/remove')
    assert response.status_code == 302
    assert db.session.get(StartupMembership, membership_id) is None

    login(world.member_a)
    assert client.get(f'/startups/{world.a.id}').status_code == 404
    assert 'Alpha Robotics' not in client.get('/startups/', headers=EN).get_data(as_text=True)


def test_a_disabled_account_is_treated_as_anonymous(client, world, login):
    user = UserFactory(roles=['admin'])
    login(user)
    user.is_active = False
    db.session.commit()
    response = client.get('/admin/users/')
    assert response.status_code == 302
    assert urlsplit(response.headers['Location']).path == '/login'
