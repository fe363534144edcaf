from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, validators, widgets

from incubator.auth.models import Role
from incubator.auth.queries import NO_ROLE
from incubator.core.forms import BaseForm, max_length


class UserForm(BaseForm):
    roles = SelectMultipleField(_l('Roles'), choices=Role.choices,
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())
    is_active = BooleanField(_l('Account enabled'))


class UserFilterForm(BaseForm):
    """The users list's filters: sent by GET, so they carry no CSRF token. A value not understood filters
    nothing and is shown beside its field."""

    class Meta:
        csrf = False

    q = StringField(_l('Name or email contains'), validators=[validators.Optional(), max_length(254)])
    role = SelectField(_l('Role'), default='', choices=lambda: [('', _l('All roles')), *Role.choices(),
                                                                (NO_ROLE, _l('Startup user'))])
    status = SelectField(_l('Status'), default='', choices=[('', _l('All statuses')), ('enabled', _l('Enabled')),
                                                            ('disabled', _l('Disabled'))])

    def filters(self):
        """The valid filters, as keyword arguments of ``auth.queries.users_query``."""
        def valid(field):
            return field.data if field.data and not field.errors else None
        role, status = valid(self.role), valid(self.status)
        return {'text': valid(self.q), 'role': role if role in (None, NO_ROLE) else Role(role),
                'enabled': None if status is None else status == 'enabled'}
