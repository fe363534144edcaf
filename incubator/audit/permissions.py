"""The audit log: administrators read it, nobody edits it."""
from incubator.auth.models import Role
from incubator.auth.permissions import has_any_role
from incubator.core.permissions import rule


@rule('audit.view')
def _view_audit_log(user, obj):
    return has_any_role(user, Role.admin)
