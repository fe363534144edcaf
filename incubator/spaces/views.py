"""Managers set up what can be booked: spaces, blackouts, certifications, free quotas.

A site's opening hours and closed days, linked from the spaces' list, are in ``sites.views``.
"""
from babel.dates import get_day_names
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from incubator.auth.queries import user_by_email
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm, show_error
from incubator.core.permissions import get_or_404, permission_required
from incubator.core.time import now_utc, to_local
from incubator.sites.queries import list_sites
from incubator.spaces import operations, queries
from incubator.spaces.forms import (
    SPACE_ERROR_FIELDS,
    BlackoutForm,
    CertificationForm,
    QuotaForm,
    RecordCertificationForm,
    SpaceForm,
)
from incubator.spaces.models import Blackout, Certification, Space, SpaceKind, UserCertification
from incubator.startups.models import Tier

bp = Blueprint('spaces', __name__, url_prefix='/spaces')


@bp.context_processor
def _template_helpers():
    return {'short_day_names': lambda: get_day_names('abbreviated', locale=get_locale())}


def _child_or_404(model, ident, parent_field, parent_id):
    obj = get_or_404(model, ident)
    if getattr(obj, parent_field) != parent_id:
        abort(404)
    return obj


# --- spaces ---------------------------------------------------------------------------------

@bp.route('/manage/')
@permission_required('spaces.manage')
def manage_index():
    return render_template('spaces/manage_index.html', sites=queries.sites_with_spaces())


@bp.route('/manage/new', methods=['GET', 'POST'])
@permission_required('spaces.manage')
def create():
    form = SpaceForm(sites=list_sites(), certifications=queries.list_certifications())
    if form.validate_on_submit():
        try:
            space = operations.create_space(current_user, **form.space_values())
        except DomainError as error:
            show_error(form, error, SPACE_ERROR_FIELDS)
        else:
            flash(_('The space %(name)s has been created.', name=space.name), 'success')
            return redirect(url_for('spaces.manage_index'))
    return render_template('spaces/form.html', form=form, space=None)


@bp.route('/manage/<int:space_id>/edit', methods=['GET', 'POST'])
@permission_required('spaces.manage')
def edit(space_id):
    space = get_or_404(Space, space_id)
    form = SpaceForm(sites=list_sites(), certifications=queries.list_certifications(), space=space)
    if form.validate_on_submit():
        try:
            operations.update_space(current_user, space, **form.space_values())
        except DomainError as error:
            show_error(form, error, SPACE_ERROR_FIELDS)
        else:
            flash(_('The space %(name)s has been saved.', name=space.name), 'success')
            return redirect(url_for('spaces.manage_index'))
    return render_template('spaces/form.html', form=form, space=space)


# --- blackouts ------------------------------------------------------------------------------

@bp.route('/manage/<int:space_id>/blackouts', methods=['GET', 'POST'])
@permission_required('spaces.manage')
def blackouts(space_id):
    space = get_or_404(Space, space_id)
    form = BlackoutForm()
    if form.validate_on_submit():
        starts_at, ends_at = form.period(space.site.zone)
        try:
            operations.add_blackout(current_user, space, starts_at, ends_at, form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_('The space %(name)s cannot be booked during the new blackout.', name=space.name), 'success')
            return redirect(url_for('spaces.blackouts', space_id=space.id))
    return render_template('spaces/blackouts.html', space=space, form=form, confirm_form=ConfirmForm(),
                           now=now_utc())


@bp.route('/manage/<int:space_id>/blackouts/<int:blackout_id>/delete', methods=['POST'])
@permission_required('spaces.manage')
def delete_blackout(space_id, blackout_id):
    space = get_or_404(Space, space_id)
    blackout = _child_or_404(Blackout, blackout_id, 'space_id', space.id)
    if ConfirmForm().validate_on_submit():
        operations.delete_blackout(current_user, blackout)
        flash(_('The blackout has been deleted.'), 'info')
    return redirect(url_for('spaces.blackouts', space_id=space.id))


# --- certifications -------------------------------------------------------------------------

def _render_certifications(form=None, record_form=None):
    certifications = queries.list_certifications()
    return render_template(
        'spaces/certifications.html', certifications=certifications, holders=queries.certification_holders(),
        form=form or CertificationForm(formdata=None),
        record_form=record_form or RecordCertificationForm(formdata=None, certifications=certifications),
        confirm_form=ConfirmForm(), today=to_local(now_utc()).date())


@bp.route('/manage/certifications', methods=['GET', 'POST'])
@permission_required('spaces.manage')
def certifications():
    form = CertificationForm()
    if form.validate_on_submit():
        try:
            certification = operations.create_certification(current_user, form.name.data, form.description.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_('The certification %(name)s has been created.', name=certification.name), 'success')
            return redirect(url_for('spaces.certifications'))
    return _render_certifications(form=form)


@bp.route('/manage/certifications/record', methods=['POST'])
@permission_required('spaces.manage')
def record_certification():
    form = RecordCertificationForm(certifications=queries.list_certifications())
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        certification = get_or_404(Certification, form.certification_id.data)
        if user is None:
            form.email.errors.append(_('Nobody has an account with the email address %(email)s.',
                                       email=form.email.data))
        else:
            try:
                _held, renewed = operations.record_certification(current_user, user, certification,
                                                                 form.expires_on.data)
            except DomainError as error:
                show_error(form, error)
            else:
                names = {'certification': certification.name, 'name': user.name,
                         'date': format_date(form.expires_on.data)}
                if renewed:
                    flash(_('The certification %(certification)s of %(name)s now runs until %(date)s.', **names),
                          'success')
                else:
                    flash(_('%(name)s now holds the certification %(certification)s until %(date)s.', **names),
                          'success')
                return redirect(url_for('spaces.certifications'))
    return _render_certifications(record_form=form)


@bp.route('/manage/certifications/held/<int:held_id>/revoke', methods=['POST'])
@permission_required('spaces.manage')
def revoke_certification(held_id):
    held = get_or_404(UserCertification, held_id)
    if ConfirmForm().validate_on_submit():
        operations.revoke_certification(current_user, held)
        flash(_('%(name)s no longer holds the certification %(certification)s.', name=held.user.name,
                certification=held.certification.name), 'info')
    return redirect(url_for('spaces.certifications'))


# --- free quotas ----------------------------------------------------------------------------

@bp.route('/manage/quotas', methods=['GET', 'POST'])
@permission_required('spaces.manage')
def quotas():
    form = QuotaForm(minutes=queries.free_quota_minutes())
    if form.validate_on_submit():
        try:
            operations.save_quotas(current_user, form.minutes())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_('The free quotas have been saved.'), 'success')
            return redirect(url_for('spaces.quotas'))
    return render_template('spaces/quotas.html', form=form, kinds=list(SpaceKind), tiers=list(Tier))
