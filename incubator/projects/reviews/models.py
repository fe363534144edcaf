"""Scheduled progress reviews of projects, the manager's rating of each KPI, and the reminders already sent.

A review is opened once per project and cadence period: ``UNIQUE(project_id, period_start)`` is the
claim, so a second run of the opening job, or two at once, open nothing twice. Its allowed
transitions are one table, :data:`REVIEW_TRANSITIONS`, keyed by (state, action).
"""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.projects.models import KpiTarget, Project, ProjectRole, ReviewOutcome


class ReviewState(LabelledEnum):
    awaiting_self_assessment = 'awaiting_self_assessment'
    awaiting_decision = 'awaiting_decision'
    decided = 'decided'

    @classmethod
    def labels(cls):
        return {cls.awaiting_self_assessment: _l('Awaiting the self-assessment'),
                cls.awaiting_decision: _l('Awaiting the decision'), cls.decided: _l('Decided')}


class KpiRatingLevel(LabelledEnum):
    exceeded = 'exceeded'
    met = 'met'
    partly_met = 'partly_met'
    missed = 'missed'

    @classmethod
    def labels(cls):
        return {cls.exceeded: _l('Exceeded'), cls.met: _l('Met'), cls.partly_met: _l('Partly met'),
                cls.missed: _l('Missed')}


_STARTUP = frozenset({ProjectRole.owner, ProjectRole.member})
_DECIDERS = frozenset({ProjectRole.manager, ProjectRole.admin})

#: (state, action) → (roles allowed, next state): every allowed review transition, and only those.
#: The startup may revise its self-assessment until the decision; the manager may decide without one
#: (a startup that does not answer by the deadline does not hold the review up). Committee members read.
REVIEW_TRANSITIONS = {
    (ReviewState.awaiting_self_assessment, 'self_assess'): (_STARTUP, ReviewState.awaiting_decision),
    (ReviewState.awaiting_decision, 'self_assess'): (_STARTUP, ReviewState.awaiting_decision),
    (ReviewState.awaiting_self_assessment, 'decide'): (_DECIDERS, ReviewState.decided),
    (ReviewState.awaiting_decision, 'decide'): (_DECIDERS, ReviewState.decided),
}

REVIEW_ACTIONS = ('self_assess', 'decide')


def review_transition(state, action, role):
    """The next state if ``role`` may take ``action`` in ``state``, else None."""
    roles, next_state = REVIEW_TRANSITIONS.get((state, action), (frozenset(), None))
    return next_state if role in roles else None


@audited('progress_review', _l('Progress review'), label=lambda review: f'#{review.id}')
class ProgressReview(db.Model):
    __tablename__ = 'progress_reviews'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'period_start'),
        # A manager's reviews still open, by deadline; and every overdue one for the reminders.
        sa.Index('ix_progress_reviews_manager_id_state_due_at', 'manager_id', 'state', 'due_at'),
        sa.Index('ix_progress_reviews_state_due_at', 'state', 'due_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey('projects.id', ondelete='CASCADE'))
    period_start: Mapped[date]
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'))
    opened_at: Mapped[datetime] = mapped_column(default=now_utc)
    due_at: Mapped[datetime]
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState),
                                               default=ReviewState.awaiting_self_assessment)
    self_assessment: Mapped[str | None] = mapped_column(sa.Text)
    self_assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    self_assessed_at: Mapped[datetime | None]
    findings: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[ReviewOutcome | None] = mapped_column(enum_column(ReviewOutcome))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    decided_at: Mapped[datetime | None]

    # The project page lists its reviews through ``project.reviews`` (projects itself knows nothing of reviews).
    project: Mapped[Project] = relationship(backref=backref('reviews', order_by='ProgressReview.period_start.desc()',
                                                            passive_deletes=True))
    manager: Mapped['User'] = relationship(foreign_keys=[manager_id])  # noqa: F821
    self_assessed_by: Mapped[Optional['User']] = relationship(foreign_keys=[self_assessed_by_id])  # noqa: F821
    decided_by: Mapped[Optional['User']] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    ratings: Mapped[list['KpiRating']] = relationship(back_populates='review', cascade='all, delete-orphan',
                                                      order_by='KpiRating.id')

    def __repr__(self):
        return f'<ProgressReview {self.id} project={self.project_id} {self.period_start}>'

    @property
    def is_decided(self):
        return self.state == ReviewState.decided

    def is_overdue_at(self, now):
        return not self.is_decided and self.due_at < now


class KpiRating(db.Model):
    """The manager's rating of one KPI target in a review."""

    __tablename__ = 'kpi_ratings'
    __table_args__ = (sa.UniqueConstraint('review_id', 'kpi_target_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey('progress_reviews.id', ondelete='CASCADE'))
    kpi_target_id: Mapped[int] = mapped_column(sa.ForeignKey('kpi_targets.id', ondelete='CASCADE'), index=True)
    rating: Mapped[KpiRatingLevel] = mapped_column(enum_column(KpiRatingLevel))
    comment: Mapped[str] = mapped_column(sa.String(500), default='', server_default='')

    review: Mapped[ProgressReview] = relationship(back_populates='ratings')
    kpi_target: Mapped[KpiTarget] = relationship()


class ReminderKind(LabelledEnum):
    milestone_due_soon = 'milestone_due_soon'
    milestone_overdue = 'milestone_overdue'
    review_overdue = 'review_overdue'

    @classmethod
    def labels(cls):
        return {cls.milestone_due_soon: _l('Milestone due soon'), cls.milestone_overdue: _l('Milestone overdue'),
                cls.review_overdue: _l('Review past its deadline')}


class ReminderSent(db.Model):
    """The claim of one reminder: at most one of a kind per milestone or review and day."""

    __tablename__ = 'reminders_sent'
    __table_args__ = (sa.UniqueConstraint('kind', 'subject_id', 'day'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind))
    subject_id: Mapped[int]
    day: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)
