"""Who is told what about accounts. Titles are rendered in the reader's language when read."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, register


def _invitation_accepted_title(params):
    if params.get('startup'):
        return _l('%(name)s accepted your invitation to %(startup)s.')
    return _l('%(name)s accepted your invitation to join Wutong.')


register(NotificationKind(
    name='invitation_accepted',
    title=_invitation_accepted_title,
    label=_l('Someone accepts an invitation I sent'),
))
