"""One form per use case: departments, categories, the service contact, filing, the window's return and
acceptance, a department's opinion and question, the answer, the committee's decision, a message."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Optional

from incubator.attachments.forms import EvidenceField
from incubator.core.forms import BaseForm, YuanField, date_field, given, max_length, number_between, required
from incubator.greenchannel.models import OpinionKind, Outcome, PublicField, Urgency

MAX_DAYS = 250
MAX_COUNT = 1_000_000


def _none_or_int(value):
    """A select whose first choice is "none" (value ''): None, else the id."""
    if value in (None, '', 'None'):
        return None
    return int(value)


class DepartmentForm(BaseForm):
    name_zh = StringField(_l('Name (Chinese)'), validators=[required(), max_length(100)])
    name_en = StringField(_l('Name (English)'), validators=[max_length(100)])
    head = SelectField(_l('Head (told of overdue reviews)'), coerce=_none_or_int)
    reviewers = SelectMultipleField(_l('Reviewers'), coerce=int)
    is_active = BooleanField(_l('Active'), default=True)

    def __init__(self, *args, heads=(), reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.head.choices = [('', _l('(none)'))] + [(user.id, f'{user.name} <{user.email}>') for user in heads]
        self.reviewers.choices = [(user.id, f'{user.name} <{user.email}>') for user in reviewers]


class CategoryForm(BaseForm):
    name_zh = StringField(_l('Name (Chinese)'), validators=[required(), max_length(100)])
    name_en = StringField(_l('Name (English)'), validators=[max_length(100)])
    description = TextAreaField(_l('Description'), validators=[max_length(4000)])
    departments = SelectMultipleField(_l('Departments that usually review it'), coerce=int)
    asks_amount = BooleanField(_l('Asks for an amount'))
    asks_area = BooleanField(_l('Asks for an area'))
    asks_headcount = BooleanField(_l('Asks for a headcount'))
    asks_dates = BooleanField(_l('Asks for start and end dates'))
    promised_working_days = IntegerField(_l('Promised handling time (working days)'),
                                         validators=[given(), number_between(1, MAX_DAYS)], default=15)
    completeness_working_days = IntegerField(_l('Completeness check (working days)'),
                                             validators=[given(), number_between(1, MAX_DAYS)], default=2)
    opinion_working_days = IntegerField(_l('Each department\'s opinion (working days)'),
                                        validators=[given(), number_between(1, MAX_DAYS)], default=5)
    needs_notice = BooleanField(_l('Needs a public notice before it takes effect'))
    notice_days = IntegerField(_l('Notice period (days)'), validators=[given(), number_between(0, MAX_DAYS)],
                               default=7)
    public_fields = SelectMultipleField(_l('Shown on the public notice'), choices=PublicField.choices)
    is_active = BooleanField(_l('Active'), default=True)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments.choices = [(department.id, department.name) for department in departments]


class ServiceContactForm(BaseForm):
    service_contact = SelectField(_l('Service contact'), coerce=_none_or_int)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.service_contact.choices = [('', _l('(none)'))] + [(user.id, user.name) for user in managers]


class RequestForm(BaseForm):
    category = SelectField(_l('Category'), coerce=int)
    project = SelectField(_l('Project'), coerce=int)
    needed = TextAreaField(_l('What is needed'), validators=[required(), max_length(10_000)])
    justification = TextAreaField(_l('Justification'), validators=[max_length(10_000)])
    urgency = SelectField(_l('Urgency'), choices=Urgency.choices, default=Urgency.normal.value)
    amount = YuanField(_l('Amount (yuan)'), validators=[Optional()])
    area_m2 = IntegerField(_l('Area (m²)'), validators=[Optional(), number_between(0, MAX_COUNT)])
    headcount = IntegerField(_l('Headcount'), validators=[Optional(), number_between(0, MAX_COUNT)])
    starts_on = date_field(_l('From'), Optional())
    ends_on = date_field(_l('Until'), Optional())
    evidence = EvidenceField(_l('Attachments'))

    def __init__(self, *args, categories=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(category.id, category.name) for category in categories]
        self.project.choices = [(project.id, project.title) for project in projects]

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l('The end date must not be before the start date.'))


class ReturnForm(BaseForm):
    items = TextAreaField(_l('Everything that is missing, one item per line'), validators=[max_length(20_000)])
    note = TextAreaField(_l('Note to the startup'), validators=[max_length(4000)])

    @property
    def item_list(self):
        return [line.strip() for line in (self.items.data or '').splitlines() if line.strip()]


class ResubmitForm(BaseForm):
    answer = TextAreaField(_l('What you supply'), validators=[required(), max_length(10_000)])
    evidence = EvidenceField(_l('Attachments'))


class AcceptForm(BaseForm):
    departments = SelectMultipleField(_l('Route to the departments'), coerce=int)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments.choices = [(department.id, department.name) for department in departments]


class DepartmentOpinionForm(BaseForm):
    opinion = RadioField(_l('Opinion'), choices=OpinionKind.choices)
    comment = TextAreaField(_l('Comment (conditions, or reasons for opposing)'), validators=[max_length(10_000)])
    evidence = EvidenceField(_l('Attachments'))


class QuestionForm(BaseForm):
    question = TextAreaField(_l('Question to the startup'), validators=[required(), max_length(10_000)])


class AnswerForm(BaseForm):
    answer = TextAreaField(_l('Your answer'), validators=[required(), max_length(10_000)])


class GreenDecisionForm(BaseForm):
    outcome = RadioField(_l('Decision'), choices=Outcome.choices)
    granted = TextAreaField(_l('What is granted'), validators=[max_length(10_000)])
    reasons = TextAreaField(_l('Reasons or conditions'), validators=[max_length(10_000)])


class MessageForm(BaseForm):
    body = TextAreaField(_l('Message'), validators=[required(), max_length(10_000)])
