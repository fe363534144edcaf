"""Who is told what about progress reviews and milestone deadlines. Titles are rendered in the reader's language."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, fill, register
from incubator.projects.models import ReviewOutcome


def _with_outcome(template):
    """The title with the outcome's label in the reader's language (params hold its value)."""
    def title(params):
        try:
            outcome = ReviewOutcome(params.get('outcome')).label
        except ValueError:
            outcome = params.get('outcome', '')
        return fill(template, {**params, 'outcome': outcome})
    return title


register(NotificationKind(
    name='review_opened',
    title=_l('The progress review of %(project)s (%(startup)s) from %(period)s is open: decide by %(due)s.'),
    label=_l('A progress review opens for a project I manage (managers)'),
))

register(NotificationKind(
    name='review_opened_for_startup',
    title=_l('The progress review of %(project)s from %(period)s is open: please answer its short '
             'self-assessment. The manager decides by %(due)s.'),
    label=_l('A progress review of my project opens'),
))

register(NotificationKind(
    name='review_self_assessed',
    title=_l('%(startup)s answered the self-assessment of the progress review of %(project)s.'),
    label=_l('A startup answers the self-assessment of a review (managers)'),
    email_by_default=False,
))

register(NotificationKind(
    name='review_decided',
    title=_with_outcome(_l('The progress review of %(project)s from %(period)s is decided: %(outcome)s.')),
    label=_l('A progress review of my project is decided'),
))

register(NotificationKind(
    name='milestone_due_soon',
    title=_l('The milestone "%(milestone)s" of %(project)s is due on %(due)s.'),
    label=_l('A milestone of my project is due soon'),
))

register(NotificationKind(
    name='milestone_overdue',
    title=_l('The milestone "%(milestone)s" of %(project)s was due on %(due)s and is not accepted yet.'),
    label=_l('A milestone of my project is overdue'),
))

register(NotificationKind(
    name='review_overdue',
    title=_l('The progress review of %(project)s (%(startup)s) was due on %(due)s and is not decided yet.'),
    label=_l('A progress review I decide is past its deadline (managers)'),
))
