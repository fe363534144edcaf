"""The audit hook: every change of an audited object appends who, when, what, before → after."""
import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from incubator.auth.models import Role, User
from incubator.auth.operations import change_password, invite_staff, update_profile, update_user
from incubator.core.audit import (
    AuditAction,
    AuditEntry,
    AuditLogIsAppendOnly,
    acting_as,
    audited,
    current_actor,
    to_json,
)
from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.startups import views as startup_views
from incubator.startups.models import MembershipRole, Startup
from incubator.startups.operations import create_startup, remove_member, update_startup
from tests.factories import PASSWORD, SiteFactory, StartupFactory, UserFactory, make_credit_code, member_of

CODE = make_credit_code(777)
NOW = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
IP = {'REMOTE_ADDR': '203.0.113.7'}


def entries(**criteria):
    db.session.expire_all()
    query = sa.select(AuditEntry).filter_by(**criteria).order_by(AuditEntry.id)
    return db.session.execute(query).scalars().all()


def startup_form(site, **overrides):
    data = {'name': 'Acme Robotics', 'credit_code': CODE, 'tier': 'accelerator', 'site_id': str(site.id),
            'admitted_on': '2026-03-01', 'status': 'incubating', 'contact_name': 'Li Lei',
            'contact_phone': '0755 8888 0000', 'contact_email': '', 'description': ''}
    data.update(overrides)
    return data


def startup_values(site, **overrides):
    values = dict(startup_form(site), site_id=site.id, admitted_on=date(2026, 3, 1))
    values.update(overrides)
    return values


# --- through HTTP: who, from where, what --------------------------------------------

def test_registering_a_startup_records_it_created_by_the_user_from_their_address(client, login):
    with time_machine.travel(NOW, tick=False):
        manager = login(UserFactory(roles=['manager']))
        site = SiteFactory()
        response = client.post('/startups/new', data=startup_form(site), environ_base=IP)

    assert response.status_code == 302
    startup = db.session.execute(sa.select(Startup)).scalar_one()
    [entry] = entries(object_type='startup')
    assert (entry.action, entry.object_id, entry.summary) == (AuditAction.created, str(startup.id), 'Acme Robotics')
    assert (entry.actor_id, entry.actor_label, entry.request_ip) == (manager.id, manager.email, '203.0.113.7')
    assert entry.occurred_at == NOW
    assert entry.changes == {
        'id': [None, startup.id], 'name': [None, 'Acme Robotics'], 'credit_code': [None, CODE],
        'tier': [None, 'accelerator'], 'site_id': [None, site.id], 'admitted_on': [None, '2026-03-01'],
        'status': [None, 'incubating'], 'contact_name': [None, 'Li Lei'], 'contact_phone': [None, '0755 8888 0000'],
    }


def test_editing_a_startup_records_only_the_fields_that_changed(client, login):
    login(UserFactory(roles=['manager']))
    startup = StartupFactory(name='Old Name', credit_code=CODE, contact_phone='0755 1111 2222')
    data = startup_form(startup.site, name='New Name', admitted_on='2026-01-15', tier='incubator',
                        contact_name='Contact', contact_phone='0755 3333 4444')

    assert client.post(f'/startups/{startup.id}/edit', data=data).status_code == 302

    [entry] = entries(object_type='startup', action=AuditAction.updated)
    assert entry.object_id == str(startup.id)
    assert entry.summary == 'New Name'
    assert entry.changes == {'name': ['Old Name', 'New Name'], 'contact_phone': ['0755 1111 2222', '0755 3333 4444']}

    assert client.post(f'/startups/{startup.id}/edit', data=data).status_code == 302  # saved unchanged
    assert len(entries(object_type='startup', action=AuditAction.updated)) == 1


def test_a_request_that_fails_after_writing_leaves_no_audit_entry(client, login, monkeypatch):
    login(UserFactory(roles=['manager']))
    site = SiteFactory()

    written = []

    def create_then_crash(actor, **values):
        create_startup(actor, **values)
        written.extend(db.session.execute(sa.select(AuditEntry.action).filter_by(object_type='startup')).scalars())
        raise RuntimeError('simulated crash after the flush')

    monkeypatch.setattr(startup_views.operations, 'create_startup', create_then_crash)
    response = client.post('/startups/new', data=startup_form(site))

    assert response.status_code == 500
    assert written == [AuditAction.created]  # written in the request's transaction, then rolled back
    assert db.session.execute(sa.select(Startup)).first() is None
    assert entries(object_type='startup') == []


def test_accepting_an_invitation_anonymously_is_attributed_to_anonymous_and_the_address(client, login, outbox):
    from tests.conftest import link_in
    login(UserFactory(roles=['admin']))
    client.post('/admin/users/invite', data={'email': 'new@example.com', 'name': 'New', 'role': 'manager'})
    link = link_in(outbox()[0], '/invitation/')
    client.post('/logout')

    response = client.post(link, data={'password': 'a new password', 'confirm': 'a new password'}, environ_base=IP)

    assert response.status_code == 302
    [created] = entries(object_type='user', summary='new@example.com')
    assert (created.actor_id, created.actor_label, created.request_ip) == (None, 'anonymous', '203.0.113.7')
    [accepted] = entries(object_type='invitation', action=AuditAction.updated)
    assert list(accepted.changes) == ['accepted_at']


# --- accounts: roles, and never a secret ---------------------------------------------

def test_granting_and_removing_roles_records_user_role_entries(app):
    admin = UserFactory(roles=['admin'])
    user = UserFactory(roles=['committee'], email='zhang@example.com')
    before = len(entries())

    update_user(admin, user, ['manager'], True)
    db.session.commit()

    new = entries()[before:]
    assert sorted((e.action.value, e.object_type, e.object_id, e.summary) for e in new) == [
        ('created', 'user_role', str(user.id), 'zhang@example.com'),
        ('deleted', 'user_role', str(user.id), 'zhang@example.com'),
    ]
    changes = {e.action: e.changes for e in new}
    assert changes[AuditAction.created] == {'user_id': [None, user.id], 'role': [None, 'manager']}
    assert changes[AuditAction.deleted] == {'user_id': [user.id, None], 'role': ['committee', None]}


def test_disabling_an_account_records_is_active_but_not_the_session_version(app):
    admin = UserFactory(roles=['admin'])
    user = UserFactory()

    update_user(admin, user, [], False)
    db.session.commit()

    [entry] = entries(object_type='user', action=AuditAction.updated)
    assert entry.object_id == str(user.id)
    assert entry.changes == {'is_active': [True, False]}


def test_password_hashes_and_invitation_tokens_are_never_recorded(app):
    user = UserFactory(name='Old')
    old_hash = user.password_hash
    admin = UserFactory(roles=['admin'])

    change_password(user, PASSWORD, 'another good password')
    update_profile(user, 'New', 'en')
    invitation = invite_staff(admin, 'staff@example.com', 'Staff', 'manager', 'en')
    db.session.commit()

    assert user.password_hash != old_hash
    [entry] = entries(object_type='user', action=AuditAction.updated)
    assert entry.changes == {'name': ['Old', 'New']}  # the language switch is not a change worth logging
    [invited] = entries(object_type='invitation')
    assert 'token_hash' not in invited.changes
    recorded = json.dumps([e.changes for e in entries()])
    for secret in ('password', 'session_version', 'token', old_hash, user.password_hash, invitation.token_hash):
        assert secret not in recorded


def test_a_password_change_alone_writes_no_entry(client, login):
    """The hash is excluded; with nothing else changed there is nothing to record."""
    user = login(UserFactory())
    before = len(entries())
    response = client.post('/account/password', data={'current_password': PASSWORD, 'password': 'a new password',
                                                       'confirm': 'a new password'})
    assert response.status_code == 302
    assert db.session.get(User, user.id).check_password('a new password')
    assert len(entries()) == before


# --- called directly: actors outside requests ----------------------------------------------

def test_outside_a_request_the_actor_is_system_unless_someone_acts_as(app):
    site = SiteFactory()
    manager = UserFactory(roles=['manager'])
    assert current_actor() == (None, 'system', None)

    startup = create_startup(manager, **startup_values(site))
    with acting_as('job:housekeeping.purge'):
        assert current_actor() == (None, 'job:housekeeping.purge', None)
        update_startup(manager, startup, **startup_values(site, name='Renamed by job'))
    with acting_as('cli', user=manager):
        update_startup(manager, startup, **startup_values(site, name='Renamed from the command line'))
    db.session.commit()

    assert current_actor() == (None, 'system', None)
    assert [(e.action.value, e.actor_id, e.actor_label, e.request_ip) for e in entries(object_type='startup')] == [
        ('created', None, 'system', None),
        ('updated', None, 'job:housekeeping.purge', None),
        ('updated', manager.id, 'cli', None),
    ]


def test_the_old_value_of_an_expired_object_is_loaded_before_it_is_overwritten(app):
    startup = StartupFactory(name='Before')  # committed, so every attribute is expired
    startup.name = 'After'
    db.session.commit()
    [entry] = entries(object_type='startup', action=AuditAction.updated)
    assert entry.changes == {'name': ['Before', 'After']}


def test_deletes_record_what_the_object_held(app):
    startup = StartupFactory(name='Acme')
    member = member_of(startup, MembershipRole.member, email='member@example.com')
    manager = UserFactory(roles=['manager'])
    site = SiteFactory(name='Closed Site', address='1 Gone Road')
    membership = startup.membership_of(member)

    remove_member(manager, membership)
    db.session.delete(site)  # expired since its commit: the hook loads it first
    db.session.commit()

    [left] = entries(object_type='startup_membership', action=AuditAction.deleted)
    assert left.summary == 'member@example.com'
    assert left.changes == {'id': [membership.id, None], 'startup_id': [startup.id, None],
                            'user_id': [member.id, None], 'role': ['member', None]}
    [closed] = entries(object_type='site', action=AuditAction.deleted)
    assert closed.summary == 'Closed Site'
    assert closed.changes['name'] == ['Closed Site', None]
    assert closed.changes['address'] == ['1 Gone Road', None]


def test_a_rolled_back_transaction_takes_its_entries_with_it(app):
    site = SiteFactory()
    manager = UserFactory(roles=['manager'])
    with pytest.raises(RuntimeError):
        with transaction():
            create_startup(manager, **startup_values(site))
            assert len(entries(object_type='startup')) == 1
            raise RuntimeError('job failed')
    assert entries(object_type='startup') == []
    assert db.session.execute(sa.select(Startup)).first() is None


def test_objects_that_are_not_audited_write_nothing(app):
    from incubator.auth.models import LoginAttempt
    db.session.add(LoginAttempt(email='x@example.com', ip_address='203.0.113.9', succeeded=False))
    db.session.commit()
    assert entries() == []


# --- the log itself is append-only -----------------------------------------------------

@pytest.fixture
def entry(app):
    SiteFactory(name='Logged Site')
    [entry] = entries(object_type='site')
    return entry


def test_an_entry_cannot_be_edited_through_the_orm(entry):
    entry.summary = 'forged'
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert entries()[0].summary == 'Logged Site'


def test_an_entry_cannot_be_deleted_through_the_orm(entry):
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert len(entries()) == 1


@pytest.mark.parametrize('statement', [
    sa.update(AuditEntry).values(summary='forged'),
    sa.delete(AuditEntry),
], ids=['update', 'delete'])
def test_bulk_statements_cannot_change_the_log(entry, statement):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement)
    db.session.rollback()
    assert [e.summary for e in entries()] == ['Logged Site']


@pytest.mark.parametrize('statement', [
    sa.update(Startup).values(name='unlogged'),
    sa.delete(Site),
    sa.update(User).values(is_active=False),
], ids=['update startups', 'delete sites', 'update users'])
def test_bulk_statements_on_audited_models_are_refused(app, statement):
    """They would bypass the flush hook and change objects without a trace."""
    StartupFactory(name='Kept')
    with pytest.raises(TypeError, match='audit'):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.execute(sa.select(Startup.name)).scalar_one() == 'Kept'


# --- marking models ------------------------------------------------------------------------

class _Base(DeclarativeBase):
    pass


def test_a_model_whose_secret_column_is_not_excluded_is_refused():
    class Account(_Base):
        __tablename__ = 'accounts_with_secret'
        id: Mapped[int] = mapped_column(primary_key=True)
        api_token: Mapped[str]
        password_digest: Mapped[str]
        password_changed_at: Mapped[datetime | None]  # an instant, not a secret

    with pytest.raises(TypeError, match=r"\['api_token', 'password_digest'\]"):
        audited('account')(Account)
    with pytest.raises(TypeError, match=r"no columns \['api_tokn'\]"):
        audited('account', exclude={'api_tokn', 'password_digest'})(Account)


def test_marked_models_are_the_required_ones():
    from incubator.core.audit import audited_types
    assert {code for code, title in audited_types()} >= {
        'user', 'user_role', 'site', 'startup', 'startup_membership', 'invitation'}


class Colour(enum.Enum):
    red = 'red'


@pytest.mark.parametrize('value, expected', [
    (None, None), (True, True), (3, 3), ('文字', '文字'), (Colour.red, 'red'), (Role.admin, 'admin'),
    (date(2026, 3, 1), '2026-03-01'), (NOW, '2026-03-01T02:30:00+00:00'), (Decimal('12.50'), '12.50'),
])
def test_values_are_recorded_as_json(value, expected):
    assert to_json(value) == expected
