"""Pages of long lists that are never counted."""
from incubator.extensions import db


class UncountedPage:
    """One page of a query's rows, and whether there are pages before and after it.

    One row more than the page is read to learn whether another page follows, so
    the cost does not grow with the list: counting a heavy booker's thousands of
    bookings took longer than showing them. The price is that no total is shown.
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
