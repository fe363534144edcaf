"""Kept fragments: the navigation rendered once per set of permission answers, never stale for anyone."""
import pytest
from flask import template_rendered
from jinja2 import ChoiceLoader, DictLoader

from incubator.auth.models import Role
from incubator.core.fragments import _keep, _Question, render_kept
from incubator.extensions import db
from incubator.startups.models import MembershipRole
from tests.factories import StartupFactory, UserFactory, member_of

EN = {'Accept-Language': 'en'}


@pytest.fixture
def renderings(app):
    """The names of the templates rendered, as they are, from nothing kept."""
    app.extensions.pop('wutong.kept_fragments', None)
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)
    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def nav_of(client, path='/', headers=EN):
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return body[body.index('id="main-nav"'):body.index('name="locale"')]


def test_the_navigation_is_rendered_once_for_the_same_answers_on_the_same_page(client, login, renderings):
    login(UserFactory(roles=['manager']))
    first = nav_of(client)
    second = nav_of(client)
    login(UserFactory(roles=['manager']))
    third = nav_of(client)
    assert renderings.count('_nav_links.html') == 1
    assert first == second
    assert 'href="/payments/"' in third and 'href="/admin/users/"' not in third


def test_a_user_whose_roles_change_sees_the_navigation_of_their_new_roles_at_once(client, login):
    user = login(UserFactory(roles=['manager']))
    assert 'href="/admin/users/"' not in nav_of(client)
    user.set_roles({Role.manager, Role.admin})
    db.session.commit()
    assert 'href="/admin/users/"' in nav_of(client)
    user.set_roles(set())
    db.session.commit()
    plain = nav_of(client)
    assert 'href="/admin/users/"' not in plain and 'href="/payments/"' not in plain
    assert 'My startups' in plain


def test_answers_about_more_than_roles_are_asked_again_each_time(client, login):
    """A member's cases link depends on whether they own a startup, not on their roles."""
    owner = login(member_of(StartupFactory(), MembershipRole.owner))
    assert 'href="/cases/"' in nav_of(client)
    owner.memberships[0].role = MembershipRole.member
    db.session.commit()
    assert 'href="/cases/"' not in nav_of(client)


def test_people_of_different_roles_in_turn_each_see_their_own_navigation(client, login):
    admin, member = UserFactory(roles=['admin']), UserFactory()
    seen = []
    for user in (admin, member, admin, member):
        login(user)
        seen.append(nav_of(client))
    assert seen[0] == seen[2] and seen[1] == seen[3]
    assert 'href="/admin/users/"' in seen[0] and 'href="/admin/users/"' not in seen[1]


def test_the_navigation_is_kept_per_language_and_marks_the_page_it_is_on(client, login):
    login(UserFactory())
    english, chinese = nav_of(client), nav_of(client, headers={'Accept-Language': 'zh-CN'})
    assert 'My startups' in english and '我的企业' in chinese
    assert 'nav-link active" href="/startups/"' not in english
    assert 'nav-link active" href="/startups/"' in nav_of(client, '/startups/')


@pytest.fixture
def fragment_templates(app):
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        'about_an_object.html': "{{ 'yes' if can('startup.view', 7) }}",
    }), loader])
    yield
    app.jinja_env.loader = loader


def test_a_kept_fragment_may_not_ask_about_an_object(app, fragment_templates):
    with app.test_request_context('/'), pytest.raises(ValueError, match='startup.view'):
        render_kept('about_an_object.html')


def test_a_fragment_whose_questions_do_not_follow_from_its_answers_is_refused():
    kept = {}
    _keep(kept, 'key', [('a', True), ('b', False)], 'first')
    _keep(kept, 'key', [('a', False)], 'second')
    assert isinstance(kept['key'], _Question) and kept['key'].answers[False] == 'second'
    with pytest.raises(RuntimeError, match="asked 'c' where it asked 'b'"):
        _keep(kept, 'key', [('a', True), ('c', True)], 'third')
