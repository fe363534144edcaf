"""Who is told what about progress reviews and milestone deadlines. Titles are rendered in the reader's language,
with the dates (kept as ISO dates) and the outcome (kept as its value) as pages write them."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, day, label_of, register
from incubator.projects.models import ReviewOutcome

_READABLE = {'period': day, 'due': day, 'outcome': label_of(ReviewOutcome)}


register(NotificationKind(
    name='review_opened',
    title=_l('The progress review of %(project)s (%(startup)s) from %(period)s is open: decide by %(due)s.'),
    label=_l('A progress review opens for a project I manage (managers)'),
    readable=_READABLE,
))

register(NotificationKind(
    name='review_opened_for_startup',
    title=_l('The progress review of %(project)s from %(period)s is open: please answer its short '
             'self-assessment. The manager decides by %(due)s.'),
    label=_l('A progress review of my project opens'),
    readable=_READABLE,
))

register(NotificationKind(
    name='review_self_assessed',
    title=_l('%(startup)s answered the self-assessment of the progress review of %(project)s.'),
    label=_l('A startup answers the self-assessment of a review (managers)'),
    email_by_default=False,
    readable=_READABLE,
))

register(NotificationKind(
    name='review_decided',
    title=_l('The progress review of %(project)s from %(period)s is decided: %(outcome)s.'),
    label=_l('A progress review of my project is decided'),
    readable=_READABLE,
))

register(NotificationKind(
    name='milestone_due_soon',
    title=_l('The milestone "%(milestone)s" of %(project)s is due on %(due)s.'),
    label=_l('A milestone of my project is due soon'),
    readable=_READABLE,
))

register(NotificationKind(
    name='milestone_overdue',
    title=_l('The milestone "%(milestone)s" of %(project)s was due on %(due)s and is not accepted yet.'),
    label=_l('A milestone of my project is overdue'),
    readable=_READABLE,
))

register(NotificationKind(
    name='review_overdue',
    title=_l('The progress review of %(project)s (%(startup)s) was due on %(due)s and is not decided yet.'),
    label=_l('A progress review I decide is past its deadline (managers)'),
    readable=_READABLE,
))
