"""The one reader of page numbers, and counted pages that never run past the end."""
import pytest
import sqlalchemy as sa

from incubator.auth.models import User
from incubator.core.pagination import MAX_PAGE, page_number, paginate
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


@pytest.mark.parametrize('url', ['/notifications/', '/startups/', '/bookings/', '/admin/audit/', '/payments/',
                                 '/payments/fapiao'])
@pytest.mark.parametrize('page', ['99999999999999999999', '-1', 'x', '1e9'])
def test_no_page_number_gives_a_server_error(client, login, url, page):
    login(UserFactory(roles=['admin', 'manager']))
    assert client.get(f'{url}?page={page}').status_code == 200
