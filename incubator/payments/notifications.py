"""Who is told what about payments. Titles are rendered in the reader's language when read."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, fill, register

#: What a manager is told is wrong with a payment, by the problem's code (the ``problem`` parameter).
PAYMENT_PROBLEMS = {
    'amount_mismatch': _l('Stripe reports %(amount)s paid, but %(expected)s was asked.'),
    'paid_after_release': _l('paid after its booking was released; %(amount)s is being refunded.'),
    'refund_failed': _l('a refund of %(amount)s failed: %(reason)s'),
}


def _needs_attention_title(params):
    problem = PAYMENT_PROBLEMS.get(params.get('problem'))
    # Notifications stored before problems had codes hold the problem's text itself.
    text = params.get('problem', '') if problem is None else fill(problem, params)
    return fill(_l('Payment %(receipt)s needs attention: %(problem)s'), dict(params, problem=text))


def _refund_settled_title(params):
    if params.get('state') == 'succeeded':
        return _l('Your refund of %(amount)s for receipt %(receipt)s has been paid back.')
    if params.get('state') == 'failed':
        return _l('Your refund of %(amount)s for receipt %(receipt)s failed; a manager has been told.')
    return _l('Refund of %(amount)s for receipt %(receipt)s: %(state)s.')

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
    title=_refund_settled_title,
    label=_l('A refund of mine succeeds or fails'),
))

register(NotificationKind(
    name='payment_needs_attention',
    title=_needs_attention_title,
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
