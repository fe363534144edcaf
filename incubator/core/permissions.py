"""The one place that decides who may do what.

Views, templates and (later) the API ask :func:`can` or :func:`require`.
A rule is a function ``(user, obj) -> bool`` registered under an action name
such as ``'startup.edit'``. Objects whose mere existence is private answer
404 instead of 403 to those who may not see them.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from werkzeug.local import LocalProxy

from incubator.auth.models import Role
from incubator.startups.models import MembershipRole, StartupStatus

_rules = {}
# Which action decides whether an object may be seen at all (404 otherwise).
_visibility = {}


def rule(action):
    def decorator(func):
        if action in _rules:
            raise ValueError(f'permission rule {action!r} defined twice')
        _rules[action] = func
        return func
    return decorator


def hidden_unless(type_name, action):
    """Objects of ``type_name`` (a model class name) whose ``action`` is refused answer 404, not 403."""
    _visibility[type_name] = action


def can(user, action, obj=None):
    # Rules read the user's attributes many times; through Flask-Login's proxy each read costs a lookup.
    user = _unproxied(user)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    try:
        check = _rules[action]
    except KeyError:
        raise LookupError(f'no permission rule for {action!r}') from None
    return bool(check(user, obj))


def _unproxied(user):
    return user._get_current_object() if isinstance(user, LocalProxy) else user


def is_visible(user, obj):
    action = _visibility.get(type(obj).__name__)
    return action is None or can(user, action, obj)


def require(user, action, obj=None):
    """Abort unless ``user`` may do ``action``: 404 when ``obj`` is hidden from them, else 403."""
    if can(user, action, obj):
        return
    if obj is not None and not is_visible(user, obj):
        abort(404)
    abort(403)


def permission_required(action):
    """Route decorator for actions that need no object: login first, then the rule."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user, action)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def get_or_404(model, ident, action=None, user=None, options=()):
    """Load ``model`` by primary key for ``user``; 404 if missing or not visible, 403 if ``action`` is refused.
    ``options`` are loader options, such as the relationships the page reads."""
    from incubator.extensions import db
    user = user if user is not None else current_user
    obj = db.session.get(model, ident, options=options)
    if obj is None or not is_visible(user, obj):
        abort(404)
    if action:
        require(user, action, obj)
    return obj


def _has(user, *roles):
    return any(user.has_role(role) for role in roles)


# --- accounts and sites: admins run them -----------------------------------

@rule('users.manage')
def _manage_users(user, obj):
    return _has(user, Role.admin)


@rule('jobs.view')
def _view_jobs(user, obj):
    return _has(user, Role.admin)


@rule('sites.manage')
def _manage_sites(user, obj):
    return _has(user, Role.admin)


@rule('sites.view')
def _view_sites(user, obj):
    return _has(user, Role.admin, Role.manager)


# --- startups: managers run them, members see only their own ---------------

@rule('startups.view_all')
def _view_all_startups(user, obj):
    return _has(user, Role.admin, Role.manager, Role.committee)


@rule('startups.create')
def _create_startup(user, obj):
    return _has(user, Role.manager, Role.admin)


@rule('startup.view')
def _view_startup(user, startup):
    return _view_all_startups(user, None) or startup.membership_of(user) is not None


@rule('startup.edit')
def _edit_startup(user, startup):
    return _has(user, Role.manager, Role.admin)


@rule('startup.manage_members')
def _manage_startup_members(user, startup):
    if _has(user, Role.manager, Role.admin):
        return True
    membership = startup.membership_of(user)
    return membership is not None and membership.role == MembershipRole.owner


_visibility['Startup'] = 'startup.view'


# --- notifications: each user reaches only their own -------------------------

@rule('notification.read')
def _read_notification(user, notification):
    return notification.user_id == user.id


_visibility['Notification'] = 'notification.read'


# --- the audit log: admins read it, nobody edits it ----------------------------

@rule('audit.view')
def _view_audit_log(user, obj):
    return _has(user, Role.admin)


# --- spaces and bookings: managers run them, startups book and see only their own --------

def _is_staff(user):
    return _has(user, Role.manager, Role.admin)


@rule('spaces.manage')
def _manage_spaces(user, obj):
    """Spaces, opening hours, closed days, blackouts, certifications and free quotas."""
    return _is_staff(user)


@rule('space.view')
def _view_space(user, space):
    return _is_staff(user) or (space.is_active and space.site.is_active)


@rule('space.book')
def _book_space(user, space):
    return _view_space(user, space) and space.is_active and space.site.is_active and any(
        membership.startup.status == StartupStatus.incubating for membership in user.memberships)


@rule('booking.view')
def _view_booking(user, booking):
    if _is_staff(user) or booking.booked_by_id == user.id:
        return True
    membership = booking.startup.membership_of(user)
    return membership is not None and membership.role == MembershipRole.owner


@rule('booking.cancel')
def _cancel_booking(user, booking):
    return _view_booking(user, booking)


@rule('booking.check_in')
def _check_in_booking(user, booking):
    return _is_staff(user) or booking.startup.membership_of(user) is not None


@rule('booking.override')
def _override_booking(user, booking):
    """Staff act beyond the booker's limits: cancel after the cutoff with the quota given back."""
    return _is_staff(user)


@rule('bookings.approve')
def _approve_bookings(user, obj):
    return _is_staff(user)


@rule('bookings.report')
def _report_bookings(user, obj):
    """Occupancy, no-shows and every startup's quota ledger."""
    return _is_staff(user)


@rule('startup.view_bookings')
def _view_startup_bookings(user, startup):
    if _is_staff(user):
        return True
    membership = startup.membership_of(user)
    return membership is not None and membership.role == MembershipRole.owner


@rule('waitlist_entry.manage')
def _manage_waitlist_entry(user, entry):
    return entry.user_id == user.id or _is_staff(user)


# --- payments: a startup sees its own; the booker or the startup's owner pays ---------------

@rule('booking.pay')
def _pay_booking(user, booking):
    """Pay for a booking online: whoever may see it, staff excepted (they record on-site payments)."""
    return booking.booked_by_id == user.id or _owns(user, booking.startup)


@rule('payment.view')
def _view_payment(user, payment):
    return _is_staff(user) or _owns(user, payment.startup) or any(
        booking.booked_by_id == user.id for booking in payment.bookings)


@rule('payment.request_fapiao')
def _request_fapiao(user, payment):
    return payment.is_paid and _view_payment(user, payment)


@rule('payments.manage')
def _manage_payments(user, obj):
    """Every payment, monthly totals and exports, on-site payments, refunds beyond the policy, fapiao."""
    return _is_staff(user)


@rule('startup.view_payments')
def _view_startup_payments(user, startup):
    return _is_staff(user) or _owns(user, startup)


def _owns(user, startup):
    membership = startup.membership_of(user)
    return membership is not None and membership.role == MembershipRole.owner


_visibility['Space'] = 'space.view'
_visibility['Booking'] = 'booking.view'
_visibility['WaitlistEntry'] = 'waitlist_entry.manage'
_visibility['Payment'] = 'payment.view'
