import sqlalchemy as sa

from incubator.extensions import db
from incubator.sites.models import Site


def list_sites(active_only=False):
    query = sa.select(Site).order_by(Site.name)
    if active_only:
        query = query.where(Site.is_active.is_(True))
    return db.session.execute(query).scalars().all()
