"""Log in and out, reset a password, accept an invitation, manage one's own account."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from incubator.auth import operations
from incubator.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
)
from incubator.auth.queries import user_by_email
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm, safe_next_path
from incubator.core.i18n import current_language

bp = Blueprint('auth', __name__)


def _start_session(user, remember=False):
    """A fresh session at login, so an id planted before it is worthless."""
    locale = session.get('locale')
    session.clear()
    if locale:
        session['locale'] = locale
    login_user(user, remember=remember)


@bp.route('/login', methods=['GET', 'POST'])
def login():
    next_path = safe_next_path(request.values.get('next'))
    if current_user.is_authenticated:
        return redirect(next_path or url_for('dashboard.index'))
    form = LoginForm(next=next_path or '')
    status = 200
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data, request.remote_addr or '')
        except operations.LoginThrottled as error:
            form.form_errors.append(str(error))
            status = 429
        except operations.InvalidCredentials as error:
            form.form_errors.append(str(error))
        else:
            _start_session(user, remember=form.remember.data)
            flash(_('Welcome, %(name)s.', name=user.name), 'success')
            return redirect(safe_next_path(form.next.data) or url_for('dashboard.index'))
    return render_template('auth/login.html', form=form), status


@bp.route('/logout', methods=['POST'])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_('You have logged out.'), 'info')
    return redirect(url_for('auth.login'))


@bp.route('/password/forgot', methods=['GET', 'POST'])
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            operations.request_password_reset(form.email.data, current_language(), request.remote_addr or '')
        except operations.PasswordResetThrottled as error:
            form.form_errors.append(str(error))
            status = 429
        else:
            flash(_('If an account uses %(email)s, a link to reset its password is on its way.',
                    email=form.email.data), 'info')
            return redirect(url_for('auth.login'))
    return render_template('auth/forgot_password.html', form=form), status


@bp.route('/password/reset/<token>', methods=['GET', 'POST'])
def reset_password(token):
    try:
        operations.user_for_reset_token(token)
    except DomainError as error:
        return render_template('auth/link_invalid.html', message=str(error)), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = operations.reset_password(token, form.password.data)
        except DomainError as error:
            form.password.errors.append(str(error))
        else:
            _start_session(user)
            flash(_('Your password has been changed.'), 'success')
            return redirect(url_for('dashboard.index'))
    return render_template('auth/reset_password.html', form=form)


@bp.route('/invitation/<token>', methods=['GET', 'POST'])
def accept_invitation(token):
    try:
        invitation = operations.invitation_for_token(token)
    except DomainError as error:
        return render_template('auth/link_invalid.html', message=str(error)), 404
    if user_by_email(invitation.email) is not None:
        return _accept_as_existing_user(token, invitation)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = operations.accept_invitation(token, password=form.password.data)
        except DomainError as error:
            form.password.errors.append(str(error))
        else:
            _start_session(user)
            flash(_('Welcome to Wutong, %(name)s.', name=user.name), 'success')
            return redirect(url_for('dashboard.index'))
    return render_template('auth/accept_invitation.html', invitation=invitation, form=form)


def _accept_as_existing_user(token, invitation):
    form = ConfirmForm()
    is_invitee = current_user.is_authenticated and current_user.email == invitation.email
    if is_invitee and form.validate_on_submit():
        operations.accept_invitation(token, acting_user=current_user)
        flash(_('Invitation accepted.'), 'success')
        return redirect(url_for('dashboard.index'))
    return render_template('auth/accept_invitation_existing.html', invitation=invitation,
                           is_invitee=is_invitee, form=form)


@bp.route('/account', methods=['GET', 'POST'])
@login_required
def account():
    form = ProfileForm(obj=current_user, locale=current_user.locale or '')
    if form.validate_on_submit():
        operations.update_profile(current_user, form.name.data, form.locale.data)
        flash(_('Your settings have been saved.'), 'success')
        return redirect(url_for('auth.account'))
    return render_template('auth/account.html', form=form, password_form=ChangePasswordForm(formdata=None))


@bp.route('/account/password', methods=['POST'])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            form.current_password.errors.append(str(error))
        else:
            _start_session(current_user._get_current_object())
            flash(_('Your password has been changed. Other sessions have been logged out.'), 'success')
            return redirect(url_for('auth.account'))
    profile_form = ProfileForm(obj=current_user, formdata=None, locale=current_user.locale or '')
    return render_template('auth/account.html', form=profile_form, password_form=form)


@bp.route('/language', methods=['POST'])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        operations.set_language(current_user, form.locale.data)
        session['locale'] = form.locale.data
    return redirect(safe_next_path(form.next.data) or url_for('dashboard.index'))
