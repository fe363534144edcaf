"""The write side of notifications: tell a user something, mark it read, choose emails. Flush only."""
import logging
from urllib.parse import urljoin

import markupsafe
import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from incubator.core.errors import DomainError, NotAllowed
from incubator.core.forms import safe_next_path
from incubator.core.permissions import can
from incubator.core.time import now_utc
from incubator.core.transactions import helper, operation, writes_on_this_request
from incubator.extensions import db
from incubator.notifications.email import queue_email
from incubator.notifications.kinds import choosable_kinds, get_kind
from incubator.notifications.models import Notification, NotificationPreference, OutboxEmail
from incubator.notifications.queries import unread_of, wants_email

logger = logging.getLogger(__name__)

_JSON_SCALARS = (str, int, float, bool, type(None))


@helper
def notify(user, kind, link=None, **params):
    """Tell ``user`` about something: a notification in the app and, if they want it, an email.

    ``params`` are plain values (names, numbers) for the kind's title; the title is
    rendered when read, in the reader's language. ``link`` is a path on this site
    (``/startups/3``). The email, in the user's language, joins the current transaction.
    """
    spec = get_kind(kind)
    if link is not None and safe_next_path(link) != link:
        raise ValueError(f'a notification link must be a path on this site, not {link!r}')
    for key, value in params.items():
        if not isinstance(value, _JSON_SCALARS):
            raise TypeError(f'notification parameter {key!r} must be a plain value, not {type(value).__name__}')
    notification = Notification(user_id=user.id, kind=spec.name, params=params, link=link)
    db.session.add(notification)
    db.session.flush()
    if user.is_active and wants_email(user, spec.name):
        queue_email(user.email, spec.email_template, user.locale or current_app.config['BABEL_DEFAULT_LOCALE'],
                    user=user, notification=notification, url=_absolute_url(link))
    logger.info('Notification %s (%s) for user %s', notification.id, spec.name, user.id)
    return notification


@helper
def notify_many(notices):
    """Tell many users at once: ``notices`` are ``(user, kind, link, params)`` as :func:`notify` takes them;
    a user is anything with ``id``, ``email``, ``name``, ``locale`` and ``is_active`` (a User, or a row).

    For jobs that tell thousands (a review opened for every project): the notifications go in one
    statement, the emails (each in its reader's language) in another, with the preferences read in one
    query, whatever the number of notices. Each kind's email is rendered once per language, with slots
    for the reader's name, the notification's text and its link (see :func:`_email_stamp`). Returns how
    many notifications were written.
    """
    notices = list(notices)
    if not notices:
        return 0
    kinds = {kind: get_kind(kind) for _user, kind, _link, _params in notices}
    stored = {(user_id, kind): enabled for user_id, kind, enabled in db.session.execute(
        sa.select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.email_enabled)
        .where(NotificationPreference.kind.in_(list(kinds))))}
    default_locale = current_app.config['BABEL_DEFAULT_LOCALE']
    now = now_utc()
    rows, by_locale = [], {}
    for user, kind, link, params in notices:
        if link is not None and safe_next_path(link) != link:
            raise ValueError(f'a notification link must be a path on this site, not {link!r}')
        rows.append({'user_id': user.id, 'kind': kind, 'params': params, 'link': link, 'created_at': now})
        spec = kinds[kind]
        wanted = spec.email_template and (not spec.choosable or stored.get((user.id, kind), spec.email_by_default))
        if user.is_active and wanted:
            by_locale.setdefault(user.locale or default_locale, []).append((user, spec, link, params))
    emails, stamps = [], {}
    site = _site_address()
    for locale, entries in by_locale.items():
        with force_locale(locale):
            for user, spec, link, params in entries:
                key = (spec.email_template, locale, link is not None)
                if key not in stamps:
                    stamps[key] = _email_stamp(*key)
                text_stamp, html_stamp = stamps[key]
                values = {'name': user.name, 'text': spec.render_title(params),
                          'url': urljoin(site, link) if link else ''}
                subject, _, body = _filled(text_stamp, values, escape=False).partition('\n')
                emails.append({'recipient': user.email, 'subject': subject.strip()[:255],
                               'text_body': body.strip() + '\n', 'html_body': _filled(html_stamp, values, escape=True),
                               'locale': locale, 'kind': spec.email_template, 'created_at': now,
                               'next_attempt_at': now})
    db.session.execute(sa.insert(Notification.__table__), rows)
    if emails:
        db.session.execute(sa.insert(OutboxEmail.__table__), emails)
    logger.info('%d notifications (%d emails) written at once', len(rows), len(emails))
    return len(rows)


#: Where a stamped email takes each reader's values: characters no name, text or link contains.
_SLOTS = {'name': '\x1fname\x1f', 'text': '\x1ftext\x1f', 'url': '\x1furl\x1f'}


class _Slot:
    """What an email template reads of the reader and the notification, as slots."""

    name = _SLOTS['name']
    text = _SLOTS['text']


def _email_stamp(template, locale, with_link):
    """A notification email's text and HTML in ``locale``, rendered once with slots for each reader's values."""
    context = {'user': _Slot(), 'notification': _Slot(), 'url': _SLOTS['url'] if with_link else None}
    with force_locale(locale):
        return (render_template(f'emails/{template}.txt', **context),
                render_template(f'emails/{template}.html', **context))


def _filled(stamp, values, escape):
    for name, slot in _SLOTS.items():
        stamp = stamp.replace(slot, str(markupsafe.escape(values[name])) if escape else values[name])
    return stamp


@helper
def link_to(endpoint, **values):
    """The path of ``endpoint`` for a notification's link, built by the app's routes in a request or a job alike.

    Jobs have no request: the path is built from the URL map bound to ``SERVER_NAME``
    (its host does not matter for a path), as emails' absolute links are.
    """
    if has_request_context():
        return url_for(endpoint, **values)
    config = current_app.config
    adapter = current_app.url_map.bind(config.get('SERVER_NAME') or 'localhost',
                                       script_name=config.get('APPLICATION_ROOT') or '/')
    return adapter.build(endpoint, values)


def _absolute_url(path):
    if path is None:
        return None
    return urljoin(_site_address(), path)


def _site_address():
    """Where links in mail point: the configured ``SERVER_NAME`` (what readers reach, ``make run PORT=…``
    included), whichever request or job writes the mail; the request's own address only when none is set."""
    config = current_app.config
    if config.get('SERVER_NAME'):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}/"
    return url_for('dashboard.index', _external=True)


@operation
def mark_read(user, notification):
    if not can(user, 'notification.read', notification):
        raise NotAllowed(_l('This notification is not yours.'), code='notifications.not_yours')
    notification.mark_read(now_utc())
    db.session.flush()


@operation
def mark_all_read(user):
    """Mark every unread notification of ``user`` read; return how many were."""
    return db.session.execute(sa.update(Notification).where(unread_of(user.id)).values(read_at=now_utc())).rowcount


@helper
def mark_opened_read(user_id, links, now=None):
    """Mark read the unread notifications of ``user_id`` that lead to one of ``links`` (the page just opened).

    A page that only reads runs without a transaction of its own (or in one that only reads): the update then
    goes in a short transaction beside it. A page that writes commits it with its own."""
    update = sa.update(Notification.__table__).where(unread_of(user_id, links)).values(read_at=now or now_utc())
    if writes_on_this_request():
        return db.session.execute(update).rowcount
    with db.engine.begin() as connection:
        return connection.execute(update).rowcount


@operation
def set_email_preferences(user, enabled_kinds):
    """Receive the email of exactly the choosable kinds in ``enabled_kinds``; others are switched off."""
    enabled = set(enabled_kinds)
    choosable = {kind.name: kind for kind in choosable_kinds()}
    unknown = enabled - set(choosable)
    if unknown:
        raise DomainError(_l('Unknown kind of notification.'), code='notifications.unknown_kind')
    stored = {row.kind: row for row in db.session.execute(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)).scalars()}
    for name in choosable:
        row = stored.get(name)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=name, email_enabled=name in enabled))
        else:
            row.email_enabled = name in enabled
    db.session.flush()
