"""Administrators run the sites; managers set their opening hours and closed days.

The hours pages keep their addresses under /spaces/manage/ (they are reached from the spaces' set-up),
so the blueprint has no prefix of its own.
"""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm, form_data, show_error
from incubator.core.permissions import get_or_404, permission_required
from incubator.sites import operations
from incubator.sites.forms import ClosureForm, OpeningHoursForm, SiteForm
from incubator.sites.models import Site, SiteClosure
from incubator.sites.queries import list_sites

bp = Blueprint('sites', __name__)


@bp.route('/sites/')
@permission_required('sites.view')
def index():
    return render_template('sites/index.html', sites=list_sites())


@bp.route('/sites/new', methods=['GET', 'POST'])
@permission_required('sites.manage')
def create():
    form = SiteForm()
    if form.validate_on_submit():
        try:
            operations.create_site(current_user, **form_data(form, operations.FIELDS))
        except DomainError as error:
            form.name.errors.append(str(error))
        else:
            flash(_('The site %(name)s has been created.', name=form.name.data), 'success')
            return redirect(url_for('sites.index'))
    return render_template('sites/form.html', form=form, site=None)


@bp.route('/sites/<int:site_id>/edit', methods=['GET', 'POST'])
@permission_required('sites.manage')
def edit(site_id):
    site = get_or_404(Site, site_id)
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            operations.update_site(current_user, site, **form_data(form, operations.FIELDS))
        except DomainError as error:
            form.name.errors.append(str(error))
        else:
            flash(_('The site %(name)s has been saved.', name=site.name), 'success')
            return redirect(url_for('sites.index'))
    return render_template('sites/form.html', form=form, site=site)


# --- opening hours and closed days ---------------------------------------------------------------

def _render_hours(site, hours_form=None, closure_form=None):
    return render_template('sites/hours.html', site=site,
                           form=hours_form or OpeningHoursForm(formdata=None, site=site),
                           closure_form=closure_form or ClosureForm(formdata=None),
                           confirm_form=ConfirmForm())


@bp.route('/spaces/manage/sites/<int:site_id>/hours', methods=['GET', 'POST'])
@permission_required('sites.manage_hours')
def hours(site_id):
    site = get_or_404(Site, site_id)
    form = OpeningHoursForm(site=site)
    if form.validate_on_submit():
        try:
            operations.set_opening_hours(current_user, site, form.hours(), form.follows_public_holidays.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_('The opening hours of %(name)s have been saved.', name=site.name), 'success')
            return redirect(url_for('sites.hours', site_id=site.id))
    return _render_hours(site, hours_form=form)


@bp.route('/spaces/manage/sites/<int:site_id>/closures', methods=['POST'])
@permission_required('sites.manage_hours')
def add_closure(site_id):
    site = get_or_404(Site, site_id)
    form = ClosureForm()
    if form.validate_on_submit():
        starts_on, ends_on = form.period()
        try:
            operations.add_closure(current_user, site, starts_on, ends_on, form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_('%(name)s is closed on the new days.', name=site.name), 'success')
            return redirect(url_for('sites.hours', site_id=site.id))
    return _render_hours(site, closure_form=form)


@bp.route('/spaces/manage/sites/<int:site_id>/closures/<int:closure_id>/delete', methods=['POST'])
@permission_required('sites.manage_hours')
def delete_closure(site_id, closure_id):
    site = get_or_404(Site, site_id)
    closure = get_or_404(SiteClosure, closure_id)
    if closure.site_id != site.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        operations.delete_closure(current_user, closure)
        flash(_('The closed days have been deleted.'), 'info')
    return redirect(url_for('sites.hours', site_id=site.id))
