
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
    validators,
)

from incubator.auth.forms import InvitationFormBase
from incubator.core.forms import BaseForm, email_address, max_length, required
from incubator.startups import credit_code
from incubator.startups.models import MembershipRole, StartupStatus, Tier

CREDIT_CODE_MESSAGES = {
    'length': _l('A unified social credit code has exactly 18 characters.'),
    'alphabet': _l('A unified social credit code uses only digits and capital letters other than I, O, S, V and Z.'),
    'region': _l('Characters 3 to 8 of a unified social credit code are the digits of the region code.'),
    'check': _l('The last character (the check character) does not match: please check the code for a typo.'),
}


class StartupForm(BaseForm):
    name = StringField(_l('Company name'), validators=[required(), max_length(100)])
    credit_code = StringField(_l('Unified social credit code'), validators=[required(), max_length(18)],
                              filters=[credit_code.normalize])
    tier = SelectField(_l('Tier'), choices=Tier.choices)
    site_id = SelectField(_l('Site'), coerce=int, validate_choice=True)
    admitted_on = DateField(_l('Admission date'), validators=[
        validators.InputRequired(message=_l('Enter a date such as 2026-03-01.'))])
    status = SelectField(_l('Status'), choices=StartupStatus.choices)
    contact_name = StringField(_l('Contact person'), validators=[required(), max_length(100)])
    contact_phone = TelField(_l('Contact phone'), validators=[required(), max_length(30), validators.Regexp(
        r'^[0-9+()\- ]{5,30}$', message=_l('Enter a phone number with digits, spaces, +, - or brackets.'))])
    contact_email = EmailField(_l('Contact email'), validators=[validators.Optional(), max_length(254),
                                                                email_address()])
    description = TextAreaField(_l('Description'), validators=[max_length(5000)])

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.site_id.choices = [(site.id, site.name) for site in sites]

    def validate_credit_code(self, field):
        try:
            field.data = credit_code.validate(field.data)
        except credit_code.InvalidCreditCode as error:
            raise ValidationError(CREDIT_CODE_MESSAGES[error.reason]) from None


class MemberInvitationForm(InvitationFormBase):
    role = SelectField(_l('Role in the startup'), choices=MembershipRole.choices, default='member')
