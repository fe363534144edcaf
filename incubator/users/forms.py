from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, widgets

from incubator.auth.models import Role
from incubator.core.forms import BaseForm


class UserForm(BaseForm):
    roles = SelectMultipleField(_l('Roles'), choices=Role.choices,
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())
    is_active = BooleanField(_l('Account enabled'))
