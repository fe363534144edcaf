"""Committees and their decisions: members with one chair, items under decision with the seats, quorum and
majority fixed when the item is opened, each member's opinion or declared conflict, and the chair's outcome.

The subject of a decision (a case, a green-channel request) belongs to another domain: a decision names it by
kind and id only, and the subject domain registers its kind in :mod:`incubator.committees.registry`.
"""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.auth.models import User
from incubator.committees import registry
from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db


class CommitteePurpose(LabelledEnum):
    cases = 'cases'
    greenchannel = 'greenchannel'

    @classmethod
    def labels(cls):
        return {cls.cases: _l('Tolerance-for-failure cases'), cls.greenchannel: _l('Green-channel requests')}


class OpinionChoice(LabelledEnum):
    for_ = 'for'
    for_with_conditions = 'for_with_conditions'
    against = 'against'
    abstain = 'abstain'

    @classmethod
    def labels(cls):
        return {cls.for_: _l('In favour'), cls.for_with_conditions: _l('In favour, with conditions'),
                cls.against: _l('Against'), cls.abstain: _l('Abstain')}

    @property
    def is_for(self):
        """For with conditions counts as for in the majority."""
        return self in (OpinionChoice.for_, OpinionChoice.for_with_conditions)

    @property
    def needs_comment(self):
        """Against says why; for with conditions states the conditions."""
        return self in (OpinionChoice.against, OpinionChoice.for_with_conditions)


@audited('committee', _l('Committee'), label=lambda committee: committee.name)
class Committee(TimestampMixin, db.Model):
    """A standing committee. Quorum: the share of non-recused seated members who must have voted.
    Majority: "for" votes must be MORE than this share of the votes cast (abstentions are cast)."""

    __tablename__ = 'committees'
    __table_args__ = (
        sa.CheckConstraint('quorum_numerator > 0 AND quorum_numerator <= quorum_denominator',
                           name='quorum_fraction'),
        sa.CheckConstraint('majority_numerator >= 0 AND majority_numerator < majority_denominator',
                           name='majority_fraction'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    purpose: Mapped[CommitteePurpose] = mapped_column(enum_column(CommitteePurpose))
    quorum_numerator: Mapped[int] = mapped_column(default=2, server_default='2')
    quorum_denominator: Mapped[int] = mapped_column(default=3, server_default='3')
    majority_numerator: Mapped[int] = mapped_column(default=1, server_default='1')
    majority_denominator: Mapped[int] = mapped_column(default=2, server_default='2')
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    members: Mapped[list['CommitteeMember']] = relationship(
        back_populates='committee', cascade='all, delete-orphan', order_by='CommitteeMember.id')

    @property
    def quorum(self):
        return (self.quorum_numerator, self.quorum_denominator)

    @property
    def majority(self):
        return (self.majority_numerator, self.majority_denominator)

    @property
    def chair(self):
        return next((member.user for member in self.members if member.is_chair), None)

    def __repr__(self):
        return f'<Committee {self.id} {self.name!r}>'


def _seat_label(committee_id, user_id):
    """A committee member's audit label: the committee's name and the member's email."""
    return f'{db.session.get(Committee, committee_id).name} · {db.session.get(User, user_id).email}'


@audited('committee_member', _l('Committee member'), label=lambda member: _seat_label(member.committee_id,
                                                                                      member.user_id))
class CommitteeMember(db.Model):
    __tablename__ = 'committee_members'
    __table_args__ = (sa.UniqueConstraint('committee_id', 'user_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey('committees.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=now_utc)

    committee: Mapped[Committee] = relationship(back_populates='members')
    user: Mapped[User] = relationship()


def _voter_label(decision_id, user_id):
    """An opinion's or a recusal's audit label: what is decided, stored as the decision's own label is, and the
    member's email."""
    decision = db.session.get(Decision, decision_id)
    return f'{decision.subject_kind} #{decision.subject_id} · {db.session.get(User, user_id).email}'


def _read_voter_label(stored):
    """What is decided named for the reader, then the member; a ValueError for a label stored before (#8:11)."""
    decided, email = stored.rsplit(' · ', 1)
    return f'{_read_decision_label(decided)} · {email}'


def _read_decision_label(stored):
    """A decision's audit label, stored as its subject's kind and number, with the kind named for the reader and
    the subject by its reference (a label stored with the name in the writer's language, before, reads as
    stored)."""
    kind, number = stored.rsplit(' #', 1)
    return f'{registry.kind_name(kind)} {registry.subject_reference(kind, number)}'


@audited('decision', _l('Committee decision'),
         label=lambda decision: f'{decision.subject_kind} #{decision.subject_id}',
         formats={'subject_kind': registry.kind_name, 'outcome': registry.outcome_label},
         reads_label=_read_decision_label)
class Decision(db.Model):
    """One item under decision: the quorum, majority and seats are fixed when it is opened."""

    __tablename__ = 'decisions'
    __table_args__ = (
        sa.UniqueConstraint('subject_kind', 'subject_id', 'round'),
        sa.Index('ix_decisions_committee_id_decided_at', 'committee_id', 'decided_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(sa.ForeignKey('committees.id'))
    subject_kind: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int]
    round: Mapped[int] = mapped_column(default=1)
    quorum_numerator: Mapped[int]
    quorum_denominator: Mapped[int]
    majority_numerator: Mapped[int]
    majority_denominator: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(default=now_utc)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id'))
    deadline_on: Mapped[date | None]
    decided_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(40))
    outcome_note: Mapped[str] = mapped_column(sa.Text, default='')
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id'))

    committee: Mapped[Committee] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    seats: Mapped[list['DecisionSeat']] = relationship(
        back_populates='decision', cascade='all, delete-orphan', order_by='DecisionSeat.id')
    opinions: Mapped[list['Opinion']] = relationship(
        back_populates='decision', cascade='all, delete-orphan', order_by='Opinion.id')
    recusals: Mapped[list['Recusal']] = relationship(
        back_populates='decision', cascade='all, delete-orphan', order_by='Recusal.id')

    @property
    def is_decided(self):
        return self.decided_at is not None

    @property
    def quorum(self):
        return (self.quorum_numerator, self.quorum_denominator)

    @property
    def majority(self):
        return (self.majority_numerator, self.majority_denominator)

    def seat_of(self, user):
        return next((seat for seat in self.seats if seat.user_id == getattr(user, 'id', None)), None)

    def opinion_of(self, user):
        return next((opinion for opinion in self.opinions if opinion.user_id == getattr(user, 'id', None)), None)

    def recusal_of(self, user):
        return next((recusal for recusal in self.recusals if recusal.user_id == getattr(user, 'id', None)), None)

    @property
    def recused_ids(self):
        return {recusal.user_id for recusal in self.recusals}

    @property
    def acting_chair(self):
        """The seat that records the outcome: the chair; if the chair is recused, the non-recused member seated
        longest on the committee (earliest joined, then lowest seat), so the item never lacks a chair."""
        recused = self.recused_ids
        chair = next((seat for seat in self.seats if seat.is_chair), None)
        if chair is not None and chair.user_id not in recused:
            return chair
        others = [seat for seat in self.seats if seat.user_id not in recused]
        return min(others, key=lambda seat: (seat.member_since, seat.id), default=None)

    def __repr__(self):
        return f'<Decision {self.id} {self.subject_kind}:{self.subject_id} round {self.round}>'


class DecisionSeat(db.Model):
    """A member seated on one decision, copied from the committee when it was opened."""

    __tablename__ = 'decision_seats'
    __table_args__ = (sa.UniqueConstraint('decision_id', 'user_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey('decisions.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'), index=True)
    is_chair: Mapped[bool] = mapped_column(default=False)
    #: When the member joined the committee: the longest-serving one stands in for a recused chair.
    member_since: Mapped[datetime]

    decision: Mapped[Decision] = relationship(back_populates='seats')
    user: Mapped[User] = relationship()


@audited('opinion', _l('Committee opinion'), label=lambda opinion: _voter_label(opinion.decision_id, opinion.user_id),
         reads_label=_read_voter_label)
class Opinion(db.Model):
    __tablename__ = 'opinions'
    __table_args__ = (sa.UniqueConstraint('decision_id', 'user_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey('decisions.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'), index=True)
    choice: Mapped[OpinionChoice] = mapped_column(enum_column(OpinionChoice))
    comment: Mapped[str] = mapped_column(sa.Text, default='')
    recorded_at: Mapped[datetime] = mapped_column(default=now_utc)

    decision: Mapped[Decision] = relationship(back_populates='opinions')
    user: Mapped[User] = relationship()


@audited('recusal', _l('Declared conflict of interest'),
         label=lambda recusal: _voter_label(recusal.decision_id, recusal.user_id), reads_label=_read_voter_label)
class Recusal(db.Model):
    __tablename__ = 'recusals'
    __table_args__ = (sa.UniqueConstraint('decision_id', 'user_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey('decisions.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'))
    reason: Mapped[str] = mapped_column(sa.Text)
    declared_at: Mapped[datetime] = mapped_column(default=now_utc)

    decision: Mapped[Decision] = relationship(back_populates='recusals')
    user: Mapped[User] = relationship()
