"""Startups: managers register and edit them, members see only their own."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.auth import operations as auth_operations
from incubator.auth.models import Invitation
from incubator.auth.queries import open_member_invitations
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm, form_data
from incubator.core.i18n import current_language
from incubator.core.pagination import page_number
from incubator.core.permissions import get_or_404, permission_required
from incubator.sites.queries import list_sites
from incubator.startups import operations
from incubator.startups.forms import MemberInvitationForm, StartupForm
from incubator.startups.models import Startup, StartupMembership, StartupStatus
from incubator.startups.queries import startup_members, startups_page

bp = Blueprint('startups', __name__, url_prefix='/startups')


@bp.route('/')
@login_required
def index():
    search = request.args.get('q', '', type=str).strip()[:100]
    status = request.args.get('status', '', type=str)
    if status not in {s.value for s in StartupStatus}:
        status = ''
    startups = startups_page(current_user, page_number(), search=search, status=status or None)
    return render_template('startups/index.html', startups=startups, search=search, status=status,
                           statuses=StartupStatus)


@bp.route('/new', methods=['GET', 'POST'])
@permission_required('startups.create')
def create():
    form = StartupForm(sites=list_sites(active_only=True))
    if form.validate_on_submit():
        try:
            startup = operations.create_startup(current_user, **form_data(form, operations.FIELDS))
        except DomainError as error:
            form.credit_code.errors.append(str(error))
        else:
            flash(_('The startup %(name)s has been registered.', name=startup.name), 'success')
            return redirect(url_for('startups.show', startup_id=startup.id))
    return render_template('startups/form.html', form=form, startup=None)


@bp.route('/<int:startup_id>')
@login_required
def show(startup_id):
    startup = get_or_404(Startup, startup_id)
    return render_template('startups/show.html', startup=startup, members=startup_members(startup),
                           invitations=open_member_invitations(startup), confirm_form=ConfirmForm())


@bp.route('/<int:startup_id>/edit', methods=['GET', 'POST'])
@login_required
def edit(startup_id):
    startup = get_or_404(Startup, startup_id, 'startup.edit')
    form = StartupForm(obj=startup, sites=list_sites(), tier=startup.tier.value, status=startup.status.value)
    if form.validate_on_submit():
        try:
            operations.update_startup(current_user, startup, **form_data(form, operations.FIELDS))
        except DomainError as error:
            form.credit_code.errors.append(str(error))
        else:
            flash(_('The startup %(name)s has been saved.', name=startup.name), 'success')
            return redirect(url_for('startups.show', startup_id=startup.id))
    return render_template('startups/form.html', form=form, startup=startup)


@bp.route('/<int:startup_id>/members/invite', methods=['GET', 'POST'])
@login_required
def invite_member(startup_id):
    startup = get_or_404(Startup, startup_id, 'startup.manage_members')
    form = MemberInvitationForm()
    if form.validate_on_submit():
        try:
            auth_operations.invite_startup_member(current_user, startup, form.email.data, form.name.data,
                                                  form.role.data, current_language())
        except DomainError as error:
            form.email.errors.append(str(error))
        else:
            flash(_('An invitation has been sent to %(email)s.', email=form.email.data), 'success')
            return redirect(url_for('startups.show', startup_id=startup.id))
    return render_template('startups/invite_member.html', startup=startup, form=form)


@bp.route('/<int:startup_id>/members/<int:membership_id>/remove', methods=['POST'])
@login_required
def remove_member(startup_id, membership_id):
    startup = get_or_404(Startup, startup_id, 'startup.manage_members')
    membership = get_or_404(StartupMembership, membership_id)
    if membership.startup_id != startup.id:
        return redirect(url_for('startups.show', startup_id=startup.id))
    if ConfirmForm().validate_on_submit():
        try:
            operations.remove_member(current_user, membership)
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('%(name)s is no longer a member.', name=membership.user.name), 'info')
    return redirect(url_for('startups.show', startup_id=startup.id))


@bp.route('/<int:startup_id>/invitations/<int:invitation_id>/revoke', methods=['POST'])
@login_required
def revoke_invitation(startup_id, invitation_id):
    startup = get_or_404(Startup, startup_id, 'startup.manage_members')
    invitation = get_or_404(Invitation, invitation_id)
    if invitation.startup_id == startup.id and ConfirmForm().validate_on_submit():
        auth_operations.revoke_invitation(current_user, invitation)
        flash(_('The invitation to %(email)s has been revoked.', email=invitation.email), 'info')
    return redirect(url_for('startups.show', startup_id=startup.id))
