"""The audit log's filters: sent by GET, so they carry no CSRF token."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, ValidationError, validators

from incubator.core.audit import AuditAction, audited_types
from incubator.core.forms import BaseForm, max_length


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    object_type = SelectField(_l('Object type'), default='',
                              choices=lambda: [('', _l('All types')), *audited_types()])
    object_id = StringField(_l('Object ID'), validators=[validators.Optional(), max_length(50)])
    actor = StringField(_l('Actor email contains'), validators=[validators.Optional(), max_length(254)])
    action = SelectField(_l('Action'), default='', choices=lambda: [('', _l('All actions')), *AuditAction.choices()])
    date_from = DateField(_l('From'), validators=[validators.Optional()])
    date_to = DateField(_l('To'), validators=[validators.Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l('The end date is before the start date.'))

    def filters(self):
        """The filled-in, valid filters, as keyword arguments of ``queries.audit_entries``."""
        return {field.name: field.data for field in self if field.data and not field.errors}
