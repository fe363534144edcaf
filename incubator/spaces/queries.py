"""The read side of spaces, eager-loaded so the pages cost the same at any size."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.auth.models import User
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.spaces.models import Certification, Space, SpaceKind, TierQuota, UserCertification


def list_active_spaces(site_id=None, kind=None):
    """Spaces in use at sites in use (with their site loaded), by site and name; optionally of one site or kind."""
    query = (sa.select(Space).join(Space.site).options(selectinload(Space.site))
             .where(Space.is_active.is_(True), Site.is_active.is_(True))
             .order_by(Site.name, Space.name, Space.id))
    if site_id is not None:
        query = query.where(Space.site_id == site_id)
    if kind is not None:
        query = query.where(Space.kind == SpaceKind(kind))
    return db.session.execute(query).scalars().all()


def sites_with_spaces():
    """Every site (with its opening hours) and all its spaces, in use or not: [(site, [spaces])] by name."""
    sites = db.session.execute(
        sa.select(Site).options(selectinload(Site.opening_hours)).order_by(Site.name)).scalars().all()
    spaces = db.session.execute(
        sa.select(Space).options(selectinload(Space.certification)).order_by(Space.name, Space.id)).scalars().all()
    by_site = {site.id: [] for site in sites}
    for space in spaces:
        by_site[space.site_id].append(space)
    return [(site, by_site[site.id]) for site in sites]


def list_certifications():
    return db.session.execute(sa.select(Certification).order_by(Certification.name)).scalars().all()


def certification_holders():
    """Every recorded certification with its person and recorder, by certification then person."""
    query = (sa.select(UserCertification)
             .join(UserCertification.certification).join(UserCertification.user)
             .options(selectinload(UserCertification.certification), selectinload(UserCertification.user),
                      selectinload(UserCertification.recorded_by))
             .order_by(Certification.name, User.name, UserCertification.id))
    return db.session.execute(query).scalars().all()


def free_quota_minutes():
    """{(tier, kind): free minutes a month} of the quotas set."""
    rows = db.session.execute(sa.select(TierQuota)).scalars()
    return {(row.tier, row.space_kind): row.free_minutes for row in rows}
