import sqlalchemy as sa

from incubator.auth.models import Role, User
from incubator.booking.models import Booking, BookingStatus
from incubator.core.transactions import transaction
from incubator.demo import BOOKINGS, DEMO_PASSWORD, SPACES, _load_people
from incubator.extensions import db
from incubator.sites.models import Site, SiteOpeningHours
from incubator.spaces.models import Certification, Space, SpaceKind, TierQuota, UserCertification
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


def _booking_demo_counts():
    return {model.__name__: db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (Space, Booking, SiteOpeningHours, TierQuota, UserCertification)}


def test_demo_load_twice_leaves_one_copy_of_the_spaces_and_bookings(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=['demo', 'load']).exit_code == 0
    counts = _booking_demo_counts()
    assert counts == {'Space': len(SPACES), 'Booking': len(BOOKINGS), 'SiteOpeningHours': 2 * 6,
                      # One recorded by hand, two by the green-channel request that delivered lab access.
                      'TierQuota': 3 * len(SpaceKind), 'UserCertification': 3}
    second = runner.invoke(args=['demo', 'load'])
    assert second.exit_code == 0 and 'already loaded' in second.output
    assert _booking_demo_counts() == counts
    spaces = db.session.execute(sa.select(Space)).scalars().all()
    assert {space.kind for space in spaces} == set(SpaceKind)
    assert len({(space.site_id, space.name) for space in spaces}) == len(SPACES)
    bookings = db.session.execute(sa.select(Booking)).scalars().all()
    assert sorted(booking.status.value for booking in bookings).count(BookingStatus.pending.value) == 1
    assert all(booking.usage_minutes >= booking.free_minutes for booking in bookings)
    assert any(booking.price_fen > 0 for booking in bookings)  # beyond the free hours of the tier


def test_demo_load_adds_the_spaces_to_a_demo_loaded_before_them(app):
    with transaction():
        _load_people()
    assert _booking_demo_counts()['Space'] == 0
    result = app.test_cli_runner().invoke(args=['demo', 'load'])
    assert result.exit_code == 0 and 'Demo data loaded.' in result.output
    assert _booking_demo_counts()['Space'] == len(SPACES)


def test_demo_projects_show_every_health_state_a_submission_awaiting_and_a_review_cycle(app):
    from incubator.attachments.models import Attachment
    from incubator.projects.health import Health, health_of
    from incubator.projects.models import KpiFigure, MilestoneState, ProgressSubmission, Project, programme_today
    from incubator.projects.reviews.models import KpiRating, ProgressReview, ReviewState
    runner = app.test_cli_runner()
    assert runner.invoke(args=['demo', 'load']).exit_code == 0

    def counts():
        return {model.__name__: db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
                for model in (Project, KpiFigure, ProgressSubmission, ProgressReview, KpiRating, Attachment)}
    loaded = counts()
    projects = db.session.execute(sa.select(Project)).scalars().all()
    assert {health_of(project, programme_today())[0] for project in projects} == set(Health)
    assert {milestone.state for project in projects for milestone in project.milestones} == set(MilestoneState)
    assert all(project.fundings for project in projects)
    assert any(len(target.figures) >= 4 for project in projects for milestone in project.milestones
               for target in milestone.kpi_targets)  # the chart draws a line
    waiting = db.session.execute(sa.select(ProgressSubmission).filter_by(state='pending')).scalar_one()
    evidence = db.session.execute(sa.select(Attachment)).scalar_one()
    assert (evidence.owner_id, evidence.content_type) == (waiting.id, 'application/pdf')
    reviews = db.session.execute(sa.select(ProgressReview)).scalars().all()
    decided = [review for review in reviews if review.state == ReviewState.decided]
    assert len(decided) == len(projects) and all(review.ratings and review.findings for review in decided)
    assert len(reviews) == 2 * len(projects)  # and this quarter's open
    second = runner.invoke(args=['demo', 'load'])
    assert second.exit_code == 0 and 'already loaded' in second.output
    assert counts() == loaded


def test_demo_certifications_read_in_chinese(app):
    """Certification names and descriptions are shown as they are stored: the demo's are Chinese only."""
    import re
    assert app.test_cli_runner().invoke(args=['demo', 'load']).exit_code == 0
    certifications = db.session.execute(sa.select(Certification)).scalars().all()
    assert certifications
    for certification in certifications:
        text = f'{certification.name} {certification.description}'
        assert re.search(r'[\u4e00-\u9fff]', text) and not re.search(r'[A-Za-z]{4,}', text), text
