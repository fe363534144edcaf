"""The inbox: a user's own notifications, marking them read, and which ones also come by email."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.core.forms import ConfirmForm, safe_next_path
from incubator.core.pagination import page_number
from incubator.core.permissions import get_or_404
from incubator.notifications import operations
from incubator.notifications.forms import EmailPreferencesForm
from incubator.notifications.kinds import choosable_kinds
from incubator.notifications.models import Notification
from incubator.notifications.queries import (
    email_preferences,
    inbox_page,
    links_to_this_page,
    opened_count,
    unread_count,
)

bp = Blueprint('notifications', __name__, url_prefix='/notifications')


@bp.app_context_processor
def inject_unread_count():
    """``unread_notification_count()`` for the navigation: counted as the request loaded its user (else one
    query where a page shows it), none for visitors.

    It is also the one place where a notification is marked read when its target is opened: every page a
    notification leads to shows the navigation. The statement that loaded the user also counts those leading to
    this page (else one more statement does); they are marked read once the page has succeeded (:func:`_mark_opened`).
    """
    def unread_notification_count():
        if not current_user.is_authenticated:
            return 0
        loaded = current_user.loaded_unread_count
        unread = unread_count(current_user) if loaded is None else loaded
        links = links_to_this_page() if request.method == 'GET' else ()
        if unread and links:
            opened = current_user.loaded_opened_count
            opened = opened_count(current_user, links) if opened is None else opened
            if opened:
                g.notifications_opened = (current_user.id, links)
            unread -= opened
        return unread
    return {'unread_notification_count': unread_notification_count}


@bp.after_app_request
def _mark_opened(response):
    """Mark read the notifications leading to the page just shown, if it succeeded: in a short transaction of
    its own, as a GET runs without one or in one that only reads (core.transactions)."""
    opened = g.pop('notifications_opened', None)
    if opened is not None and response.status_code < 400:
        operations.mark_opened_read(*opened)
    return response


@bp.route('/')
@login_required
def index():
    return render_template('notifications/index.html', pagination=inbox_page(current_user, page_number()),
                           confirm_form=ConfirmForm())


@bp.route('/<int:notification_id>/read', methods=['POST'])
@login_required
def mark_read(notification_id):
    """Mark one notification read; with ``open``, go on to what it is about."""
    notification = get_or_404(Notification, notification_id)
    if ConfirmForm().validate_on_submit():
        operations.mark_read(current_user, notification)
        if request.values.get('open') and notification.link:
            return redirect(safe_next_path(notification.link) or url_for('notifications.index'))
    return redirect(url_for('notifications.index', page=page_number()))


@bp.route('/read-all', methods=['POST'])
@login_required
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        operations.mark_all_read(current_user)
        flash(_('All notifications are marked as read.'), 'success')
    return redirect(url_for('notifications.index'))


@bp.route('/preferences', methods=['GET', 'POST'])
@login_required
def preferences():
    choices = email_preferences(current_user)
    # All boxes unchecked posts no field at all: read the (empty) form anyway, not the defaults.
    form = EmailPreferencesForm(request.form if request.method == 'POST' else None, kinds=choosable_kinds(),
                                email_kinds=[name for name, enabled in choices.items() if enabled])
    if form.validate_on_submit():
        operations.set_email_preferences(current_user, form.email_kinds.data)
        flash(_('Your email preferences have been saved.'), 'success')
        return redirect(url_for('notifications.preferences'))
    return render_template('notifications/preferences.html', form=form)
