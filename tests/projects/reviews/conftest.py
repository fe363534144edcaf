"""Reviews run on the projects world (tests/projects/conftest.py); these help open and find them."""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from incubator.extensions import db
from incubator.notifications.kinds import render_title
from incubator.notifications.models import Notification
from incubator.projects.reviews import operations
from incubator.projects.reviews.models import ProgressReview

SHANGHAI = ZoneInfo('Asia/Shanghai')


def at(day, hour=9):
    """An aware UTC instant at ``hour`` o'clock in Shanghai on ``day``."""
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


def open_now(day, hour=9):
    opened = operations.open_reviews(at(day, hour))
    db.session.commit()
    return opened


def reviews(project=None):
    query = sa.select(ProgressReview).order_by(ProgressReview.period_start, ProgressReview.id)
    if project is not None:
        query = query.where(ProgressReview.project_id == project.id)
    return db.session.execute(query).scalars().all()


def notices(kind, user=None, locale='en'):
    """The titles of ``kind`` notifications (of ``user``), as read in ``locale``."""
    from flask_babel import force_locale
    query = sa.select(Notification).filter_by(kind=kind).order_by(Notification.id)
    if user is not None:
        query = query.filter_by(user_id=user.id)
    with force_locale(locale):
        return [render_title(row.kind, row.params) for row in db.session.execute(query).scalars()]
