"""Who may complete the working-day calendar: administrators only."""
from incubator.auth.models import Role
from incubator.core.permissions import rule


@rule('calendar.manage')
def _manage_calendar(user, obj):
    return user.has_role(Role.admin)
