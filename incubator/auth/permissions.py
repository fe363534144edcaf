"""Who is staff, for every domain's rules; and the rules of what only administrators see."""
from incubator.auth.models import Role
from incubator.core.permissions import rule


def has_any_role(user, *roles):
    return any(user.has_role(role) for role in roles)


def is_staff(user):
    """Managers and administrators run sites, spaces, bookings and payments."""
    return has_any_role(user, Role.manager, Role.admin)


@rule('jobs.view')
def _view_jobs(user, obj):
    """The scheduled jobs' page (scheduling sits below auth and knows no roles, so its rule is here)."""
    return has_any_role(user, Role.admin)
