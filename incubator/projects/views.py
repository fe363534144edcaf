"""Project pages: the lists, the project page, and the forms of projects, fundings, milestones and progress.

A form that does not validate, or an operation that refuses, shows the form again with its message and a
4xx status (422 for the form, the refusal's own otherwise), so nothing of it is committed.
"""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.attachments.queries import attachments_for
from incubator.auth.queries import active_managers
from incubator.core.errors import DomainError, error_response
from incubator.core.forms import ConfirmForm, show_error
from incubator.core.pagination import page_number
from incubator.core.permissions import can, get_or_404, require
from incubator.projects import operations, queries
from incubator.projects.blueprint import bp
from incubator.projects.forms import (
    DecisionForm,
    FundingForm,
    MilestoneForm,
    ProjectForm,
    RescheduleForm,
    submission_form,
)
from incubator.projects.health import health_of, health_of_many
from incubator.projects.models import Project, programme_today
from incubator.startups.models import Startup

#: What each decision is called when it is done.
_DECIDED = {'accept': lambda: _('The milestone is accepted; the startup has been told.'),
            'request_changes': lambda: _('Changes are requested; the startup has been told.'),
            'reject': lambda: _('The submission is rejected; the startup has been told.')}


def _refused(template, error, form, **context):
    """The form again with the operation's refusal beside its field, in the refusal's status."""
    show_error(form, error)
    return render_template(template, form=form, **context), error.status_code


def _form_page(template, form, **context):
    """The form: blank, or again with its errors (422) when it was sent and did not validate."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200


def _project_fields(form):
    return {'title': form.title.data, 'field': form.field.data, 'lead_name': form.lead_name.data,
            'start_date': form.start_date.data, 'planned_end_date': form.planned_end_date.data,
            'review_cadence': form.review_cadence.data, 'manager': _manager(form.manager.data)}


def _manager(user_id):
    return next((user for user in active_managers() if user.id == user_id), None)


def _milestone_or_404(milestone_id, action):
    milestone = queries.milestone_with_project(milestone_id)
    if milestone is None:
        abort(404)
    require(current_user, action, milestone)
    return milestone


def _to_milestone(milestone):
    return redirect(url_for('projects.show', project_id=milestone.project_id) + f'#milestone-{milestone.id}')


# --- lists ----------------------------------------------------------------------------------------

@bp.route('/projects/')
@login_required
def index():
    """Every project for staff and the committee; a startup's people see their startups' projects."""
    startup_ids = None if can(current_user, 'projects.view_all') else [
        membership.startup_id for membership in current_user.memberships]
    projects = queries.projects_page(page_number(), startup_ids)
    return render_template('projects/index.html', projects=projects,
                           health=health_of_many(projects.items, programme_today()))


@bp.route('/startups/<int:startup_id>/projects')
@login_required
def startup_projects(startup_id):
    startup = get_or_404(Startup, startup_id, 'startup.view_projects')
    projects = queries.projects_of_startup(startup)
    return render_template('projects/startup.html', startup=startup, projects=projects,
                           health=health_of_many(projects, programme_today()))


# --- projects and fundings ------------------------------------------------------------------------

@bp.route('/startups/<int:startup_id>/projects/new', methods=['GET', 'POST'])
@login_required
def create(startup_id):
    startup = get_or_404(Startup, startup_id, 'startup.create_project')
    form = ProjectForm(managers=active_managers())
    context = {'startup': startup, 'project': None}
    if not form.validate_on_submit():
        return _form_page('projects/form.html', form, **context)
    try:
        project = operations.create_project(current_user, startup, **_project_fields(form))
    except DomainError as error:
        return _refused('projects/form.html', error, form, **context)
    flash(_('The project %(title)s has been created.', title=project.title), 'success')
    return redirect(url_for('projects.show', project_id=project.id))


@bp.route('/projects/<int:project_id>')
@login_required
def show(project_id):
    project = queries.project_for_page(project_id)
    if project is None:
        abort(404)
    require(current_user, 'project.view', project)
    today = programme_today()
    health, reasons = health_of(project, today)
    submissions = [submission for milestone in project.milestones for submission in milestone.submissions]
    return render_template('projects/show.html', project=project, today=today, health=health, reasons=reasons,
                           evidence=attachments_for(submissions), progress=queries.kpi_progress,
                           chart=queries.chart_data(project), decision_form=DecisionForm(), confirm_form=ConfirmForm())


@bp.route('/projects/<int:project_id>/edit', methods=['GET', 'POST'])
@login_required
def edit(project_id):
    project = get_or_404(Project, project_id, 'project.edit')
    form = ProjectForm(obj=project, managers=active_managers())
    if not form.is_submitted():
        form.manager.data = project.manager_id  # the object holds the User, the choices hold ids
    context = {'startup': project.startup, 'project': project}
    if not form.validate_on_submit():
        return _form_page('projects/form.html', form, **context)
    try:
        operations.update_project(current_user, project, **_project_fields(form))
    except DomainError as error:
        return _refused('projects/form.html', error, form, **context)
    flash(_('The project %(title)s has been saved.', title=project.title), 'success')
    return redirect(url_for('projects.show', project_id=project.id))


@bp.route('/projects/<int:project_id>/fundings/new', methods=['GET', 'POST'])
@login_required
def record_funding(project_id):
    project = get_or_404(Project, project_id, 'project.record_funding')
    form = FundingForm()
    if not form.validate_on_submit():
        return _form_page('projects/funding_form.html', form, project=project)
    try:
        operations.record_funding(current_user, project, kind=form.kind.data, amount_fen=form.amount.data,
                                  granted_on=form.granted_on.data, note=form.note.data)
    except DomainError as error:
        return _refused('projects/funding_form.html', error, form, project=project)
    flash(_('The funding has been recorded.'), 'success')
    return redirect(url_for('projects.show', project_id=project.id) + '#fundings')


# --- milestones -----------------------------------------------------------------------------------

@bp.route('/projects/<int:project_id>/milestones/new', methods=['GET', 'POST'])
@login_required
def add_milestone(project_id):
    project = get_or_404(Project, project_id, 'project.add_milestone')
    form = MilestoneForm()
    context = {'project': project, 'milestone': None}
    if not form.validate_on_submit():
        return _form_page('projects/milestone_form.html', form, **context)
    try:
        milestone = operations.add_milestone(current_user, project, title=form.title.data,
                                             description=form.description.data, due_date=form.due_date.data,
                                             targets=form.target_values())
    except DomainError as error:
        return _refused('projects/milestone_form.html', error, form, **context)
    flash(_('The milestone %(title)s has been added.', title=milestone.title), 'success')
    return _to_milestone(milestone)


@bp.route('/milestones/<int:milestone_id>/edit', methods=['GET', 'POST'])
@login_required
def edit_milestone(milestone_id):
    milestone = _milestone_or_404(milestone_id, 'milestone.edit')
    form = MilestoneForm.for_milestone(milestone)
    context = {'project': milestone.project, 'milestone': milestone}
    if not form.validate_on_submit():
        return _form_page('projects/milestone_form.html', form, **context)
    try:
        operations.update_milestone(current_user, milestone, title=form.title.data, description=form.description.data,
                                    due_date=form.due_date.data, targets=form.target_values())
    except DomainError as error:
        return _refused('projects/milestone_form.html', error, form, **context)
    flash(_('The milestone %(title)s has been saved.', title=milestone.title), 'success')
    return _to_milestone(milestone)


@bp.route('/milestones/<int:milestone_id>/reschedule', methods=['GET', 'POST'])
@login_required
def reschedule(milestone_id):
    milestone = _milestone_or_404(milestone_id, 'milestone.reschedule')
    form = RescheduleForm(data={'due_date': milestone.due_date})
    context = {'milestone': milestone}
    if not form.validate_on_submit():
        return _form_page('projects/reschedule.html', form, **context)
    try:
        operations.reschedule_milestone(current_user, milestone, form.due_date.data, form.reason.data)
    except DomainError as error:
        return _refused('projects/reschedule.html', error, form, **context)
    flash(_('The milestone is now due on %(day)s; the startup has been told.', day=form.due_date.data.isoformat()),
          'success')
    return _to_milestone(milestone)


@bp.route('/milestones/<int:milestone_id>/start', methods=['POST'])
@login_required
def start_milestone(milestone_id):
    milestone = _milestone_or_404(milestone_id, 'milestone.view')
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.start_milestone(current_user, milestone)
    flash(_('The milestone is in progress.'), 'success')
    return _to_milestone(milestone)


@bp.route('/milestones/<int:milestone_id>/submit', methods=['GET', 'POST'])
@login_required
def submit(milestone_id):
    milestone = _milestone_or_404(milestone_id, 'milestone.submit')
    form = submission_form(milestone)
    if not form.validate_on_submit():
        return _form_page('projects/submit.html', form, milestone=milestone)
    try:
        operations.submit_progress(current_user, milestone, figures=form.figures(), narrative=form.narrative.data,
                                   files=form.evidence.data or ())
    except DomainError as error:
        show_error(form, error, aliases={None: 'evidence'} if error.code.startswith('attachments.') else None)
        return render_template('projects/submit.html', form=form, milestone=milestone), error.status_code
    flash(_('Your progress has been submitted; the manager has been told.'), 'success')
    return _to_milestone(milestone)


@bp.route('/milestones/<int:milestone_id>/decide', methods=['POST'])
@login_required
def decide(milestone_id):
    milestone = _milestone_or_404(milestone_id, 'milestone.decide')
    form = DecisionForm()
    if not form.validate_on_submit():
        return error_response(400, next(error for errors in form.errors.values() for error in errors))
    operations.decide_milestone(current_user, milestone, form.decision.data, form.comment.data)
    flash(_DECIDED[form.decision.data](), 'success')
    return _to_milestone(milestone)

