"""Sites: administrators run them, managers see them."""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role, is_staff
from incubator.core.permissions import rule


@rule('sites.manage')
def _manage_sites(user, obj):
    return has_any_role(user, Role.admin)


@rule('sites.view')
def _view_sites(user, obj):
    return has_any_role(user, Role.admin, Role.manager)


@rule('sites.manage_hours')
def _manage_hours(user, obj):
    """Opening hours and closed days: the staff who set up spaces (``spaces.manage``), not only administrators."""
    return is_staff(user)
