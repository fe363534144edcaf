"""The one reader of page numbers, and counted pages that never run past the end."""
import gc

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from incubator.auth.models import User
from incubator.core import pagination
from incubator.core.pagination import MAX_PAGE, UncountedPage, page_number, paginate
from incubator.extensions import db
from tests.factories import UserFactory


@pytest.mark.parametrize('query, page', [
    ('', 1), ('?page=3', 3), ('?page=0', 1), ('?page=-2', 1), ('?page=x', 1), ('?page=2.5', 1), ('?page=', 1),
    ('?page=%EF%BC%92', 1), ('?page=10000', MAX_PAGE), ('?page=10001', MAX_PAGE), ('?page=2147483648', MAX_PAGE),
    ('?page=' + '9' * 5000, MAX_PAGE), ('?page=1&page=2', 1),
])
def test_page_numbers_are_read_safely(app, query, page):
    with app.test_request_context(f'/{query}'):
        assert page_number() == page


def test_a_page_past_the_end_is_the_last_page(app):
    UserFactory.create_batch(5)
    query = sa.select(User).order_by(User.id)
    assert [len(paginate(query, page, 2).items) for page in (1, 2, 3)] == [2, 2, 1]
    last = paginate(query, MAX_PAGE, 2)
    assert (last.page, len(last.items), last.has_next) == (3, 1, False)
    empty = paginate(query.where(User.id < 0), 7, 2)
    assert (empty.items, empty.pages) == ([], 0)


def selects(counter):
    """The statements reading users (not their roles, which a user loads with one statement of its own)."""
    return sum(statement.startswith('SELECT') and not statement.startswith('SELECT user_roles')
               for statement in counter.statements)


def test_a_page_comes_with_its_total_in_one_statement_also_with_a_collection_loaded_with_it(app, count_queries):
    users = sorted(user.id for user in UserFactory.create_batch(5, roles=['admin', 'manager']))
    query = sa.select(User).where(User.id.in_(users)).options(joinedload(User.role_rows)).order_by(User.id)
    db.session.expire_all()
    with count_queries() as counter:
        page = paginate(query, 2, 2)
    assert selects(counter) == 1
    assert ([user.id for user in page.items], page.total, page.pages) == (users[2:4], 5, 3)
    assert all(len(user.role_rows) == 2 for user in page.items)


def test_a_page_past_the_end_or_an_empty_list_needs_no_guess(app, count_queries):
    UserFactory.create_batch(3)
    query = sa.select(User).order_by(User.id)
    with count_queries() as counter:
        empty = paginate(query.where(User.id < 0), 1, 2)
    assert (selects(counter), empty.total, empty.pages) == (1, 0, 0)
    with count_queries() as counter:
        past = paginate(query, 5, 2)
    assert (selects(counter), past.page, past.total, len(past.items)) == (3, 2, 3, 1)


def test_a_query_built_once_pages_with_its_parameters_and_runs_as_the_same_statement(app, count_queries):
    """A list statement built once takes its parameters, also for the count of a page past the end; its LIMIT
    and OFFSET are parameters, so each page runs the same object (whose cache key SQLAlchemy keeps)."""
    users = sorted(user.id for user in UserFactory.create_batch(5))
    query = sa.select(User).where(User.id >= sa.bindparam('lowest')).order_by(User.id)
    assert [user.id for user in paginate(query, 2, 2, {'lowest': users[1]}).items] == users[3:5]
    past = paginate(query, 9, 2, {'lowest': users[1]})
    assert (past.page, past.total, [user.id for user in past.items]) == (2, 4, users[3:5])
    assert pagination._counted(query) is pagination._counted(query)
    assert UncountedPage(query, 2, 3, {'lowest': users[0]}).items[0].id == users[3]
    assert pagination._limited(query) is pagination._limited(query)


def test_a_query_built_for_one_request_is_not_kept(app):
    kept = len(pagination._counted_of), len(pagination._limited_of)   # those built once, by other tests
    for lowest in range(50):
        query = sa.select(User).where(User.id >= lowest)
        paginate(query, 1, 2)
        UncountedPage(query, 1, 2)
    del query
    gc.collect()
    assert (len(pagination._counted_of), len(pagination._limited_of)) == kept


@pytest.mark.parametrize('url', ['/notifications/', '/startups/', '/bookings/', '/admin/audit/', '/payments/',
                                 '/payments/fapiao'])
@pytest.mark.parametrize('page', ['99999999999999999999', '-1', 'x', '1e9'])
def test_no_page_number_gives_a_server_error(client, login, url, page):
    login(UserFactory(roles=['admin', 'manager']))
    assert client.get(f'{url}?page={page}').status_code == 200
