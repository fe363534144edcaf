"""Administrators' committee pages, and the vote and conflict forms posted from a subject's page.

The decision panel is shown by the subject's own page (``committees/macros.html``); its forms post here and come
back to that page. A refused vote answers the refusal's 4xx page with its message, so nothing is committed.
"""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.auth.models import User
from incubator.committees import operations, queries, registry
from incubator.committees.forms import (
    CommitteeForm,
    ConflictForm,
    OpinionForm,
    fraction_text,
    majority_words,
    parse_fraction,
    quorum_words,
)
from incubator.committees.models import Committee, Decision
from incubator.core.errors import DomainError, error_response
from incubator.core.forms import show_error
from incubator.core.permissions import can, get_or_404, is_visible, permission_required
from incubator.extensions import db

bp = Blueprint('committees', __name__)


# --- administrators ---------------------------------------------------------------------------

@bp.route('/admin/committees/')
@permission_required('committee.manage')
def index():
    return render_template('committees/index.html', committees=queries.all_committees(),
                           quorum_words=quorum_words, majority_words=majority_words)


@bp.route('/admin/committees/new', methods=['GET', 'POST'])
@permission_required('committee.manage')
def new():
    form = CommitteeForm(candidates=queries.committee_candidates())
    if form.validate_on_submit():
        try:
            operations.create_committee(user=current_user, **_committee_fields(form))
        except DomainError as error:
            return _refused(form, error, None)
        flash(_('The committee %(name)s is created.', name=form.name.data), 'success')
        return redirect(url_for('committees.index'))
    return _form_page(form, None)


@bp.route('/admin/committees/<int:committee_id>/edit', methods=['GET', 'POST'])
@permission_required('committee.manage')
def edit(committee_id):
    committee = get_or_404(Committee, committee_id)
    quorum, majority = fraction_text(committee.quorum), fraction_text(committee.majority)
    chair = committee.chair
    form = CommitteeForm(candidates=_candidates_with(committee), quorum=quorum, majority=majority,
                         data={'name': committee.name, 'purpose': committee.purpose.value, 'quorum': quorum,
                               'majority': majority, 'is_active': committee.is_active,
                               'chair': chair.id if chair else None,
                               'members': [member.user_id for member in committee.members]})
    if form.validate_on_submit():
        fields = _committee_fields(form)
        try:
            operations.set_members(committee, user=current_user, chair=fields.pop('chair'),
                                   members=fields.pop('members'))
            operations.update_committee(committee, user=current_user, is_active=form.is_active.data, **fields)
        except DomainError as error:
            return _refused(form, error, committee)
        flash(_('The committee %(name)s is saved.', name=committee.name), 'success')
        return redirect(url_for('committees.index'))
    return _form_page(form, committee)


def _candidates_with(committee):
    """Who may be chosen, and the committee's present members even if they lost the role since (shown, so the
    administrator sees them; the operation refuses to keep them)."""
    candidates = queries.committee_candidates()
    known = {person.id for person in candidates}
    return candidates + [member.user for member in committee.members if member.user_id not in known]


def _committee_fields(form):
    people = _people(form)
    return {'name': form.name.data, 'purpose': form.purpose.data, 'quorum': parse_fraction(form.quorum.data),
            'majority': parse_fraction(form.majority.data), 'chair': people.get(form.chair.data),
            'members': [people[person_id] for person_id in form.members.data if person_id in people]}


def _people(form):
    """The accounts the form names (the choices already limited them to the offered ones)."""
    ids = {form.chair.data, *form.members.data} - {None}
    return {person.id: person for person in (db.session.get(User, person_id) for person_id in ids)
            if person is not None}


def _refused(form, error, committee):
    show_error(form, error)
    return render_template('committees/edit.html', form=form, committee=committee), error.status_code


def _form_page(form, committee):
    return render_template('committees/edit.html', form=form, committee=committee), \
        422 if form.is_submitted() else 200


# --- the panel and its votes --------------------------------------------------------------------------------------

def panel_for(decision, user):
    """What ``committees/macros.html``'s ``decision_panel`` needs, for the subject's page to pass on:
    ``{{ decision_panel(**panel) }}``."""
    own = decision.opinion_of(user)
    opinion_form = OpinionForm(formdata=None,
                               data={'choice': own.choice.value, 'comment': own.comment} if own else None)
    return {'decision': decision, 'tally': queries.tally_of(decision),
            'opinions': queries.opinions_visible_to(user, decision), 'user': user,
            'opinion_form': opinion_form, 'conflict_form': ConflictForm(formdata=None),
            'quorum_words': quorum_words(decision.quorum), 'majority_words': majority_words(decision.majority)}


@bp.route('/committees/decisions/<int:decision_id>/opinion', methods=['POST'])
@login_required
def opinion(decision_id):
    decision, subject_url = _decision_and_subject(decision_id)
    form = OpinionForm()
    if not form.validate_on_submit():
        return _form_refused(form)
    try:
        operations.record_opinion(decision, user=current_user, choice=form.choice.data, comment=form.comment.data)
    except DomainError as error:
        return error_response(error.status_code, str(error), error.code)
    flash(_('Your vote is recorded. You may change it until the outcome is recorded.'), 'success')
    return redirect(subject_url)


@bp.route('/committees/decisions/<int:decision_id>/conflict', methods=['POST'])
@login_required
def conflict(decision_id):
    decision, subject_url = _decision_and_subject(decision_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        return _form_refused(form)
    try:
        operations.declare_conflict(decision, user=current_user, reason=form.reason.data)
    except DomainError as error:
        return error_response(error.status_code, str(error), error.code)
    flash(_('Your conflict of interest is recorded: you no longer take part in this item.'), 'info')
    return redirect(subject_url if _visible_subject(decision) is not None else url_for('dashboard.index'))


def _decision_and_subject(decision_id):
    """The decision and its subject's page; 404 unless the user may see the subject."""
    decision = get_or_404(Decision, decision_id)
    subject = _visible_subject(decision)
    if subject is None:
        abort(404)
    return decision, registry.subject_type(decision.subject_kind).url(subject) + f'#decision-{decision.id}'


def _visible_subject(decision):
    """The decision's subject, or None if the user may not see it (some, like confidential cases, hide
    themselves from a member once they declare a conflict)."""
    subject = registry.load_subject(decision)
    registered = registry.subject_type(decision.subject_kind)
    if subject is None or not is_visible(current_user, subject) or not can(current_user, registered.view_permission,
                                                                             subject):
        return None
    return subject


def _form_refused(form):
    message = next((error for errors in form.errors.values() for error in errors), None)
    return error_response(422, message)
