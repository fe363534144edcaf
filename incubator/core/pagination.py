"""Page numbers read from the query string, and pages of lists, counted or not."""
import weakref

import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import lazyload

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


def paginate(query, page, per_page, parameters=None):
    """A counted page of ``query`` (a select without DISTINCT), as Flask-SQLAlchemy's Pagination: one statement,
    the total coming with the rows. Its items are the entities of a select of one entity, else rows of what it
    selects. A page past the end shows the last page (two statements more then: the count, and that page); a
    list with no rows has one empty page. ``parameters`` are those of ``query``'s bind parameters, for a query
    built once."""
    pagination = _CountedPage(select=query, session=db.session(), page=page, per_page=per_page,
                              max_per_page=per_page, error_out=False, parameters=parameters or {})
    if pagination.pages and page > pagination.pages:
        pagination = _CountedPage(select=query, session=db.session(), page=pagination.pages, per_page=per_page,
                                  max_per_page=per_page, error_out=False, parameters=parameters or {})
    return pagination


class _CountedPage(SelectPagination):
    """A page whose rows each carry the count of all (``count(*) OVER ()``, computed before the LIMIT): the
    separate count statement, a round trip on every list page, is needed only when the page has no rows."""

    def _query_items(self):
        rows = self._query_args['session'].execute(
            _counted(self._query_args['select']),
            {**self._query_args['parameters'], 'page_limit': self.per_page, 'page_offset': self._query_offset},
        ).unique().all()
        self._counted = rows[0][-1] if rows else 0 if self.page == 1 else None
        if len(self._query_args['select'].column_descriptions) == 1:
            return [row[0] for row in rows]
        return [row[:-1] for row in rows]

    def _query_count(self):
        if self._counted is not None:
            return self._counted
        rows = self._query_args['select'].options(lazyload('*')).order_by(None).subquery()
        return self._query_args['session'].execute(sa.select(sa.func.count()).select_from(rows),
                                                   self._query_args['parameters']).scalar()


def _counted(select):
    """``select`` with the count of all its rows on each, and the page's LIMIT and OFFSET as parameters (see
    :func:`_limited`)."""
    counted = _counted_of.get(select)
    if counted is None:
        counted = _counted_of[select] = _limited(select.add_columns(sa.func.count().over()))
    return counted


def _limited(select):
    """``select`` with the page's LIMIT and OFFSET as parameters, made once for a select built once: SQLAlchemy
    then keeps its cache key, as it does for any statement it runs again (a new LIMIT would make it traverse
    the whole statement anew, on every page)."""
    limited = _limited_of.get(select)
    if limited is None:
        limited = _limited_of[select] = select.limit(sa.bindparam('page_limit')).offset(sa.bindparam('page_offset'))
    return limited


_counted_of = weakref.WeakKeyDictionary()
_limited_of = weakref.WeakKeyDictionary()


class UncountedPage:
    """One page of a query's rows, and whether there are pages before and after it.

    One row more than the page is read to learn whether another page follows, so
    the cost does not grow with the list: counting a heavy booker's thousands of
    bookings took longer than showing them. The price is that no total is shown,
    so a page past the end is empty (with a link back).
    """

    def __init__(self, query, page, per_page, parameters=None):
        self.page = page
        rows = db.session.execute(_limited(query), {**(parameters or {}), 'page_limit': per_page + 1,
                                                    'page_offset': (page - 1) * per_page}).unique().scalars().all()
        self.items = rows[:per_page]
        self.has_next = len(rows) > per_page
        self.has_prev = page > 1

    @property
    def prev_num(self):
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None
