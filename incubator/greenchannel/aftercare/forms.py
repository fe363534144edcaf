"""Forms after a green-channel decision: an objection (public), its review, fulfilment items and deliveries."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import Optional

from incubator.core.forms import BaseForm, date_field, max_length, parse_yuan, required
from incubator.greenchannel.models import FulfilmentKind

TEXT_LIMIT = 5_000


class OptionalYuan(StringField):
    """An amount in yuan that may be left blank; ``fen`` is integer fen or None."""

    fen = None

    def pre_validate(self, form):
        self.fen = None
        if self.data:
            try:
                self.fen = parse_yuan(self.data)
            except ValueError as error:
                raise ValidationError(str(error)) from None


class ObjectionForm(BaseForm):
    name = StringField(_l('Your name'), validators=[required(), max_length(100)])
    contact = StringField(_l('Phone or email'), validators=[required(), max_length(200)])
    reason = TextAreaField(_l('Why do you object?'), validators=[required(), max_length(TEXT_LIMIT)])


class ObjectionReviewForm(BaseForm):
    verdict = SelectField(_l('Review'), choices=lambda: [('', _l('Choose')), ('dismissed', _l('Dismiss')),
                                                         ('upheld', _l('Uphold: back to the committee'))],
                          validators=[required()])
    review_reason = TextAreaField(_l('Reason'), validators=[required(), max_length(TEXT_LIMIT)])


class ItemForm(BaseForm):
    kind = SelectField(_l('Kind'), choices=lambda: [('', _l('Choose a kind'))] + FulfilmentKind.choices(),
                       validators=[required()])
    description = StringField(_l('What is granted'), validators=[required(), max_length(2000)])
    amount = OptionalYuan(_l('Amount granted (yuan, if any)'))
    space = SelectField(_l('Lab (for lab access)'), choices=[], validate_choice=False)

    def __init__(self, *args, spaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.space.choices = [('', '—')] + [(str(space.id), space.name) for space in spaces]


class DeliveryForm(BaseForm):
    delivered_on = date_field(_l('Delivered, paid or handed over on'), required())
    amount = OptionalYuan(_l('Amount paid (yuan, for funding)'))
    access_until = date_field(_l('Access until (for lab access)'), Optional())
    note = StringField(_l('Note'), validators=[max_length(2000)])
