"""The write side of startups, called directly: who may act, and what a refusal leaves behind."""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.auth.models import Invitation, InvitationKind
from incubator.auth.operations import invite_startup_member
from incubator.core.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.startups.models import MembershipRole, Startup, StartupMembership, StartupStatus, Tier
from incubator.startups.operations import create_startup, remove_member, update_startup
from tests.factories import SiteFactory, StartupFactory, UserFactory, make_credit_code, member_of

CODE = make_credit_code(1234)
COLUMNS = ('name', 'credit_code', 'tier', 'site_id', 'admitted_on', 'status', 'contact_name', 'contact_phone',
           'contact_email', 'description', 'updated_at')


def values(site, **overrides):
    data = {'name': 'Acme Robotics', 'credit_code': CODE, 'tier': 'incubator', 'site_id': site.id,
            'admitted_on': date(2026, 3, 1), 'status': 'incubating', 'contact_name': 'Li Lei',
            'contact_phone': '0755 8888 0000', 'contact_email': '', 'description': ''}
    data.update(overrides)
    return data


def startup_count():
    return db.session.execute(sa.select(sa.func.count()).select_from(Startup)).scalar_one()


def stored(startup_id):
    """The row as the database has it, not as the session remembers it."""
    db.session.rollback()
    db.session.expire_all()
    startup = db.session.get(Startup, startup_id)
    return {column: getattr(startup, column) for column in COLUMNS}


@pytest.fixture
def site(app):
    return SiteFactory()


@pytest.fixture
def manager(app):
    return UserFactory(roles=['manager'])


# --- create_startup --------------------------------------------------------------

@pytest.mark.parametrize('roles', [['manager'], ['admin']])
def test_managers_and_admins_create_startups(site, roles):
    actor = UserFactory(roles=roles)
    startup = create_startup(actor, **values(site, credit_code=f' {CODE.lower()} ', contact_email='',
                                             tier='accelerator', status='graduated'))
    db.session.commit()
    db.session.expire_all()

    saved = db.session.get(Startup, startup.id)
    assert saved.credit_code == CODE
    assert saved.tier == Tier.accelerator
    assert saved.status == StartupStatus.graduated
    assert saved.contact_email is None
    assert saved.description is None
    assert startup_count() == 1


@pytest.mark.parametrize('make_actor', [
    pytest.param(lambda startup: UserFactory(roles=['committee']), id='committee'),
    pytest.param(lambda startup: UserFactory(), id='no role'),
    pytest.param(lambda startup: member_of(startup, MembershipRole.owner), id='owner of a startup'),
    pytest.param(lambda startup: member_of(startup), id='member of a startup'),
])
def test_others_may_not_create_startups(site, make_actor):
    actor = make_actor(StartupFactory(site=site))
    with pytest.raises(NotAllowed):
        create_startup(actor, **values(site))
    assert startup_count() == 1


def test_a_disabled_manager_may_not_create_startups(site):
    actor = UserFactory(roles=['manager'], is_active=False)
    with pytest.raises(NotAllowed):
        create_startup(actor, **values(site))
    assert startup_count() == 0


def test_a_duplicate_code_is_a_conflict(site, manager):
    StartupFactory(site=site, credit_code=CODE)
    with pytest.raises(Conflict):
        create_startup(manager, **values(site, credit_code=CODE.lower()))
    db.session.commit()
    assert startup_count() == 1


@pytest.mark.parametrize('code', [CODE[:17], CODE[:17] + ('0' if CODE[17] != '0' else '1'), 'I' * 18, ''])
def test_an_invalid_code_is_refused(site, manager, code):
    with pytest.raises(DomainError) as refused:
        create_startup(manager, **values(site, credit_code=code))
    assert type(refused.value) is DomainError
    db.session.commit()
    assert startup_count() == 0


def test_an_unknown_site_is_refused(site, manager):
    with pytest.raises(DomainError) as refused:
        create_startup(manager, **values(site, site_id=99999))
    assert type(refused.value) is DomainError
    db.session.commit()
    assert startup_count() == 0


def test_operations_only_flush(site, manager):
    create_startup(manager, **values(site))
    db.session.rollback()
    assert startup_count() == 0


# --- update_startup -------------------------------------------------------------------

@pytest.fixture
def startup(site):
    return StartupFactory(site=site, name='Acme Robotics', credit_code=CODE)


def test_a_manager_updates_a_startup(site, manager, startup):
    new_code = make_credit_code(99)
    update_startup(manager, startup, **values(site, name='Acme Robotics Ltd', credit_code=new_code.lower(),
                                              status='exited'))
    db.session.commit()
    saved = stored(startup.id)
    assert saved['name'] == 'Acme Robotics Ltd'
    assert saved['credit_code'] == new_code
    assert saved['status'] == StartupStatus.exited


def test_keeping_the_own_code_is_no_conflict(site, manager, startup):
    update_startup(manager, startup, **values(site, description='Still Acme.'))
    db.session.commit()
    assert stored(startup.id)['description'] == 'Still Acme.'


@pytest.mark.parametrize('make_actor', [
    pytest.param(lambda startup: UserFactory(roles=['committee']), id='committee'),
    pytest.param(lambda startup: member_of(startup, MembershipRole.owner), id='owner of the startup'),
    pytest.param(lambda startup: member_of(startup), id='member of the startup'),
    pytest.param(lambda startup: UserFactory(), id='no role'),
])
def test_others_may_not_update_startups(site, startup, make_actor):
    actor = make_actor(startup)
    before = stored(startup.id)
    with pytest.raises(NotAllowed):
        update_startup(actor, startup, **values(site, name='Hijacked'))
    db.session.commit()
    assert stored(startup.id) == before


@pytest.mark.parametrize('bad', [
    pytest.param({'credit_code': 'not a code'}, id='invalid code'),
    pytest.param({'credit_code': CODE[:17] + ('0' if CODE[17] != '0' else '1')}, id='wrong check character'),
    pytest.param({'site_id': 99999}, id='unknown site'),
])
def test_an_invalid_update_leaves_the_row_unchanged(site, manager, startup, bad):
    before = stored(startup.id)
    with pytest.raises(DomainError):
        update_startup(manager, startup, **values(site, name='Renamed', contact_name='Someone', **bad))
    # Nothing was written to the object either, so even a commit keeps the row.
    assert startup.name == 'Acme Robotics'
    db.session.commit()
    assert stored(startup.id) == before


def test_an_update_to_a_code_in_use_leaves_the_row_unchanged(site, manager, startup):
    other = StartupFactory(site=site)
    before = stored(startup.id)
    with pytest.raises(Conflict):
        update_startup(manager, startup, **values(site, name='Renamed', credit_code=other.credit_code))
    db.session.commit()
    assert stored(startup.id) == before


# --- remove_member ------------------------------------------------------------------

def test_the_last_owner_cannot_be_removed(manager, startup):
    owner = member_of(startup, MembershipRole.owner)
    membership = startup.membership_of(owner)
    with pytest.raises(DomainError) as refused:
        remove_member(manager, membership)
    assert type(refused.value) is DomainError
    db.session.commit()
    assert db.session.get(StartupMembership, membership.id) is not None


def test_an_owner_cannot_remove_themselves_as_the_last_owner(startup):
    owner = member_of(startup, MembershipRole.owner)
    with pytest.raises(DomainError):
        remove_member(owner, startup.membership_of(owner))
    db.session.commit()
    assert startup.membership_of(owner) is not None


def test_one_of_two_owners_can_be_removed(manager, startup):
    first = member_of(startup, MembershipRole.owner)
    member_of(startup, MembershipRole.owner)
    membership_id = startup.membership_of(first).id
    remove_member(manager, startup.membership_of(first))
    db.session.commit()
    assert db.session.get(StartupMembership, membership_id) is None
    assert [m.role for m in startup.memberships] == [MembershipRole.owner]


@pytest.mark.parametrize('actor_kind', ['manager', 'admin', 'owner'])
def test_a_member_is_removed(startup, actor_kind):
    owner = member_of(startup, MembershipRole.owner)
    member = member_of(startup)
    actor = owner if actor_kind == 'owner' else UserFactory(roles=[actor_kind])
    membership_id = startup.membership_of(member).id

    remove_member(actor, startup.membership_of(member))
    db.session.commit()

    assert db.session.get(StartupMembership, membership_id) is None
    assert db.session.get(type(member), member.id) is not None, 'the account itself stays'
    assert [m.user_id for m in startup.memberships] == [owner.id]


@pytest.mark.parametrize('make_actor', [
    pytest.param(lambda startup, other: UserFactory(roles=['committee']), id='committee'),
    pytest.param(lambda startup, other: member_of(startup), id='plain member'),
    pytest.param(lambda startup, other: member_of(other, MembershipRole.owner), id='owner of another startup'),
    pytest.param(lambda startup, other: UserFactory(), id='no role'),
])
def test_others_may_not_remove_members(site, startup, make_actor):
    member_of(startup, MembershipRole.owner)
    member = member_of(startup)
    actor = make_actor(startup, StartupFactory(site=site))
    membership_id = startup.membership_of(member).id
    with pytest.raises(NotAllowed):
        remove_member(actor, startup.membership_of(member))
    db.session.commit()
    assert db.session.get(StartupMembership, membership_id) is not None


# --- invite_startup_member ------------------------------------------------------------
# The invitation email holds an absolute link, built from SERVER_NAME even outside a request
# (jobs and commands send mail too): these tests call the operation with no request at all.

@pytest.mark.parametrize('actor_kind', ['manager', 'admin', 'owner'])
def test_managers_and_owners_invite_members(app, startup, outbox, actor_kind):
    owner = member_of(startup, MembershipRole.owner)
    actor = owner if actor_kind == 'owner' else UserFactory(roles=[actor_kind])

    invitation = invite_startup_member(actor, startup, ' New.Person@Example.com ', ' New Person ', 'member', 'en')
    db.session.commit()

    assert invitation.kind == InvitationKind.startup_member
    assert invitation.startup_id == startup.id
    assert invitation.email == 'new.person@example.com'
    assert invitation.name == 'New Person'
    assert invitation.membership_role == MembershipRole.member
    emails = outbox()
    assert [email.recipient for email in emails] == ['new.person@example.com']
    assert 'http://localhost/invitation/' in emails[0].text_body


@pytest.mark.parametrize('make_actor', [
    pytest.param(lambda startup, other: UserFactory(roles=['committee']), id='committee'),
    pytest.param(lambda startup, other: member_of(startup), id='plain member'),
    pytest.param(lambda startup, other: member_of(other, MembershipRole.owner), id='owner of another startup'),
    pytest.param(lambda startup, other: UserFactory(), id='no role'),
])
def test_others_may_not_invite_members(app, site, startup, outbox, make_actor):
    actor = make_actor(startup, StartupFactory(site=site))
    with pytest.raises(NotAllowed):
        invite_startup_member(actor, startup, 'new@example.com', 'New', 'member', 'en')
    db.session.commit()
    assert db.session.execute(sa.select(Invitation)).first() is None
    assert outbox() == []


def test_inviting_an_existing_member_is_a_conflict(app, manager, startup, outbox):
    member = member_of(startup, email='already@example.com')
    with pytest.raises(Conflict):
        invite_startup_member(manager, startup, 'Already@Example.com', member.name, 'member', 'en')
    db.session.commit()
    assert outbox() == []


def test_a_new_invitation_revokes_the_open_one(app, manager, startup):
    first = invite_startup_member(manager, startup, 'new@example.com', 'New', 'member', 'en')
    second = invite_startup_member(manager, startup, 'new@example.com', 'New', 'owner', 'en')
    db.session.commit()
    assert first.revoked_at is not None
    assert second.revoked_at is None
    assert second.membership_role == MembershipRole.owner


# --- messages outside a request --------------------------------------------------------

def test_a_refusal_can_be_read_outside_a_request(site):
    """Jobs and CLI commands (``flask users create-admin``) turn a DomainError into text with ``str``.

    There is no request there: the message comes in the default language (Chinese).
    """
    with pytest.raises(NotAllowed) as refused:
        create_startup(UserFactory(), **values(site))
    try:
        message = str(refused.value)
    except RuntimeError as error:
        pytest.fail(f'str() of a DomainError outside a request raised RuntimeError: {error}'.splitlines()[0])
    assert message == '只有孵化经理可以登记入驻企业。'
