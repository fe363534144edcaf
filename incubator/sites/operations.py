"""The write side of sites: the sites themselves, their opening hours and closed days. Flush only.

A refused change leaves the database as it was; a :class:`DomainError` whose
``field`` is set names the value it refuses.
"""
import logging
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.core.errors import Conflict, NotAllowed, checked_text, refusal
from incubator.core.permissions import can
from incubator.core.transactions import operation
from incubator.extensions import db
from incubator.sites.models import Site, SiteClosure, SiteOpeningHours

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


# --- opening hours and closed days ------------------------------------------------------------

def _require_hours_manager(actor):
    if not can(actor, 'sites.manage_hours'):
        raise NotAllowed(_l('Only incubator managers may set opening hours and closed days.'),
                         code='sites.not_manager')


@operation
def set_opening_hours(actor, site, hours, follows_public_holidays):
    """Set the week of ``site``: ``hours`` maps each open weekday (0 = Monday) to (opens, closes) minutes."""
    _require_hours_manager(actor)
    for weekday, (opens, closes) in hours.items():
        if weekday not in range(7):
            raise refusal(_l('A weekday is a number from 0 (Monday) to 6 (Sunday).'), code='sites.unknown_weekday')
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (opens, closes)) \
                or not 0 <= opens < closes <= 1440:
            raise refusal(_l('The closing time must be after the opening time.'), f'closes_{weekday}',
                          code='sites.closes_before_opening')
    existing = {row.weekday: row for row in site.opening_hours}
    for weekday in range(7):
        row = existing.get(weekday)
        if weekday not in hours:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(SiteOpeningHours(site=site, weekday=weekday, opens_minute=hours[weekday][0],
                                            closes_minute=hours[weekday][1]))
        else:
            row.opens_minute, row.closes_minute = hours[weekday]
    site.follows_public_holidays = bool(follows_public_holidays)
    db.session.flush()
    db.session.expire(site, ['opening_hours'])
    logger.info('User %s set the opening hours of site %s', actor.id, site.id)


@operation
def add_closure(actor, site, starts_on, ends_on, reason):
    """Close ``site`` from ``starts_on`` to ``ends_on`` (inclusive local dates)."""
    _require_hours_manager(actor)
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise ValueError('add_closure needs dates')
    if ends_on < starts_on:
        raise refusal(_l('The last day cannot be before the first day.'), 'ends_on',
                      code='sites.closure_ends_before_start')
    closure = SiteClosure(site=site, starts_on=starts_on, ends_on=ends_on,
                          reason=checked_text(reason, 'reason', 200, domain='sites'))
    db.session.add(closure)
    db.session.flush()
    logger.info('User %s closed site %s from %s to %s', actor.id, site.id, starts_on, ends_on)
    return closure


@operation
def delete_closure(actor, closure):
    _require_hours_manager(actor)
    db.session.delete(closure)
    db.session.flush()
    logger.info('User %s deleted closure %s of site %s', actor.id, closure.id, closure.site_id)
