"""Payment records: a startup's payments and receipts, fapiao requests, and the managers' list, totals and export."""
import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.core.errors import DomainError
from incubator.core.pagination import page_number
from incubator.core.permissions import get_or_404, permission_required, require
from incubator.core.time import default_timezone
from incubator.payments import operations, queries
from incubator.payments.blueprint import bp
from incubator.payments.forms import FapiaoIssueForm, FapiaoRequestForm, PaymentFilterForm
from incubator.payments.models import FapiaoRequest, FapiaoStatus, Payment
from incubator.startups.models import Startup

#: Bookings owed on site listed on a startup's payments page (a startup rarely owes more).
OWED_SHOWN = 50


def _flash_errors(form):
    for field in form:
        for error in field.errors:
            flash(f'{field.label.text}: {error}' if field.label.text else error, 'danger')


# --- a startup's payments, receipts, fapiao requests --------------------------------------------

@bp.route('/startups/<int:startup_id>/payments')
@login_required
def startup_payments(startup_id):
    startup = get_or_404(Startup, startup_id, 'startup.view_payments')
    owed_count, owed_fen = queries.owed_on_site_sum([startup.id])
    return render_template('payments/startup.html', startup=startup,
                           payments=queries.payments_of_startup(startup, page_number()), owed_count=owed_count,
                           owed_fen=owed_fen, owed=queries.owed_on_site_first(OWED_SHOWN, [startup.id]))


@bp.route('/payments/<int:payment_id>/receipt')
@login_required
def receipt(payment_id):
    """A printable receipt; a payment not (or no longer) paid has none."""
    payment = queries.payment_with_details(payment_id)
    if payment is None:
        abort(404)
    require(current_user, 'payment.view', payment)
    if not payment.is_paid:
        abort(404)
    return render_template('payments/receipt.html', payment=payment)


@bp.route('/payments/<int:payment_id>/fapiao', methods=['POST'])
@login_required
def request_fapiao(payment_id):
    payment = get_or_404(Payment, payment_id, 'payment.view')
    form = FapiaoRequestForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        try:
            operations.request_fapiao(current_user, payment, form.title.data, form.taxpayer_number.data,
                                      email=form.email.data)
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('Fapiao requested. You will be told when it is issued.'), 'success')
    return redirect(url_for('payments.show', payment_id=payment_id))


# --- every payment, for managers ---------------------------------------------------------------

def _filter_form():
    form = PaymentFilterForm(request.args)
    form.validate()
    return form


@bp.route('/payments/')
@permission_required('payments.manage')
def index():
    form = _filter_form()
    months, total = queries.monthly_totals()
    return render_template('payments/index.html', form=form, arguments=form.arguments(),
                           payments=queries.all_payments(**form.filters(), page=page_number()),
                           months=months, total=total, zone=default_timezone().key)


@bp.route('/payments/export.csv')
@permission_required('payments.manage')
def export_csv():
    """The filtered payments for a spreadsheet: UTF-8 with a BOM, so Excel reads Chinese names right."""
    form = _filter_form()
    filters = form.filters()
    zone = default_timezone().key
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([_('Receipt number'), _('Startup'), _('Channel'), _('Status'), _('Amount (yuan)'),
                     _('Refunded (yuan)'), _('Net (yuan)'), _('Created at (%(zone)s)', zone=zone),
                     _('Paid at (%(zone)s)', zone=zone), _('Bookings paid for')])
    for row in queries.payments_csv_rows(**filters):
        writer.writerow([_cell(value) for value in row])
    filename = f'payments-{filters["month"]:%Y-%m}.csv' if filters['month'] else 'payments.csv'
    return Response('\ufeff' + output.getvalue(), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename="{filename}"'})


def _cell(value):
    """Text a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ('=', '+', '-', '@', '\t', '\r') else value


@bp.route('/payments/owed-on-site')
@permission_required('payments.manage')
def owed_on_site():
    count, total_fen = queries.owed_on_site_sum()
    return render_template('payments/owed.html', bookings=queries.owed_on_site_page(page_number()), count=count,
                           total_fen=total_fen)


# --- fapiao, for managers -----------------------------------------------------------------------

@bp.route('/payments/fapiao')
@permission_required('payments.manage')
def fapiao_queue():
    status = request.args.get('status', FapiaoStatus.requested.value)
    status = FapiaoStatus(status) if status in {member.value for member in FapiaoStatus} else FapiaoStatus.requested
    return render_template('payments/fapiao.html', status=status, requests=queries.fapiao_queue(status, page_number()),
                           form=FapiaoIssueForm())


@bp.route('/payments/fapiao/<int:request_id>/issue', methods=['POST'])
@permission_required('payments.manage')
def issue_fapiao(request_id):
    fapiao_request = get_or_404(FapiaoRequest, request_id)
    form = FapiaoIssueForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        try:
            operations.issue_fapiao(current_user, fapiao_request, form.invoice_number.data)
        except DomainError as error:
            flash(str(error), 'danger')
        else:
            flash(_('Fapiao %(number)s recorded as issued; the requester has been told.',
                    number=fapiao_request.invoice_number), 'success')
    return redirect(url_for('payments.fapiao_queue'))
