"""Administrators see which years the calendar holds and enter or correct a year's days."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from incubator.core.calendar import FIRST_YEAR, LAST_YEAR, CalendarDay
from incubator.core.errors import DomainError
from incubator.core.forms import ConfirmForm
from incubator.core.permissions import get_or_404, permission_required
from incubator.workcalendar import operations
from incubator.workcalendar.forms import CalendarDayForm
from incubator.workcalendar.queries import days_of, year_overview

bp = Blueprint('workcalendar', __name__, url_prefix='/admin/calendar')


def _year_or_404(year):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


@bp.route('/')
@permission_required('calendar.manage')
def index():
    years, missing = year_overview()
    return render_template('workcalendar/index.html', years=years, missing=missing)


def _render_year(year, form=None):
    return render_template('workcalendar/year.html', year=year, row=operations.year_of(year), days=days_of(year),
                           form=form or CalendarDayForm(formdata=None), confirm_form=ConfirmForm())


@bp.route('/<int:year>', methods=['GET', 'POST'])
@permission_required('calendar.manage')
def year(year):
    _year_or_404(year)
    form = CalendarDayForm()
    if form.validate_on_submit():
        try:
            operations.add_day(current_user, form.day.data, form.kind_value, form.name.data)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            flash(_('%(day)s has been added to the calendar.', day=form.day.data.isoformat()), 'success')
            return redirect(url_for('workcalendar.year', year=form.day.data.year))
    return _render_year(year, form)


@bp.route('/days/<int:day_id>', methods=['GET', 'POST'])
@permission_required('calendar.manage')
def edit_day(day_id):
    entry = get_or_404(CalendarDay, day_id)
    form = CalendarDayForm(obj=entry, data={'kind': entry.kind.value})
    if form.validate_on_submit():
        try:
            operations.update_day(current_user, entry, form.day.data, form.kind_value, form.name.data)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            flash(_('%(day)s has been corrected.', day=entry.day.isoformat()), 'success')
            return redirect(url_for('workcalendar.year', year=entry.day.year))
    return render_template('workcalendar/day.html', entry=entry, form=form)


@bp.route('/days/<int:day_id>/delete', methods=['POST'])
@permission_required('calendar.manage')
def delete_day(day_id):
    entry = get_or_404(CalendarDay, day_id)
    year = entry.day.year
    if ConfirmForm().validate_on_submit():
        operations.remove_day(current_user, entry)
        flash(_('The day has been removed from the calendar.'), 'info')
    return redirect(url_for('workcalendar.year', year=year))


@bp.route('/<int:year>/complete', methods=['POST'])
@permission_required('calendar.manage')
def complete(year):
    _year_or_404(year)
    if ConfirmForm().validate_on_submit():
        try:
            operations.mark_year_complete(current_user, year)
        except DomainError as error:
            flash(str(error), 'warning')
        else:
            flash(_('%(year)d is complete: its deadlines are exact from now on.', year=year), 'success')
    return redirect(url_for('workcalendar.year', year=year))


@bp.route('/<int:year>/reopen', methods=['POST'])
@permission_required('calendar.manage')
def reopen(year):
    _year_or_404(year)
    if ConfirmForm().validate_on_submit():
        try:
            operations.reopen_year(current_user, year)
        except DomainError as error:
            flash(str(error), 'warning')
        else:
            flash(_('%(year)d is no longer complete: its deadlines are estimated again.', year=year), 'warning')
    return redirect(url_for('workcalendar.year', year=year))

