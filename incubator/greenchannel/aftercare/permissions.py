"""Who sees and acts on what follows a green-channel decision. The public notice itself needs no account."""
from incubator.auth.models import Role
from incubator.auth.permissions import is_staff
from incubator.core.permissions import rule


@rule('green_aftercare.view')
def _view(user, request):
    """Managers and administrators, the request's service contact and the startup's members."""
    return (is_staff(user) or request.service_contact_id == user.id
            or request.startup.membership_of(user) is not None)


@rule('green_aftercare.manage')
def _manage(user, request):
    """The one window reviews objections and records fulfilment: the service contact, or any manager."""
    return request.service_contact_id == user.id or user.has_role(Role.manager)


@rule('greenchannel.figures')
def _figures(user, obj):
    return is_staff(user)
