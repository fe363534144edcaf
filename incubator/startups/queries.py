"""The read side of startups, eager-loaded so list pages cost the same at any size."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.core.db import contains_pattern
from incubator.core.pagination import paginate
from incubator.core.permissions import can
from incubator.extensions import db
from incubator.startups.models import Startup, StartupMembership

PAGE_SIZE = 50


def startups_of_member(user):
    """The startups the user belongs to, whatever else they may see."""
    query = (sa.select(Startup).options(selectinload(Startup.site))
             .join(StartupMembership).where(StartupMembership.user_id == user.id).order_by(Startup.name))
    return db.session.execute(query).scalars().all()


def startups_page(user, page, search=None, status=None):
    """One page of the startups the user may see (the list stays fast at any size)."""
    return paginate(_visible_query(user, search, status), page, PAGE_SIZE)


def _visible_query(user, search, status):
    query = sa.select(Startup).options(selectinload(Startup.site)).order_by(Startup.name, Startup.id)
    if not can(user, 'startups.view_all'):
        query = query.where(Startup.id.in_(
            sa.select(StartupMembership.startup_id).where(StartupMembership.user_id == user.id)))
    if search:
        pattern = contains_pattern(search)
        query = query.where(sa.or_(Startup.name.ilike(pattern, escape='\\'),
                                   Startup.credit_code.ilike(pattern, escape='\\')))
    if status:
        query = query.where(Startup.status == status)
    return query


def startup_members(startup):
    query = (sa.select(StartupMembership).options(selectinload(StartupMembership.user))
             .where(StartupMembership.startup_id == startup.id).order_by(StartupMembership.id))
    return db.session.execute(query).scalars().all()
