"""Who is told what about projects: the manager of a submission, the startup's owners of decisions and new dates."""
from flask_babel import lazy_gettext as _l

from incubator.notifications.kinds import NotificationKind, day, register

register(NotificationKind(
    name='progress_submitted',
    title=_l('%(startup)s submitted progress on milestone "%(milestone)s" of %(project)s; it awaits your decision.'),
    label=_l('A startup submits progress on a milestone (managers)'),
))

register(NotificationKind(
    name='progress_accepted',
    title=_l('Milestone "%(milestone)s" of %(project)s is accepted.'),
    label=_l('A milestone of ours is accepted'),
))

register(NotificationKind(
    name='progress_changes_requested',
    title=_l('Changes are requested on milestone "%(milestone)s" of %(project)s: %(comment)s'),
    label=_l('Changes are requested on a milestone of ours'),
))

register(NotificationKind(
    name='progress_rejected',
    title=_l('The progress submitted on milestone "%(milestone)s" of %(project)s was rejected: %(comment)s'),
    label=_l('Progress we submitted is rejected'),
))

register(NotificationKind(
    name='milestone_rescheduled',
    title=_l('Milestone "%(milestone)s" of %(project)s is now due on %(due)s: %(reason)s'),
    label=_l('A milestone of ours is rescheduled'),
    readable={'due': day},
))
