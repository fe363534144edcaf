"""Precedent pages: the search (managers and committee members), a draft from a decided case, the author's edit
with the warning of what still identifies the case, the review, withdrawing and revising."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.cases.models import CaseOutcome, ExplorationFinding, PurposeFinding, RuleFinding
from incubator.cases.precedents import operations, queries
from incubator.cases.precedents.forms import PrecedentForm, SendBackForm, WithdrawForm
from incubator.cases.precedents.models import Precedent
from incubator.cases.precedents.permissions import may
from incubator.cases.queries import case_for_page
from incubator.core.errors import DomainError
from incubator.core.formatting import listing
from incubator.core.forms import ConfirmForm, show_error
from incubator.core.pagination import page_number
from incubator.core.permissions import can, permission_required, require

bp = Blueprint('precedent', __name__)

_FILTER_ENUMS = {'exploration': ExplorationFinding, 'rule': RuleFinding, 'purpose': PurposeFinding,
                 'outcome': CaseOutcome}


def _filters():
    """The findings and outcome asked for; a value that is not one of them is ignored."""
    filters = {}
    for name, enum_class in _FILTER_ENUMS.items():
        try:
            filters[name] = enum_class(request.args.get(name, ''))
        except ValueError:
            continue
    return filters


@bp.route('/precedents/')
@permission_required('precedents.search')
def index():
    text = request.args.get('q', '')[:1000]
    filters = _filters()
    results = queries.search_precedents(queries.search_words(text), filters, page_number())
    args = {**{name: value.value for name, value in filters.items()}, **({'q': text} if text else {})}
    in_progress = queries.precedents_in_progress() if can(current_user, 'case.write_precedent') else []
    return render_template('cases/precedents/index.html', results=results, text=text, filters=filters, args=args,
                           enums=_FILTER_ENUMS, in_progress=in_progress)


def _precedent_or_404(precedent_id):
    precedent = queries.precedent_for_page(precedent_id)
    if precedent is None:
        abort(404)
    require(current_user, 'precedent.view', precedent)
    return precedent


#: The page's forms that a refused step shows again with what was typed, by the template's name for them.
_TYPED_FORMS = {SendBackForm: 'send_back_form', WithdrawForm: 'withdraw_form'}


def _page(precedent, status=200, typed=None):
    """The precedent's page; ``typed`` is a form posted to it, shown again with its text and errors."""
    terms = operations.identifying_terms(precedent) if can(current_user, 'case.write_precedent') else []
    forms = {name: form_class() for form_class, name in _TYPED_FORMS.items()}
    if typed is not None and type(typed) in _TYPED_FORMS:
        forms[_TYPED_FORMS[type(typed)]] = typed
    return render_template('cases/precedents/show.html', precedent=precedent, may=may, terms=terms,
                           confirm_form=ConfirmForm(), **forms), status


@bp.route('/precedents/<int:precedent_id>')
@login_required
def show(precedent_id):
    return _page(_precedent_or_404(precedent_id))


@bp.route('/cases/<int:case_id>/precedent', methods=['POST'])
@login_required
def create(case_id):
    """A draft from a decided case (managers); a second one goes to the first."""
    case = case_for_page(case_id)
    if case is None:
        abort(404)
    require(current_user, 'case.view', case)
    require(current_user, 'case.write_precedent', case)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    existing = queries.precedent_of_case(case.id)
    if existing is not None:
        flash(_('This case has a precedent already.'), 'info')
        return redirect(url_for('precedent.show', precedent_id=existing.id))
    precedent = operations.create_precedent(case, user=current_user)  # a refusal is the error page (4xx)
    flash(_('The draft precedent is made from the case: remove names, the company and amounts, then submit it.'),
          'success')
    return redirect(url_for('precedent.edit', precedent_id=precedent.id))


@bp.route('/precedents/<int:precedent_id>/edit', methods=['GET', 'POST'])
@login_required
def edit(precedent_id):
    precedent = _precedent_or_404(precedent_id)
    if not may(current_user, precedent, 'edit'):
        abort(403)
    form = PrecedentForm(obj=precedent)
    if not form.validate_on_submit():
        return render_template('cases/precedents/form.html', precedent=precedent, form=form,
                               terms=operations.identifying_terms(precedent)), 422 if form.is_submitted() else 200
    try:
        operations.update_precedent(precedent, user=current_user,
                                    **{field: form[field].data for field in Precedent.TEXT_FIELDS})
    except DomainError as error:
        show_error(form, error)
        return render_template('cases/precedents/form.html', precedent=precedent, form=form,
                               terms=[]), error.status_code
    terms = operations.identifying_terms(precedent)
    if terms:
        flash(_('Saved, but the text still identifies the case: %(terms)s.', terms=listing(terms)), 'warning')
    else:
        flash(_('Saved. Nothing of the case’s names, company or amounts is found in it.'), 'success')
    return redirect(url_for('precedent.edit', precedent_id=precedent.id))


def _step(precedent_id, call, done, form_class=ConfirmForm):
    precedent = _precedent_or_404(precedent_id)
    form = form_class()
    if not form.validate_on_submit():
        return _page(precedent, 422, form)
    try:
        call(precedent, form)
    except DomainError as error:
        flash(str(error), 'danger')
        return _page(precedent, error.status_code, form)
    flash(done, 'success')
    return redirect(url_for('precedent.show', precedent_id=precedent.id))


@bp.route('/precedents/<int:precedent_id>/submit', methods=['POST'])
@login_required
def submit(precedent_id):
    return _step(precedent_id, lambda precedent, form: operations.submit_precedent(precedent, user=current_user),
                 _('The precedent is submitted: another manager reviews it.'))


@bp.route('/precedents/<int:precedent_id>/approve', methods=['POST'])
@login_required
def approve(precedent_id):
    return _step(precedent_id, lambda precedent, form: operations.approve_precedent(precedent, user=current_user),
                 _('The precedent is published.'))


@bp.route('/precedents/<int:precedent_id>/send-back', methods=['POST'])
@login_required
def send_back(precedent_id):
    return _step(precedent_id,
                 lambda precedent, form: operations.send_back_precedent(precedent, user=current_user,
                                                                        comment=form.comment.data),
                 _('The precedent is sent back to its author.'), SendBackForm)


@bp.route('/precedents/<int:precedent_id>/withdraw', methods=['POST'])
@login_required
def withdraw(precedent_id):
    return _step(precedent_id,
                 lambda precedent, form: operations.withdraw_precedent(precedent, user=current_user,
                                                                       reason=form.reason.data),
                 _('The precedent is withdrawn: only managers see it now.'), WithdrawForm)


@bp.route('/precedents/<int:precedent_id>/revise', methods=['POST'])
@login_required
def revise(precedent_id):
    return _step(precedent_id, lambda precedent, form: operations.revise_precedent(precedent, user=current_user),
                 _('The precedent is a draft again: revise it, then submit it for review.'))
