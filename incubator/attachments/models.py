"""One stored evidence file, owned by any registered record (kind + id, no foreign key to the owner)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.auth.models import User
from incubator.core.time import now_utc
from incubator.extensions import db


class Attachment(db.Model):
    __tablename__ = 'attachments'
    __table_args__ = (sa.Index('ix_attachments_owner_kind_owner_id', 'owner_kind', 'owner_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[int]
    #: Random, the file's name on disk: nothing of what the uploader chose reaches the file system.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Detected from the bytes, never the browser's word.
    content_type: Mapped[str] = mapped_column(sa.String(120))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'))
    uploaded_at: Mapped[datetime] = mapped_column(default=now_utc)

    uploaded_by: Mapped[User] = relationship()

    def __repr__(self):
        return f'<Attachment {self.id} {self.owner_kind}:{self.owner_id} {self.original_name!r}>'
