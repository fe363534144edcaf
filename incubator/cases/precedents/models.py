"""Anonymised precedents: a decided case written up without names, company or amounts, reviewed by another
manager before it is published for managers and committee members to learn from. A published precedent that
turns out wrong or outdated is withdrawn by a manager with the reason, and may be revised and reviewed again.

The findings and the outcome are copied from the case when the draft is made and are not edited: they are
what the search filters by. The texts are the author's to anonymise. The allowed transitions are one table,
:data:`PRECEDENT_TRANSITIONS`, keyed by (state, action).
"""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.cases.models import CaseOutcome, ExplorationFinding, PurposeFinding, RuleFinding
from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.extensions import db


class PrecedentState(LabelledEnum):
    draft = 'draft'
    in_review = 'in_review'
    published = 'published'
    withdrawn = 'withdrawn'

    @classmethod
    def labels(cls):
        return {cls.draft: _l('Draft'), cls.in_review: _l('Awaiting review'), cls.published: _l('Published'),
                cls.withdrawn: lazy_pgettext('precedent', 'Withdrawn')}


class PrecedentRole(LabelledEnum):
    """What a user is to a precedent: its author, another manager (its reviewer), a committee member."""

    author = 'author'
    reviewer = 'reviewer'
    committee = 'committee'

    @classmethod
    def labels(cls):
        return {cls.author: _l('Author'), cls.reviewer: _l('Reviewer'), cls.committee: _l('Committee member')}


_AUTHOR = frozenset({PrecedentRole.author})
_REVIEWER = frozenset({PrecedentRole.reviewer})
_MANAGERS = _AUTHOR | _REVIEWER

#: (state, action) → (roles allowed, next state). The author edits and submits; another manager approves
#: (published) or sends it back with a comment (a draft again). Nothing edits a published precedent: any manager
#: withdraws it with the reason, and any manager revises a withdrawn one (a draft again, theirs to write).
PRECEDENT_TRANSITIONS = {
    (PrecedentState.draft, 'edit'): (_AUTHOR, PrecedentState.draft),
    (PrecedentState.draft, 'submit'): (_AUTHOR, PrecedentState.in_review),
    (PrecedentState.in_review, 'approve'): (_REVIEWER, PrecedentState.published),
    (PrecedentState.in_review, 'send_back'): (_REVIEWER, PrecedentState.draft),
    (PrecedentState.published, 'withdraw'): (_MANAGERS, PrecedentState.withdrawn),
    (PrecedentState.withdrawn, 'revise'): (_MANAGERS, PrecedentState.draft),
}

PRECEDENT_ACTIONS = ('edit', 'submit', 'approve', 'send_back', 'withdraw', 'revise')


def precedent_transition(state, action, roles):
    """The next state if any of ``roles`` may take ``action`` in ``state``, else None."""
    allowed, next_state = PRECEDENT_TRANSITIONS.get((state, action), (frozenset(), None))
    return next_state if allowed & frozenset(roles) else None


@audited('precedent', _l('Precedent'), label=lambda precedent: precedent.title)
class Precedent(TimestampMixin, db.Model):
    __tablename__ = 'case_precedents'
    __table_args__ = (sa.Index('ix_case_precedents_state_published_at', 'state', 'published_at'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The case it was written from (one precedent per case); kept for managers, never shown to readers.
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey('cases.id', ondelete='SET NULL'), unique=True)
    state: Mapped[PrecedentState] = mapped_column(enum_column(PrecedentState), default=PrecedentState.draft)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))

    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    facts: Mapped[str] = mapped_column(sa.Text)
    exploration: Mapped[ExplorationFinding] = mapped_column(enum_column(ExplorationFinding))
    exploration_reasons: Mapped[str] = mapped_column(sa.Text)
    rule: Mapped[RuleFinding] = mapped_column(enum_column(RuleFinding))
    rule_reasons: Mapped[str] = mapped_column(sa.Text)
    purpose: Mapped[PurposeFinding] = mapped_column(enum_column(PurposeFinding))
    purpose_reasons: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[CaseOutcome] = mapped_column(enum_column(CaseOutcome))
    decision: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.Text)

    submitted_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    #: The reviewer's comment when sending it back (kept until the next review).
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime | None]
    #: Why and when a manager withdrew it; kept on the revised draft until it is published again.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Optional['Case']] = relationship()  # noqa: F821
    author: Mapped[Optional['User']] = relationship(foreign_keys=[author_id])  # noqa: F821
    reviewer: Mapped[Optional['User']] = relationship(foreign_keys=[reviewer_id])  # noqa: F821
    withdrawn_by: Mapped[Optional['User']] = relationship(foreign_keys=[withdrawn_by_id])  # noqa: F821

    TEXT_FIELDS = ('title', 'summary', 'facts', 'exploration_reasons', 'rule_reasons', 'purpose_reasons',
                   'decision', 'legal_basis')

    @property
    def findings(self):
        """``[(number, finding, reasons)]`` for the three distinctions, in order."""
        return [(1, self.exploration, self.exploration_reasons), (2, self.rule, self.rule_reasons),
                (3, self.purpose, self.purpose_reasons)]

    def __repr__(self):
        return f'<Precedent {self.id} {self.state.value}>'
