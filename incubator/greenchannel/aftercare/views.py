"""Pages after a green-channel decision: the public notice (no login) where anyone may object, and the
request's aftercare page where the window reviews objections and records fulfilment.

A form that does not validate, or an operation that refuses, shows the page again with its message and a 4xx
status, so nothing of it is committed.
"""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.core.errors import DomainError
from incubator.core.forms import show_error
from incubator.core.permissions import can, permission_required, require
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.greenchannel.aftercare import figures, fulfilment, notice, queries
from incubator.greenchannel.aftercare.forms import DeliveryForm, ItemForm, ObjectionForm, ObjectionReviewForm
from incubator.greenchannel.models import FulfilmentItem, Objection, PublicField, RequestState
from incubator.spaces.models import Space

bp = Blueprint('green_aftercare', __name__)
public = Blueprint('green_public', __name__)


# --- the public notice ----------------------------------------------------------------------------------------

@public.route('/notices/greenchannel/')
def notices():
    return render_template('greenchannel/aftercare/notices.html', notices=queries.running_notices(now_utc()),
                           fields=PublicField)


def _notice_page(the_notice, form=None, status=200):
    return render_template('greenchannel/aftercare/notice.html', notice=the_notice, now=now_utc(),
                           form=form or ObjectionForm(), fields=PublicField,
                           shown=the_notice.request.category.public_field_set), status


@public.route('/notices/greenchannel/<int:notice_id>', methods=['GET', 'POST'])
def notice_page(notice_id):
    the_notice = queries.public_notice(notice_id)
    if the_notice is None:
        abort(404)
    if request.method == 'GET':
        return _notice_page(the_notice)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _notice_page(the_notice, form, 422)
    try:
        notice.lodge_objection(the_notice, name=form.name.data, contact=form.contact.data, reason=form.reason.data,
                               ip_address=request.remote_addr or '')
    except DomainError as error:
        show_error(form, error)
        return _notice_page(the_notice, form, error.status_code)
    db.session.commit()
    flash(_('Your objection is recorded. The incubator will review it and may contact you.'), 'success')
    return redirect(url_for('green_public.notice_page', notice_id=the_notice.id))


# --- the request's aftercare page -----------------------------------------------------------------------------

def _page(green_request, status=200, item_form=None, delivery_forms=None, review_forms=None):
    spaces = queries.lab_spaces()
    delivery_forms = delivery_forms or {}
    review_forms = review_forms or {}
    return render_template(
        'greenchannel/aftercare/show.html', green_request=green_request, notices=queries.notices_of(green_request),
        now=now_utc(), states=RequestState,
        item_form=item_form or ItemForm(formdata=None, spaces=spaces),
        delivery_form=lambda item: delivery_forms.get(item.id) or DeliveryForm(formdata=None),
        review_form=lambda objection: review_forms.get(objection.id) or ObjectionReviewForm(formdata=None),
    ), status


def _view_for_404(green_request_id):
    green_request = queries.request_for_aftercare(green_request_id)
    if green_request is None:
        abort(404)
    return green_request


@bp.route('/greenchannel/<int:green_request_id>/after')
@login_required
def show(green_request_id):
    green_request = _view_for_404(green_request_id)
    if not can(current_user, 'green_aftercare.view', green_request):
        abort(404)
    return _page(green_request)


def _guard(green_request):
    """404 to those who may not see the request, 403 to those who see but may not act."""
    if not can(current_user, 'green_aftercare.view', green_request):
        abort(404)
    require(current_user, 'green_aftercare.manage', green_request)


@bp.route('/greenchannel/objections/<int:objection_id>/review', methods=['POST'])
@login_required
def review_objection(objection_id):
    objection = db.session.get(Objection, objection_id) or abort(404)
    green_request = objection.notice.request
    _guard(green_request)
    form = ObjectionReviewForm()
    if not form.validate_on_submit():
        return _page(green_request, 422, review_forms={objection.id: form})
    try:
        notice.review_objection(objection, user=current_user, upheld=form.verdict.data == 'upheld',
                                reason=form.review_reason.data)
    except DomainError as error:
        show_error(form, error)
        return _page(green_request, error.status_code, review_forms={objection.id: form})
    db.session.commit()
    flash(_('The review of the objection is recorded.'), 'success')
    return redirect(url_for('green_aftercare.show', green_request_id=green_request.id))


@bp.route('/greenchannel/<int:green_request_id>/items', methods=['POST'])
@login_required
def add_item(green_request_id):
    green_request = _view_for_404(green_request_id)
    _guard(green_request)
    form = ItemForm(spaces=queries.lab_spaces())
    if not form.validate_on_submit():
        return _page(green_request, 422, item_form=form)
    space = None
    if form.space.data and form.space.data.isdigit() and int(form.space.data) < 2**31:
        space = db.session.get(Space, int(form.space.data))
    try:
        fulfilment.add_item(green_request, user=current_user, kind=form.kind.data, description=form.description.data,
                            amount_fen=form.amount.fen, space=space)
    except DomainError as error:
        show_error(form, error, {'amount_fen': 'amount'})
        return _page(green_request, error.status_code, item_form=form)
    db.session.commit()
    flash(_('The item is listed for fulfilment.'), 'success')
    return redirect(url_for('green_aftercare.show', green_request_id=green_request.id))


def _item(item_id):
    item = db.session.get(FulfilmentItem, item_id) or abort(404)
    _guard(item.request)
    return item


@bp.route('/greenchannel/items/<int:item_id>/deliver', methods=['POST'])
@login_required
def deliver_item(item_id):
    item = _item(item_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        return _page(item.request, 422, delivery_forms={item.id: form})
    try:
        fulfilment.deliver_item(item, user=current_user, delivered_on=form.delivered_on.data,
                                amount_fen=form.amount.fen, access_until=form.access_until.data, note=form.note.data)
    except DomainError as error:
        show_error(form, error)
        return _page(item.request, error.status_code, delivery_forms={item.id: form})
    db.session.commit()
    flash(_('The delivery is recorded.'), 'success')
    return redirect(url_for('green_aftercare.show', green_request_id=item.request_id))


@bp.route('/greenchannel/items/<int:item_id>/remove', methods=['POST'])
@login_required
def remove_item(item_id):
    item = _item(item_id)
    green_request = item.request
    try:
        fulfilment.remove_item(item, user=current_user)
    except DomainError as error:
        flash(str(error), 'danger')
        return _page(green_request, error.status_code)
    db.session.commit()
    flash(_('The item is taken back.'), 'success')
    return redirect(url_for('green_aftercare.show', green_request_id=green_request.id))


# --- figures --------------------------------------------------------------------------------------------------

def _csv_headers():
    return [_('Grouping'), _('Name'), _('Requests'), _('Decided'), _('Approval rate'),
            _('Median working days to decision'), _('Share decided within the promise'), _('Working days paused')]


@bp.route('/greenchannel/figures')
@permission_required('greenchannel.figures')
def figures_page():
    return render_template('greenchannel/aftercare/figures.html', categories=figures.by_category(),
                           departments=figures.by_department(), stages=figures.by_stage())


@bp.route('/greenchannel/figures.csv')
@permission_required('greenchannel.figures')
def figures_csv():
    body = figures.as_csv(figures.by_category(), figures.by_department(), _csv_headers())
    return Response(body, mimetype='text/csv; charset=utf-8',
                    headers={'Content-Disposition': 'attachment; filename="greenchannel-figures.csv"'})
