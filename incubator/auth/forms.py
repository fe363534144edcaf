from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    ValidationError,
    validators,
)

from incubator.auth.models import Role
from incubator.core.forms import BaseForm, email_address, max_length, required


class LoginForm(BaseForm):
    email = EmailField(_l('Email'), validators=[required(), max_length(254), email_address()])
    password = PasswordField(_l('Password'), validators=[required(), max_length(200)])
    remember = BooleanField(_l('Keep me logged in'))
    next = HiddenField()


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l('Email'), validators=[required(), max_length(254), email_address()])


class NewPasswordMixin:
    password = PasswordField(_l('New password'), validators=[required(), max_length(200)])
    confirm = PasswordField(_l('Repeat the new password'), validators=[
        required(), validators.EqualTo('password', message=_l('The two passwords do not match.'))])

    def validate_password(self, field):
        minimum = current_app.config['PASSWORD_MIN_LENGTH']
        if len(field.data or '') < minimum:
            raise ValidationError(_l('The password must have at least %(count)s characters.', count=minimum))


class ResetPasswordForm(NewPasswordMixin, BaseForm):
    pass


class AcceptInvitationForm(NewPasswordMixin, BaseForm):
    pass


class ChangePasswordForm(NewPasswordMixin, BaseForm):
    current_password = PasswordField(_l('Current password'), validators=[required(), max_length(200)])


def language_choices():
    return [('', _l('Automatic (from the browser)')), ('zh_CN', '简体中文'), ('en', 'English')]


class ProfileForm(BaseForm):
    name = StringField(_l('Full name'), validators=[required(), max_length(100)])
    locale = SelectField(_l('Language'), choices=language_choices, validate_choice=True)


class LanguageForm(BaseForm):
    locale = SelectField(_l('Language'), choices=[('zh_CN', '简体中文'), ('en', 'English')])
    next = HiddenField()


class InvitationFormBase(BaseForm):
    email = EmailField(_l('Email'), validators=[required(), max_length(254), email_address()])
    name = StringField(_l('Full name'), validators=[required(), max_length(100)])


class StaffInvitationForm(InvitationFormBase):
    role = SelectField(_l('Role'), choices=Role.choices)
