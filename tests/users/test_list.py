"""The administrators' list of accounts: found by name or email, by role and by status, a page at a time."""
import re

import pytest

from incubator.extensions import db
from incubator.users import views
from tests.factories import UserFactory

EN = {'Accept-Language': 'en'}


@pytest.fixture
def people(login):
    admin = login(UserFactory(roles=['admin'], name='Ada Admin', email='ada@example.com'))
    people = {
        'admin': admin,
        'manager': UserFactory(roles=['manager'], name='李强', email='li.qiang@example.com'),
        'reviewer': UserFactory(roles=['department_reviewer'], name='Sun Yue', email='sun@land.example'),
        'founder': UserFactory(name='刘洋', email='liu@startup.example'),
        'gone': UserFactory(name='Old_Founder', email='old%founder@startup.example', is_active=False),
    }
    db.session.commit()
    return people


def listed(client, **filters):
    page = client.get('/admin/users/', query_string=filters, headers=EN).get_data(as_text=True)
    return set(re.findall(r'<td data-label="Email">([^<]+)</td>', page)), page


def test_without_filters_everyone_is_listed_and_counted(client, people):
    emails, page = listed(client)
    assert emails == {person.email for person in people.values()} and '5 users' in page


@pytest.mark.parametrize('filters, expected', [
    ({'q': 'LI'}, {'li.qiang@example.com', 'liu@startup.example'}),       # the email, whatever the case
    ({'q': '刘'}, {'liu@startup.example'}),                                 # the name, in Chinese
    ({'q': '_'}, {'old%founder@startup.example'}),                         # LIKE's wildcards are plain characters
    ({'q': '%'}, {'old%founder@startup.example'}),
    ({'role': 'manager'}, {'li.qiang@example.com'}),
    ({'role': 'none'}, {'liu@startup.example', 'old%founder@startup.example'}),
    ({'status': 'disabled'}, {'old%founder@startup.example'}),
    ({'role': 'none', 'status': 'enabled'}, {'liu@startup.example'}),
    ({'q': 'nobody'}, set()),
])
def test_filters_find_the_accounts(client, people, filters, expected):
    emails, page = listed(client, **filters)
    assert emails == expected
    if not expected:
        assert 'No users found.' in page


@pytest.mark.parametrize('filters', [{'role': 'king'}, {'status': 'maybe'}, {'q': 'x' * 300}])
def test_a_filter_not_understood_is_said_and_filters_nothing(client, people, filters):
    emails, page = listed(client, **filters)
    assert len(emails) == 5 and 'is-invalid' in page


def test_a_page_at_a_time_keeping_the_filters(client, people, monkeypatch):
    monkeypatch.setattr(views, 'USERS_PER_PAGE', 2)
    seen = set()
    for number in (1, 2, 3):
        emails, page = listed(client, q='example', page=number)
        assert len(emails) == (2 if number < 3 else 1) and not emails & seen
        assert f'Page {number} of 3' in page and '5 users' in page
        seen |= emails
    assert seen == {person.email for person in people.values()}
    first, page = listed(client, q='example', status='')
    assert 'href="/admin/users/?page=2&amp;q=example"' in page              # the filters set, and only they
    beyond, page = listed(client, q='example', page=99)
    assert beyond == emails and 'Page 3 of 3' in page


def test_the_statements_do_not_grow_with_the_rows(client, people, count_queries):
    with count_queries() as few:
        listed(client)
    for number in range(10):
        UserFactory(roles=['manager'] if number % 2 else [], email=f'more{number}@example.com')
    db.session.commit()
    with count_queries() as many:
        emails, _page = listed(client)
    assert len(emails) == 15 and many.count == few.count, many.statements
