"""Scheduled work of booking: release no-shows and requests nobody decided, close waitlists whose time has come."""
from flask_babel import lazy_gettext as _l

from incubator.booking import operations
from incubator.scheduling.registry import every_minute, hourly, job


@job('booking.release_no_shows', title=_l('Release no-shows'),
     trigger={'trigger': 'interval', 'minutes': 1}, period=every_minute,
     once_per_period=False,
     description=_l('Release bookings that needed a check-in and had none 15 minutes after their start.'))
def release_no_shows(period, now):
    return {'released': operations.release_no_shows(now)}


@job('booking.lapse_undecided', title=_l('Lapse undecided bookings'),
     trigger={'trigger': 'interval', 'minutes': 1}, period=every_minute,
     once_per_period=False,
     description=_l('Release bookings still awaiting approval when they begin, and give their free hours back.'))
def lapse_undecided(period, now):
    return {'lapsed': operations.lapse_undecided(now)}


@job('booking.expire_waitlist', title=_l('Close past waitlist entries'),
     trigger={'trigger': 'cron', 'minute': 5}, period=hourly,
     description=_l('Close waitlist entries whose time has begun.'))
def expire_waitlist(period, now):
    return {'expired': operations.expire_waitlist(now)}
