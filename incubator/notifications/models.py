"""In-app notifications, email preferences, and the email outbox.

Mail is a row written in the same transaction as its cause; ``delivery.py`` sends it.
"""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.db import LabelledEnum, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.notifications.kinds import render_title


class EmailStatus(LabelledEnum):
    pending = 'pending'
    sent = 'sent'
    failed = 'failed'

    @classmethod
    def labels(cls):
        return {cls.pending: _l('Pending'), cls.sent: _l('Sent'), cls.failed: _l('Failed')}


class OutboxEmail(db.Model):
    __tablename__ = 'outbox_emails'
    __table_args__ = (sa.Index('ix_outbox_emails_status_next_attempt_at', 'status', 'next_attempt_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[EmailStatus] = mapped_column(enum_column(EmailStatus), default=EmailStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0, server_default='0')
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now_utc)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    def __repr__(self):
        return f'<OutboxEmail {self.id} {self.kind} {self.status.value}>'


class Notification(db.Model):
    """Something a user is told in the app; its text is rendered when shown, in the reader's language."""

    __tablename__ = 'notifications'
    __table_args__ = (sa.Index('ix_notifications_user_id_read_at', 'user_id', 'read_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'))
    kind: Mapped[str] = mapped_column(sa.String(50))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(500))  # a path on this site
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    read_at: Mapped[datetime | None]

    def __repr__(self):
        return f'<Notification {self.id} {self.kind} for user {self.user_id}>'

    @property
    def text(self):
        return render_title(self.kind, self.params)

    @property
    def is_unread(self):
        return self.read_at is None

    def mark_read(self, now=None):
        if self.read_at is None:
            self.read_at = now or now_utc()


class NotificationPreference(db.Model):
    """Whether a user receives the email of one kind of notification; no row means the kind's default."""

    __tablename__ = 'notification_preferences'
    __table_args__ = (sa.UniqueConstraint('user_id', 'kind'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'))
    kind: Mapped[str] = mapped_column(sa.String(50))
    email_enabled: Mapped[bool]
