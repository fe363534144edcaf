from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from incubator.core.forms import BaseForm, max_length, required


def timezone_choices():
    preferred = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Urumqi', 'UTC']
    return preferred + sorted(available_timezones() - set(preferred))


class SiteForm(BaseForm):
    name = StringField(_l('Name'), validators=[required(), max_length(100)])
    address = StringField(_l('Address'), validators=[max_length(200)])
    timezone = SelectField(_l('Timezone'), choices=timezone_choices, default='Asia/Shanghai')
    description = TextAreaField(_l('Description'), validators=[max_length(5000)])
    is_active = BooleanField(_l('In use'), default=True)
