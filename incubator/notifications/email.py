"""Outgoing mail: the one function every domain calls to send an email.

An email is rendered in its recipient's language and written to the outbox in
the current transaction, so it exists exactly when the change that caused it
does. The job ``notifications.send_emails`` (``delivery.py``) sends it, with retries;
once the transaction commits, its queueing is logged (the body never: the sender's
console backend prints it in development).
"""
import logging

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from incubator.extensions import db
from incubator.notifications.models import OutboxEmail

logger = logging.getLogger(__name__)
_PENDING_KEY = 'wutong.emails_to_log'


def queue_email(recipient, kind, locale, **context):
    """Render ``templates/emails/<kind>.{txt,html}`` in ``locale`` and put it in the outbox.

    The subject is the text template's first line.
    """
    locale = locale or current_app.config['BABEL_DEFAULT_LOCALE']
    with force_locale(locale):
        text = render_template(f'emails/{kind}.txt', **context)
        html = render_template(f'emails/{kind}.html', **context)
    subject, _, body = text.partition('\n')
    email = OutboxEmail(recipient=recipient, subject=subject.strip()[:255], text_body=body.strip() + '\n',
                        html_body=html, locale=locale, kind=kind)
    db.session.add(email)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append((email, email.id, recipient, email.subject))
    return email


@event.listens_for(Session, 'after_commit')
def _log_committed_emails(session):
    for _email, email_id, recipient, subject in session.info.pop(_PENDING_KEY, []):
        logger.info('Email %s to %s queued: %s', email_id, recipient, subject)


@event.listens_for(Session, 'after_soft_rollback')
def _forget_rolled_back_emails(session, previous_transaction):
    """A rolled-back savepoint (a failed operation) takes only its own emails out of the session."""
    if previous_transaction.nested:
        kept = [entry for entry in session.info.get(_PENDING_KEY, []) if entry[0] in session]
        session.info[_PENDING_KEY] = kept
    else:
        session.info.pop(_PENDING_KEY, None)
