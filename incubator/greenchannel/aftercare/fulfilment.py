"""Fulfilment of a green-channel decision in effect: the window lists each granted item and records its
delivery; the request closes when every item is delivered.

Lab access is delivered by granting every active member of the startup the certification the space requires
(the booking domain's own record, so they can book the lab at once); funding records the amount paid and the
day; housing and space the hand-over day. The acting user is passed in; operations flush, never commit.
"""
import logging
from datetime import date

from flask_babel import lazy_gettext as _l

from incubator.core.errors import Conflict, checked_text, refusal
from incubator.core.time import now_utc, to_local
from incubator.core.transactions import operation
from incubator.extensions import db
from incubator.greenchannel.aftercare.notice import event, next_state, owners, request_link
from incubator.greenchannel.models import EventKind, FulfilmentItem, FulfilmentKind
from incubator.notifications.operations import notify_many
from incubator.spaces.operations import record_certification

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2_000
MAX_FEN = 10**14

def _kind(value):
    try:
        return FulfilmentKind(getattr(value, 'value', value))
    except ValueError:
        raise refusal(_l('Choose what kind of item this is.'), 'kind', code='greenchannel.bad_kind') from None


def _fen(value, field):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_FEN:
        raise refusal(_l('Enter an amount above zero.'), field, code='greenchannel.bad_amount')
    return value


@operation
def add_item(request, *, user, kind, description, amount_fen=None, space=None):
    """The window lists one granted item to deliver (lab access names the space)."""
    next_state(request, 'plan', user)
    kind = _kind(kind)
    description = checked_text(description, 'description', TEXT_LIMIT, domain='greenchannel')
    if kind == FulfilmentKind.lab_access and space is None:
        raise refusal(_l('Choose the lab the startup gets access to.'), 'space', code='greenchannel.space_required')
    if amount_fen is not None:
        amount_fen = _fen(amount_fen, 'amount')
    item = FulfilmentItem(kind=kind, description=description, amount_fen=amount_fen,
                          space=space if kind == FulfilmentKind.lab_access else None)
    request.fulfilment_items.append(item)
    db.session.flush()
    logger.info('Fulfilment item %s (%s) added to green request %s by %s', item.id, kind.value, request.id, user.id)
    return item


@operation
def deliver_item(item, *, user, delivered_on, amount_fen=None, access_until=None, note='', now=None):
    """Record an item's delivery. Funding needs the amount paid; lab access the last day of access, and gives
    the startup's active members the space's certification. The last delivery closes the request."""
    now = now or now_utc()
    request = item.request
    next_state(request, 'deliver', user)
    if item.is_delivered:
        raise Conflict(_l('This item is already delivered.'), code='greenchannel.already_delivered')
    if not isinstance(delivered_on, date):
        raise refusal(_l('Enter the day it was delivered.'), 'delivered_on', code='greenchannel.date_required')
    if delivered_on > to_local(now).date():
        raise refusal(_l('The delivery day cannot be in the future.'), 'delivered_on',
                      code='greenchannel.future_delivery')
    note = checked_text(note, 'note', TEXT_LIMIT, domain='greenchannel', needed=False)
    if item.kind == FulfilmentKind.funding:
        item.amount_fen = _fen(amount_fen, 'amount')
    if item.kind == FulfilmentKind.lab_access:
        _grant_lab_access(item, user, access_until, now)
    item.delivered_on, item.delivered_by_id, item.note = delivered_on, user.id, note
    event(request, EventKind.delivered, user, note=f'{item.kind.value}: {item.description}', at=now)
    db.session.flush()
    notify_many([(owner, 'green_delivered', request_link(request), {'reference': request.reference,
                                                             'item': item.description})
                 for owner in owners(request)])
    if all(other.is_delivered for other in request.fulfilment_items):
        request.state = next_state(request, 'close', user)
        request.closed_at = now
        event(request, EventKind.closed, user, at=now)
        db.session.flush()
        notify_many([(owner, 'green_closed', request_link(request), {'reference': request.reference})
                     for owner in owners(request)])
        logger.info('Green request %s closed: every item delivered', request.id)
    return item


def _grant_lab_access(item, user, access_until, now):
    today = to_local(now).date()
    if not isinstance(access_until, date) or access_until < today:
        raise refusal(_l('Enter the last day of access, today or later.'), 'access_until',
                      code='greenchannel.access_until_required')
    item.access_until = access_until
    certification = item.space.certification if item.space is not None else None
    if certification is None:
        # The space asks for no certification: every member of the startup may already book it.
        return
    for membership in item.request.startup.memberships:
        if membership.user.is_active:
            record_certification(user, membership.user, certification, access_until, today=today)


@operation
def remove_item(item, *, user):
    """The window takes back an item listed by mistake, before it is delivered."""
    request = item.request
    next_state(request, 'plan', user)
    if item.is_delivered:
        raise Conflict(_l('This item is already delivered.'), code='greenchannel.already_delivered')
    request.fulfilment_items.remove(item)
    db.session.flush()
    return request

