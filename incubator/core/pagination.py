"""Page numbers read from the query string, and pages of lists, counted or not."""
import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import SelectPagination

from incubator.extensions import db

#: The highest page number a list is asked for: far beyond any list, and its offset fits a database integer.
MAX_PAGE = 10_000


def page_number(name='page'):
    """The page asked for in ``request.args``: 1 if missing or not a whole number above 0, and at most ``MAX_PAGE``.

    A number too big for a database integer (``?page=99999999999999999999``) asks for the end of the list:
    it becomes ``MAX_PAGE``, which :func:`paginate` turns into the last page.
    """
    value = request.args.get(name, '')
    if not (value.isascii() and value.isdigit()):
        return 1
    if len(value) > 9:
        return MAX_PAGE
    return max(1, min(int(value), MAX_PAGE))


def paginate(query, page, per_page):
    """A counted page of ``query`` (a select of one entity, without DISTINCT), as Flask-SQLAlchemy's Pagination:
    one statement, the total coming with the rows. A page past the end shows the last page (two statements
    more then: the count, and that page); a list with no rows has one empty page."""
    pagination = _CountedPage(select=query, session=db.session(), page=page, per_page=per_page,
                              max_per_page=per_page, error_out=False)
    if pagination.pages and page > pagination.pages:
        pagination = _CountedPage(select=query, session=db.session(), page=pagination.pages, per_page=per_page,
                                  max_per_page=per_page, error_out=False)
    return pagination


class _CountedPage(SelectPagination):
    """A page whose rows each carry the count of all (``count(*) OVER ()``, computed before the LIMIT): the
    separate count statement, a round trip on every list page, is needed only when the page has no rows."""

    def _query_items(self):
        counted = (self._query_args['select'].add_columns(sa.func.count().over())
                   .limit(self.per_page).offset(self._query_offset))
        rows = self._query_args['session'].execute(counted).unique().all()
        self._counted = rows[0][-1] if rows else 0 if self.page == 1 else None
        return [row[0] for row in rows]

    def _query_count(self):
        return self._counted if self._counted is not None else super()._query_count()


class UncountedPage:
    """One page of a query's rows, and whether there are pages before and after it.

    One row more than the page is read to learn whether another page follows, so
    the cost does not grow with the list: counting a heavy booker's thousands of
    bookings took longer than showing them. The price is that no total is shown,
    so a page past the end is empty (with a link back).
    """

    def __init__(self, query, page, per_page):
        self.page = page
        rows = db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)).unique().scalars().all()
        self.items = rows[:per_page]
        self.has_next = len(rows) > per_page
        self.has_prev = page > 1

    @property
    def prev_num(self):
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None
