"""The write side of setting up what can be booked. Flush only.

Spaces and their blackouts, certifications and who holds them, and the free
quotas (the opening hours and closed days of sites are in ``sites.operations``). Every operation takes
the acting user, checks everything before it writes (a refused change leaves
the database as it was) and raises a :class:`DomainError` whose ``field``, when
set, names the value it refuses.
"""
import logging
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.core.errors import Conflict, NotAllowed, checked_text, refusal
from incubator.core.permissions import can
from incubator.core.time import now_utc, to_local
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.spaces.models import (
    MAX_BOOKING_LENGTH,
    Blackout,
    Certification,
    Space,
    SpaceKind,
    TierQuota,
    UserCertification,
)
from incubator.startups.models import Tier

logger = logging.getLogger(__name__)

#: Limits of what managers may enter (the forms check them too).
MAX_PRICE_FEN = 100_000_000            # ¥1,000,000.00
MAX_BOOKING_MINUTES = int(MAX_BOOKING_LENGTH.total_seconds() // 60)
MAX_CAPACITY = 10_000
MAX_HORIZON_DAYS = 730
MAX_CUTOFF_HOURS = 8760
MAX_FREE_MINUTES = 10_000 * 60          # 10,000 hours a month

SPACE_FIELDS = ('site_id', 'name', 'kind', 'capacity', 'description', 'hourly_price_fen', 'daily_price_fen',
                'min_booking_minutes', 'max_booking_minutes', 'booking_horizon_days', 'cancellation_cutoff_hours',
                'requires_approval', 'requires_check_in', 'certification_id', 'is_active')
_NUMBER_LIMITS = {
    'capacity': (1, MAX_CAPACITY),
    'hourly_price_fen': (0, MAX_PRICE_FEN),
    'daily_price_fen': (0, MAX_PRICE_FEN),
    'min_booking_minutes': (1, MAX_BOOKING_MINUTES),
    'max_booking_minutes': (1, MAX_BOOKING_MINUTES),
    'booking_horizon_days': (1, MAX_HORIZON_DAYS),
    'cancellation_cutoff_hours': (0, MAX_CUTOFF_HOURS),
}


def _require_manager(actor):
    if not can(actor, 'spaces.manage'):
        raise NotAllowed(_l('Only incubator managers may set up spaces.'), code='spaces.not_a_manager')


def _whole_number(value, field):
    if isinstance(value, bool) or not isinstance(value, int):
        raise refusal(_l('Enter a whole number.'), field, code='spaces.not_a_number')
    minimum, maximum = _NUMBER_LIMITS[field]
    if not minimum <= value <= maximum:
        raise refusal(_l('Enter a number from %(min)s to %(max)s.'), field, min=minimum, max=maximum,
                      code='spaces.out_of_range')
    return value


# --- spaces -----------------------------------------------------------------------------------

@operation
def create_space(actor, **values):
    _require_manager(actor)
    space = Space()
    _apply_space(space, values)
    db.session.add(space)
    db.session.flush()
    logger.info('User %s created space %s', actor.id, space.id)
    return space


@operation
def update_space(actor, space, **values):
    _require_manager(actor)
    _apply_space(space, values)
    db.session.flush()
    logger.info('User %s updated space %s', actor.id, space.id)


def _apply_space(space, values):
    """Check every value first, then write."""
    checked = {field: values[field] for field in SPACE_FIELDS}
    site = db.session.get(Site, checked['site_id']) if isinstance(checked['site_id'], int) else None
    if site is None:
        raise refusal(_l('Choose one of the sites.'), 'site_id', code='spaces.unknown_site')
    checked['name'] = checked_text(checked['name'], 'name', 100, domain='spaces')
    checked['description'] = checked_text(checked['description'], 'description', 5000, domain='spaces',
                                          needed=False) or None
    try:
        checked['kind'] = SpaceKind(checked['kind'])
    except ValueError:
        raise refusal(_l('Choose one of the kinds of space.'), 'kind', code='spaces.unknown_kind') from None
    for field in _NUMBER_LIMITS:
        _whole_number(checked[field], field)
    if checked['min_booking_minutes'] > checked['max_booking_minutes']:
        raise refusal(_l('The longest booking cannot be shorter than the shortest.'), 'max_booking_minutes',
                      code='spaces.longest_below_shortest')
    certification_id = checked['certification_id']
    if certification_id is not None and db.session.get(Certification, certification_id) is None:
        raise refusal(_l('Choose one of the certifications.'), 'certification_id', code='spaces.unknown_certification')
    for flag in ('requires_approval', 'requires_check_in', 'is_active'):
        checked[flag] = bool(checked[flag])

    clash = sa.select(Space.id).where(Space.site_id == site.id, Space.name == checked['name'])
    if space.id:
        clash = clash.where(Space.id != space.id)
    if db.session.execute(clash).first():
        raise refusal(_l('%(site)s already has a space named %(name)s.'), 'name', Conflict,
                      site=site.name, name=checked['name'], code='spaces.name_taken')
    if space.id and (checked['site_id'] != space.site_id or checked['kind'] != space.kind) and _has_bookings(space):
        raise refusal(_l('This space has bookings, so its site and kind can no longer change. Take it out of use '
                         'and create a new space instead.'), 'site_id', code='spaces.has_bookings')
    for field, value in checked.items():
        setattr(space, field, value)


#: Functions ``space -> bool`` telling whether records of a domain above refer to a space (booking adds one).
_usage_checks = []


@helper
def register_usage_check(check):
    _usage_checks.append(check)


def _has_bookings(space):
    return any(check(space) for check in _usage_checks)


# --- blackouts --------------------------------------------------------------------------------

@operation
def add_blackout(actor, space, starts_at, ends_at, reason):
    """Close ``space`` for bookings over ``[starts_at, ends_at)`` (aware instants)."""
    _require_manager(actor)
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime) \
            or starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError('add_blackout needs aware datetimes')
    if ends_at <= starts_at:
        raise refusal(_l('The end must be after the start.'), 'ends_at', code='spaces.blackout_ends_before_start')
    blackout = Blackout(space=space, starts_at=starts_at, ends_at=ends_at,
                        reason=checked_text(reason, 'reason', 200, domain='spaces'))
    db.session.add(blackout)
    db.session.flush()
    logger.info('User %s added blackout %s to space %s', actor.id, blackout.id, space.id)
    return blackout


@operation
def delete_blackout(actor, blackout):
    _require_manager(actor)
    db.session.delete(blackout)
    db.session.flush()
    logger.info('User %s deleted blackout %s of space %s', actor.id, blackout.id, blackout.space_id)


# --- certifications ------------------------------------------------------------------------------

@operation
def create_certification(actor, name, description=None):
    _require_manager(actor)
    name = checked_text(name, 'name', 100, domain='spaces')
    if db.session.execute(sa.select(Certification.id).where(Certification.name == name)).first():
        raise refusal(_l('A certification named %(name)s already exists.'), 'name', Conflict, name=name,
                      code='spaces.certification_name_taken')
    description = checked_text(description, 'description', 2000, domain='spaces', needed=False) or None
    certification = Certification(name=name, description=description)
    db.session.add(certification)
    db.session.flush()
    logger.info('User %s created certification %s', actor.id, certification.id)
    return certification


@operation
def record_certification(actor, user, certification, expires_on, today=None):
    """Record that ``user`` holds ``certification`` up to ``expires_on``; again, it changes the date.

    Returns the record and whether it was already there (a renewal).
    """
    _require_manager(actor)
    today = today or to_local(now_utc()).date()
    if not isinstance(expires_on, date):
        raise ValueError('record_certification needs a date')
    if expires_on < today:
        raise refusal(_l('This date has already passed: enter the last day the certification is valid.'),
                      'expires_on', code='spaces.certification_expired')
    held = db.session.execute(sa.select(UserCertification).filter_by(
        user_id=user.id, certification_id=certification.id)).scalar_one_or_none()
    renewed = held is not None
    if held is None:
        held = UserCertification(user=user, certification=certification)
        db.session.add(held)
    held.expires_on = expires_on
    held.recorded_by = actor
    held.recorded_at = now_utc()
    db.session.flush()
    logger.info('User %s recorded certification %s of user %s until %s', actor.id, certification.id, user.id,
                expires_on)
    return held, renewed


@operation
def revoke_certification(actor, held):
    _require_manager(actor)
    db.session.delete(held)
    db.session.flush()
    logger.info('User %s revoked certification %s of user %s', actor.id, held.certification_id, held.user_id)


# --- free quotas ----------------------------------------------------------------------------------

@operation
def save_quotas(actor, minutes):
    """Set the free minutes a month of each (tier, kind) given; those left out stay as they are."""
    _require_manager(actor)
    for (tier, kind), value in minutes.items():
        if not isinstance(tier, Tier) or not isinstance(kind, SpaceKind):
            raise ValueError('save_quotas needs (Tier, SpaceKind) keys')
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FREE_MINUTES:
            raise refusal(_l('Enter a number of hours from 0 to %(max)s.'), None, max=MAX_FREE_MINUTES // 60,
                          code='spaces.quota_out_of_range')
    existing = {(row.tier, row.space_kind): row for row in db.session.execute(sa.select(TierQuota)).scalars()}
    for (tier, kind), value in minutes.items():
        row = existing.get((tier, kind))
        if row is None:
            if value:
                db.session.add(TierQuota(tier=tier, space_kind=kind, free_minutes=value))
        elif row.free_minutes != value:
            row.free_minutes = value
    db.session.flush()
    logger.info('User %s saved the free quotas', actor.id)
