"""The write side of sites. Flush only."""
import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.core.errors import Conflict, NotAllowed
from incubator.core.permissions import can
from incubator.core.transactions import operation
from incubator.extensions import db
from incubator.sites.models import Site

logger = logging.getLogger(__name__)
FIELDS = ('name', 'address', 'timezone', 'description', 'is_active')


@operation
def create_site(actor, **values):
    site = Site()
    _apply(actor, site, values)
    db.session.add(site)
    db.session.flush()
    logger.info('User %s created site %s', actor.id, site.id)
    return site


@operation
def update_site(actor, site, **values):
    _apply(actor, site, values)
    db.session.flush()
    logger.info('User %s updated site %s', actor.id, site.id)


def _apply(actor, site, values):
    if not can(actor, 'sites.manage'):
        raise NotAllowed(_l('Only administrators may manage sites.'), code='sites.not_admin')
    name = values['name'].strip()
    clash = sa.select(Site.id).where(Site.name == name, Site.id != site.id) if site.id else \
        sa.select(Site.id).where(Site.name == name)
    if db.session.execute(clash).first():
        raise Conflict(_l('A site named %(name)s already exists.'), name=name, code='sites.name_taken')
    for field in FIELDS:
        setattr(site, field, values[field])
    site.name = name
