"""Page numbers read from the query string, and pages of lists, counted or not."""
from flask import request

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
    """A counted page of ``query`` (a Flask-SQLAlchemy Pagination): two statements. A page past the end shows
    the last page (one more statement then); a list with no rows has one empty page."""
    pagination = db.paginate(query, page=page, per_page=per_page, max_per_page=per_page, error_out=False)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(query, page=pagination.pages, per_page=per_page, max_per_page=per_page,
                                 error_out=False)
    return pagination


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
