"""Forms of payments: pay, record on site, refund, ask for and issue a fapiao, filter the managers' list."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    Field,
    IntegerField,
    MonthField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
    validators,
)
from wtforms.widgets import HiddenInput, html_params

from incubator.booking.operations import MAX_OCCURRENCES
from incubator.core.forms import BaseForm, YuanField, email_address, max_length, required
from incubator.payments.models import PaymentChannel, PaymentStatus

#: The largest id a database integer holds.
_MAX_ID = 2**31 - 1


def _hidden_inputs(field, **kwargs):
    return Markup(''.join(f'<input {html_params(type="hidden", name=field.name, value=value)}>'
                          for value in field.data or ()))


class IdListField(Field):
    """Ids sent as repeated hidden inputs of one name (``bookings=3&bookings=4``), as a list of ints."""

    widget = staticmethod(_hidden_inputs)

    def process_data(self, value):
        self.data = list(value or ())

    def process_formdata(self, valuelist):
        ids = []
        for value in valuelist:
            if not (value.isascii() and value.isdigit() and 0 < int(value) <= _MAX_ID):
                self.data = []
                raise ValueError(_l('Not a valid choice.'))
            if int(value) not in ids:
                ids.append(int(value))
        self.data = ids


class CheckoutForm(BaseForm):
    """Pay online for one or more bookings (a recurring series at once): their ids and the CSRF token."""

    bookings = IdListField(validators=[validators.DataRequired(message=_l('There is nothing to pay.'))])

    def validate_bookings(self, field):
        if len(field.data) > MAX_OCCURRENCES:
            raise ValidationError(_l('At most %(count)d bookings can be paid at once.', count=MAX_OCCURRENCES))

    @property
    def booking_ids(self):
        return self.bookings.data


class OnSitePaymentForm(BaseForm):
    note = StringField(_l('Note (receipt slip, who paid)'), validators=[max_length(500)])


class RefundForm(BaseForm):
    """An amount in yuan, read exactly into fen, and why."""

    amount = YuanField(_l('Amount to refund (yuan)'), missing_message=_l('This field is required.'))
    reason = TextAreaField(_l('Reason'), validators=[required(), max_length(500)])

    def validate_amount(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l('A refund must be more than zero.'))

    @property
    def amount_fen(self):
        return self.amount.data


class FapiaoRequestForm(BaseForm):
    """What goes on the fapiao; the operation checks the taxpayer number's form."""

    title = StringField(_l('Invoice title (company name)'), validators=[required(), max_length(200)])
    taxpayer_number = StringField(_l('Taxpayer number (unified social credit code)'),
                                  validators=[required(), max_length(20)])
    email = StringField(_l('Email for the electronic fapiao (optional)'),
                        validators=[validators.Optional(), max_length(254), email_address()])


class FapiaoIssueForm(BaseForm):
    invoice_number = StringField(_l('Fapiao number'), validators=[required(), max_length(40)])


class PaymentFilterForm(BaseForm):
    """The managers' list and export filters: sent by GET, so no CSRF token. Invalid values are ignored."""

    class Meta:
        csrf = False

    month = MonthField(_l('Month'), validators=[validators.Optional()])
    status = SelectField(_l('Status'), default='',
                         choices=lambda: [('', _l('All statuses')), *PaymentStatus.choices()])
    channel = SelectField(_l('Channel'), default='',
                          choices=lambda: [('', _l('All channels')), *PaymentChannel.choices()])
    startup = IntegerField(widget=HiddenInput(), validators=[validators.Optional(), validators.NumberRange(1, _MAX_ID)])

    def validate_month(self, field):
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l('Enter a month between 2000 and 2100.'))

    def filters(self):
        """The valid filters, as keyword arguments of ``queries.all_payments`` and ``queries.payments_csv_rows``."""
        def valid(field):
            return field.data if field.data not in (None, '') and not field.errors else None
        status, channel = valid(self.status), valid(self.channel)
        return {'month': valid(self.month), 'status': PaymentStatus(status) if status else None,
                'channel': PaymentChannel(channel) if channel else None, 'startup_id': valid(self.startup)}

    def arguments(self):
        """The valid filters as URL arguments, for links to other pages and the export."""
        filters = self.filters()
        arguments = {'month': filters['month'].strftime('%Y-%m') if filters['month'] else None,
                     'status': filters['status'].value if filters['status'] else None,
                     'channel': filters['channel'].value if filters['channel'] else None,
                     'startup': filters['startup_id']}
        return {name: value for name, value in arguments.items() if value is not None}
