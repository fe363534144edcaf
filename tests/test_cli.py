import sqlalchemy as sa

from incubator.auth.models import Role, User
from incubator.demo import DEMO_PASSWORD
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.startups.models import Startup, Tier


def test_demo_loads_once_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=['demo', 'load'])
    assert first.exit_code == 0, first.output
    assert 'Demo data loaded.' in first.output
    assert 'admin@demo.wutong.example' in first.output and DEMO_PASSWORD in first.output
    second = runner.invoke(args=['demo', 'load'])
    assert 'already loaded' in second.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(Site)).scalar_one() == 2
    tiers = set(db.session.execute(sa.select(Startup.tier)).scalars())
    assert tiers == set(Tier)
    users = db.session.execute(sa.select(User)).scalars().all()
    roles = set().union(*(user.roles for user in users))
    assert roles == set(Role)
    assert any(user.memberships for user in users)
    admin = db.session.execute(sa.select(User).filter_by(email='admin@demo.wutong.example')).scalar_one()
    assert admin.check_password(DEMO_PASSWORD)


def test_create_admin_without_demo_data(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=['users', 'create-admin', '--email', 'Root@Example.com', '--name', 'Root'],
                           input='a long admin password\na long admin password\n')
    assert result.exit_code == 0, result.output
    admin = db.session.execute(sa.select(User)).scalar_one()
    assert admin.email == 'root@example.com'
    assert admin.roles == {Role.admin}
    assert db.session.execute(sa.select(sa.func.count()).select_from(Site)).scalar_one() == 0
    again = runner.invoke(args=['users', 'create-admin', '--email', 'root@example.com', '--name', 'R'],
                          input='a long admin password\na long admin password\n')
    assert again.exit_code != 0
    assert '已有账号' in again.output  # the CLI speaks the default language


def test_create_admin_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=['users', 'create-admin', '--email', 'a@example.com',
                                                '--name', 'A'], input='short\nshort\n')
    assert result.exit_code != 0
    assert db.session.execute(sa.select(User)).first() is None


def test_demo_logins_work_through_the_login_form(app, client):
    app.test_cli_runner().invoke(args=['demo', 'load'])
    for email in ('admin@demo.wutong.example', 'manager@demo.wutong.example', 'owner@demo.wutong.example'):
        response = client.post('/login', data={'email': email, 'password': DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get('/').status_code == 200
        client.post('/logout')


def test_command_line_changes_are_audited_as_cli(app):
    from incubator.core.audit import AuditEntry
    app.test_cli_runner().invoke(args=['users', 'create-admin', '--email', 'cli@example.com', '--name', 'C'],
                                 input='a long admin password\na long admin password\n')
    entries = db.session.execute(sa.select(AuditEntry).filter_by(object_type='user')).scalars().all()
    assert [(e.actor_label, e.action.value, e.summary) for e in entries] == [('cli', 'created', 'cli@example.com')]
