"""The email outbox: mail is a row written in the same transaction as its cause."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.db import LabelledEnum, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db


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
    sent_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(sa.Text)
