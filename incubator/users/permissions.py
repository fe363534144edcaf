"""Accounts: administrators run them."""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role
from incubator.core.permissions import rule


@rule('users.manage')
def _manage_users(user, obj):
    return has_any_role(user, Role.admin)
