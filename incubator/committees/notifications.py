"""Who is told what about committee decisions: each seated member, when an item awaits their vote."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, register

register(NotificationKind(
    name='committee_vote_waiting',
    title=_l('%(committee)s: your vote is awaited on %(subject)s.'),
    label=_l('An item awaits my vote in a committee'),
))
