"""The committee form of administrators, and the vote and conflict forms of the decision panel."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import ValidationError

from incubator.committees.models import CommitteePurpose, OpinionChoice
from incubator.core.forms import BaseForm, max_length, required

#: The quorums offered, in words: the share of the members not recused who must vote.
QUORUMS = {'1/2': _l('Half of the members'), '3/5': _l('Three fifths of the members'),
           '2/3': _l('Two thirds of the members'), '3/4': _l('Three quarters of the members'),
           '1/1': _l('All of the members')}
#: The majorities offered, in words: "for" must be more than this share of the votes cast (abstentions count).
MAJORITIES = {'1/2': _l('More than half of the votes cast'), '3/5': _l('More than three fifths of the votes cast'),
              '2/3': _l('More than two thirds of the votes cast'),
              '3/4': _l('More than three quarters of the votes cast')}


def fraction_text(pair):
    return f'{pair[0]}/{pair[1]}'


def quorum_words(pair):
    return QUORUMS.get(fraction_text(pair)) or _l('%(share)s of the members', share=fraction_text(pair))


def majority_words(pair):
    return MAJORITIES.get(fraction_text(pair)) or _l('More than %(share)s of the votes cast',
                                                     share=fraction_text(pair))


def parse_fraction(text):
    numerator, denominator = text.split('/')
    return int(numerator), int(denominator)


def _choices(words, current):
    """The fractions offered, with the committee's own if it is another (set outside this form)."""
    choices = list(words.items())
    if current and current not in words:
        choices.append((current, current))
    return choices


class CommitteeForm(BaseForm):
    name = StringField(_l('Name'), validators=[required(), max_length(120)])
    purpose = SelectField(_l('Decides on'), choices=CommitteePurpose.choices)
    quorum = SelectField(_l('Quorum'), default='2/3',
                         description=_l('How many of the members not recused must vote before the outcome.'))
    majority = SelectField(_l('Majority'), default='1/2',
                           description=_l('How many "for" votes (with or without conditions) carry an item; '
                                          'abstentions count as votes cast.'))
    chair = SelectField(_l('Chair'), coerce=int)
    members = SelectMultipleField(_l('Members'), coerce=int, widget=widgets.ListWidget(prefix_label=False),
                                  option_widget=widgets.CheckboxInput())
    is_active = BooleanField(_l('Active: takes new items'), default=True)

    def __init__(self, *args, candidates=(), quorum=None, majority=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(person.id, f'{person.name} ({person.email})') for person in candidates]
        self.chair.choices = people
        self.members.choices = people
        self.quorum.choices = _choices(QUORUMS, quorum)
        self.majority.choices = _choices(MAJORITIES, majority)

    def validate_members(self, field):
        if not field.data and self.chair.data is None:
            raise ValidationError(_l('Choose the members.'))


class OpinionForm(BaseForm):
    choice = RadioField(_l('Your vote'), choices=OpinionChoice.choices, validators=[required()])
    comment = TextAreaField(_l('Comment (the reasons if against, the conditions if with conditions)'),
                            validators=[max_length(4000)])

    def validate_comment(self, field):
        if self.choice.data in (OpinionChoice.against.value, OpinionChoice.for_with_conditions.value) \
                and not field.data:
            raise ValidationError(_l('Say why you are against, or state your conditions.'))


class ConflictForm(BaseForm):
    reason = TextAreaField(_l('Why you must not take part'), validators=[required(), max_length(4000)])
