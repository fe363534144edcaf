"""Home pages as work queues: what waits for the user now, per role, built from each domain's queue queries.

Every count a page needs (the navigation's badges and the home page's card counts) comes from one statement,
asked once per request (:func:`queue_counts`); the home page then loads the few most urgent items of each card,
one bounded query each, so its statement count does not grow with the data.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import g, url_for
from flask_babel import lazy_gettext as _l

from incubator.auth.models import Role, User
from incubator.booking import queries as booking
from incubator.cases import queries as cases
from incubator.committees import queries as committees
from incubator.core.calendar import years_to_complete
from incubator.core.db import UTCDateTime
from incubator.core.permissions import can
from incubator.core.queues import HOME_ITEMS, Queue
from incubator.core.statements import Moment, UserParameter
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.greenchannel import queries as greenchannel
from incubator.notifications import queries as notifications
from incubator.payments import queries as payments
from incubator.projects import queries as projects
from incubator.projects.models import programme_today
from incubator.projects.reviews import queries as reviews
from incubator.scheduling import queries as scheduling
from incubator.sites.models import Site
from incubator.startups.models import Startup, StartupStatus


def startup_ids_of(user):
    """The startups ``user`` belongs to (their memberships come with the user: no statement)."""
    return sorted({membership.startup_id for membership in user.memberships})


def _count_builders(user, now, today, startup_ids=None):
    """Name → function building the select of one count, for each queue of ``user``'s roles and startups, in
    order (the names alone tell which counts a user has; building a select costs more than running a small
    one). ``startup_ids`` defaults to the user's. A name ending in ``_fen`` selects amounts, a row each, to be
    summed."""
    selects = {}
    startup_ids = startup_ids if startup_ids is not None else (startup_ids_of(user) or None)
    if startup_ids is not None:
        selects.update(
            bookings=lambda: booking.upcoming_count(startup_ids, now),
            owed=lambda: payments.owed_on_site_count(startup_ids),
            owed_fen=lambda: payments.owed_on_site_prices(startup_ids),
            milestones=lambda: projects.milestones_due_count(startup_ids, today),
            to_answer=lambda: reviews.reviews_to_answer_count(startup_ids),
            requests=lambda: greenchannel.startup_requests_count(startup_ids),
        )
    if user.has_role(Role.manager):
        selects.update(
            approvals=booking.approvals_count,
            unpaid=lambda: payments.owed_on_site_count(),
            unpaid_fen=lambda: payments.owed_on_site_prices(),
            submissions=lambda: projects.submissions_to_review_count(user),
            reviews_due=lambda: reviews.reviews_due_count(user),
            reviews_overdue=lambda: reviews.reviews_overdue_count(user, now),
            milestones_overdue=lambda: projects.overdue_milestones_count(user, today),
            triage=greenchannel.to_triage_count,
            requests_overdue=lambda: greenchannel.overdue_count(now),
            cases=lambda: cases.to_assess_count(user),
        )
    if user.has_role(Role.committee):
        selects['votes'] = lambda: committees.waiting_count(user)
    if user.has_role(Role.department_reviewer):
        selects['routed'] = lambda: greenchannel.routed_count(user)
    if user.has_role(Role.admin):
        selects.update(failed_jobs=scheduling.failed_jobs_count, undelivered=notifications.undelivered_count)
    return selects


def queue_counts(user, now=None):
    """Every queue count of ``user``, in one statement, asked once per request (navigation and home share it).

    Counts stop at ``COUNT_CAP + 1`` (shown "99+"): a startup's upcoming bookings or the bookings owed on site
    may number thousands, and counting them all on each visit would read every one. An amount (``*_fen``) is
    the sum of those counted, exact while its count is within the cap (see :meth:`Home.exact`); the overdue
    counts, told in sentences and small by nature, are exact."""
    cached = _counts_of_this_request(user)
    if cached is not None:
        return cached
    counts = _counts(user, tuple(_count_builders(user, None, None)), now or now_utc(), programme_today())
    g.queue_counts = (user.id, counts)
    return counts


#: Badges and home cards count up to this many, then say "99+" (see :func:`queue_counts`).
COUNT_CAP = 99
#: The counts home pages tell in sentences ("3 reviews past their deadline"): never capped.
EXACT_COUNTS = frozenset({'reviews_overdue', 'milestones_overdue', 'requests_overdue'})


def _counts_of_this_request(user):
    """The counts :func:`queue_counts` already read for ``user`` in this request, if it did."""
    cached = g.get('queue_counts')
    return cached[1] if cached is not None and cached[0] == user.id else None


def nav_counts(user, keys):
    """The counts of the navigation's queues ``keys``, each capped at ``COUNT_CAP + 1``, in one statement; the
    home page's when it asked for them first in this request."""
    cached = _counts_of_this_request(user)
    if cached is not None:
        return cached
    return _counts(user, keys, now_utc(), programme_today())


def _counts(user, names, now, today):
    """The counts ``names`` of ``user`` at ``now`` (and the programme's ``today``), in one statement.

    Every page runs one, so its statement is built once for each set of counts (that is, of roles, and
    whether the user belongs to a startup) with the user, their startups and the moment as parameters:
    building it and its cache key cost more than running it."""
    if not names:
        return {}
    shape = (names, COUNT_CAP)
    if shape not in _statements:
        startup_ids = sa.bindparam('startup_ids', expanding=True) if user.memberships else None
        moments = Moment('now', UTCDateTime()), Moment('today', sa.Date())
        builders = _count_builders(UserParameter(user.has_role), *moments, startup_ids)
        selects = {name: build() for name, build in builders.items() if name in names}
        _statements[shape] = (_counting({
            name: select if name in EXACT_COUNTS else _capped_sum(select) if name.endswith('_fen') else
            _capped(select) for name, select in selects.items()}), moments)
    statement, (at, on) = _statements[shape]
    parameters = {'user_id': user.id, 'startup_ids': startup_ids_of(user), **at.values(now), **on.values(today)}
    return _as_counts(db.session.execute(statement, parameters))


#: The count statements by the counts they select and the cap (see :func:`_counts`), with their moments.
_statements = {}


def _capped(count_select):
    """``count_select`` (a ``SELECT count(…) FROM … WHERE …``) counting no further than ``COUNT_CAP + 1``."""
    rows = count_select.with_only_columns(sa.literal(1), maintain_column_froms=True).limit(COUNT_CAP + 1)
    return sa.select(sa.func.count()).select_from(rows.subquery())


def _capped_sum(amounts_select):
    """The sum of the first ``COUNT_CAP + 1`` amounts of ``amounts_select`` (one column)."""
    rows = amounts_select.limit(COUNT_CAP + 1).subquery()
    return sa.select(sa.func.coalesce(sa.func.sum(list(rows.c)[0]), 0))


def _counting(selects):
    return sa.select(*(query.scalar_subquery().label(name) for name, query in selects.items()))


def _as_counts(result):
    return {name: value or 0 for name, value in result.one()._mapping.items()}


@dataclass(frozen=True)
class NavQueue:
    """A queue link of the navigation: its label, where it leads, and how many wait."""

    key: str
    label: str
    url: str
    count: int


def count_badge(count):
    """A count as a badge shows it (the ``countbadge`` filter): beyond the cap, "99+"."""
    return f'{COUNT_CAP}+' if count > COUNT_CAP else str(count)


def _nav_entries(user):
    startup_ids = startup_ids_of(user)
    entries = []
    if user.has_role(Role.manager):
        entries += [
            ('approvals', _l('Bookings awaiting approval'), url_for('booking.approvals')),
            ('unpaid', _l('Unpaid on-site payments'), url_for('payments.owed_on_site')),
            ('submissions', _l('Submissions to review'), url_for('projects.dashboard', show='awaiting_decision')),
            ('reviews_due', _l('Reviews to decide'), url_for('reviews.mine')),
            ('triage', _l('Green-channel requests to check'), url_for('greenchannel.index', status='submitted')),
            ('cases', _l('Cases to handle'), url_for('case.index')),
        ]
    if user.has_role(Role.committee):
        entries.append(('votes', _l('Votes waiting'), url_for('dashboard.index', _anchor='votes')))
    if user.has_role(Role.department_reviewer):
        entries.append(('routed', _l('Opinions to give'), url_for('greenchannel.index')))
    if user.has_role(Role.admin):
        entries += [('failed_jobs', _l('Failed jobs'), url_for('scheduling.index', outcome='failed')),
                    ('undelivered', _l('Undelivered email'), url_for('dashboard.index', _anchor='undelivered'))]
    if startup_ids:
        entries += [('to_answer', _l('Reviews to answer'), url_for('dashboard.index', _anchor='to-answer')),
                    ('owed', _l('Owed on site'), url_for('dashboard.index', _anchor='owed'))]
    return entries


def nav_queues(user):
    """The queue links of ``user``'s navigation with their counts (one statement, none after the home page's)."""
    entries = _nav_entries(user)
    counts = nav_counts(user, tuple(key for key, *_ in entries))
    return [NavQueue(key, str(label), url, counts.get(key, 0)) for key, label, url in entries]


@dataclass
class Home:
    """What ``dashboard/index.html`` shows: the queues of each of the user's roles, and a few figures."""

    roles: set
    counts: dict = field(default_factory=dict)
    queues: dict = field(default_factory=dict)
    my_startups: list = field(default_factory=list)
    startup_counts: dict = field(default_factory=dict)
    votes_waiting: list = field(default_factory=list)
    missing_years: list = field(default_factory=list)
    user_count: int = 0
    site_count: int = 0
    now: object = None
    today: object = None

    def has(self, role):
        """Whether the user holds ``role`` (its value, as templates name it)."""
        return any(held.value == role for held in self.roles)

    def queue(self, name):
        return self.queues.get(name) or Queue()

    def exact(self, name):
        """Whether the count ``name`` is exact (within the cap), and with it the amount that goes with it."""
        return self.counts.get(name, 0) <= COUNT_CAP


def _queues(counts, loaders):
    """Each queue of ``loaders`` (name → function loading its first items) with its count; a queue's items are
    loaded only when some wait."""
    return {name: Queue(counts[name], list(load()) if counts[name] else []) for name, load in loaders.items()}


def dashboard_for(user, now=None):
    """The home page of ``user``: counts for every queue, and the :data:`HOME_ITEMS` most urgent items of each."""
    now = now or now_utc()
    today = programme_today()
    counts = queue_counts(user, now)
    home = Home(roles=set(user.roles), counts=counts, now=now, today=today)
    startup_ids = startup_ids_of(user)
    queues = home.queues
    if startup_ids:
        home.my_startups = sorted((membership.startup for membership in user.memberships), key=lambda s: s.name)
        queues.update(_queues(counts, {
            'bookings': lambda: booking.upcoming_first(startup_ids, now, HOME_ITEMS),
            'owed': lambda: payments.owed_on_site_first(HOME_ITEMS, startup_ids),
            'milestones': lambda: projects.milestones_due_first(startup_ids, today, HOME_ITEMS),
            'to_answer': lambda: reviews.reviews_to_answer_first(startup_ids, HOME_ITEMS),
            'requests': lambda: greenchannel.startup_requests_first(startup_ids, now, HOME_ITEMS),
        }))
    if user.has_role(Role.manager):
        queues.update(_queues(counts, {
            'approvals': lambda: booking.approvals_first(HOME_ITEMS),
            'unpaid': lambda: payments.owed_on_site_first(HOME_ITEMS),
            'submissions': lambda: projects.submissions_to_review_first(user, HOME_ITEMS),
            'reviews_due': lambda: reviews.reviews_due_first(user, HOME_ITEMS),
            'triage': lambda: greenchannel.to_triage_first(now, HOME_ITEMS),
            'cases': lambda: cases.to_assess_first(user, HOME_ITEMS),
        }))
    if can(user, 'startups.view_all'):
        rows = db.session.execute(sa.select(Startup.status, sa.func.count()).group_by(Startup.status)).all()
        home.startup_counts = {status: 0 for status in StartupStatus} | dict(rows)
    if user.has_role(Role.committee):
        home.votes_waiting = committees.items_waiting_for(user) if counts['votes'] else []
    if user.has_role(Role.department_reviewer):
        queues.update(_queues(counts, {'routed': lambda: greenchannel.routed_first(user, now, HOME_ITEMS)}))
    if user.has_role(Role.admin):
        queues.update(_queues(counts, {'failed_jobs': lambda: scheduling.failed_jobs_first(HOME_ITEMS),
                                       'undelivered': lambda: notifications.undelivered_first(HOME_ITEMS)}))
        home.missing_years = years_to_complete(now)
        home.user_count, home.site_count = db.session.execute(sa.select(
            sa.select(sa.func.count(User.id)).scalar_subquery(),
            sa.select(sa.func.count(Site.id)).scalar_subquery())).one()
    return home
