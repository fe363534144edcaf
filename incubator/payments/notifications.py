"""Who is told what about payments. Titles are rendered in the reader's language when read."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, register

register(NotificationKind(
    name='payment_received',
    title=_l('We received %(amount)s for your booking of %(space)s on %(when)s. Receipt %(receipt)s.'),
    label=_l('A payment of mine is received'),
))

register(NotificationKind(
    name='booking_payment_expired',
    title=_l('Your booking of %(space)s on %(when)s was released: it was not paid in time.'),
    label=_l('A booking of mine is released because it was not paid'),
))

register(NotificationKind(
    name='payment_after_release',
    title=_l('Your payment of %(amount)s arrived after the booking of %(space)s on %(when)s was released. '
             'It is being refunded in full; please book again.'),
    label=_l('A late payment of mine is refunded'),
))

register(NotificationKind(
    name='refund_settled',
    title=_l('Refund of %(amount)s for receipt %(receipt)s: %(state)s.'),
    label=_l('A refund of mine succeeds or fails'),
))

register(NotificationKind(
    name='payment_needs_attention',
    title=_l('Payment %(receipt)s needs attention: %(problem)s'),
    label=_l('A payment needs a manager (managers)'),
))

register(NotificationKind(
    name='fapiao_issued',
    title=_l('Fapiao %(number)s has been issued for receipt %(receipt)s.'),
    label=_l('A fapiao I asked for is issued'),
))

register(NotificationKind(
    name='fapiao_requested',
    title=_l('%(startup)s asks for a fapiao for receipt %(receipt)s.'),
    label=_l('A startup asks for a fapiao (managers)'),
    email_by_default=False,
))
