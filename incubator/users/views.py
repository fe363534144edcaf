"""Administrators manage accounts and staff invitations."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from incubator.auth import operations
from incubator.auth.forms import StaffInvitationForm
from incubator.auth.models import Invitation, InvitationKind, User
from incubator.auth.queries import open_staff_invitations, users_query
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm, sent_filters
from incubator.core.i18n import current_language
from incubator.core.pagination import page_number, paginate
from incubator.core.permissions import get_or_404, permission_required
from incubator.users.forms import UserFilterForm, UserForm

bp = Blueprint('users', __name__, url_prefix='/admin/users')
USERS_PER_PAGE = 50


@bp.route('/')
@permission_required('users.manage')
def index():
    form = UserFilterForm(request.args)
    form.validate()
    pagination = paginate(users_query(**form.filters()), page_number(), USERS_PER_PAGE)
    return render_template('users/index.html', form=form, pagination=pagination, args=sent_filters(form),
                           invitations=open_staff_invitations(), confirm_form=ConfirmForm())


@bp.route('/invite', methods=['GET', 'POST'])
@permission_required('users.manage')
def invite():
    form = StaffInvitationForm()
    if form.validate_on_submit():
        try:
            operations.invite_staff(current_user, form.email.data, form.name.data, form.role.data,
                                    current_language())
        except DomainError as error:
            form.email.errors.append(str(error))
        else:
            flash(_('An invitation has been sent to %(email)s.', email=form.email.data), 'success')
            return redirect(url_for('users.index'))
    return render_template('users/invite.html', form=form)


@bp.route('/<int:user_id>', methods=['GET', 'POST'])
@permission_required('users.manage')
def edit(user_id):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user, roles=[role.value for role in user.roles])
    if form.validate_on_submit():
        try:
            operations.update_user(current_user, user, form.roles.data, form.is_active.data)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            flash(_('The account of %(name)s has been saved.', name=user.name), 'success')
            return redirect(url_for('users.index'))
    return render_template('users/edit.html', user=user, form=form)


@bp.route('/invitations/<int:invitation_id>/revoke', methods=['POST'])
@permission_required('users.manage')
def revoke_invitation(invitation_id):
    invitation = get_or_404(Invitation, invitation_id)
    if invitation.kind != InvitationKind.staff or not ConfirmForm().validate_on_submit():
        return redirect(url_for('users.index'))
    operations.revoke_invitation(current_user, invitation)
    flash(_('The invitation to %(email)s has been revoked.', email=invitation.email), 'info')
    return redirect(url_for('users.index'))
