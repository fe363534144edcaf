"""Who is told what about precedents: the other managers that one awaits review, its author of the review and
of its withdrawal."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, register

register(NotificationKind(
    name='precedent_submitted',
    title=_l('A precedent awaits your review: “%(title)s”.'),
    label=_l('A precedent awaits review (managers)'),
))

register(NotificationKind(
    name='precedent_sent_back',
    title=_l('Your precedent “%(title)s” was sent back: %(comment)s'),
    label=_l('A precedent I wrote is sent back'),
))

register(NotificationKind(
    name='precedent_published',
    title=_l('Your precedent “%(title)s” is published.'),
    label=_l('A precedent I wrote is published'),
))

register(NotificationKind(
    name='precedent_withdrawn',
    title=_l('Your precedent “%(title)s” was withdrawn: %(reason)s'),
    label=_l('A precedent I wrote is withdrawn'),
))
