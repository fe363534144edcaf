"""Who is told what about green-channel requests; each reader gets the text in their own language.

Params keep a department's or category's Chinese name with its English one beside it (``department_en``), dates
as ISO dates and a decision or opinion as its value: :data:`_READABLE` makes them the reader's words.
"""
from flask_babel import lazy_gettext as _l

from incubator.greenchannel.models import OpinionKind, Outcome
from incubator.notifications.kinds import NotificationKind, day, label_of, name_in, register

_READABLE = {'due': day, 'outcome': label_of(Outcome), 'opinion': label_of(OpinionKind),
             'department': name_in('department_en'), 'departments': name_in('departments_en'),
             'category': name_in('category_en')}

_REMINDERS = {
    'completeness': _l('Green-channel request %(reference)s: the completeness check is due by %(due)s.'),
    'department': _l('Green-channel request %(reference)s: the opinion of %(department)s is due by %(due)s.'),
    'committee': _l('Green-channel request %(reference)s: the committee\'s decision is due by %(due)s.'),
}
_ESCALATIONS = {
    'completeness': _l('Green-channel request %(reference)s is overdue: its completeness check was due by %(due)s.'),
    'department': _l('Green-channel request %(reference)s is overdue: the opinion of %(department)s was due by '
                     '%(due)s.'),
    'committee': _l('Green-channel request %(reference)s is overdue: the committee\'s decision was due by %(due)s.'),
}

for _name, _title, _label in (
    ('green_submitted', _l('%(startup)s submitted green-channel request %(reference)s (%(category)s): check it is '
                           'complete by %(due)s.'),
     _l('A startup I serve submits a green-channel request')),
    ('green_returned', _l('Green-channel request %(reference)s is returned for information: %(count)s to supply. '
                          'Its clock is paused meanwhile.'),
     _l('Our green-channel request is returned for information')),
    ('green_resubmitted', _l('%(startup)s supplied what was missing on green-channel request %(reference)s.'),
     _l('A returned green-channel request is resubmitted')),
    ('green_accepted', _l('Green-channel request %(reference)s is accepted and routed to: %(departments)s.'),
     _l('Our green-channel request is accepted')),
    ('green_routed', _l('Green-channel request %(reference)s of %(startup)s awaits the opinion of %(department)s by '
                        '%(due)s.'),
     _l('A green-channel request is routed to my department')),
    ('green_question', _l('%(department)s asks about green-channel request %(reference)s: %(question)s'),
     _l('A department asks us about our green-channel request')),
    ('green_answered', _l('%(startup)s answered your question on green-channel request %(reference)s.'),
     _l('A startup answers my department\'s question')),
    ('green_opinion', _l('%(department)s gave its opinion on green-channel request %(reference)s: %(opinion)s.'),
     _l('A department gives its opinion on a request I serve')),
    ('green_to_committee', _l('Green-channel request %(reference)s is now before the committee.'),
     _l('A green-channel request goes to the committee')),
    ('green_decided', _l('The committee decided green-channel request %(reference)s: %(outcome)s.'),
     _l('A green-channel request is decided')),
    ('green_message', _l('%(author)s wrote on green-channel request %(reference)s: %(excerpt)s'),
     _l('A message on a green-channel request')),
    ('green_reminder', lambda params: _REMINDERS.get(params.get('stage'), _REMINDERS['completeness']),
     _l('A green-channel step I hold is due tomorrow')),
    ('green_escalated', lambda params: _ESCALATIONS.get(params.get('stage'), _ESCALATIONS['completeness']),
     _l('A green-channel step is overdue (escalation)')),
):
    register(NotificationKind(name=_name, title=_title, label=_label, readable=_READABLE))
