"""Sites: administrators run them, managers see them."""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role
from incubator.core.permissions import rule


@rule('sites.manage')
def _manage_sites(user, obj):
    return has_any_role(user, Role.admin)


@rule('sites.view')
def _view_sites(user, obj):
    return has_any_role(user, Role.admin, Role.manager)
