"""Scheduled work of green-channel requests: the daily deadline job."""
from flask_babel import lazy_gettext as _l

from incubator.greenchannel import operations
from incubator.scheduling.registry import daily, job


@job('greenchannel.escalate', title=_l('Escalate green-channel requests'),
     trigger={'trigger': 'cron', 'hour': 8, 'minute': 40}, period=daily,
     description=_l('Send to the committee the green-channel requests whose opinions are in or whose departments\' '
                    'deadlines passed; remind each holder one working day before a deadline, and after it tell the '
                    'department\'s head and the committee\'s chair, once per step and day.'))
def escalate(period, now):
    return operations.escalate(now)
