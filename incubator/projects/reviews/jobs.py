"""Scheduled work of progress reviews: open each period's reviews, remind of deadlines. Both daily."""
from flask_babel import lazy_gettext as _l

from incubator.projects.reviews import operations
from incubator.scheduling.registry import daily, job


@job('projects.open_reviews', title=_l('Open progress reviews'),
     trigger={'trigger': 'cron', 'hour': 0, 'minute': 10}, period=daily,
     description=_l('Open the progress review of every active project whose review period has begun, once '
                    'per project and period, and tell its manager and the startup.'))
def open_reviews(period, now):
    return {'opened': len(operations.open_reviews(now))}


@job('projects.send_reminders', title=_l('Send milestone and review reminders'),
     trigger={'trigger': 'cron', 'hour': 8, 'minute': 30}, period=daily,
     description=_l('On working days, remind startups of milestones due soon or overdue, and managers of '
                    'progress reviews past their deadline.'))
def send_reminders(period, now):
    return operations.send_reminders(now)
