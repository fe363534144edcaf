"""Scheduled work of notifications: sending the outbox."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.delivery import send_due_emails
from incubator.scheduling.registry import every_minute, job


@job('notifications.send_emails', title=_l('Send emails'),
     trigger={'trigger': 'interval', 'minutes': 1}, period=every_minute,
     once_per_period=False, description=_l('Send the due emails of the outbox, retrying failed ones with backoff.'))
def send_emails(period, now):
    """Send the due emails of the outbox, retrying failed ones with backoff."""
    return send_due_emails(now)
