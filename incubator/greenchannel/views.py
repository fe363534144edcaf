"""Green-channel pages: the lists, filing, the request's page (timeline, clocks, the window's check, the
departments' opinions, the committee, messages) and its actions, and the administrators' departments and
categories. Thin: load, check, validate, call one operation, flash, redirect. A refused step answers its 4xx
with the request's page and the message beside the form, and nothing is written."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.attachments.queries import attachments_for, attachments_of
from incubator.auth.models import User
from incubator.committees.views import panel_for
from incubator.core.errors import DomainError
from incubator.core.forms import show_error
from incubator.core.pagination import page_number
from incubator.core.permissions import can, get_or_404, permission_required, require
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.greenchannel import operations, queries
from incubator.greenchannel.forms import (
    AcceptForm,
    AnswerForm,
    CategoryForm,
    DepartmentForm,
    DepartmentOpinionForm,
    GreenDecisionForm,
    MessageForm,
    QuestionForm,
    RequestForm,
    ResubmitForm,
    ReturnForm,
    ServiceContactForm,
)
from incubator.greenchannel.models import (
    REQUEST_TRANSITIONS,
    Department,
    DepartmentReview,
    GreenRequest,
    GreenRole,
    RequestCategory,
    RequestState,
)
from incubator.greenchannel.permissions import roles_in
from incubator.projects.models import Project
from incubator.startups.models import Startup

bp = Blueprint('greenchannel', __name__)


# --- lists ----------------------------------------------------------------------------------------------------

@bp.route('/greenchannel/')
@permission_required('greenchannel.list')
def index():
    state = RequestState._value2member_map_.get(request.args.get('status', ''))
    departments = queries.departments_of(current_user)
    pagination = queries.requests_page(current_user, page_number(), now=now_utc(), state=state)
    return render_template('greenchannel/index.html', pagination=pagination, state=state, states=list(RequestState),
                           departments=departments, now=now_utc())


@bp.route('/greenchannel/departments/<int:department_id>')
@login_required
def department(department_id):
    """A department's pending reviews, the nearest deadline first (overdue ones on top)."""
    department = get_or_404(Department, department_id)
    if department.id not in {item.id for item in queries.departments_of(current_user)} and not can(
            current_user, 'greenchannel.manage'):
        abort(404)
    pagination = queries.requests_page(current_user, page_number(), now=now_utc(), department=department,
                                       pending_only=True)
    return render_template('greenchannel/index.html', pagination=pagination, state=None, states=[], departments=[],
                           department=department, now=now_utc())


# --- filing ---------------------------------------------------------------------------------------------------

def _request_form(startup, green_request=None):
    projects = queries.projects_of(startup)
    form = RequestForm(obj=green_request, categories=queries.all_categories(active_only=True), projects=projects)
    if green_request is not None and not form.is_submitted():
        form.category.data, form.project.data = green_request.category_id, green_request.project_id
        form.urgency.data = green_request.urgency.value
        form.amount.data = green_request.amount_fen
    return form


def _request_fields(form):
    return {'project': db.session.get(Project, form.project.data) if form.project.data else None,
            'category': db.session.get(RequestCategory, form.category.data) if form.category.data else None,
            'needed': form.needed.data, 'justification': form.justification.data, 'urgency': form.urgency.data,
            'amount_fen': form.amount.data, 'area_m2': form.area_m2.data, 'headcount': form.headcount.data,
            'starts_on': form.starts_on.data, 'ends_on': form.ends_on.data, 'files': form.evidence.data or ()}


@bp.route('/startups/<int:startup_id>/greenchannel/new', methods=['GET', 'POST'])
@login_required
def new(startup_id):
    startup = get_or_404(Startup, startup_id, 'startup.file_green_request')
    form = _request_form(startup)
    return _save(form, startup, None)


@bp.route('/greenchannel/<int:green_request_id>/edit', methods=['GET', 'POST'])
@login_required
def edit(green_request_id):
    green_request = get_or_404(GreenRequest, green_request_id, 'green_request.edit')
    form = _request_form(green_request.startup, green_request)
    return _save(form, green_request.startup, green_request)


def _save(form, startup, green_request):
    context = {'form': form, 'startup': startup, 'green_request': green_request,
               'categories': queries.all_categories(active_only=True),
               'attachments': attachments_of(green_request) if green_request is not None else []}
    if not form.validate_on_submit():
        return render_template('greenchannel/form.html', **context), 422 if form.is_submitted() else 200
    try:
        green_request = operations.save_draft(green_request, user=current_user, startup=startup,
                                              **_request_fields(form))
        if request.form.get('submit_now') and green_request.state == RequestState.draft:
            operations.submit_request(green_request, user=current_user)
    except DomainError as error:
        show_error(form, error, {'amount_fen': 'amount'})
        return render_template('greenchannel/form.html', **context), error.status_code
    flash(_('The request is submitted to your service contact.') if green_request.state != RequestState.draft
          else _('The draft is saved.'), 'success')
    return redirect(url_for('greenchannel.show', green_request_id=green_request.id))


# --- the request's page ---------------------------------------------------------------------------------------

def _page(green_request, status=200, **forms):
    """The request's page with every form the reader may use (those given keep what was typed and its errors)."""
    decision, tally = operations.committee_tally(green_request)
    roles = roles_in(current_user, green_request, decision)
    defaults = {
        'return_form': ReturnForm(formdata=None), 'accept_form': AcceptForm(
            formdata=None, departments=queries.all_departments(active_only=True),
            data={'departments': [department.id for department in green_request.category.default_departments]}),
        'resubmit_form': ResubmitForm(formdata=None), 'opinion_form': DepartmentOpinionForm(formdata=None),
        'question_form': QuestionForm(formdata=None), 'answer_form': AnswerForm(formdata=None),
        'decision_form': GreenDecisionForm(formdata=None), 'message_form': MessageForm(formdata=None),
    }
    defaults.update(forms)
    my_departments = {department.id for department in queries.departments_of(current_user)}
    return render_template(
        'greenchannel/show.html', green_request=green_request, roles=roles, GreenRole=GreenRole,
        decision=decision, tally=tally, panel=panel_for(decision, current_user) if decision is not None else None,
        holdings=queries.holdings(green_request, decision), now=now_utc(), my_departments=my_departments,
        files=attachments_of(green_request), review_files=attachments_for(green_request.reviews),
        clock=queries.stage_clock, estimated_years=queries.estimated_years,
        can_send_to_committee=_allowed(green_request, 'to_committee', roles),
        can_withdraw=_allowed(green_request, 'withdraw', roles), **defaults), status


def _allowed(green_request, action, roles):
    allowed, _next = REQUEST_TRANSITIONS.get((green_request.state, action), (frozenset(), None))
    return bool(allowed & roles)


def _load(green_request_id, action='green_request.view'):
    green_request = queries.load_request(green_request_id)
    if green_request is None:
        get_or_404(GreenRequest, green_request_id)
    require(current_user, 'green_request.view', green_request)
    if action != 'green_request.view':
        require(current_user, action, green_request)
    return green_request


def _done(green_request, message):
    flash(message, 'success')
    return redirect(url_for('greenchannel.show', green_request_id=green_request.id))


@bp.route('/greenchannel/<int:green_request_id>')
@login_required
def show(green_request_id):
    return _page(_load(green_request_id))


@bp.route('/greenchannel/<int:green_request_id>/submit', methods=['POST'])
@login_required
def submit(green_request_id):
    green_request = _load(green_request_id)
    try:
        operations.submit_request(green_request, user=current_user)
    except DomainError as error:
        return _refused(green_request, error)
    return _done(green_request, _('The request is submitted to your service contact.'))


@bp.route('/greenchannel/<int:green_request_id>/withdraw', methods=['POST'])
@login_required
def withdraw(green_request_id):
    green_request = _load(green_request_id)
    try:
        operations.withdraw_request(green_request, user=current_user)
    except DomainError as error:
        return _refused(green_request, error)
    return _done(green_request, _('The request is withdrawn.'))


def _refused(green_request, error, form_name=None, form=None):
    db.session.rollback()
    if form is not None:
        show_error(form, error)
    else:
        flash(str(error), 'danger')
    green_request = queries.load_request(green_request.id)
    return _page(green_request, error.status_code, **({form_name: form} if form is not None else {}))


@bp.route('/greenchannel/<int:green_request_id>/return', methods=['POST'])
@login_required
def return_(green_request_id):
    green_request = _load(green_request_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, return_form=form)
    try:
        operations.return_request(green_request, user=current_user, items=form.item_list, note=form.note.data)
    except DomainError as error:
        return _refused(green_request, error, 'return_form', form)
    return _done(green_request, _('The request is returned to the startup with the list of what is missing.'))


@bp.route('/greenchannel/<int:green_request_id>/resubmit', methods=['POST'])
@login_required
def resubmit(green_request_id):
    green_request = _load(green_request_id)
    form = ResubmitForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, resubmit_form=form)
    try:
        operations.resubmit_request(green_request, user=current_user, answer=form.answer.data,
                                    files=form.evidence.data or ())
    except DomainError as error:
        return _refused(green_request, error, 'resubmit_form', form)
    return _done(green_request, _('What was missing is supplied: the clock runs again.'))


@bp.route('/greenchannel/<int:green_request_id>/accept', methods=['POST'])
@login_required
def accept(green_request_id):
    green_request = _load(green_request_id)
    form = AcceptForm(departments=queries.all_departments(active_only=True))
    if not form.validate_on_submit():
        return _page(green_request, 422, accept_form=form)
    departments = [db.session.get(Department, department_id) for department_id in form.departments.data]
    try:
        operations.accept_request(green_request, user=current_user, departments=[d for d in departments if d])
    except DomainError as error:
        return _refused(green_request, error, 'accept_form', form)
    return _done(green_request, _('The request is accepted and routed.'))


@bp.route('/greenchannel/<int:green_request_id>/departments/<int:department_id>/opinion', methods=['POST'])
@login_required
def opinion(green_request_id, department_id):
    green_request = _load(green_request_id)
    department = db.session.get(Department, department_id)
    form = DepartmentOpinionForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, opinion_form=form)
    try:
        operations.give_opinion(green_request, department, user=current_user, opinion=form.opinion.data,
                                comment=form.comment.data, files=form.evidence.data or ())
    except DomainError as error:
        return _refused(green_request, error, 'opinion_form', form)
    return _done(green_request, _('The department\'s opinion is recorded.'))


@bp.route('/greenchannel/<int:green_request_id>/departments/<int:department_id>/question', methods=['POST'])
@login_required
def ask(green_request_id, department_id):
    green_request = _load(green_request_id)
    department = db.session.get(Department, department_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, question_form=form)
    try:
        operations.ask_question(green_request, department, user=current_user, question=form.question.data)
    except DomainError as error:
        return _refused(green_request, error, 'question_form', form)
    return _done(green_request, _('The question is sent; the department\'s clock is paused until the answer.'))


@bp.route('/greenchannel/<int:green_request_id>/reviews/<int:green_review_id>/answer', methods=['POST'])
@login_required
def answer(green_request_id, green_review_id):
    green_request = _load(green_request_id)
    review = next((item for item in green_request.reviews if item.id == green_review_id), None)
    if review is None:
        get_or_404(DepartmentReview, -1)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, answer_form=form)
    try:
        operations.answer_question(review, user=current_user, answer=form.answer.data)
    except DomainError as error:
        return _refused(green_request, error, 'answer_form', form)
    return _done(green_request, _('Your answer is sent.'))


@bp.route('/greenchannel/<int:green_request_id>/to-committee', methods=['POST'])
@login_required
def to_committee(green_request_id):
    green_request = _load(green_request_id)
    try:
        operations.send_to_committee(green_request, user=current_user)
    except DomainError as error:
        return _refused(green_request, error)
    return _done(green_request, _('The request is before the committee.'))


@bp.route('/greenchannel/<int:green_request_id>/decide', methods=['POST'])
@login_required
def decide(green_request_id):
    green_request = _load(green_request_id)
    form = GreenDecisionForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, decision_form=form)
    try:
        operations.decide_request(green_request, user=current_user, outcome=form.outcome.data,
                                  granted=form.granted.data, reasons=form.reasons.data)
    except DomainError as error:
        return _refused(green_request, error, 'decision_form', form)
    return _done(green_request, _('The committee\'s decision is recorded.'))


@bp.route('/greenchannel/<int:green_request_id>/messages', methods=['POST'])
@login_required
def message(green_request_id):
    green_request = _load(green_request_id, 'green_request.message')
    form = MessageForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, message_form=form)
    try:
        operations.post_message(green_request, user=current_user, body=form.body.data)
    except DomainError as error:
        return _refused(green_request, error, 'message_form', form)
    return _done(green_request, _('Your message is sent.'))


# --- the startup's service contact ----------------------------------------------------------------------------

@bp.route('/startups/<int:startup_id>/service-contact', methods=['GET', 'POST'])
@login_required
def service_contact(startup_id):
    startup = get_or_404(Startup, startup_id, 'greenchannel.set_service_contact')
    form = ServiceContactForm(managers=queries.managers(), data={'service_contact': startup.service_contact_id})
    if form.validate_on_submit():
        contact = db.session.get(User, form.service_contact.data) if form.service_contact.data else None
        try:
            operations.set_service_contact(startup, user=current_user, contact=contact)
        except DomainError as error:
            show_error(form, error)
            return render_template('greenchannel/service_contact.html', form=form, startup=startup), \
                error.status_code
        flash(_('The service contact is saved.'), 'success')
        return redirect(url_for('startups.show', startup_id=startup.id))
    return render_template('greenchannel/service_contact.html', form=form, startup=startup), \
        422 if form.is_submitted() else 200


# --- administrators -------------------------------------------------------------------------------------------

@bp.route('/admin/greenchannel/')
@permission_required('greenchannel.manage')
def admin():
    return render_template('greenchannel/admin.html', departments=queries.all_departments(),
                           categories=queries.all_categories())


@bp.route('/admin/greenchannel/departments/new', methods=['GET', 'POST'])
@permission_required('greenchannel.manage')
def department_new():
    return _department_form(None)


@bp.route('/admin/greenchannel/departments/<int:department_id>/edit', methods=['GET', 'POST'])
@permission_required('greenchannel.manage')
def department_edit(department_id):
    return _department_form(get_or_404(Department, department_id))


def _department_form(department):
    data = None
    if department is not None:
        data = {'name_zh': department.name_zh, 'name_en': department.name_en, 'head': department.head_id,
                'reviewers': [row.user_id for row in department.reviewer_rows], 'is_active': department.is_active}
    form = DepartmentForm(heads=queries.head_candidates(), reviewers=queries.reviewer_candidates(), data=data)
    if form.validate_on_submit():
        head = db.session.get(User, form.head.data) if form.head.data else None
        reviewers = [user for user in (db.session.get(User, user_id) for user_id in form.reviewers.data) if user]
        try:
            operations.save_department(department, user=current_user, name_zh=form.name_zh.data,
                                       name_en=form.name_en.data, head=head, reviewers=reviewers,
                                       is_active=form.is_active.data)
        except DomainError as error:
            show_error(form, error)
            return render_template('greenchannel/department_form.html', form=form, department=department), \
                error.status_code
        flash(_('The department is saved.'), 'success')
        return redirect(url_for('greenchannel.admin'))
    return render_template('greenchannel/department_form.html', form=form, department=department), \
        422 if form.is_submitted() else 200


@bp.route('/admin/greenchannel/categories/new', methods=['GET', 'POST'])
@permission_required('greenchannel.manage')
def category_new():
    return _category_form(None)


@bp.route('/admin/greenchannel/categories/<int:category_id>/edit', methods=['GET', 'POST'])
@permission_required('greenchannel.manage')
def category_edit(category_id):
    return _category_form(get_or_404(RequestCategory, category_id))


_CATEGORY_FIELDS = ('name_zh', 'name_en', 'description', 'asks_amount', 'asks_area', 'asks_headcount', 'asks_dates',
                    'promised_working_days', 'completeness_working_days', 'opinion_working_days', 'needs_notice',
                    'notice_days', 'is_active')


def _category_form(category):
    data = None
    if category is not None:
        data = {field: getattr(category, field) for field in _CATEGORY_FIELDS}
        data['departments'] = [department.id for department in category.default_departments]
        data['public_fields'] = [field.value for field in category.public_field_set]
    form = CategoryForm(departments=queries.all_departments(), data=data)
    if form.validate_on_submit():
        departments = [department for department in (db.session.get(Department, department_id)
                                                     for department_id in form.departments.data) if department]
        try:
            operations.save_category(category, user=current_user, departments=departments,
                                     public_fields=form.public_fields.data,
                                     **{field: getattr(form, field).data for field in _CATEGORY_FIELDS})
        except DomainError as error:
            show_error(form, error)
            return render_template('greenchannel/category_form.html', form=form, category=category), \
                error.status_code
        flash(_('The category is saved.'), 'success')
        return redirect(url_for('greenchannel.admin'))
    return render_template('greenchannel/category_form.html', form=form, category=category), \
        422 if form.is_submitted() else 200
