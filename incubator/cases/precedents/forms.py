"""The precedent's texts (the author's anonymising edits), the reviewer's comment when sending it back, and why
a manager withdraws it."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from incubator.core.forms import BaseForm, max_length, required

TEXT = 20_000


class PrecedentForm(BaseForm):
    title = StringField(_l('Title'), validators=[required(), max_length(200)])
    summary = TextAreaField(_l('Summary'), validators=[required(), max_length(TEXT)])
    facts = TextAreaField(_l('Facts of the case'), validators=[required(), max_length(TEXT)])
    exploration_reasons = TextAreaField(_l('Reasons for the finding on distinction 1'),
                                        validators=[required(), max_length(TEXT)])
    rule_reasons = TextAreaField(_l('Reasons for the finding on distinction 2'),
                                 validators=[required(), max_length(TEXT)])
    purpose_reasons = TextAreaField(_l('Reasons for the finding on distinction 3'),
                                    validators=[required(), max_length(TEXT)])
    decision = TextAreaField(_l('The decision'), validators=[required(), max_length(TEXT)])
    legal_basis = TextAreaField(_l('Legal basis'), validators=[required(), max_length(TEXT)])


class SendBackForm(BaseForm):
    comment = TextAreaField(_l('What to change'), validators=[required(), max_length(TEXT)])


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l('Why it is withdrawn'), validators=[required(), max_length(TEXT)])
