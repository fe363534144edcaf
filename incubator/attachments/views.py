"""Downloading an attachment (asking its owner's permission rule) and removing one."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from incubator.attachments import limits, operations, registry, storage
from incubator.attachments.models import Attachment
from incubator.core.db import writes_on_get
from incubator.core.errors import DomainError, error_response
from incubator.core.forms import ConfirmForm, safe_next_path
from incubator.core.permissions import can
from incubator.extensions import db

bp = Blueprint('attachments', __name__, url_prefix='/attachments')


def init_app(app):
    app.jinja_env.globals['attachment_limits'] = limits.summary

    @app.errorhandler(413)
    def too_large(error):
        """A body over MAX_CONTENT_LENGTH: say the limit for files, in the reader's language."""
        return error_response(413, _('What you sent is larger than %(limit)s MB, the most one request may carry. '
                                      'Send fewer or smaller files (at most %(file)s MB each).',
                                      limit=limits.megabytes(app.config['MAX_CONTENT_LENGTH']),
                                      file=limits.megabytes(limits.max_file_bytes())))


def _visible_or_404(attachment_id):
    """The attachment, if its owner is registered, exists and may be seen by the current user; else 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    owner = registry.load_owner(attachment)
    if owner is None or not can(current_user, registry.owner_type_named(attachment.owner_kind).view_permission,
                                owner):
        abort(404)
    return attachment


@bp.route('/<int:attachment_id>')
@writes_on_get  # an owner's on_download may write (the audit log of confidential records)
@login_required
def download(attachment_id):
    attachment = _visible_or_404(attachment_id)
    path = storage.path_of(attachment.stored_name)
    if not path.is_file():
        abort(404)
    owner_type = registry.owner_type_named(attachment.owner_kind)
    if owner_type.on_download is not None:
        owner_type.on_download(registry.load_owner(attachment), attachment)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, conditional=True, max_age=0)
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


@bp.route('/<int:attachment_id>/remove', methods=['POST'])
@login_required
def remove(attachment_id):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    attachment = _visible_or_404(attachment_id)
    name = attachment.original_name
    try:
        operations.remove_attachment(attachment, user=current_user)
    except DomainError as error:
        if error.status_code == 404:
            abort(404)
        flash(str(error), 'danger')
    else:
        flash(_('“%(name)s” was removed.', name=name), 'success')
    return redirect(_back())


def _back():
    """A safe ``next``, else the page the form was on (same site only), else the home page."""
    target = safe_next_path(request.form.get('next') or request.args.get('next'))
    if target:
        return target
    referrer = urlsplit(request.referrer or '')
    if referrer.netloc == request.host:
        page = safe_next_path(referrer.path + (f'?{referrer.query}' if referrer.query else ''))
        if page:
            return page
    return url_for('dashboard.index')
