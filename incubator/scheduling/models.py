"""Records of scheduled work: every run, and the claim that makes a period's effect happen once."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.db import LabelledEnum, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db


class RunOutcome(LabelledEnum):
    running = 'running'
    succeeded = 'succeeded'
    skipped = 'skipped'
    failed = 'failed'

    @classmethod
    def labels(cls):
        return {cls.running: _l('Running'), cls.succeeded: _l('Succeeded'),
                cls.skipped: _l('Already done'), cls.failed: _l('Failed')}


class JobRun(db.Model):
    __tablename__ = 'job_runs'
    __table_args__ = (sa.Index('ix_job_runs_job_name_started_at', 'job_name', 'started_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(100))
    period_key: Mapped[str] = mapped_column(sa.String(50))
    started_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[RunOutcome] = mapped_column(enum_column(RunOutcome), default=RunOutcome.running)
    counts: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    host: Mapped[str] = mapped_column(sa.String(100), default='', server_default='')

    @property
    def duration(self):
        return (self.finished_at - self.started_at) if self.finished_at else None


class JobClaim(db.Model):
    """Inserted in the same transaction as a period's effect: a second insert means it was done."""

    __tablename__ = 'job_claims'
    __table_args__ = (sa.UniqueConstraint('job_name', 'period_key'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(100))
    period_key: Mapped[str] = mapped_column(sa.String(50))
    claimed_at: Mapped[datetime] = mapped_column(default=now_utc)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey('job_runs.id', ondelete='SET NULL'))
