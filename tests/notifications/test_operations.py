"""notify(), reading and preferences, called directly; titles rendered in the reader's language."""
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from incubator.extensions import db
from incubator.notifications import kinds
from incubator.notifications.kinds import NotificationKind
from incubator.notifications.models import Notification, OutboxEmail
from incubator.notifications.operations import mark_all_read, mark_read, notify, notify_many, set_email_preferences
from incubator.notifications.queries import email_preferences, unread_count, wants_email
from tests.factories import UserFactory


def accepted(user, **params):
    params = {'name': 'Zhou Jie', 'startup': 'Qingwu Tech', **params}
    notification = notify(user, 'invitation_accepted', link='/startups/7', **params)
    db.session.commit()
    return notification


@pytest.fixture
def greeting_kind():
    """A kind whose title the catalogues already translate, to show rendering in each language."""
    kind = kinds.register(NotificationKind(name='test_greeting', title=_l('Hello %(name)s,'),
                                           label=_l('Greetings'), email_template=None))
    yield kind
    kinds.unregister(kind.name)


def test_notify_writes_the_notification_and_an_email_in_the_users_language(app, outbox):
    user = UserFactory(email='inviter@example.com', name='Wang Min', locale='en')

    notification = accepted(user)

    assert notification.user_id == user.id
    assert notification.kind == 'invitation_accepted'
    assert notification.params == {'name': 'Zhou Jie', 'startup': 'Qingwu Tech'}
    assert notification.link == '/startups/7'
    assert notification.is_unread
    [email] = outbox('inviter@example.com')
    assert email.locale == 'en'
    assert email.kind == 'notifications/notification'
    assert email.subject == 'Zhou Jie accepted your invitation to Qingwu Tech.'
    assert email.text_body.startswith('Hello Wang Min,')
    assert 'http://localhost/startups/7' in email.text_body
    assert 'http://localhost/notifications/preferences' in email.text_body
    assert '<a href="http://localhost/startups/7">' in email.html_body


def test_the_email_follows_the_recipients_language_not_the_callers(app, outbox):
    chinese = UserFactory(email='zh@example.com', name='王敏', locale='zh_CN')
    undecided = UserFactory(email='default@example.com', name='李雷', locale=None)
    english = UserFactory(email='en@example.com', name='Wang Min', locale='en')
    with force_locale('en'):
        for user in (chinese, undecided, english):
            accepted(user)
    assert [(e.recipient, e.locale) for e in outbox()] == [
        ('zh@example.com', 'zh_CN'), ('default@example.com', 'zh_CN'), ('en@example.com', 'en')]
    assert '王敏，您好：' in outbox('zh@example.com')[0].text_body
    assert '梧桐' in outbox('zh@example.com')[0].html_body
    assert 'Hello Wang Min,' in outbox('en@example.com')[0].text_body


def test_a_user_who_switched_the_email_off_still_sees_the_notification(app, outbox):
    user = UserFactory(email='quiet@example.com')
    assert wants_email(user, 'invitation_accepted')
    set_email_preferences(user, [])
    db.session.commit()
    assert not wants_email(user, 'invitation_accepted')

    accepted(user)

    assert outbox() == []
    assert db.session.query(Notification).filter_by(user_id=user.id).count() == 1
    assert unread_count(user) == 1


def test_preferences_default_to_each_kinds_default_and_can_be_switched_back(app):
    user = UserFactory()
    defaults = email_preferences(user)
    assert defaults['invitation_accepted'] is True
    assert defaults['booking_awaits_approval'] is False            # a kind whose email is off by default
    set_email_preferences(user, [])
    assert not any(email_preferences(user).values())
    set_email_preferences(user, ['invitation_accepted'])
    db.session.commit()
    assert {kind for kind, on in email_preferences(user).items() if on} == {'invitation_accepted'}


def test_only_choosable_kinds_can_be_chosen(app):
    from incubator.core.errors import DomainError
    with pytest.raises(DomainError):
        set_email_preferences(UserFactory(), ['auth/password_reset'])
    assert 'auth/invitation' not in email_preferences(UserFactory())


def test_a_disabled_account_gets_no_email(app, outbox):
    accepted(UserFactory(is_active=False))
    assert outbox() == []


@pytest.mark.parametrize('link', ['https://evil.example/x', '//evil.example', '/\\evil.example', 'startups/1'])
def test_a_link_must_be_a_path_on_this_site(app, link):
    with pytest.raises(ValueError):
        notify(UserFactory(), 'invitation_accepted', link=link, name='x', startup='y')


def test_unknown_kinds_and_odd_params_are_refused(app):
    user = UserFactory()
    with pytest.raises(LookupError):
        notify(user, 'no_such_kind')
    with pytest.raises(TypeError):
        notify(user, 'invitation_accepted', name=user, startup='y')


def test_the_title_is_rendered_when_read_in_the_readers_language(app, greeting_kind):
    notification = notify(UserFactory(), 'test_greeting', name='王敏')
    with force_locale('en'):
        assert notification.text == 'Hello 王敏,'
    with force_locale('zh_CN'):
        assert notification.text == '王敏，您好：'


def test_invitation_accepted_titles_in_english(app):
    user = UserFactory()
    with force_locale('en'):
        assert accepted(user).text == 'Zhou Jie accepted your invitation to Qingwu Tech.'
        assert accepted(user, startup=None).text == 'Zhou Jie accepted your invitation to join Wutong.'


def test_invitation_accepted_titles_in_chinese(app):
    with force_locale('zh_CN'):
        text = accepted(UserFactory()).text
    assert text == 'Zhou Jie已接受您的邀请，加入Qingwu Tech。'


def test_a_kind_that_no_longer_exists_still_shows_something(app):
    user = UserFactory()
    notification = Notification(user_id=user.id, kind='retired_kind', params={'x': 1})
    db.session.add(notification)
    db.session.commit()
    with force_locale('en'):
        assert notification.text == 'You have a new notification.'


def test_a_title_missing_a_parameter_does_not_break_the_page(app):
    notification = notify(UserFactory(), 'invitation_accepted', startup='Qingwu Tech')
    with force_locale('en'):
        assert notification.text == '%(name)s accepted your invitation to %(startup)s.'


def test_mark_read_and_mark_all_read_touch_only_the_users_own(app):
    user, other = UserFactory(), UserFactory()
    first, second = accepted(user), accepted(user)
    theirs = accepted(other)

    mark_read(user, first)
    db.session.commit()
    assert not first.is_unread and second.is_unread
    read_at = first.read_at
    mark_read(user, first)
    assert first.read_at == read_at

    from incubator.core.errors import DomainError
    with pytest.raises(DomainError):
        mark_read(user, theirs)

    assert mark_all_read(user) == 1
    db.session.commit()
    assert unread_count(user) == 0
    assert unread_count(other) == 1


def test_notifications_go_with_their_user(app):
    user = UserFactory()
    accepted(user)
    set_email_preferences(user, [])
    db.session.delete(user)
    db.session.commit()
    assert db.session.query(Notification).count() == 0


class TestNotifyMany:
    """notify_many writes what notify writes, for many users in a fixed number of statements."""

    def each_way(self, users, params):
        for user in users:
            notify(user, 'invitation_accepted', link='/startups/7', **params)
        db.session.commit()
        one_by_one = [(e.recipient, e.locale, e.subject, e.text_body, e.html_body) for e in self.emails()]
        db.session.execute(sa.delete(OutboxEmail))
        db.session.execute(sa.delete(Notification))
        notify_many([(user, 'invitation_accepted', '/startups/7', params) for user in users])
        db.session.commit()
        return one_by_one, [(e.recipient, e.locale, e.subject, e.text_body, e.html_body) for e in self.emails()]

    @staticmethod
    def emails():
        return db.session.execute(sa.select(OutboxEmail).order_by(OutboxEmail.recipient)).scalars().all()

    def test_the_same_emails_as_one_by_one_in_each_language_escaped(self, app):
        users = [UserFactory(email='zh@example.com', name='王敏', locale='zh_CN'),
                 UserFactory(email='en@example.com', name='Wang <b>Min</b> & Co', locale='en'),
                 UserFactory(email='none@example.com', name='Li Lei', locale=None)]
        params = {'name': 'Zhou "Jie"', 'startup': '<Qingwu> Tech'}
        one_by_one, bulk = self.each_way(users, params)
        assert bulk == one_by_one
        english = next(email for email in bulk if email[0] == 'en@example.com')
        assert 'Wang &lt;b&gt;Min&lt;/b&gt; &amp; Co' in english[4] and 'Hello Wang <b>Min</b> & Co,' in english[3]
        notices = db.session.execute(sa.select(Notification).order_by(Notification.id)).scalars().all()
        assert [(n.user_id, n.kind, n.params, n.link) for n in notices] == [
            (user.id, 'invitation_accepted', params, '/startups/7') for user in users]

    def test_preferences_and_inactive_users_are_respected(self, app):
        quiet, gone, keen = UserFactory(), UserFactory(is_active=False), UserFactory()
        set_email_preferences(quiet, [])
        db.session.commit()
        assert notify_many([(user, 'invitation_accepted', None, {'name': 'A', 'startup': 'B'})
                            for user in (quiet, gone, keen)]) == 3
        db.session.commit()
        assert [email.recipient for email in self.emails()] == [keen.email]

    def test_a_link_off_the_site_is_refused(self, app):
        with pytest.raises(ValueError):
            notify_many([(UserFactory(), 'invitation_accepted', 'https://evil.example/', {})])
