"""Payments: a startup sees its own; the booker or the startup's owner pays."""
from incubator.auth.permissions import is_staff
from incubator.core.permissions import hidden_unless, rule
from incubator.startups.permissions import is_owner


@rule('booking.pay')
def _pay_booking(user, booking):
    """Pay for a booking online: whoever may see it, staff excepted (they record on-site payments)."""
    return booking.booked_by_id == user.id or is_owner(user, booking.startup)


@rule('payment.view')
def _view_payment(user, payment):
    return is_staff(user) or is_owner(user, payment.startup) or any(
        booking.booked_by_id == user.id for booking in payment.bookings)


@rule('payment.request_fapiao')
def _request_fapiao(user, payment):
    return payment.is_paid and _view_payment(user, payment)


@rule('payments.manage')
def _manage_payments(user, obj):
    """Every payment, monthly totals and exports, on-site payments, refunds beyond the policy, fapiao."""
    return is_staff(user)


@rule('startup.view_payments')
def _view_startup_payments(user, startup):
    return is_staff(user) or is_owner(user, startup)


hidden_unless('Payment', 'payment.view')
