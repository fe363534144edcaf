"""Notifications: each user reaches only their own."""
from incubator.core.permissions import hidden_unless, rule


@rule('notification.read')
def _read_notification(user, notification):
    return notification.user_id == user.id


hidden_unless('Notification', 'notification.read')
