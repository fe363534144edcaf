"""Figures for the home dashboard, a few counting queries whatever the data size."""
from dataclasses import dataclass, field

import sqlalchemy as sa

from incubator.auth.models import Role, User
from incubator.committees.queries import items_waiting_for
from incubator.core.permissions import can
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.startups.models import Startup, StartupStatus
from incubator.startups.queries import startups_of_member


@dataclass
class Dashboard:
    roles: set
    my_startups: list = field(default_factory=list)
    startup_counts: dict = field(default_factory=dict)
    user_count: int = 0
    site_count: int = 0
    votes_waiting: list = field(default_factory=list)


def dashboard_for(user):
    board = Dashboard(roles=user.roles)
    if user.memberships:
        board.my_startups = startups_of_member(user)
    if can(user, 'startups.view_all'):
        rows = db.session.execute(sa.select(Startup.status, sa.func.count()).group_by(Startup.status)).all()
        board.startup_counts = {status: 0 for status in StartupStatus} | dict(rows)
    if user.has_role(Role.committee):
        board.votes_waiting = items_waiting_for(user)
    if user.has_role(Role.admin):
        board.user_count = db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()
        board.site_count = db.session.execute(sa.select(sa.func.count()).select_from(Site)).scalar_one()
    return board
