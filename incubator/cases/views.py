"""Case pages: the list, the facts form (draft and corrections), the case page with every step's form, the
assessment, the letters, and the administrators' checklists.

Every case page and letter answers 404 to whoever may not see the case and writes who viewed it to the audit log.
A form that does not validate, or an operation that refuses, shows the page again with its message and a 4xx
status, so nothing of it is committed.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.attachments.queries import attachments_for
from incubator.auth.queries import active_managers
from incubator.cases import operations, queries
from incubator.cases.forms import (
    AcceptForm,
    AppealForm,
    AssessmentForm,
    AssignForm,
    ChecklistItemForm,
    DeclineForm,
    EntryForm,
    LetterForm,
    RecordForm,
    case_form,
    decide_form,
)
from incubator.cases.models import CaseState, ChecklistItem, DecisionLetter
from incubator.cases.permissions import may, roles_in
from incubator.committees.views import panel_for
from incubator.core.audit import record_view
from incubator.core.db import writes_on_get
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm, show_error
from incubator.core.pagination import page_number
from incubator.core.permissions import get_or_404, permission_required, require
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.projects.models import Project

bp = Blueprint('case', __name__)


def _case_or_404(case_id):
    case = queries.case_for_page(case_id)
    if case is None:
        abort(404)
    require(current_user, 'case.view', case)
    return case


def _to_case(case, anchor=''):
    return redirect(url_for('case.show', case_id=case.id) + anchor)


def _facts(form):
    return {'what_happened': form.what_happened.data, 'happened_on': form.happened_on.data,
            'losses_fen': form.losses.data, 'rules_in_force': form.rules_in_force.data,
            'parties': operations.parse_parties(form.parties.data), 'subsidies': form.subsidies(),
            'evidence': form.evidence.data or ()}


# --- list --------------------------------------------------------------------------------------

@bp.route('/cases/')
@permission_required('cases.list')
def index():
    try:
        state = CaseState(request.args.get('state', '')) if request.args.get('state') else None
    except ValueError:
        state = None
    cases = queries.cases_page(current_user, page_number(), state)
    return render_template('cases/index.html', cases=cases, state=state, states=list(CaseState))


# --- the facts ---------------------------------------------------------------------------------

@bp.route('/projects/<int:project_id>/cases/new', methods=['GET', 'POST'])
@login_required
def create(project_id):
    """A new draft about a project: its startup's owners and the managers (anyone else: 404 or 403)."""
    project = get_or_404(Project, project_id, 'project.view')
    require(current_user, 'startup.file_case', project.startup)
    form = case_form(project)
    if not form.validate_on_submit():
        return render_template('cases/form.html', form=form, project=project, case=None), \
            422 if form.is_submitted() else 200
    try:
        case = operations.create_case(project, user=current_user, **_facts(form))
    except DomainError as error:
        show_error(form, error)
        return render_template('cases/form.html', form=form, project=project, case=None), error.status_code
    flash(_('The draft case is saved. File it when it is complete.'), 'success')
    return _to_case(case)


def _form_data(case):
    data = {'what_happened': case.what_happened, 'happened_on': case.happened_on, 'losses': case.losses_fen,
            'rules_in_force': case.rules_in_force,
            'parties': '\n'.join(f'{p.name}, {p.position}' if p.position else p.name for p in case.parties)}
    data.update({f'stake_{s.funding_id}': s.amount_at_stake_fen for s in case.subsidies})
    return data


@bp.route('/cases/<int:case_id>/edit', methods=['GET', 'POST'])
@writes_on_get
@login_required
def edit(case_id):
    case = _case_or_404(case_id)
    if not may(current_user, case, 'edit'):
        operations.refuse_edit(case, user=current_user)
    if request.method == 'GET':
        record_view('case', case.id, case.number or '')
        form = case_form(case.project, data=_form_data(case))
        return render_template('cases/form.html', form=form, project=case.project, case=case,
                               evidence=attachments_for([case]))
    form = case_form(case.project)
    context = {'form': form, 'project': case.project, 'case': case, 'evidence': attachments_for([case])}
    if not form.validate_on_submit():
        return render_template('cases/form.html', **context), 422
    try:
        operations.update_case(case, user=current_user, **_facts(form))
    except DomainError as error:
        show_error(form, error)
        return render_template('cases/form.html', **context), error.status_code
    flash(_('The case is saved.'), 'success')
    return _to_case(case)


# --- the case page -------------------------------------------------------------------------------

def _page(case, status=200, refusal=None, **forms):
    """The case page with its forms (those given keep their input and errors) and the refusal of a step, if any."""
    decisions = queries.decisions_of(case)
    panels = [panel_for(decision, current_user) for decision in decisions]
    defaults = {
        'accept_form': AcceptForm(formdata=None), 'decline_form': DeclineForm(formdata=None),
        'assign_form': AssignForm(formdata=None, managers=active_managers()),
        'decide_form': decide_form(case, formdata=None), 'record_form': RecordForm(formdata=None),
        'appeal_form': AppealForm(formdata=None), 'entry_form': EntryForm(formdata=None),
        'letter_form': LetterForm(formdata=None), 'confirm_form': ConfirmForm(formdata=None),
    }
    defaults.update(forms)
    return render_template('cases/show.html', case=case, roles=roles_in(current_user, case), may=may, refusal=refusal,
                           evidence=attachments_for([case]), panels=panels, now=now_utc(), **defaults), status


@bp.route('/cases/<int:case_id>')
@writes_on_get
@login_required
def show(case_id):
    case = _case_or_404(case_id)
    record_view('case', case.id, case.number or '')
    return _page(case)


def _plain(form_class):
    """A form that does not depend on the case."""
    return lambda case: form_class()


def _step(case_id, make_form, call, done, form_name, anchor='', to=None):
    """Load, validate, call one operation, flash, redirect (to the case, or to ``to``); or the page again with
    the refusal."""
    case = _case_or_404(case_id)
    form = make_form(case)
    if not form.validate_on_submit():
        return _page(case, 422, **{form_name: form})
    try:
        call(case, form)
    except DomainError as error:
        if getattr(error, 'field', None) in form:
            show_error(form, error)
            return _page(case, error.status_code, **{form_name: form})
        return _page(case, error.status_code, refusal=str(error), **{form_name: form})
    flash(done, 'success')
    return redirect(to) if to else _to_case(case, anchor)


@bp.route('/cases/<int:case_id>/file', methods=['POST'])
@login_required
def file(case_id):
    return _step(case_id, _plain(ConfirmForm), lambda case, form: operations.file_case(case, user=current_user),
                 _('The case is filed; the managers have been told.'), 'confirm_form')


@bp.route('/cases/<int:case_id>/discard', methods=['POST'])
@login_required
def discard(case_id):
    return _step(case_id, _plain(ConfirmForm), lambda case, form: operations.discard_draft(case, user=current_user),
                 _('The draft is discarded, with its evidence files.'), 'confirm_form', to=url_for('case.index'))


@bp.route('/cases/<int:case_id>/accept', methods=['POST'])
@login_required
def accept(case_id):
    return _step(case_id, _plain(AcceptForm),
                 lambda case, form: operations.accept_case(case, user=current_user, note=form.note.data),
                 _('The case is accepted for assessment.'), 'accept_form')


@bp.route('/cases/<int:case_id>/decline', methods=['POST'])
@login_required
def decline(case_id):
    return _step(case_id, _plain(DeclineForm),
                 lambda case, form: operations.decline_case(case, user=current_user, reason=form.reason.data),
                 _('The case is declined; the filer has been told.'), 'decline_form')


@bp.route('/cases/<int:case_id>/assign', methods=['POST'])
@login_required
def assign(case_id):
    def call(case, form):
        assessor = next((m for m in active_managers() if m.id == form.assessor.data), None)
        operations.assign_assessor(case, user=current_user, assessor=assessor)
    return _step(case_id, lambda case: AssignForm(managers=active_managers()), call,
                 _('The assessor is assigned and has been told.'), 'assign_form')


@bp.route('/cases/<int:case_id>/decide', methods=['POST'])
@login_required
def decide(case_id):
    def call(case, form):
        operations.decide_case(case, user=current_user, outcome=form.outcome.data,
                               consequences=form.consequences.data, legal_basis=form.legal_basis.data,
                               reclaim=form.reclaim())
    return _step(case_id, decide_form, call, _('The decision is recorded; the filer has been told.'),
                 'decide_form')


@bp.route('/cases/<int:case_id>/record', methods=['POST'])
@login_required
def record(case_id):
    def call(case, form):
        operations.record_case(case, user=current_user, filed_with_body_on=form.filed_with_body_on.data,
                               filing_reference=form.filing_reference.data)
    return _step(case_id, _plain(RecordForm), call, _('The decision letter is issued and the filing recorded.'),
                 'record_form')


@bp.route('/cases/<int:case_id>/appeal', methods=['POST'])
@login_required
def appeal(case_id):
    return _step(case_id, _plain(AppealForm),
                 lambda case, form: operations.appeal_case(case, user=current_user, reason=form.reason.data),
                 _('Your appeal is lodged; the managers have been told.'), 'appeal_form')


@bp.route('/cases/<int:case_id>/refer', methods=['POST'])
@login_required
def refer(case_id):
    return _step(case_id, _plain(ConfirmForm), lambda case, form: operations.refer_appeal(case, user=current_user),
                 _('The appeal is before the committee.'), 'confirm_form')


@bp.route('/cases/<int:case_id>/close', methods=['POST'])
@login_required
def close(case_id):
    return _step(case_id, _plain(ConfirmForm), lambda case, form: operations.close_case(case, user=current_user),
                 _('The case is closed.'), 'confirm_form')


@bp.route('/cases/<int:case_id>/entries', methods=['POST'])
@login_required
def add_entry(case_id):
    return _step(case_id, _plain(EntryForm),
                 lambda case, form: operations.add_entry(case, user=current_user, text=form.text.data),
                 _('The entry is added.'), 'entry_form', '#entries')


@bp.route('/cases/<int:case_id>/letters', methods=['POST'])
@login_required
def issue_letter(case_id):
    return _step(case_id, _plain(LetterForm),
                 lambda case, form: operations.issue_letter(case, user=current_user, language=form.language.data),
                 _('The letter is issued.'), 'letter_form', '#letters')


# --- assessment ----------------------------------------------------------------------------------

@bp.route('/cases/<int:case_id>/assessment', methods=['GET', 'POST'])
@writes_on_get
@login_required
def assess(case_id):
    case = _case_or_404(case_id)
    if not may(current_user, case, 'assess'):
        abort(403)
    items = queries.checklist_items()
    form = AssessmentForm(items=items)
    if request.method == 'GET':
        record_view('case', case.id, case.number or '')
    if not form.validate_on_submit():
        return render_template('cases/assess.html', case=case, form=form), 422 if form.is_submitted() else 200
    try:
        operations.submit_assessment(
            case, user=current_user, exploration=form.exploration.data,
            exploration_evidence=form.exploration_evidence.data, rule=form.rule.data,
            rule_evidence=form.rule_evidence.data, purpose=form.purpose.data,
            purpose_evidence=form.purpose_evidence.data, diligence=form.diligence.data, remedies=form.remedies.data,
            item_ids=[*form.diligence_items.data, *form.exempt_items.data])
    except DomainError as error:
        show_error(form, error)
        return render_template('cases/assess.html', case=case, form=form), error.status_code
    flash(_('The assessment is submitted; the case is before the committee.'), 'success')
    return _to_case(case)


# --- letters ---------------------------------------------------------------------------------------

@bp.route('/cases/<int:case_id>/letters/<int:letter_id>')
@writes_on_get
@login_required
def letter(case_id, letter_id):
    """An issued letter as it was issued, on a page of its own for printing."""
    letter = get_or_404(DecisionLetter, letter_id, 'case.view_letter')
    if letter.case_id != case_id:
        abort(404)
    record_view('case', letter.case_id, letter.number)
    return render_template('cases/letter_page.html', letter=letter, case=letter.case)


# --- checklists (administrators) ---------------------------------------------------------------------

@bp.route('/admin/cases/checklists', methods=['GET', 'POST'])
@permission_required('cases.configure_checklists')
def checklists():
    form = ChecklistItemForm()
    items = queries.checklist_items(active_only=False)
    if not form.validate_on_submit():
        return render_template('cases/checklists.html', form=form, items=items), 422 if form.is_submitted() else 200
    return _save_item(None, form, items)


@bp.route('/admin/cases/checklists/<int:item_id>', methods=['GET', 'POST'])
@permission_required('cases.configure_checklists')
def checklist_item(item_id):
    item = db.session.get(ChecklistItem, item_id) or abort(404)
    form = ChecklistItemForm(obj=item)
    if not form.validate_on_submit():
        return render_template('cases/checklist_item.html', form=form, item=item), 422 if form.is_submitted() else 200
    return _save_item(item, form, None)


def _save_item(item, form, items):
    try:
        operations.save_checklist_item(item, user=current_user, kind=form.kind.data, label_zh=form.label_zh.data,
                                       label_en=form.label_en.data, position=form.position.data,
                                       is_active=form.is_active.data)
    except DomainError as error:
        show_error(form, error)
        template = 'cases/checklists.html' if item is None else 'cases/checklist_item.html'
        return render_template(template, form=form, items=items, item=item), error.status_code
    flash(_('The checklist item is saved.'), 'success')
    return redirect(url_for('case.checklists'))
