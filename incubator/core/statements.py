"""Stand-ins for statements built once and run many times with parameters.

Building a select (its clauses, loader options and cache key) costs more than running a small one, and the
pages every request opens run the same few. Such a statement is built once per shape (the roles it depends
on, whether a filter is set) with what changes between runs as bind parameters, and SQLAlchemy keeps its
cache key, since the same object is run again. The query functions that build it are the ones that build
statements for a given user or moment: given these stand-ins instead, they put parameters where values were.
"""
import sqlalchemy as sa


class UserParameter:
    """A user in a statement built once for everyone whose roles answer as ``has_role`` does: their id is the
    parameter ``user_id``; they belong to no startup (a statement that needs their startups takes them as a
    parameter of its own)."""

    id = sa.bindparam('user_id')
    memberships = ()

    def __init__(self, has_role):
        self.has_role = has_role


class Moment:
    """``now`` or ``today`` in a statement built once: a bind parameter, and so is each shift of it that a
    query makes (``now - MAX_BOOKING_LENGTH``), whose value :meth:`values` works out for each run."""

    def __init__(self, name, type_):
        self.name, self.type, self.shifts = name, type_, {}

    def __clause_element__(self):
        return sa.bindparam(self.name, type_=self.type)

    def __add__(self, delta):
        key = f'{self.name}_shifted_{len(self.shifts)}'
        self.shifts[key] = delta
        return sa.bindparam(key, type_=self.type)

    def __sub__(self, delta):
        return self + -delta

    def values(self, moment):
        """The parameters of this moment and of its shifts at ``moment``."""
        return {self.name: moment, **{key: moment + delta for key, delta in self.shifts.items()}}
