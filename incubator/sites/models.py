"""Sites: the buildings and campuses that house startups and spaces."""
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.audit import audited
from incubator.core.db import TimestampMixin
from incubator.extensions import db


@audited('site', _l('Site'), label=lambda site: site.name)
class Site(TimestampMixin, db.Model):
    __tablename__ = 'sites'

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default='', server_default='')
    timezone: Mapped[str] = mapped_column(sa.String(50), default='Asia/Shanghai',
                                          server_default='Asia/Shanghai')
    description: Mapped[Optional[str]] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def __repr__(self):
        return f'<Site {self.id} {self.name}>'
