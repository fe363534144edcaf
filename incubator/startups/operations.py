"""The write side of startups. Flush only."""
import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.auth.operations import startup_invitation_accepted
from incubator.core.errors import Conflict, DomainError, NotAllowed
from incubator.core.permissions import can
from incubator.core.transactions import operation
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.startups import credit_code
from incubator.startups.models import MembershipRole, Startup, StartupMembership, StartupStatus, Tier

logger = logging.getLogger(__name__)
FIELDS = ('name', 'credit_code', 'tier', 'site_id', 'admitted_on', 'status', 'contact_name', 'contact_phone',
          'contact_email', 'description')


@operation
def create_startup(actor, **values):
    if not can(actor, 'startups.create'):
        raise NotAllowed(_l('Only incubator managers may register startups.'), code='startups.not_a_manager')
    startup = Startup()
    _apply(startup, values)
    db.session.add(startup)
    db.session.flush()
    logger.info('User %s created startup %s', actor.id, startup.id)
    return startup


@operation
def update_startup(actor, startup, **values):
    if not can(actor, 'startup.edit', startup):
        raise NotAllowed(_l('Only incubator managers may edit startups.'), code='startups.not_a_manager')
    _apply(startup, values)
    db.session.flush()
    logger.info('User %s updated startup %s', actor.id, startup.id)


def _apply(startup, values):
    """Check every value first, then write: a refused change leaves the startup as it was."""
    try:
        code = credit_code.validate(values['credit_code'])
    except credit_code.InvalidCreditCode:
        raise DomainError(_l('The unified social credit code is not valid.'),
                          code='startups.invalid_credit_code') from None
    clash = sa.select(Startup.id).where(Startup.credit_code == code)
    if startup.id:
        clash = clash.where(Startup.id != startup.id)
    if db.session.execute(clash).first():
        raise Conflict(_l('A startup with the credit code %(credit_code)s is already registered.'),
                       code='startups.credit_code_taken', credit_code=code)
    if db.session.get(Site, values['site_id']) is None:
        raise DomainError(_l('Choose one of the sites.'), code='startups.unknown_site')
    values = dict(values, credit_code=code, tier=Tier(values['tier']), status=StartupStatus(values['status']),
                  contact_email=values.get('contact_email') or None, description=values.get('description') or None)
    for field in FIELDS:
        setattr(startup, field, values[field])


@operation
def remove_member(actor, membership):
    startup = membership.startup
    if not can(actor, 'startup.manage_members', startup):
        raise NotAllowed(_l('Only managers and the startup\'s owners may remove members.'),
                         code='startups.may_not_remove_member')
    owners = [m for m in startup.memberships if m.role == MembershipRole.owner]
    if membership.role == MembershipRole.owner and len(owners) == 1:
        raise DomainError(_l('A startup keeps at least one owner: make someone else owner first.'),
                          code='startups.last_owner')
    db.session.delete(membership)
    db.session.flush()
    logger.info('User %s removed user %s from startup %s', actor.id, membership.user_id, startup.id)


@startup_invitation_accepted.connect
def _grant_membership(invitation, user):
    """The invitee joins the startup with the role offered, unless already a member."""
    if invitation.startup.membership_of(user) is None:
        db.session.add(StartupMembership(startup=invitation.startup, user=user, role=invitation.membership_role))
