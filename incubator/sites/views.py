"""Administrators run the sites."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from incubator.core.errors import DomainError
from incubator.core.forms import form_data
from incubator.core.permissions import get_or_404, permission_required
from incubator.sites import operations
from incubator.sites.forms import SiteForm
from incubator.sites.models import Site
from incubator.sites.queries import list_sites

bp = Blueprint('sites', __name__, url_prefix='/sites')


@bp.route('/')
@permission_required('sites.view')
def index():
    return render_template('sites/index.html', sites=list_sites())


@bp.route('/new', methods=['GET', 'POST'])
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


@bp.route('/<int:site_id>/edit', methods=['GET', 'POST'])
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
