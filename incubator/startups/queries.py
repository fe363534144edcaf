"""The read side of startups, eager-loaded so list pages cost the same at any size."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.core.permissions import can
from incubator.extensions import db
from incubator.startups.models import Startup, StartupMembership


def startups_visible_to(user, search=None, status=None):
    query = sa.select(Startup).options(selectinload(Startup.site)).order_by(Startup.name, Startup.id)
    if not can(user, 'startups.view_all'):
        query = query.where(Startup.id.in_(
            sa.select(StartupMembership.startup_id).where(StartupMembership.user_id == user.id)))
    if search:
        pattern = '%{}%'.format(search.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_'))
        query = query.where(sa.or_(Startup.name.ilike(pattern, escape='\\'),
                                   Startup.credit_code.ilike(pattern, escape='\\')))
    if status:
        query = query.where(Startup.status == status)
    return db.session.execute(query).scalars().all()


def startup_members(startup):
    query = (sa.select(StartupMembership).options(selectinload(StartupMembership.user))
             .where(StartupMembership.startup_id == startup.id).order_by(StartupMembership.id))
    return db.session.execute(query).scalars().all()
