"""Scheduled work of payments: release bookings not paid in time, send refunds to Stripe."""
from flask_babel import lazy_gettext as _l

from incubator.payments import operations
from incubator.scheduling.registry import every_minute, job


@job('payments.release_overdue', title=_l('Release unpaid bookings'),
     trigger={'trigger': 'interval', 'minutes': 1}, period=every_minute,
     once_per_period=False,
     description=_l('Release bookings whose time to pay online has run out, and expire their checkouts.'))
def release_overdue(period, now):
    return {'released': operations.release_overdue_bookings(now)}


@job('payments.send_refunds', title=_l('Send refunds'),
     trigger={'trigger': 'interval', 'minutes': 1}, period=every_minute,
     once_per_period=False, description=_l('Send requested refunds to Stripe.'))
def send_refunds(period, now):
    return {'sent': operations.send_requested_refunds(now)}
