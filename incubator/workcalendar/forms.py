"""One form: a public holiday or make-up working day, added or corrected."""
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, ValidationError, validators

from incubator.core.calendar import FIRST_YEAR, LAST_YEAR, DayKind
from incubator.core.forms import BaseForm, max_length, required

_DATE_MESSAGE = _l('Enter a date such as 2027-10-01.')


class _DateField(DateField):
    """A date whose parse error speaks the user's language like every other message."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [unicodedata.normalize('NFKC', valuelist[0] or '').strip()]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_DATE_MESSAGE) from None


class CalendarDayForm(BaseForm):
    day = _DateField(_l('Date'), format='%Y-%m-%d', validators=[validators.InputRequired(message=_DATE_MESSAGE)])
    kind = SelectField(_l('Kind'), choices=DayKind.choices, validate_choice=True,
                       default=DayKind.holiday.value)
    name = StringField(_l('Holiday'), validators=[required(), max_length(50)],
                       description=_l('For a make-up working day, the holiday it makes up for.'))

    def validate_day(self, field):
        if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(_l('Enter a date between %(first)d and %(last)d.', first=FIRST_YEAR,
                                     last=LAST_YEAR))

    def validate_name(self, field):
        if any(unicodedata.category(char) in {'Cc', 'Cf', 'Cs', 'Co', 'Cn'} for char in field.data or ''):
            raise ValidationError(_l('Use letters, digits and punctuation only.'))

    @property
    def kind_value(self):
        return DayKind(self.kind.data)
