"""Review pages: one review (self-assessment, ratings and decision, outcome), and a manager's open reviews.

A form that does not validate, or an operation that refuses, shows the review again with its message and
a 4xx status, so nothing of it is committed.
"""
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.booking.forms import RestoreQuotaForm
from incubator.booking.queries import open_suspension
from incubator.core.errors import DomainError
from incubator.core.forms import show_error
from incubator.core.pagination import page_number
from incubator.core.permissions import can, permission_required, require
from incubator.core.time import from_local, now_utc, programme_timezone
from incubator.projects.reviews import operations, queries
from incubator.projects.reviews.forms import ReviewDecisionForm, SelfAssessmentForm
from incubator.projects.reviews.models import ReviewState
from incubator.projects.reviews.operations import local_day

bp = Blueprint('reviews', __name__)


def _review_or_404(review_id, action='review.view'):
    review = queries.review_for_page(review_id)
    if review is None:
        abort(404)
    require(current_user, action, review)
    return review


def _page(review, status=200, self_form=None, decision_form=None):
    targets = queries.kpi_targets_to_rate(review) if not review.is_decided else []
    if self_form is None:
        self_form = SelfAssessmentForm(data={'self_assessment': review.self_assessment or ''})
    if decision_form is None:
        decision_form = ReviewDecisionForm(formdata=None, targets=targets)
    suspension = open_suspension(review.project.startup) if can(current_user, 'startup.view_bookings',
                                                                 review.project.startup) else None
    return render_template('projects/reviews/show.html', review=review, targets=targets, now=now_utc(),
                           self_form=self_form, decision_form=decision_form, suspension=suspension,
                           restore_form=RestoreQuotaForm(), states=ReviewState), status


@bp.route('/reviews/<int:review_id>')
@login_required
def show(review_id):
    return _page(_review_or_404(review_id))


@bp.route('/reviews/<int:review_id>/self-assessment', methods=['POST'])
@login_required
def self_assess(review_id):
    review = _review_or_404(review_id, 'review.self_assess')
    form = SelfAssessmentForm()
    if not form.validate_on_submit():
        return _page(review, 422, self_form=form)
    try:
        operations.submit_self_assessment(review, user=current_user, text=form.self_assessment.data)
    except DomainError as error:
        show_error(form, error)
        return _page(review, error.status_code, self_form=form)
    flash(_('Your self-assessment is saved; the manager has been told.'), 'success')
    return redirect(url_for('reviews.show', review_id=review.id))


@bp.route('/reviews/<int:review_id>/decision', methods=['POST'])
@login_required
def decide(review_id):
    review = _review_or_404(review_id, 'review.decide')
    form = ReviewDecisionForm(targets=queries.kpi_targets_to_rate(review))
    if not form.validate_on_submit():
        return _page(review, 422, decision_form=form)
    try:
        operations.decide_review(review, user=current_user, outcome=form.outcome.data, findings=form.findings.data,
                                 ratings=form.rating_values())
    except DomainError as error:
        show_error(form, error)
        return _page(review, error.status_code, decision_form=form)
    flash(_('The review is decided; the startup has been told.'), 'success')
    return redirect(url_for('reviews.show', review_id=review.id))


@bp.route('/reviews/mine')
@permission_required('reviews.list_mine')
def mine():
    now = now_utc()
    today = local_day(now)
    next_monday = today + timedelta(days=7 - today.weekday())
    return render_template('projects/reviews/mine.html', reviews=queries.open_reviews_of_manager(
        current_user, page_number()), now=now,
        week_ends_at=from_local(datetime.combine(next_monday, time()), programme_timezone()))
