"""Delivering the outbox: SMTP (or the log, in development), with retries and backoff.

The job ``notifications.send_emails`` calls :func:`send_due_emails` every minute.

Claiming. Due rows (pending, ``next_attempt_at`` passed) are selected oldest first
with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL: a second sender running at
the same time skips the rows the first holds and takes the next ones. SQLite has no
row locks, so the sender first takes SQLite's write lock (an empty UPDATE, the
effect of ``BEGIN IMMEDIATE``): a second sender waits for the first to commit, then
sees its rows as sent. Either way the locks last until the job's transaction
commits, which records the outcome of every email of the batch.

Delivery is at least once: if the process dies after the server accepted a message
but before the commit, that message is sent again later. Its Message-ID stays the
same across attempts, so mail clients can recognise the duplicate.

The SMTP session is opened before anything is claimed (and only when something is
due), so a slow or dead server never holds a lock while it times out; sending over
the open session is quick, and one session serves the whole batch.

Failures. Each try counts in ``attempts``. A temporary failure (4xx answer, lost
connection, timeout) schedules the next try after :data:`BACKOFF_MINUTES` (1, 5, 15,
60, 240, 720 minutes, then daily); after :data:`MAX_ATTEMPTS` tries (about 3.7 days)
the email is marked failed. A permanent refusal of the message itself (a 5xx answer
to its recipient or its content, or a message that cannot be built) marks it failed
at once. If the server cannot be reached or refuses the session (connection,
STARTTLS, login, sender, 421), the batch stops: the oldest due email (or the one
being sent) records the failed try, the others stay as they were and wait for the
next run, a minute later. ``last_error`` keeps the server's answer, never the
password nor the body. Bodies are logged only by the console backend and only
with ``MAIL_LOG_BODY``.
"""
import email.policy
import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from flask import current_app

from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.notifications.models import EmailStatus, OutboxEmail

logger = logging.getLogger(__name__)

#: Minutes to wait after the 1st, 2nd, … failed try before the next one.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720, 1440, 1440, 1440)
#: After this many failed tries an email is marked failed and no longer sent.
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
BACKENDS = ('smtp', 'console')

# RFC 5322 with CRLF; 7-bit bodies (quoted-printable or base64, whichever is shorter) pass
# every relay, and non-ASCII headers are RFC 2047-encoded.
_POLICY = email.policy.SMTP.clone(cte_type='7bit')


class ServerUnavailable(Exception):
    """The SMTP server cannot be reached or refuses the session: nothing more can be sent now."""


class MessageRefused(Exception):
    """The server refused this one message; ``permanent`` for a 5xx answer."""

    def __init__(self, message, permanent):
        super().__init__(message)
        self.permanent = permanent


def backoff(attempts):
    """The wait before the next try of an email that has failed ``attempts`` times."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _due(now):
    return sa.and_(OutboxEmail.status == EmailStatus.pending, OutboxEmail.next_attempt_at <= now)


def claim_due_emails(now, limit=100):
    """Lock and return up to ``limit`` due pending emails, oldest first, skipping those another sender holds."""
    _take_sqlite_write_lock()
    query = (sa.select(OutboxEmail).where(_due(now))
             .order_by(OutboxEmail.id)
             .limit(limit)
             .with_for_update(skip_locked=True)
             .execution_options(populate_existing=True))
    return db.session.execute(query).scalars().all()


def _take_sqlite_write_lock():
    """SQLite: write first, so this transaction holds the database's write lock before it reads."""
    if db.session.get_bind().dialect.name == 'sqlite':
        table = OutboxEmail.__table__
        db.session.execute(sa.update(table).where(sa.false()).values(attempts=table.c.attempts))


def send_due_emails(now=None, limit=100):
    """Send the due emails of the outbox; return counts ``{'sent', 'failed', 'retry'}``. Flushes only.

    The SMTP session is opened before any row is claimed, so a slow or dead server
    never keeps a lock (on SQLite: the whole database's write lock) while it times out.
    """
    now = now or now_utc()
    transport = _transport(current_app.config)
    counts = {'sent': 0, 'failed': 0, 'retry': 0}
    if db.session.execute(sa.select(OutboxEmail.id).where(_due(now)).limit(1)).first() is None:
        return counts  # nothing due: no connection
    try:
        transport.open()
    except ServerUnavailable as error:
        for outgoing in claim_due_emails(now, limit=1):
            outgoing.attempts += 1
            counts[_record_failure(outgoing, now, error, transport)] += 1
            logger.warning('Mail server unavailable; the other due emails wait for the next run')
        db.session.flush()
        return counts
    try:
        emails = claim_due_emails(now, limit)
        for position, outgoing in enumerate(emails):
            outgoing.attempts += 1
            try:
                transport.send(outgoing, build_message(outgoing, current_app.config, now))
            except ServerUnavailable as error:
                counts[_record_failure(outgoing, now, error, transport)] += 1
                logger.warning('Mail server unavailable; %s emails of this batch wait for the next run',
                               len(emails) - position - 1)
                break
            except MessageRefused as error:
                counts[_record_failure(outgoing, now, error, transport, permanent=error.permanent)] += 1
            except (ValueError, TypeError, UnicodeError) as error:  # a message that cannot be built
                counts[_record_failure(outgoing, now, error, transport, permanent=True)] += 1
            else:
                outgoing.status = EmailStatus.sent
                outgoing.sent_at = now
                counts['sent'] += 1
                logger.info('Email %s (%s) sent to %s', outgoing.id, outgoing.kind, outgoing.recipient)
    finally:
        transport.close()
    db.session.flush()
    return counts


def _record_failure(outgoing, now, error, transport, permanent=False):
    """Note a failed try of ``outgoing`` (already counted in attempts); return 'failed' or 'retry'."""
    outgoing.last_error = _describe(error, transport)
    if permanent or outgoing.attempts >= MAX_ATTEMPTS:
        outgoing.status = EmailStatus.failed
        logger.error('Email %s (%s) to %s failed after %s tries: %s', outgoing.id, outgoing.kind,
                     outgoing.recipient, outgoing.attempts, outgoing.last_error)
        return 'failed'
    outgoing.next_attempt_at = now + backoff(outgoing.attempts)
    logger.warning('Email %s (%s) to %s not sent (try %s), next try at %s: %s', outgoing.id, outgoing.kind,
                   outgoing.recipient, outgoing.attempts, outgoing.next_attempt_at.isoformat(),
                   outgoing.last_error)
    return 'retry'


def _describe(error, transport):
    """What went wrong, for ``last_error`` and the log: the server's answer, never a secret."""
    if isinstance(error, MessageRefused):
        text = str(error)
    elif isinstance(error, ServerUnavailable):
        cause = error.__cause__
        if isinstance(cause, smtplib.SMTPResponseException):
            text = f'{error}: {_reply(cause.smtp_code, cause.smtp_error)}'
        elif cause is not None:
            text = f'{error}: {type(cause).__name__}: {cause}'
        else:
            text = str(error)
    else:
        text = f'{type(error).__name__}: {error}'
    return transport.scrub(text)[:1000]


def _reply(code, text):
    return f'{code} {text.decode("utf-8", "replace") if isinstance(text, bytes) else text}'


def build_message(outgoing, config, now):
    """The email as a multipart/alternative MIME message: plain text first, then HTML, in UTF-8."""
    message = EmailMessage(policy=_POLICY)
    message['Subject'] = outgoing.subject
    message['From'] = config['MAIL_DEFAULT_SENDER']
    message['To'] = outgoing.recipient
    message['Date'] = format_datetime(now)
    message['Message-ID'] = _message_id(outgoing, config)
    message['Auto-Submitted'] = 'auto-generated'  # RFC 3834: no vacation replies
    message.set_content(outgoing.text_body, charset='utf-8')
    message.add_alternative(outgoing.html_body, subtype='html', charset='utf-8')
    message['Content-Language'] = outgoing.locale.replace('_', '-')  # after the content, which resets Content-*
    return message


def _message_id(outgoing, config):
    """The same on every try, so that a message sent twice is recognisably one."""
    domain = parseaddr(config['MAIL_DEFAULT_SENDER'])[1].rpartition('@')[2] or 'wutong.local'
    return f'<outbox.{outgoing.id}.{int(outgoing.created_at.timestamp())}@{domain}>'


# --- transports -------------------------------------------------------------------------

def _transport(config):
    backend = config.get('MAIL_BACKEND', 'smtp')
    if backend == 'console':
        return ConsoleTransport(config)
    if backend == 'smtp':
        return SMTPTransport(config)
    raise ValueError(f'MAIL_BACKEND must be one of {", ".join(BACKENDS)}, not {backend!r}')


class ConsoleTransport:
    """Development: log each email (its body only with MAIL_LOG_BODY) and count it as sent."""

    def __init__(self, config):
        self.log_body = config.get('MAIL_LOG_BODY', False)

    def open(self):
        pass

    def send(self, outgoing, message):
        if self.log_body:
            logger.info('Email %s to %s: %s\n%s', outgoing.id, outgoing.recipient, outgoing.subject,
                        outgoing.text_body)
        else:
            logger.info('Email %s to %s: %s', outgoing.id, outgoing.recipient, outgoing.subject)

    def close(self):
        pass

    def scrub(self, text):
        return text


class SMTPTransport:
    """One SMTP session for a batch: plain, STARTTLS (MAIL_USE_TLS) or TLS from the start (MAIL_USE_SSL)."""

    def __init__(self, config):
        self.host = config.get('MAIL_SERVER') or 'localhost'
        self.port = int(config.get('MAIL_PORT') or 25)
        self.use_tls = bool(config.get('MAIL_USE_TLS'))
        self.use_ssl = bool(config.get('MAIL_USE_SSL'))
        self.username = config.get('MAIL_USERNAME') or None
        self.password = config.get('MAIL_PASSWORD') or None
        self.timeout = float(config.get('MAIL_TIMEOUT') or 10)
        if self.use_tls and self.use_ssl:
            raise ValueError('MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL exclude each other: set one.')
        self.connection = None

    def open(self):
        try:
            if self.use_ssl:
                self.connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                   context=ssl.create_default_context())
            else:
                self.connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                self.connection.starttls(context=ssl.create_default_context())
            if self.username:
                self.connection.login(self.username, self.password or '')
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise ServerUnavailable(f'{self.host}:{self.port}') from error

    def send(self, outgoing, message):
        try:
            self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code = min((answer[0] for answer in error.recipients.values()), default=450)
            if code == 421:  # the server is closing the session
                raise ServerUnavailable(self._answer(error.recipients)) from error
            raise MessageRefused(self._answer(error.recipients), permanent=code >= 500) from error
        except smtplib.SMTPSenderRefused as error:  # the same for every message: a setup problem
            raise ServerUnavailable('sender refused') from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:  # the server is closing the session
                raise ServerUnavailable('service not available') from error
            raise MessageRefused(_reply(error.smtp_code, error.smtp_error),
                                 permanent=error.smtp_code >= 500) from error
        except smtplib.SMTPNotSupportedError as error:  # e.g. an address that needs SMTPUTF8
            raise MessageRefused(str(error), permanent=True) from error
        except (OSError, smtplib.SMTPException) as error:  # disconnected, timed out
            raise ServerUnavailable('connection lost') from error

    @staticmethod
    def _answer(recipients):
        return '; '.join(f'{address}: {_reply(code, reply)}' for address, (code, reply) in recipients.items())

    def close(self):
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        self.connection = None

    def scrub(self, text):
        """Error texts never carry the SMTP password."""
        return text.replace(self.password, '***') if self.password else text
