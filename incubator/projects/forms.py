"""One form per use case: project, funding, milestone with its KPI targets, submission, decision, reschedule."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, SelectField, StringField, TextAreaField, ValidationError

from incubator.attachments.forms import EvidenceField
from incubator.core.forms import (
    BaseForm,
    YuanField,
    date_field,
    fen_as_yuan_text,
    given,
    max_length,
    normalized,
    parse_yuan,
    required,
)
from incubator.projects.models import MAX_KPI_VALUE, FundingKind, KpiKind, ProjectField, ReviewCadence

_COUNT = re.compile(r'[0-9]{1,16}')
DECISIONS = (('accept', _l('Accept')), ('request_changes', _l('Request changes')), ('reject', _l('Reject')))


def parse_kpi_value(text, is_money):
    """A KPI value typed by a person: yuan (full-width digits too) as fen for money, else a whole count.

    Raises ``ValueError`` whose message (translatable) says what is wrong.
    """
    text = normalized(text)
    if is_money:
        return parse_yuan(text, maximum_fen=MAX_KPI_VALUE)
    text = text.replace(',', '')
    if text.startswith('-'):
        raise ValueError(_l('A figure cannot be negative.'))
    if not _COUNT.fullmatch(text):
        raise ValueError(_l('Enter a whole number, such as 12.'))
    value = int(text)
    if value > MAX_KPI_VALUE:
        raise ValueError(_l('Enter a number from 0 to %(max)s.', max=f'{MAX_KPI_VALUE:,}'))
    return value


def kpi_value_text(value, is_money):
    """What a KPI value field shows: yuan for money, the count otherwise."""
    return fen_as_yuan_text(value) if is_money else str(value)


class ProjectForm(BaseForm):
    title = StringField(_l('Title'), validators=[required(), max_length(200)])
    field = SelectField(_l('Field'), choices=ProjectField.choices, coerce=ProjectField)
    lead_name = StringField(_l('Project lead'), validators=[required(), max_length(100)])
    start_date = date_field(_l('Start'), given(_l('Enter a date such as 2026-03-01.')))
    planned_end_date = date_field(_l('Planned end'), given(_l('Enter a date such as 2026-03-01.')))
    review_cadence = SelectField(_l('Progress reviews'), choices=ReviewCadence.choices, coerce=ReviewCadence,
                                 default=ReviewCadence.quarterly.value)
    manager = SelectField(_l('Responsible manager'), coerce=int)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.manager.choices = [(manager.id, manager.name) for manager in managers]

    def validate_planned_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l('The planned end cannot be before the start.'))


class FundingForm(BaseForm):
    kind = SelectField(_l('Kind of funding'), choices=FundingKind.choices, coerce=FundingKind)
    amount = YuanField(_l('Amount (yuan)'), maximum_fen=MAX_KPI_VALUE)
    granted_on = date_field(_l('Granted on'), given(_l('Enter a date such as 2026-03-01.')))
    note = StringField(_l('Note'), validators=[max_length(500)])

    def validate_amount(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l('Enter an amount above zero.'))


class KpiTargetRow(BaseForm):
    """One KPI target of a milestone; a row without a kind is no target."""

    class Meta:
        csrf = False

    kind = SelectField(_l('Indicator'), choices=[('', _l('(none)'))] + KpiKind.choices(), default='')
    custom_name = StringField(_l('Name of a custom indicator'), validators=[max_length(100)])
    unit = StringField(_l('Unit'), validators=[max_length(30)])
    target = StringField(_l('Target value'), validators=[max_length(40)])

    value = None

    def validate_target(self, field):
        if not self.kind.data or self.kind.errors:
            return
        kind = KpiKind(self.kind.data)
        if not (field.data or '').strip():
            raise ValidationError(_l('Enter the target value.'))
        try:
            self.value = parse_kpi_value(field.data, kind.is_money)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_custom_name(self, field):
        if self.kind.data == KpiKind.custom.value and not field.data:
            raise ValidationError(_l('Name the custom indicator.'))


class MilestoneForm(BaseForm):
    title = StringField(_l('Title'), validators=[required(), max_length(200)])
    description = TextAreaField(_l('Description'), validators=[max_length(5000)])
    due_date = date_field(_l('Due date'), given(_l('Enter a date such as 2026-03-01.')))
    targets = FieldList(FormField(KpiTargetRow), min_entries=4, max_entries=10)

    def target_values(self):
        """``(kind, value, custom name, unit)`` of each row that names a KPI."""
        return [(KpiKind(row.form.kind.data), row.form.value, row.form.custom_name.data, row.form.unit.data)
                for row in self.targets if row.form.kind.data]

    @classmethod
    def for_milestone(cls, milestone, **kwargs):
        rows = [{'kind': target.kind.value, 'custom_name': target.custom_name or '', 'unit': target.unit or '',
                 'target': kpi_value_text(target.target_value, target.is_money)} for target in milestone.kpi_targets]
        return cls(obj=milestone, data={'targets': rows}, **kwargs)


class RescheduleForm(BaseForm):
    due_date = date_field(_l('New due date'), given(_l('Enter a date such as 2026-03-01.')))
    reason = StringField(_l('Reason'), validators=[required(), max_length(500)])


class DecisionForm(BaseForm):
    decision = SelectField(_l('Decision'), choices=DECISIONS)
    comment = TextAreaField(_l('Comments, or the reason for a rejection'), validators=[max_length(5000)])

    def validate_comment(self, field):
        if self.decision.data in ('request_changes', 'reject') and not field.data:
            raise ValidationError(_l('Say what should change, or why it is rejected.'))


class SubmissionFormBase(BaseForm):
    narrative = TextAreaField(_l('What was achieved'), validators=[required(), max_length(10000)])

    targets = ()

    def figures(self):
        """``{KPI target id: value}`` of the validated figure fields."""
        return {target.id: self[f'figure_{target.id}'].value for target in self.targets}


def submission_form(milestone, *args, **kwargs):
    """The progress form of ``milestone``: one figure field per KPI target, the narrative, the evidence files."""
    fields = {'targets': tuple(milestone.kpi_targets)}
    for target in milestone.kpi_targets:
        unit = _l('yuan') if target.is_money else (target.unit or '')
        label = f'{target.label} ({unit})' if str(unit) else target.label
        fields[f'figure_{target.id}'] = _FigureField(label, is_money=target.is_money, validators=[max_length(40)])
    fields['evidence'] = EvidenceField(_l('Evidence files'))
    return type('SubmissionForm', (SubmissionFormBase,), fields)(*args, **kwargs)


class _FigureField(StringField):
    """A KPI figure typed in yuan or as a count; ``value`` is the parsed figure."""

    def __init__(self, label=None, validators=None, is_money=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.is_money = is_money
        self.value = None

    def post_validate(self, form, validation_stopped):
        if self.errors or validation_stopped:
            return
        if not (self.data or '').strip():
            self.errors.append(_l('Enter the figure reached.'))
            return
        try:
            self.value = parse_kpi_value(self.data, self.is_money)
        except ValueError as error:
            self.errors.append(str(error))
