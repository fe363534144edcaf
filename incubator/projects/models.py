"""Startup projects followed by the programme: fundings, milestones with KPI targets, progress submissions.

Overdue is not a stored state: a milestone is overdue while its due date has passed (in the
programme's timezone) and it is not accepted, so nothing has to flip it at midnight. The allowed
transitions of milestones and of submissions are each one table below, keyed by (state, action).
"""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc, programme_timezone
from incubator.extensions import db

#: The most a KPI target or figure may be: fen for money kinds, a count otherwise.
MAX_KPI_VALUE = 10**15


def programme_today():
    """Today's date where the programme is (its days decide what is overdue)."""
    return now_utc().astimezone(programme_timezone()).date()


class ProjectField(LabelledEnum):
    advanced_manufacturing = 'advanced_manufacturing'
    information_technology = 'information_technology'
    biomedicine = 'biomedicine'
    new_energy = 'new_energy'
    new_materials = 'new_materials'
    modern_agriculture = 'modern_agriculture'
    cultural_creative = 'cultural_creative'
    other = 'other'

    @classmethod
    def labels(cls):
        return {cls.advanced_manufacturing: _l('Advanced manufacturing'),
                cls.information_technology: _l('Information technology'),
                cls.biomedicine: _l('Biomedicine'), cls.new_energy: _l('New energy'),
                cls.new_materials: _l('New materials'), cls.modern_agriculture: _l('Modern agriculture'),
                cls.cultural_creative: _l('Cultural and creative industries'), cls.other: _l('Other field')}


class ReviewCadence(LabelledEnum):
    monthly = 'monthly'
    quarterly = 'quarterly'
    half_yearly = 'half_yearly'

    @classmethod
    def labels(cls):
        return {cls.monthly: _l('Monthly'), cls.quarterly: _l('Quarterly'), cls.half_yearly: _l('Half-yearly')}

    @property
    def months(self):
        return {ReviewCadence.monthly: 1, ReviewCadence.quarterly: 3, ReviewCadence.half_yearly: 6}[self]

    def period_start(self, day):
        """The first day of the month, quarter or half-year that contains ``day``."""
        month = (day.month - 1) // self.months * self.months + 1
        return date(day.year, month, 1)

    def next_period_start(self, day):
        """The first day of the period after the one that contains ``day``."""
        start = self.period_start(day)
        month = start.month - 1 + self.months
        return date(start.year + month // 12, month % 12 + 1, 1)


class ProjectStatus(LabelledEnum):
    active = 'active'
    stopped = 'stopped'
    completed = 'completed'

    @classmethod
    def labels(cls):
        return {cls.active: _l('Active'), cls.stopped: _l('Stopped'), cls.completed: _l('Completed')}


class ReviewOutcome(LabelledEnum):
    continue_ = 'continue'
    warning = 'warning'
    stop = 'stop'

    @classmethod
    def labels(cls):
        return {cls.continue_: _l('Continue'), cls.warning: _l('Continue with a warning'), cls.stop: _l('Stop')}


class FundingKind(LabelledEnum):
    subsidy = 'subsidy'
    grant = 'grant'
    loan = 'loan'
    equity = 'equity'
    in_kind = 'in_kind'

    @classmethod
    def labels(cls):
        return {cls.subsidy: _l('Subsidy'), cls.grant: _l('Grant'), cls.loan: _l('Loan'),
                cls.equity: _l('Equity investment'), cls.in_kind: _l('In kind')}


class MilestoneState(LabelledEnum):
    planned = 'planned'
    in_progress = 'in_progress'
    submitted = 'submitted'
    changes_requested = 'changes_requested'
    accepted = 'accepted'

    @classmethod
    def labels(cls):
        return {cls.planned: _l('Planned'), cls.in_progress: _l('In progress'), cls.submitted: _l('Submitted'),
                cls.changes_requested: _l('Changes requested'), cls.accepted: _l('Accepted')}


class SubmissionState(LabelledEnum):
    pending = 'pending'
    accepted = 'accepted'
    changes_requested = 'changes_requested'
    rejected = 'rejected'

    @classmethod
    def labels(cls):
        return {cls.pending: _l('Awaiting decision'), cls.accepted: _l('Accepted'),
                cls.changes_requested: _l('Changes requested'), cls.rejected: _l('Rejected')}


class KpiKind(LabelledEnum):
    revenue = 'revenue'
    hires = 'hires'
    patents_filed = 'patents_filed'
    patents_granted = 'patents_granted'
    funding_raised = 'funding_raised'
    products_shipped = 'products_shipped'
    custom = 'custom'

    @classmethod
    def labels(cls):
        return {cls.revenue: _l('Revenue'), cls.hires: _l('New hires'), cls.patents_filed: _l('Patents filed'),
                cls.patents_granted: _l('Patents granted'), cls.funding_raised: _l('Funding raised'),
                cls.products_shipped: _l('Products shipped'), cls.custom: _l('Custom indicator')}

    @property
    def is_money(self):
        """Money kinds hold integer fen and are typed in yuan; the others are counts."""
        return self in (KpiKind.revenue, KpiKind.funding_raised)


class ProjectRole(LabelledEnum):
    """What a user is to a project, as the transition tables name it."""

    owner = 'owner'
    member = 'member'
    manager = 'manager'
    admin = 'admin'
    committee = 'committee'

    @classmethod
    def labels(cls):
        return {cls.owner: _l('Owner'), cls.member: _l('Member'), cls.manager: _l('Incubator manager'),
                cls.admin: _l('Administrator'), cls.committee: _l('Committee member')}


_STARTUP = frozenset({ProjectRole.owner, ProjectRole.member})
_DECIDERS = frozenset({ProjectRole.manager, ProjectRole.admin})

#: (state, action) → (roles allowed, next state): every allowed milestone transition, and only those.
#: A rejected submission sends the milestone back to in progress, not to changes requested: a rejection
#: says the work itself is not done, so the startup carries on and submits again later, without a list
#: of changes to answer.
MILESTONE_TRANSITIONS = {
    (MilestoneState.planned, 'start'): (frozenset({ProjectRole.owner, *_DECIDERS}), MilestoneState.in_progress),
    (MilestoneState.planned, 'submit'): (_STARTUP, MilestoneState.submitted),
    (MilestoneState.in_progress, 'submit'): (_STARTUP, MilestoneState.submitted),
    (MilestoneState.changes_requested, 'submit'): (_STARTUP, MilestoneState.submitted),
    (MilestoneState.submitted, 'accept'): (_DECIDERS, MilestoneState.accepted),
    (MilestoneState.submitted, 'request_changes'): (_DECIDERS, MilestoneState.changes_requested),
    (MilestoneState.submitted, 'reject'): (_DECIDERS, MilestoneState.in_progress),
}

#: (state, action) → (roles allowed, next state) for a progress submission: a pending one is decided once.
SUBMISSION_TRANSITIONS = {
    (SubmissionState.pending, 'accept'): (_DECIDERS, SubmissionState.accepted),
    (SubmissionState.pending, 'request_changes'): (_DECIDERS, SubmissionState.changes_requested),
    (SubmissionState.pending, 'reject'): (_DECIDERS, SubmissionState.rejected),
}


@audited('project', _l('Project'), label=lambda project: project.title)
class Project(TimestampMixin, db.Model):
    __tablename__ = 'projects'
    __table_args__ = (
        sa.CheckConstraint('start_date <= planned_end_date', name='dates_in_order'),
        sa.Index('ix_projects_manager_id_status', 'manager_id', 'status'),
        sa.Index('ix_projects_status', 'status'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    field: Mapped[ProjectField] = mapped_column(enum_column(ProjectField))
    lead_name: Mapped[str] = mapped_column(sa.String(100))
    start_date: Mapped[date]
    planned_end_date: Mapped[date]
    review_cadence: Mapped[ReviewCadence] = mapped_column(enum_column(ReviewCadence))
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'))
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.active)
    # Written only by operations.record_review_outcome (the reviews sub-package calls it).
    last_review_outcome: Mapped[ReviewOutcome | None] = mapped_column(enum_column(ReviewOutcome))
    # The other health inputs that do not depend on today, kept by projects.latest in the transaction that
    # changes a milestone, target or figure, so the dashboard ranks every project without aggregating them:
    # the mean share of its KPI targets reached (None without targets), and the two earliest due dates of its
    # milestones not accepted (overdue: 1 once the first has passed, 2 or more once the second has).
    kpi_share: Mapped[float | None] = mapped_column(sa.Float)
    first_open_due_on: Mapped[date | None]
    second_open_due_on: Mapped[date | None]

    startup: Mapped['Startup'] = relationship()  # noqa: F821
    manager: Mapped['User'] = relationship()  # noqa: F821
    milestones: Mapped[list['Milestone']] = relationship(
        back_populates='project', cascade='all, delete-orphan', order_by='[Milestone.due_date, Milestone.id]')
    fundings: Mapped[list['ProjectFunding']] = relationship(
        back_populates='project', cascade='all, delete-orphan',
        order_by='[ProjectFunding.granted_on, ProjectFunding.id]')

    def __repr__(self):
        return f'<Project {self.id} {self.title}>'


@audited('project_funding', _l('Project funding'), label=lambda funding: f'#{funding.id}')
class ProjectFunding(db.Model):
    """Money or support the programme granted a project (read later for claw-back decisions)."""

    __tablename__ = 'project_fundings'
    __table_args__ = (sa.CheckConstraint('amount_fen > 0', name='amount_positive'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey('projects.id', ondelete='CASCADE'), index=True)
    kind: Mapped[FundingKind] = mapped_column(enum_column(FundingKind))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default='CNY', server_default='CNY')
    granted_on: Mapped[date]
    note: Mapped[str] = mapped_column(sa.String(500), default='', server_default='')
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    project: Mapped[Project] = relationship(back_populates='fundings')


@audited('milestone', _l('Milestone'), label=lambda milestone: milestone.title)
class Milestone(TimestampMixin, db.Model):
    __tablename__ = 'milestones'
    __table_args__ = (
        sa.Index('ix_milestones_project_id_due_date', 'project_id', 'due_date'),
        # Overdue milestones of many projects: not accepted, due before a day.
        sa.Index('ix_milestones_state_due_date', 'state', 'due_date'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey('projects.id', ondelete='CASCADE'))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    due_date: Mapped[date]
    state: Mapped[MilestoneState] = mapped_column(enum_column(MilestoneState), default=MilestoneState.planned)
    accepted_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship(back_populates='milestones')
    kpi_targets: Mapped[list['KpiTarget']] = relationship(
        back_populates='milestone', cascade='all, delete-orphan', order_by='KpiTarget.id')
    submissions: Mapped[list['ProgressSubmission']] = relationship(
        back_populates='milestone', cascade='all, delete-orphan',
        order_by='[ProgressSubmission.submitted_at, ProgressSubmission.id]')
    date_changes: Mapped[list['MilestoneDateChange']] = relationship(
        back_populates='milestone', cascade='all, delete-orphan',
        order_by='[MilestoneDateChange.changed_at, MilestoneDateChange.id]')

    def is_overdue_on(self, today):
        return self.due_date < today and self.state != MilestoneState.accepted

    @property
    def is_overdue(self):
        """Due date passed (in programme time) and not accepted."""
        return self.is_overdue_on(programme_today())

    def allows(self, action):
        """Whether ``action`` can happen now, whoever asks: by its state (``MILESTONE_TRANSITIONS``, and
        ``edit`` while planned, ``reschedule`` until accepted) and only while the project is active.

        Pages offer an action when this and the acting user's permission agree; operations check both.
        """
        if self.project.status != ProjectStatus.active:
            return False
        if action == 'edit':
            return self.state == MilestoneState.planned
        if action == 'reschedule':
            return self.state != MilestoneState.accepted
        if action == 'decide':
            return self.state == MilestoneState.submitted
        return (self.state, action) in MILESTONE_TRANSITIONS

    @classmethod
    def overdue_clause(cls, today):
        """The SQL condition of :meth:`is_overdue_on`; the states not accepted are listed, so that the index on
        (state, due date) finds the overdue milestones of every project."""
        return sa.and_(cls.due_date < today, cls.state.in_([state for state in MilestoneState
                                                            if state != MilestoneState.accepted]))

    def __repr__(self):
        return f'<Milestone {self.id} {self.title}>'


class MilestoneDateChange(db.Model):
    """One reschedule of a milestone by a manager, with its reason: the history of its dates."""

    __tablename__ = 'milestone_date_changes'

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey('milestones.id', ondelete='CASCADE'), index=True)
    old_due_date: Mapped[date]
    new_due_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(500))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    changed_at: Mapped[datetime] = mapped_column(default=now_utc)

    milestone: Mapped[Milestone] = relationship(back_populates='date_changes')
    changed_by: Mapped[Optional['User']] = relationship()  # noqa: F821


class KpiTarget(db.Model):
    """A milestone's target for one indicator: integer fen for money kinds, a count otherwise."""

    __tablename__ = 'kpi_targets'
    __table_args__ = (
        sa.CheckConstraint('target_value >= 0', name='target_not_negative'),
        sa.CheckConstraint("kind != 'custom' OR custom_name IS NOT NULL", name='custom_named'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey('milestones.id', ondelete='CASCADE'), index=True)
    kind: Mapped[KpiKind] = mapped_column(enum_column(KpiKind))
    custom_name: Mapped[str | None] = mapped_column(sa.String(100))
    unit: Mapped[str | None] = mapped_column(sa.String(30))
    target_value: Mapped[int] = mapped_column(sa.BigInteger)
    # The latest figure (greatest recorded_on, then id), kept by projects.latest in the figure's transaction:
    # the health of every project is computed from it on each dashboard request.
    latest_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    latest_recorded_on: Mapped[date | None]

    milestone: Mapped[Milestone] = relationship(back_populates='kpi_targets')
    figures: Mapped[list['KpiFigure']] = relationship(
        back_populates='kpi_target', cascade='all, delete-orphan',
        order_by='[KpiFigure.recorded_on, KpiFigure.id]')

    @property
    def label(self):
        """The indicator's name in the reader's language (a custom one's own name)."""
        return self.custom_name if self.kind == KpiKind.custom else str(self.kind.label)

    @property
    def is_money(self):
        return self.kind.is_money


class ProgressSubmission(db.Model):
    """What a startup reports on a milestone: actual figures, a narrative and evidence files.

    Evidence files are attachments owned by kind ``'progress_submission'``.
    """

    __tablename__ = 'progress_submissions'
    __table_args__ = (
        sa.Index('ix_progress_submissions_milestone_id_submitted_at', 'milestone_id', 'submitted_at'),
        sa.Index('ix_progress_submissions_state', 'state'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey('milestones.id', ondelete='CASCADE'))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    submitted_at: Mapped[datetime] = mapped_column(default=now_utc)
    narrative: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[SubmissionState] = mapped_column(enum_column(SubmissionState), default=SubmissionState.pending)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(sa.Text)

    milestone: Mapped[Milestone] = relationship(back_populates='submissions')
    submitted_by: Mapped[Optional['User']] = relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    decided_by: Mapped[Optional['User']] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    figures: Mapped[list['KpiFigure']] = relationship(back_populates='submission', order_by='KpiFigure.id')

    @property
    def is_decided(self):
        return self.state != SubmissionState.pending


class KpiFigure(db.Model):
    """An actual value of a KPI on a day: the chart draws them against the target over time."""

    __tablename__ = 'kpi_figures'
    __table_args__ = (
        sa.CheckConstraint('value >= 0', name='value_not_negative'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_target_id: Mapped[int] = mapped_column(sa.ForeignKey('kpi_targets.id', ondelete='CASCADE'))
    submission_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey('progress_submissions.id', ondelete='SET NULL'), index=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)
    recorded_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=now_utc)

    kpi_target: Mapped[KpiTarget] = relationship(back_populates='figures')
    submission: Mapped[ProgressSubmission | None] = relationship(back_populates='figures')


# Each target's latest figure (the health rule's KPI share) read in index order, without sorting every figure on
# each dashboard request; the chart reads a target's figures by day from it backwards.
sa.Index('ix_kpi_figures_latest', KpiFigure.kpi_target_id, KpiFigure.recorded_on.desc(), KpiFigure.id.desc(),
         postgresql_include=['value'])
