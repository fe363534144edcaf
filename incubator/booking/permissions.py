"""Bookings: managers run them, startups book and see only their own."""
from incubator.auth.permissions import is_staff
from incubator.core.permissions import hidden_unless, rule
from incubator.startups.permissions import is_owner


@rule('booking.view')
def _view_booking(user, booking):
    if is_staff(user) or booking.booked_by_id == user.id:
        return True
    return is_owner(user, booking.startup)


@rule('booking_series.view')
def _view_booking_series(user, series):
    if is_staff(user) or series.booked_by_id == user.id:
        return True
    return is_owner(user, series.startup)


@rule('booking.cancel')
def _cancel_booking(user, booking):
    return _view_booking(user, booking)


@rule('booking.check_in')
def _check_in_booking(user, booking):
    return is_staff(user) or booking.startup.membership_of(user) is not None


@rule('booking.override')
def _override_booking(user, booking):
    """Staff act beyond the booker's limits: cancel after the cutoff with the quota given back."""
    return is_staff(user)


@rule('bookings.approve')
def _approve_bookings(user, obj):
    return is_staff(user)


@rule('bookings.report')
def _report_bookings(user, obj):
    """Occupancy, no-shows and every startup's quota ledger."""
    return is_staff(user)


@rule('startup.view_bookings')
def _view_startup_bookings(user, startup):
    return is_staff(user) or is_owner(user, startup)


@rule('startup.suspend_free_quota')
def _suspend_free_quota(user, startup):
    """A review's stop decision suspends it; managers and administrators decide those."""
    return is_staff(user)


@rule('startup.restore_free_quota')
def _restore_free_quota(user, startup):
    return is_staff(user)


@rule('waitlist_entry.manage')
def _manage_waitlist_entry(user, entry):
    return entry.user_id == user.id or is_staff(user)


hidden_unless('Booking', 'booking.view')
hidden_unless('BookingSeries', 'booking_series.view')
hidden_unless('WaitlistEntry', 'waitlist_entry.manage')
