"""Startups: managers run them, members see only their own."""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role
from incubator.core.permissions import hidden_unless, rule
from incubator.startups.models import MembershipRole


def is_owner(user, startup):
    """The user owns ``startup`` (the owners see its bookings and payments)."""
    membership = startup.membership_of(user)
    return membership is not None and membership.role == MembershipRole.owner


@rule('startups.view_all')
def _view_all_startups(user, obj):
    return has_any_role(user, Role.admin, Role.manager, Role.committee)


@rule('startups.create')
def _create_startup(user, obj):
    return has_any_role(user, Role.manager, Role.admin)


@rule('startup.view')
def _view_startup(user, startup):
    return _view_all_startups(user, None) or startup.membership_of(user) is not None


@rule('startup.edit')
def _edit_startup(user, startup):
    return has_any_role(user, Role.manager, Role.admin)


@rule('startup.manage_members')
def _manage_startup_members(user, startup):
    if has_any_role(user, Role.manager, Role.admin):
        return True
    return is_owner(user, startup)


hidden_unless('Startup', 'startup.view')
