"""The read side of notifications: the inbox, the unread count, email preferences."""
import sqlalchemy as sa
from flask import request

from incubator.core.pagination import paginate
from incubator.extensions import db
from incubator.notifications.kinds import choosable_kinds, get_kind
from incubator.notifications.models import EmailStatus, Notification, NotificationPreference, OutboxEmail

PER_PAGE = 30


def inbox_page(user, page=1):
    """One page of the user's notifications, newest first (a Flask-SQLAlchemy Pagination)."""
    query = (sa.select(Notification).where(Notification.user_id == user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return paginate(query, page, PER_PAGE)


def unread_of(user_id, links=None):
    """The condition: unread notifications of ``user_id`` (a value or a correlated column), leading to one of
    ``links`` if given."""
    condition = sa.and_(Notification.user_id == user_id, Notification.read_at.is_(None))
    return condition if links is None else sa.and_(condition, Notification.link.in_(links))


def unread_count_of(user_id, links=None):
    """The count of :func:`unread_of` as a scalar subquery."""
    return sa.select(sa.func.count()).select_from(Notification).where(unread_of(user_id, links)).scalar_subquery()


def unread_count(user):
    return db.session.execute(sa.select(unread_count_of(user.id))).scalar_one()


def links_to_this_page():
    """The forms a notification's link to the page being shown can take: its path, with its query string if any
    (none for a path with a NUL character: no link has one, and PostgreSQL refuses it in a parameter)."""
    links = {request.path}
    if request.query_string:
        links.add(request.full_path)
    return sorted(link for link in links if '\x00' not in link)


def opened_count(user, links):
    return db.session.execute(sa.select(unread_count_of(user.id, links))).scalar_one()


def _stored_preferences(user):
    query = sa.select(NotificationPreference.kind, NotificationPreference.email_enabled).where(
        NotificationPreference.user_id == user.id)
    return dict(db.session.execute(query).all())


def email_preferences(user):
    """Kind name → whether the user gets its email, for every choosable kind (defaults filled in)."""
    stored = _stored_preferences(user)
    return {kind.name: stored.get(kind.name, kind.email_by_default) for kind in choosable_kinds()}


def wants_email(user, kind_name):
    """Whether ``user`` gets the email of a ``kind_name`` notification."""
    kind = get_kind(kind_name)
    if not kind.email_template:
        return False
    if not kind.choosable:
        return True
    query = sa.select(NotificationPreference.email_enabled).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind.name)
    stored = db.session.execute(query).scalar_one_or_none()
    return kind.email_by_default if stored is None else stored


def undelivered_count():
    """The select counting emails the outbox gave up sending."""
    return sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.status == EmailStatus.failed)


def undelivered_first(limit):
    return db.session.execute(
        sa.select(OutboxEmail).where(OutboxEmail.status == EmailStatus.failed)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()).limit(limit)).scalars().all()
