"""Tolerance-for-failure cases (容错免责): filing, assessment against the three distinctions, the committee's
decision, the decision letter, the record filed with the supervising body, one appeal, closure.

The allowed transitions are one table, :data:`CASE_TRANSITIONS`, keyed by (state, action); the roles a
user holds towards a case are computed in ``permissions.roles_in``. The committee's vote itself lives in
the shared ``committees`` package (a ``Decision`` with subject kind ``'case'`` per round); a case keeps the
outcome the chair recorded, with its consequences and legal basis.
"""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.core.audit import audited, bilingual_label, read_bilingual_label
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db

#: The most an amount may be, in fen (a hundred billion yuan): beyond it a figure is a typing error.
MAX_FEN = 10**13

#: Subject kind of the cases' committee decisions and owner kind of their evidence files.
SUBJECT_KIND = 'case'


class CaseState(LabelledEnum):
    draft = 'draft'
    filed = 'filed'
    accepted = 'accepted'
    declined = 'declined'
    under_assessment = 'under_assessment'
    committee_review = 'committee_review'
    decided = 'decided'
    recorded = 'recorded'
    appealed = 'appealed'
    closed = 'closed'

    @classmethod
    def labels(cls):
        return {cls.draft: _l('Draft'), cls.filed: _l('Filed'), cls.accepted: _l('Accepted for assessment'),
                cls.declined: _l('Declined'), cls.under_assessment: _l('Under assessment'),
                cls.committee_review: _l('Committee review'), cls.decided: _l('Committee decided'),
                cls.recorded: _l('Recorded'), cls.appealed: _l('Appealed'), cls.closed: _l('Closed')}


class CaseOrigin(LabelledEnum):
    owner = 'owner'
    manager = 'manager'
    review = 'review'

    @classmethod
    def labels(cls):
        return {cls.owner: _l('Filed by the startup'), cls.manager: _l('Filed by a manager'),
                cls.review: _l('From a progress review that stopped the project')}


class CaseOutcome(LabelledEnum):
    exempt = 'exempt'
    partly_exempt = 'partly_exempt'
    not_exempt = 'not_exempt'

    @classmethod
    def labels(cls):
        return {cls.exempt: _l('Exempt'), cls.partly_exempt: _l('Partly exempt'),
                cls.not_exempt: _l('Not exempt')}

    @property
    def exempts(self):
        """Exempt or partly exempt: the startup keeps its eligibility."""
        return self in (CaseOutcome.exempt, CaseOutcome.partly_exempt)


class ExplorationFinding(LabelledEnum):
    """Distinction 1: a mistake from lack of experience while exploring, or a knowing violation."""

    exploration = 'exploration'
    knowing_violation = 'knowing_violation'

    @classmethod
    def labels(cls):
        return {cls.exploration: _l('A mistake from lack of experience while exploring'),
                cls.knowing_violation: _l('A knowing violation')}


class RuleFinding(LabelledEnum):
    """Distinction 2: a trial where no rule existed yet, or one made after an explicit prohibition."""

    no_rule_yet = 'no_rule_yet'
    after_prohibition = 'after_prohibition'

    @classmethod
    def labels(cls):
        return {cls.no_rule_yet: _l('A trial where no rule existed yet'),
                cls.after_prohibition: _l('Done after an explicit prohibition')}


class PurposeFinding(LabelledEnum):
    """Distinction 3: an unintended error made to advance development, or misconduct for personal gain."""

    for_development = 'for_development'
    for_personal_gain = 'for_personal_gain'

    @classmethod
    def labels(cls):
        return {cls.for_development: _l('An unintended error made to advance development'),
                cls.for_personal_gain: _l('Misconduct for personal gain')}


#: The three distinctions (三个区分开来) in order: (number, finding enum, the finding that favours exemption).
DISTINCTIONS = ((1, ExplorationFinding, ExplorationFinding.exploration),
                (2, RuleFinding, RuleFinding.no_rule_yet),
                (3, PurposeFinding, PurposeFinding.for_development))


class ChecklistKind(LabelledEnum):
    diligence_condition = 'diligence_condition'
    exempt_situation = 'exempt_situation'

    @classmethod
    def labels(cls):
        return {cls.diligence_condition: _l('Due-diligence condition'),
                cls.exempt_situation: _l('Exempt situation of the local rules')}


class CaseRole(LabelledEnum):
    """What a user is to a case, as :data:`CASE_TRANSITIONS` names it; one user may hold several."""

    owner = 'owner'          # an owner of the startup the case is about
    member = 'member'        # a plain member of that startup (sees nothing)
    filer = 'filer'          # who may appeal: the startup's owners if they filed, else the filing manager
    drafter = 'drafter'      # while a draft: its side (its owners, or the managers for a manager's or review's)
    manager = 'manager'
    assessor = 'assessor'    # the manager assigned to assess the case
    committee = 'committee'  # seated, not recused, on the case's open committee decision
    chair = 'chair'          # who records the outcome of that decision (committees' rule for a recused chair)
    admin = 'admin'          # configures the checklists; sees no case unless also a manager

    @classmethod
    def labels(cls):
        return {cls.owner: _l('Startup owner'), cls.member: _l('Startup member'), cls.filer: _l('Filer'),
                cls.drafter: _l('Drafter'), cls.manager: _l('Incubator manager'), cls.assessor: _l('Assessor'),
                cls.committee: _l('Committee member'), cls.chair: _l('Committee chair'),
                cls.admin: _l('Administrator')}


_MANAGERS = frozenset({CaseRole.manager, CaseRole.assessor})
_DRAFTER = frozenset({CaseRole.drafter})
_EDITABLE = (CaseState.filed, CaseState.accepted, CaseState.under_assessment)
_AFTER_DECISION = (CaseState.decided, CaseState.recorded, CaseState.appealed, CaseState.closed)

#: (state, action) → (roles allowed, next state): every allowed step of a case, and only those.
#: ``edit`` keeps the state: the filer edits a draft, managers correct facts until the committee reviews;
#: after the decision nothing is edited, corrections are dated entries (``add_entry``). ``decide`` from
#: committee review leads to ``decided``; whether that decision is final (round 2) is the case's round.
#: ``close`` also needs the appeal period over, or the final decision (checked by the operation). ``discard``
#: leads to no state: the draft is deleted (it has no number yet, and only its side has seen it).
CASE_TRANSITIONS = {
    (CaseState.draft, 'edit'): (_DRAFTER, CaseState.draft),
    (CaseState.draft, 'file'): (_DRAFTER, CaseState.filed),
    (CaseState.draft, 'discard'): (_DRAFTER, None),
    **{(state, 'edit'): (_MANAGERS, state) for state in _EDITABLE},
    (CaseState.filed, 'accept'): (_MANAGERS, CaseState.accepted),
    (CaseState.filed, 'decline'): (_MANAGERS, CaseState.declined),
    (CaseState.accepted, 'assign'): (_MANAGERS, CaseState.under_assessment),
    (CaseState.under_assessment, 'assign'): (_MANAGERS, CaseState.under_assessment),
    (CaseState.under_assessment, 'assess'): (frozenset({CaseRole.assessor}), CaseState.committee_review),
    (CaseState.committee_review, 'decide'): (frozenset({CaseRole.chair}), CaseState.decided),
    (CaseState.decided, 'record'): (_MANAGERS, CaseState.recorded),
    (CaseState.recorded, 'appeal'): (frozenset({CaseRole.filer}), CaseState.appealed),
    (CaseState.appealed, 'refer'): (_MANAGERS, CaseState.committee_review),
    (CaseState.recorded, 'close'): (_MANAGERS, CaseState.closed),
    **{(state, 'add_entry'): (_MANAGERS, state) for state in _AFTER_DECISION},
}

CASE_ACTIONS = ('edit', 'file', 'discard', 'accept', 'decline', 'assign', 'assess', 'decide', 'record', 'appeal',
                'refer', 'close', 'add_entry')


def may_take(state, action, roles):
    """Whether any of ``roles`` may take ``action`` in ``state``."""
    allowed, _next_state = CASE_TRANSITIONS.get((state, action), (frozenset(), None))
    return bool(allowed & frozenset(roles))


def state_after(state, action):
    """The state ``action`` leads to from ``state`` (None after ``discard``: there is no case any more)."""
    return CASE_TRANSITIONS[state, action][1]


@audited('case', _l('Tolerance-for-failure case'), label=lambda case: case.number or f'#{case.id}')
class Case(TimestampMixin, db.Model):
    __tablename__ = 'cases'
    __table_args__ = (
        sa.CheckConstraint('losses_fen >= 0', name='losses_not_negative'),
        sa.Index('ix_cases_state', 'state'),
        sa.Index('ix_cases_startup_id_state', 'startup_id', 'state'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "RC-2026-0007": given when the case is filed (a draft has none), never reused.
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey('projects.id', ondelete='CASCADE'), index=True)
    origin: Mapped[CaseOrigin] = mapped_column(enum_column(CaseOrigin))
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey('progress_reviews.id', ondelete='SET NULL'),
                                                  index=True)
    filer_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState), default=CaseState.draft)

    # The facts, as filed.
    what_happened: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    happened_on: Mapped[date | None]
    losses_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default='0')
    rules_in_force: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    filed_at: Mapped[datetime | None]

    # Acceptance or refusal, and the assessor.
    accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'), index=True)

    # The committee's decision of the latest round (1, or 2 after an appeal: then final).
    round: Mapped[int] = mapped_column(default=1, server_default='1')
    outcome: Mapped[CaseOutcome | None] = mapped_column(enum_column(CaseOutcome))
    consequences: Mapped[str | None] = mapped_column(sa.Text)
    legal_basis: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))

    # The record: letter issued and filed with the supervising body (of the latest round).
    letter_issued_at: Mapped[datetime | None]
    filed_with_body_on: Mapped[date | None]
    filing_reference: Mapped[str | None] = mapped_column(sa.String(100))
    #: The filer may appeal until then (set when the round-1 letter is issued).
    appeal_deadline_at: Mapped[datetime | None]
    appealed_at: Mapped[datetime | None]
    appealed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    appeal_reason: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None]

    startup: Mapped['Startup'] = relationship()  # noqa: F821
    project: Mapped['Project'] = relationship()  # noqa: F821
    review: Mapped[Optional['ProgressReview']] = relationship()  # noqa: F821
    filer: Mapped[Optional['User']] = relationship(foreign_keys=[filer_id])  # noqa: F821
    assessor: Mapped[Optional['User']] = relationship(foreign_keys=[assessor_id])  # noqa: F821
    decided_by: Mapped[Optional['User']] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    appealed_by: Mapped[Optional['User']] = relationship(foreign_keys=[appealed_by_id])  # noqa: F821
    parties: Mapped[list['CaseParty']] = relationship(back_populates='case', cascade='all, delete-orphan',
                                                      order_by='CaseParty.id')
    subsidies: Mapped[list['CaseSubsidy']] = relationship(back_populates='case', cascade='all, delete-orphan',
                                                          order_by='CaseSubsidy.id')
    assessment: Mapped[Optional['CaseAssessment']] = relationship(back_populates='case',
                                                                  cascade='all, delete-orphan')
    entries: Mapped[list['CaseEntry']] = relationship(back_populates='case', cascade='all, delete-orphan',
                                                      order_by='[CaseEntry.created_at, CaseEntry.id]')
    steps: Mapped[list['CaseStep']] = relationship(back_populates='case', cascade='all, delete-orphan',
                                                   order_by='[CaseStep.at, CaseStep.id]')
    letters: Mapped[list['DecisionLetter']] = relationship(
        back_populates='case', cascade='all, delete-orphan', order_by='[DecisionLetter.round, DecisionLetter.id]')

    def __repr__(self):
        return f'<Case {self.id} {self.number} {self.state.value}>'

    @property
    def is_decided(self):
        """Decided at least once: nothing of the case is edited any more, its evidence is locked."""
        return self.state in _AFTER_DECISION

    @property
    def is_final(self):
        """The appeal's decision (round 2) is final."""
        return self.round >= 2 and self.is_decided

    def allows(self, action):
        """Whether ``action`` can happen in this state, whoever asks (the table, without roles)."""
        return (self.state, action) in CASE_TRANSITIONS

    @property
    def title(self):
        return self.number or _l('Draft case')


@audited('case_party', _l('Person involved in a case'), label=lambda party: party.name)
class CaseParty(db.Model):
    """A person involved: their name, their position or role in the project, and their account if any."""

    __tablename__ = 'case_parties'

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey('cases.id', ondelete='CASCADE'), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[str] = mapped_column(sa.String(200), default='', server_default='')
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))

    case: Mapped[Case] = relationship(back_populates='parties')
    user: Mapped[Optional['User']] = relationship()  # noqa: F821


@audited('case_subsidy', _l('Subsidy at stake in a case'), label=lambda subsidy: f'#{subsidy.id}')
class CaseSubsidy(db.Model):
    """A funding of the project at stake, and after the decision the amount waived or to be reclaimed (fen)."""

    __tablename__ = 'case_subsidies'
    __table_args__ = (
        sa.UniqueConstraint('case_id', 'funding_id'),
        sa.CheckConstraint('amount_at_stake_fen >= 0', name='at_stake_not_negative'),
        sa.CheckConstraint('waived_fen IS NULL OR waived_fen >= 0', name='waived_not_negative'),
        sa.CheckConstraint('reclaim_fen IS NULL OR reclaim_fen >= 0', name='reclaim_not_negative'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey('cases.id', ondelete='CASCADE'))
    funding_id: Mapped[int] = mapped_column(sa.ForeignKey('project_fundings.id', ondelete='CASCADE'), index=True)
    amount_at_stake_fen: Mapped[int] = mapped_column(sa.BigInteger)
    waived_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    reclaim_fen: Mapped[int | None] = mapped_column(sa.BigInteger)

    case: Mapped[Case] = relationship(back_populates='subsidies')
    funding: Mapped['ProjectFunding'] = relationship()  # noqa: F821


@audited('checklist_item', _l('Case checklist item'), reads_label=read_bilingual_label,
         label=lambda item: bilingual_label(item.label_zh, item.label_en))
class ChecklistItem(TimestampMixin, db.Model):
    """An item administrators configure: a due-diligence condition, or an exempt situation of the local rules.

    Retired items are made inactive, never deleted: assessments that ticked them keep them.
    """

    __tablename__ = 'case_checklist_items'
    __table_args__ = (sa.Index('ix_case_checklist_items_kind_position', 'kind', 'position'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChecklistKind] = mapped_column(enum_column(ChecklistKind))
    label_zh: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0, server_default='0')
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    @property
    def label(self):
        """The label in the reader's language."""
        return self.label_en if str(get_locale() or 'zh').startswith('en') else self.label_zh


case_assessment_checks = sa.Table(
    'case_assessment_checks', db.metadata,
    sa.Column('assessment_id', sa.ForeignKey('case_assessments.id', ondelete='CASCADE'), primary_key=True),
    sa.Column('item_id', sa.ForeignKey('case_checklist_items.id', ondelete='CASCADE'), primary_key=True,
              index=True),
)


@audited('case_assessment', _l('Case assessment'), label=lambda assessment: f'#{assessment.case_id}')
class CaseAssessment(db.Model):
    """The assessor's findings on the three distinctions, each with its evidence; diligence, remedies, checklists."""

    __tablename__ = 'case_assessments'

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey('cases.id', ondelete='CASCADE'), unique=True)
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    exploration: Mapped[ExplorationFinding] = mapped_column(enum_column(ExplorationFinding))
    exploration_evidence: Mapped[str] = mapped_column(sa.Text)
    rule: Mapped[RuleFinding] = mapped_column(enum_column(RuleFinding))
    rule_evidence: Mapped[str] = mapped_column(sa.Text)
    purpose: Mapped[PurposeFinding] = mapped_column(enum_column(PurposeFinding))
    purpose_evidence: Mapped[str] = mapped_column(sa.Text)
    diligence: Mapped[str] = mapped_column(sa.Text)
    remedies: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(default=now_utc)

    case: Mapped[Case] = relationship(back_populates='assessment')
    assessor: Mapped[Optional['User']] = relationship()  # noqa: F821
    checked_items: Mapped[list[ChecklistItem]] = relationship(
        secondary=case_assessment_checks, order_by='[ChecklistItem.kind, ChecklistItem.position, ChecklistItem.id]')

    @property
    def findings(self):
        """``[(number, finding, evidence, favours exemption)]`` for the three distinctions, in order."""
        values = ((self.exploration, self.exploration_evidence), (self.rule, self.rule_evidence),
                  (self.purpose, self.purpose_evidence))
        return [(number, finding, evidence, finding == favourable)
                for (number, _enum, favourable), (finding, evidence) in zip(DISTINCTIONS, values, strict=True)]


class CaseEntry(db.Model):
    """A dated correction or note added after the decision: the decided case itself is never edited."""

    __tablename__ = 'case_entries'

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey('cases.id', ondelete='CASCADE'), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    text: Mapped[str] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates='entries')
    author: Mapped[Optional['User']] = relationship()  # noqa: F821


class CaseStep(db.Model):
    """One step of a case's workflow: who took which action when, from which state to which, and why."""

    __tablename__ = 'case_steps'

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey('cases.id', ondelete='CASCADE'), index=True)
    action: Mapped[str] = mapped_column(sa.String(20))
    from_state: Mapped[CaseState] = mapped_column(enum_column(CaseState))
    to_state: Mapped[CaseState] = mapped_column(enum_column(CaseState))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    at: Mapped[datetime] = mapped_column(default=now_utc)
    note: Mapped[str] = mapped_column(sa.Text, default='', server_default='')

    case: Mapped[Case] = relationship(back_populates='steps')
    actor: Mapped[Optional['User']] = relationship()  # noqa: F821


class DecisionLetter(db.Model):
    """A decision letter as issued: its text is rendered once and kept, so later template changes leave it be."""

    __tablename__ = 'case_decision_letters'
    __table_args__ = (sa.UniqueConstraint('case_id', 'round', 'language'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey('cases.id', ondelete='CASCADE'))
    round: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(10))
    #: "RC-2026-0007-1": the case's number and the round.
    number: Mapped[str] = mapped_column(sa.String(30))
    issued_at: Mapped[datetime] = mapped_column(default=now_utc)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    html: Mapped[str] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates='letters')
    issued_by: Mapped[Optional['User']] = relationship()  # noqa: F821


class CaseNumberCounter(db.Model):
    """The last case number given in a year: the row is locked while a number is taken."""

    __tablename__ = 'case_number_counters'

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)
