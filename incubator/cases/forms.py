"""One form per use case of a case: the facts (draft and corrections), decline, assignment, assessment, the chair's
decision, the record, appeal, entry, letter language, and the administrators' checklist items."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from incubator.attachments.forms import EvidenceField
from incubator.cases.models import (
    MAX_FEN,
    CaseOutcome,
    ChecklistKind,
    ExplorationFinding,
    PurposeFinding,
    RuleFinding,
)
from incubator.core.forms import BaseForm, YuanField, date_field, given, max_length, number_between, required

TEXT = 10_000


class OptionalYuanField(YuanField):
    """An amount in yuan that may be left empty (``data`` None)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, maximum_fen=MAX_FEN, **kwargs)
        self.flags.required = False


class CaseFormBase(BaseForm):
    what_happened = TextAreaField(_l('What happened'), validators=[max_length(TEXT)])
    happened_on = date_field(_l('When it happened'), Optional())  # a draft may leave it for later
    losses = OptionalYuanField(_l('Losses (yuan)'))
    rules_in_force = TextAreaField(_l('Rules in force at the time'), validators=[max_length(TEXT)])
    parties = TextAreaField(_l('People involved'), validators=[max_length(TEXT)],
                            description=_l('One per line: name, position or role in the project.'))
    evidence = EvidenceField(_l('Evidence files'))

    def subsidies(self):
        """``{funding id: fen at stake}`` of the fundings given an amount."""
        return {funding.id: self[f'stake_{funding.id}'].data for funding in self.fundings
                if self[f'stake_{funding.id}'].data is not None}


def case_form(project, *args, **kwargs):
    """The facts of a case about ``project``, with one "amount at stake" per funding the project was granted."""
    fields = {'fundings': tuple(project.fundings)}
    for funding in project.fundings:
        fields[f'stake_{funding.id}'] = OptionalYuanField(
            _l('At stake of %(kind)s granted on %(date)s (yuan)', kind=funding.kind.label,
               date=funding.granted_on.isoformat()))
    return type('CaseForm', (CaseFormBase,), fields)(*args, **kwargs)


class DeclineForm(BaseForm):
    reason = TextAreaField(_l('Reason for declining'), validators=[required(), max_length(TEXT)])


class AcceptForm(BaseForm):
    note = TextAreaField(_l('Note (optional)'), validators=[max_length(TEXT)])


class AssignForm(BaseForm):
    assessor = SelectField(_l('Assessor'), coerce=int)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assessor.choices = [(manager.id, manager.name) for manager in managers]


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _finding_field(label, enum_class):
    return RadioField(label, choices=enum_class.choices, validators=[given(_l('Choose a finding.'))])


class AssessmentForm(BaseForm):
    exploration = _finding_field(_l('1. Exploring without experience, or a knowing violation?'), ExplorationFinding)
    exploration_evidence = TextAreaField(_l('Evidence for finding 1'), validators=[required(), max_length(TEXT)])
    rule = _finding_field(_l('2. No rule yet, or after an explicit prohibition?'), RuleFinding)
    rule_evidence = TextAreaField(_l('Evidence for finding 2'), validators=[required(), max_length(TEXT)])
    purpose = _finding_field(_l('3. To advance development, or for personal gain?'), PurposeFinding)
    purpose_evidence = TextAreaField(_l('Evidence for finding 3'), validators=[required(), max_length(TEXT)])
    diligence = TextAreaField(_l('Diligence shown'), validators=[required(), max_length(TEXT)])
    remedies = TextAreaField(_l('Remedies taken'), validators=[required(), max_length(TEXT)])
    diligence_items = _Checkboxes(_l('Due-diligence conditions met'), coerce=int)
    exempt_items = _Checkboxes(_l('Exempt situations that apply'), coerce=int)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.diligence_items.choices = [(item.id, item.label) for item in items
                                        if item.kind == ChecklistKind.diligence_condition]
        self.exempt_items.choices = [(item.id, item.label) for item in items
                                     if item.kind == ChecklistKind.exempt_situation]


class DecideFormBase(BaseForm):
    outcome = RadioField(_l('Outcome'), choices=CaseOutcome.choices, validators=[given(_l('Choose the outcome.'))])
    consequences = TextAreaField(_l('Consequences (for partly exempt or not exempt)'), validators=[max_length(TEXT)])
    legal_basis = TextAreaField(_l('Legal basis'), validators=[required(), max_length(TEXT)])

    def reclaim(self):
        return {subsidy.id: self[f'reclaim_{subsidy.id}'].data for subsidy in self.subsidies
                if self[f'reclaim_{subsidy.id}'].data is not None}


def decide_form(case, *args, **kwargs):
    """The chair's decision, with the amount to reclaim of each subsidy at stake (empty: none if partly exempt,
    all if not exempt; never any if exempt)."""
    fields = {'subsidies': tuple(case.subsidies)}
    for subsidy in case.subsidies:
        fields[f'reclaim_{subsidy.id}'] = OptionalYuanField(
            _l('To reclaim of %(kind)s granted on %(date)s (yuan)', kind=subsidy.funding.kind.label,
               date=subsidy.funding.granted_on.isoformat()))
    return type('DecideForm', (DecideFormBase,), fields)(*args, **kwargs)


class RecordForm(BaseForm):
    filed_with_body_on = date_field(_l('Filed with the supervising body on'),
                                    given(_l('Enter a date such as 2026-03-01.')))
    filing_reference = StringField(_l('Filing reference'), validators=[required(), max_length(100)])


class AppealForm(BaseForm):
    reason = TextAreaField(_l('Grounds of the appeal'), validators=[required(), max_length(TEXT)])


class EntryForm(BaseForm):
    text = TextAreaField(_l('Correction or note'), validators=[required(), max_length(TEXT)])


class LetterForm(BaseForm):
    language = SelectField(_l('Language'), choices=[('en', _l('English')), ('zh_Hans_CN', _l('Chinese'))])


class ChecklistItemForm(BaseForm):
    kind = SelectField(_l('Kind'), choices=ChecklistKind.choices)
    label_zh = StringField(_l('Label in Chinese'), validators=[required(), max_length(300)])
    label_en = StringField(_l('Label in English'), validators=[required(), max_length(300)])
    position = IntegerField(_l('Position'), default=0, validators=[given(), number_between(0, 10_000)])
    is_active = BooleanField(_l('In use'), default=True)
