"""Who is told what after a green-channel decision; each reader gets the text in their own language."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, day, register

for _name, _title, _label in (
    ('green_published', _l('Green-channel request %(reference)s is under public notice until %(until)s.'),
     _l('Our approved green-channel request is published for public notice')),
    ('green_objection', _l('An objection was lodged against the public notice of green-channel request '
                           '%(reference)s: review it.'),
     _l('Someone objects to a green-channel notice I serve')),
    ('green_reopened', _l('An objection to green-channel request %(reference)s was upheld: it is back before the '
                          'committee.'),
     _l('An objection reopens a green-channel decision')),
    ('green_in_effect', _l('The decision on green-channel request %(reference)s took effect: fulfilment begins.'),
     _l('A green-channel decision takes effect')),
):
    register(NotificationKind(name=_name, title=_title, label=_label, readable={'until': day}))
register(NotificationKind(
    name='green_delivered',
    title=_l('Green-channel request %(reference)s: %(item)s is delivered.'),
    label=_l('A granted green-channel item is delivered')))
register(NotificationKind(
    name='green_closed',
    title=_l('Every granted item of green-channel request %(reference)s is delivered: the request is closed.'),
    label=_l('A green-channel request is closed')))
