from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets

from incubator.core.forms import BaseForm


class EmailPreferencesForm(BaseForm):
    """One checkbox per kind of notification whose email may be switched off."""

    email_kinds = SelectMultipleField(_l('Also send me an email when'), choices=[],
                                      widget=widgets.ListWidget(prefix_label=False),
                                      option_widget=widgets.CheckboxInput())

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.email_kinds.choices = [(kind.name, kind.label) for kind in kinds]
