"""Who is told what about bookings. Titles are rendered in the reader's language when read."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, register


def _one_or_several(one, several):
    """A title for one booking, or for the ``occurrences`` of a recurring one decided or asked for together."""
    return lambda params: several if params.get('occurrences', 1) > 1 else one


register(NotificationKind(
    name='booking_approved',
    title=_one_or_several(_l('Your booking of %(space)s on %(when)s has been approved.'),
                          _l('Your %(occurrences)d bookings of %(space)s from %(when)s on have been approved.')),
    label=_l('A booking of mine is approved'),
))

register(NotificationKind(
    name='booking_declined',
    title=_one_or_several(
        _l('Your booking of %(space)s on %(when)s has been declined: %(reason)s'),
        _l('Your %(occurrences)d bookings of %(space)s from %(when)s on have been declined: %(reason)s')),
    label=_l('A booking of mine is declined'),
))

register(NotificationKind(
    name='booking_lapsed',
    title=_l('Your booking of %(space)s on %(when)s lapsed: no manager decided on it before it began. '
             'Its free hours are back.'),
    label=_l('A booking of mine lapses undecided'),
))

register(NotificationKind(
    name='booking_cancelled',
    title=_one_or_several(_l('Your booking of %(space)s on %(when)s has been cancelled by %(name)s.'),
                          _l('Your %(occurrences)d bookings of %(space)s from %(when)s on have been cancelled by '
                             '%(name)s.')),
    label=_l('Someone else cancels a booking of mine'),
))

register(NotificationKind(
    name='booking_released',
    title=_l('Your booking of %(space)s on %(when)s was released: nobody checked in within 15 minutes.'),
    label=_l('A booking of mine is released as a no-show'),
))

register(NotificationKind(
    name='waitlist_slot_free',
    title=_l('%(space)s is free on %(when)s, which you were waiting for. Whoever books first gets it.'),
    label=_l('A slot I am waiting for becomes free'),
))


register(NotificationKind(
    name='booking_awaits_approval',
    title=_one_or_several(_l('%(startup)s asks to book %(space)s on %(when)s.'),
                          _l('%(startup)s asks to book %(space)s %(occurrences)d times, first on %(when)s.')),
    label=_l('A booking awaits my approval (managers)'),
    email_by_default=False,
))

register(NotificationKind(
    name='free_quota_suspended',
    title=_l('The free booking hours of %(startup)s are suspended: %(reason)s. New bookings are paid until a '
             'manager restores them.'),
    label=_l('The free booking hours of my startup are suspended'),
))

register(NotificationKind(
    name='free_quota_restored',
    title=_l('The free booking hours of %(startup)s are restored. %(note)s'),
    label=_l('The free booking hours of my startup are restored'),
))
