"""Who is told what about cases: managers of filings and appeals, the assessor of an assignment, the filer's side of
acceptance, refusal and decision. Titles hold the case number only: the facts stay on the confidential page."""
from flask_babel import lazy_gettext as _l

from incubator.cases.models import CaseOutcome
from incubator.notifications.kinds import NotificationKind, label_of, register

register(NotificationKind(
    name='case_filed',
    title=_l('Tolerance-for-failure case %(number)s was filed about %(startup)s; it awaits acceptance.'),
    label=_l('A tolerance-for-failure case is filed (managers)'),
))

register(NotificationKind(
    name='case_accepted',
    title=_l('Tolerance-for-failure case %(number)s is accepted for assessment.'),
    label=_l('A tolerance-for-failure case I filed is accepted'),
))

register(NotificationKind(
    name='case_declined',
    title=_l('Tolerance-for-failure case %(number)s is declined: %(reason)s'),
    label=_l('A tolerance-for-failure case I filed is declined'),
))

register(NotificationKind(
    name='case_assigned',
    title=_l('You are to assess tolerance-for-failure case %(number)s (%(startup)s).'),
    label=_l('A tolerance-for-failure case is assigned to me (managers)'),
))

register(NotificationKind(
    name='case_decided',
    title=_l('The committee decided tolerance-for-failure case %(number)s: %(outcome)s.'),
    readable={'outcome': label_of(CaseOutcome)},
    label=_l('A tolerance-for-failure case I filed is decided'),
))

register(NotificationKind(
    name='case_appealed',
    title=_l('Tolerance-for-failure case %(number)s is appealed; refer it to the committee.'),
    label=_l('A tolerance-for-failure case is appealed (managers)'),
))
