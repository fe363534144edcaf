"""Green-channel resource requests (绿色通道): departments and their reviewers, request categories, the requests
a startup files, the one window's completeness check, each routed department's review, the clocks of every
stage with their pauses, the timeline and the messages.

Two workflows, each one table keyed by (state, action): :data:`REQUEST_TRANSITIONS` and
:data:`REVIEW_TRANSITIONS`. A stage's clock keeps ``due_at`` current (moved on by every pause when it ends), so
the deadline job and the lists read one indexed column.

After an approval the request goes under public notice (:class:`PublicNotice`, with its :class:`Objection`)
when its category asks for one, then into fulfilment (:class:`FulfilmentItem`) until every item is delivered.
"""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.auth.models import User
from incubator.core.audit import audited, bilingual_label, read_bilingual_label
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.i18n import current_language
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.projects.models import Project
from incubator.spaces.models import Space
from incubator.startups.models import Startup


def _localised(zh, en):
    """The name in the reader's language: Chinese unless the reader reads English and an English name exists."""
    return en if en and current_language() == 'en' else zh


def joined_names(names, language):
    """Names listed as ``language`` writes a list: 自然资源局、住建局; Natural resources, Housing."""
    return (', ' if language == 'en' else '、').join(names)


# --- departments and categories -------------------------------------------------------------------------------

@audited('green_department', _l('Green-channel department'), reads_label=read_bilingual_label,
         label=lambda department: bilingual_label(department.name_zh, department.name_en))
class Department(TimestampMixin, db.Model):
    __tablename__ = 'green_departments'

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(100), default='', server_default='')
    #: Escalations of overdue reviews go to the head.
    head_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    head: Mapped[User | None] = relationship(foreign_keys=[head_id])
    reviewer_rows: Mapped[list['DepartmentReviewer']] = relationship(
        back_populates='department', cascade='all, delete-orphan', order_by='DepartmentReviewer.id')

    @property
    def name(self):
        return _localised(self.name_zh, self.name_en)

    @property
    def reviewers(self):
        return [row.user for row in self.reviewer_rows]

    def has_reviewer(self, user):
        return any(row.user_id == getattr(user, 'id', None) for row in self.reviewer_rows)

    def __repr__(self):
        return f'<Department {self.id} {self.name_zh}>'


class DepartmentReviewer(db.Model):
    """An account that reviews for a department (it holds the ``department_reviewer`` role)."""

    __tablename__ = 'green_department_reviewers'
    __table_args__ = (sa.UniqueConstraint('department_id', 'user_id'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey('green_departments.id', ondelete='CASCADE'))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), index=True)

    department: Mapped[Department] = relationship(back_populates='reviewer_rows')
    user: Mapped[User] = relationship()


category_departments = sa.Table(
    'green_category_departments', db.metadata,
    sa.Column('category_id', sa.ForeignKey('green_categories.id', ondelete='CASCADE'), primary_key=True),
    sa.Column('department_id', sa.ForeignKey('green_departments.id', ondelete='CASCADE'), primary_key=True),
)


class PublicField(LabelledEnum):
    """What a public notice may show of a request (the category chooses)."""

    startup = 'startup'
    granted = 'granted'
    amount = 'amount'
    notice_period = 'notice_period'

    @classmethod
    def labels(cls):
        return {cls.startup: _l('Company name'), cls.granted: _l('What is granted'), cls.amount: _l('Amount'),
                cls.notice_period: _l('Notice period')}


@audited('green_category', _l('Green-channel category'), reads_label=read_bilingual_label,
         label=lambda category: bilingual_label(category.name_zh, category.name_en))
class RequestCategory(TimestampMixin, db.Model):
    __tablename__ = 'green_categories'
    __table_args__ = (
        sa.CheckConstraint('promised_working_days > 0 AND completeness_working_days > 0 '
                           'AND opinion_working_days > 0 AND notice_days >= 0', name='positive_days'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(100), default='', server_default='')
    description: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    asks_amount: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    asks_area: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    asks_headcount: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    asks_dates: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The promise for the whole request, from submission to decision, paused time left out.
    promised_working_days: Mapped[int] = mapped_column(default=15, server_default='15')
    completeness_working_days: Mapped[int] = mapped_column(default=2, server_default='2')
    opinion_working_days: Mapped[int] = mapped_column(default=5, server_default='5')
    needs_notice: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    notice_days: Mapped[int] = mapped_column(default=7, server_default='7')
    #: Comma-separated :class:`PublicField` values.
    public_fields: Mapped[str] = mapped_column(sa.String(200), default='startup,granted,notice_period',
                                               server_default='startup,granted,notice_period')
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    default_departments: Mapped[list[Department]] = relationship(secondary=category_departments,
                                                                 order_by='Department.id')

    @property
    def name(self):
        return _localised(self.name_zh, self.name_en)

    @property
    def public_field_set(self):
        known = {field.value for field in PublicField}
        return {PublicField(value) for value in self.public_fields.split(',') if value in known}

    def __repr__(self):
        return f'<RequestCategory {self.id} {self.name_zh}>'


# --- requests and their workflow ------------------------------------------------------------------------------

class RequestState(LabelledEnum):
    draft = 'draft'
    submitted = 'submitted'
    returned = 'returned'
    in_review = 'in_review'
    in_committee = 'in_committee'
    decided = 'decided'
    in_notice = 'in_notice'
    in_fulfilment = 'in_fulfilment'
    closed = 'closed'
    withdrawn = 'withdrawn'

    @classmethod
    def labels(cls):
        return {cls.draft: _l('Draft'), cls.submitted: _l('Awaiting the completeness check'),
                cls.returned: _l('Returned for information'), cls.in_review: _l('Under department review'),
                cls.in_committee: _l('Before the committee'), cls.decided: _l('Approved, awaiting the next step'),
                cls.in_notice: _l('Under public notice'), cls.in_fulfilment: _l('Being fulfilled'),
                cls.closed: _l('Closed'), cls.withdrawn: _l('Withdrawn')}

    @property
    def is_open(self):
        """Still being handled by the programme (the clocks run)."""
        return self in OPEN_STATES


OPEN_STATES = frozenset({RequestState.submitted, RequestState.returned, RequestState.in_review,
                         RequestState.in_committee})


class Urgency(LabelledEnum):
    normal = 'normal'
    urgent = 'urgent'
    critical = 'critical'

    @classmethod
    def labels(cls):
        return {cls.normal: _l('Normal'), cls.urgent: _l('Urgent'), cls.critical: _l('Critical')}


class Outcome(LabelledEnum):
    """The committee's decision on a request (a progress submission's "Rejected" reads otherwise in Chinese)."""

    approved = 'approved'
    partly_approved = 'partly_approved'
    rejected = 'rejected'

    @classmethod
    def labels(cls):
        return {cls.approved: _l('Approved'), cls.partly_approved: _l('Partly approved'),
                cls.rejected: lazy_pgettext('green-channel decision', 'Rejected')}


class GreenRole(LabelledEnum):
    """What a user is to one request, as the transition tables name it (a user may be several)."""

    owner = 'owner'
    member = 'member'
    service_contact = 'service_contact'
    manager = 'manager'
    department_reviewer = 'department_reviewer'
    committee_member = 'committee_member'
    chair = 'chair'
    admin = 'admin'
    #: The scheduled job.
    system = 'system'

    @classmethod
    def labels(cls):
        return {cls.owner: _l('Owner'), cls.member: _l('Member'), cls.service_contact: _l('Service contact'),
                cls.manager: _l('Incubator manager'), cls.department_reviewer: _l('Department reviewer'),
                cls.committee_member: _l('Committee member'), cls.chair: _l('Committee chair'),
                cls.admin: _l('Administrator'), cls.system: _l('The system')}


_FILER = frozenset({GreenRole.owner})
_WINDOW = frozenset({GreenRole.service_contact, GreenRole.manager})
_CHAIR = frozenset({GreenRole.chair})
_SYSTEM = frozenset({GreenRole.system})

#: (state, action) → (roles allowed, next state): every allowed move of a request, and only those.
#: ``to_committee`` is taken by the job once every opinion is in or every department's deadline passed, or by
#: the window earlier when the last opinion arrives. An approved request waits in ``decided`` for the notice and
#: fulfilment steps; a rejected one is closed.
REQUEST_TRANSITIONS = {
    (RequestState.draft, 'edit'): (_FILER, RequestState.draft),
    (RequestState.draft, 'submit'): (_FILER, RequestState.submitted),
    (RequestState.draft, 'withdraw'): (_FILER, RequestState.withdrawn),
    (RequestState.submitted, 'return'): (_WINDOW, RequestState.returned),
    (RequestState.submitted, 'accept'): (_WINDOW, RequestState.in_review),
    (RequestState.submitted, 'withdraw'): (_FILER, RequestState.withdrawn),
    (RequestState.returned, 'edit'): (_FILER, RequestState.returned),
    (RequestState.returned, 'resubmit'): (_FILER, RequestState.submitted),
    (RequestState.returned, 'withdraw'): (_FILER, RequestState.withdrawn),
    (RequestState.in_review, 'to_committee'): (frozenset({GreenRole.system}) | _WINDOW, RequestState.in_committee),
    (RequestState.in_committee, 'approve'): (_CHAIR, RequestState.decided),
    (RequestState.in_committee, 'partly_approve'): (_CHAIR, RequestState.decided),
    (RequestState.in_committee, 'reject'): (_CHAIR, RequestState.closed),
    # After an approval (README "Public notice and fulfilment"): published if the category needs a notice, else
    # in effect at once; an upheld objection sends it back to the committee; delivered items close it.
    (RequestState.decided, 'publish'): (_SYSTEM | _WINDOW, RequestState.in_notice),
    (RequestState.decided, 'take_effect'): (_SYSTEM | _WINDOW, RequestState.in_fulfilment),
    (RequestState.in_notice, 'take_effect'): (_SYSTEM, RequestState.in_fulfilment),
    (RequestState.in_notice, 'reopen'): (_WINDOW, RequestState.in_committee),
    (RequestState.in_fulfilment, 'plan'): (_WINDOW, RequestState.in_fulfilment),
    (RequestState.in_fulfilment, 'deliver'): (_WINDOW, RequestState.in_fulfilment),
    (RequestState.in_fulfilment, 'close'): (_SYSTEM | _WINDOW, RequestState.closed),
}

REQUEST_ACTIONS = ('edit', 'submit', 'withdraw', 'return', 'accept', 'resubmit', 'to_committee', 'approve',
                   'partly_approve', 'reject', 'publish', 'take_effect', 'reopen', 'plan', 'deliver', 'close')


def request_transition(state, action, roles):
    """The next state if one of ``roles`` may take ``action`` in ``state``, else None."""
    allowed, next_state = REQUEST_TRANSITIONS.get((state, action), (frozenset(), None))
    return next_state if allowed & frozenset(roles) else None


def reference_of(request_id):
    """How people name a request: GC-00042."""
    return f'GC-{request_id:05d}'


#: How a request is named as the subject of a committee's decision (and of attachments and audit rows).
SUBJECT_KIND = 'green_request'


@audited(SUBJECT_KIND, _l('Green-channel request'), label=lambda request: request.reference,
         reads_label=lambda stored: reference_of(int(stored.removeprefix('#'))))
class GreenRequest(TimestampMixin, db.Model):
    __tablename__ = 'green_requests'
    __table_args__ = (
        sa.Index('ix_green_requests_startup_id_state', 'startup_id', 'state'),
        sa.Index('ix_green_requests_state_submitted_at', 'state', 'submitted_at'),
        sa.CheckConstraint('amount_fen IS NULL OR amount_fen >= 0', name='amount_not_negative'),
        sa.CheckConstraint('area_m2 IS NULL OR area_m2 >= 0', name='area_not_negative'),
        sa.CheckConstraint('headcount IS NULL OR headcount >= 0', name='headcount_not_negative'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey('projects.id'), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey('green_categories.id'), index=True)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    #: The startup's service contact when it was submitted: the one window for this request.
    service_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'),
                                                           index=True)
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState), default=RequestState.draft)
    needed: Mapped[str] = mapped_column(sa.Text)
    justification: Mapped[str] = mapped_column(sa.Text, default='')
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.normal)
    amount_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    area_m2: Mapped[int | None]
    headcount: Mapped[int | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    #: What the committee grants (the whole request, or part of it) and its reasons or conditions.
    granted: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    decision_reasons: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    #: The request went to the committee without every opinion (some department's deadline passed).
    opinions_incomplete: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    startup: Mapped[Startup] = relationship()
    project: Mapped[Project] = relationship()
    category: Mapped[RequestCategory] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    service_contact: Mapped[User | None] = relationship(foreign_keys=[service_contact_id])
    reviews: Mapped[list['DepartmentReview']] = relationship(
        back_populates='request', cascade='all, delete-orphan', order_by='DepartmentReview.id')
    stages: Mapped[list['Stage']] = relationship(back_populates='request', cascade='all, delete-orphan',
                                                 order_by='Stage.id')
    returns: Mapped[list['RequestReturn']] = relationship(back_populates='request', cascade='all, delete-orphan',
                                                          order_by='RequestReturn.id')
    events: Mapped[list['RequestEvent']] = relationship(back_populates='request', cascade='all, delete-orphan',
                                                        order_by='RequestEvent.id')
    messages: Mapped[list['RequestMessage']] = relationship(back_populates='request', cascade='all, delete-orphan',
                                                            order_by='RequestMessage.id')
    fulfilment_items: Mapped[list['FulfilmentItem']] = relationship(
        back_populates='request', cascade='all, delete-orphan', order_by='FulfilmentItem.id')

    def __repr__(self):
        return f'<GreenRequest {self.id} {self.state.value}>'

    @property
    def reference(self):
        return reference_of(self.id)

    @property
    def routed_to(self):
        """The departments it was routed to, by their names in the reader's language, listed as it writes lists."""
        return joined_names((review.department.name for review in self.reviews), current_language())

    def review_of(self, department):
        department_id = getattr(department, 'id', department)
        return next((review for review in self.reviews if review.department_id == department_id), None)

    def stage(self, kind, review=None):
        """The latest stage of ``kind`` (of ``review`` for a department stage), or None."""
        found = [stage for stage in self.stages if stage.kind == kind
                 and (review is None or stage.review_id == review.id)]
        return found[-1] if found else None

    @property
    def whole_stage(self):
        return self.stage(StageKind.request)

    @property
    def open_stages(self):
        return [stage for stage in self.stages if stage.finished_at is None]

    @property
    def open_return(self):
        return next((item for item in reversed(self.returns) if item.answered_at is None), None)

    def is_overdue_at(self, now):
        return any(stage.is_overdue_at(now) for stage in self.stages if stage.kind != StageKind.request) or (
            self.whole_stage is not None and self.whole_stage.is_overdue_at(now))


# --- each department's review ---------------------------------------------------------------------------------

class ReviewState(LabelledEnum):
    pending = 'pending'
    asking = 'asking'
    given = 'given'
    lapsed = 'lapsed'

    @classmethod
    def labels(cls):
        return {cls.pending: _l('Awaiting the opinion'), cls.asking: _l('Waiting for the startup\'s answer'),
                cls.given: _l('Opinion given'), cls.lapsed: _l('Deadline passed without an opinion')}


class OpinionKind(LabelledEnum):
    support = 'support'
    support_with_conditions = 'support_with_conditions'
    oppose = 'oppose'

    @classmethod
    def labels(cls):
        return {cls.support: _l('Support'), cls.support_with_conditions: _l('Support with conditions'),
                cls.oppose: _l('Oppose')}


_REVIEWER = frozenset({GreenRole.department_reviewer})

#: (state, action) → (roles allowed, next state) of one department's review. A question pauses the
#: department's clock until the startup's owner answers; the job lapses a review whose deadline passed when
#: the request goes to the committee without it.
REVIEW_TRANSITIONS = {
    (ReviewState.pending, 'give'): (_REVIEWER, ReviewState.given),
    (ReviewState.pending, 'ask'): (_REVIEWER, ReviewState.asking),
    (ReviewState.asking, 'answer'): (_FILER, ReviewState.pending),
    (ReviewState.pending, 'lapse'): (frozenset({GreenRole.system}) | _WINDOW, ReviewState.lapsed),
}

REVIEW_ACTIONS = ('give', 'ask', 'answer', 'lapse')


def review_transition(state, action, roles):
    allowed, next_state = REVIEW_TRANSITIONS.get((state, action), (frozenset(), None))
    return next_state if allowed & frozenset(roles) else None


def _review_label(review):
    """A department review's audit label: the request's reference and the department, in both languages."""
    department, reference = db.session.get(Department, review.department_id), reference_of(review.request_id)
    return bilingual_label(f'{reference} · {department.name_zh}',
                           f'{reference} · {department.name_en}' if department.name_en else '')


@audited('green_review', _l('Department review'), label=_review_label, reads_label=read_bilingual_label)
class DepartmentReview(db.Model):
    """One department's part of a request: routed at acceptance, its opinion with comments and attachments."""

    __tablename__ = 'green_reviews'
    __table_args__ = (
        sa.UniqueConstraint('request_id', 'department_id'),
        sa.Index('ix_green_reviews_department_id_state', 'department_id', 'state'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey('green_departments.id'))
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState), default=ReviewState.pending)
    routed_at: Mapped[datetime] = mapped_column(default=now_utc)
    opinion: Mapped[OpinionKind | None] = mapped_column(enum_column(OpinionKind))
    comment: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    given_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    given_at: Mapped[datetime | None]

    request: Mapped[GreenRequest] = relationship(back_populates='reviews')
    department: Mapped[Department] = relationship()
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_id])
    questions: Mapped[list['ReviewQuestion']] = relationship(
        back_populates='review', cascade='all, delete-orphan', order_by='ReviewQuestion.id')

    @property
    def is_done(self):
        return self.state in (ReviewState.given, ReviewState.lapsed)

    @property
    def open_question(self):
        return next((question for question in self.questions if question.answered_at is None), None)


class ReviewQuestion(db.Model):
    """A department's question to the startup; its clock is paused until the answer."""

    __tablename__ = 'green_review_questions'

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey('green_reviews.id', ondelete='CASCADE'), index=True)
    question: Mapped[str] = mapped_column(sa.Text)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    asked_at: Mapped[datetime] = mapped_column(default=now_utc)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    answered_at: Mapped[datetime | None]

    review: Mapped[DepartmentReview] = relationship(back_populates='questions')
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


# --- returns for information -----------------------------------------------------------------------------------

class RequestReturn(db.Model):
    """The one window's return: everything missing, listed at once; answered when the startup resubmits."""

    __tablename__ = 'green_returns'

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'), index=True)
    returned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    returned_at: Mapped[datetime] = mapped_column(default=now_utc)
    note: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]

    request: Mapped[GreenRequest] = relationship(back_populates='returns')
    returned_by: Mapped[User | None] = relationship()
    items: Mapped[list['MissingItem']] = relationship(back_populates='request_return', cascade='all, delete-orphan',
                                                      order_by='MissingItem.position')


class MissingItem(db.Model):
    __tablename__ = 'green_missing_items'
    __table_args__ = (sa.UniqueConstraint('return_id', 'position'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey('green_returns.id', ondelete='CASCADE'))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(500))

    request_return: Mapped[RequestReturn] = relationship(back_populates='items')


# --- clocks ----------------------------------------------------------------------------------------------------

class StageKind(LabelledEnum):
    #: The whole request, from submission to decision, against the category's promise.
    request = 'request'
    completeness = 'completeness'
    department = 'department'
    committee = 'committee'

    @classmethod
    def labels(cls):
        return {cls.request: _l('Whole request'), cls.completeness: _l('Completeness check'),
                cls.department: _l('Department review'), cls.committee: _l('Committee decision')}


class Stage(db.Model):
    """A clock: started, due ``working_days`` working days later, paused while the startup is asked, finished;
    ``met`` says whether it finished by its deadline. ``due_at`` already includes the pauses that ended."""

    __tablename__ = 'green_stages'
    __table_args__ = (
        # The deadline job and the overdue badge: open stages by deadline.
        sa.Index('ix_green_stages_finished_at_due_at', 'finished_at', 'due_at'),
        sa.Index('ix_green_stages_request_id_kind', 'request_id', 'kind'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'))
    kind: Mapped[StageKind] = mapped_column(enum_column(StageKind))
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey('green_reviews.id', ondelete='CASCADE'), index=True)
    working_days: Mapped[int]
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    #: Set while the clock is paused (the open pause's start).
    paused_since: Mapped[datetime | None]
    #: Working days added to the deadline by the pauses that ended.
    paused_working_days: Mapped[int] = mapped_column(default=0, server_default='0')
    finished_at: Mapped[datetime | None]
    met: Mapped[bool | None]
    #: Working days from start to finish, the paused ones left out (the figures' time to decision).
    used_working_days: Mapped[int | None]

    request: Mapped[GreenRequest] = relationship(back_populates='stages')
    review: Mapped[DepartmentReview | None] = relationship()
    pauses: Mapped[list['StagePause']] = relationship(back_populates='stage', cascade='all, delete-orphan',
                                                      order_by='StagePause.id')

    def is_overdue_at(self, now):
        if self.finished_at is not None:
            return self.met is False
        return self.paused_since is None and self.due_at < now

    @property
    def is_paused(self):
        return self.paused_since is not None


class PauseReason(LabelledEnum):
    returned = 'returned'
    question = 'question'

    @classmethod
    def labels(cls):
        return {cls.returned: _l('Returned for information'), cls.question: _l('Question to the startup')}


class StagePause(db.Model):
    __tablename__ = 'green_stage_pauses'

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey('green_stages.id', ondelete='CASCADE'), index=True)
    reason: Mapped[PauseReason] = mapped_column(enum_column(PauseReason))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    working_days: Mapped[int | None]

    stage: Mapped[Stage] = relationship(back_populates='pauses')


class EscalationKind(LabelledEnum):
    reminder = 'reminder'
    escalation = 'escalation'

    @classmethod
    def labels(cls):
        return {cls.reminder: _l('Reminder before the deadline'), cls.escalation: _l('Escalation after the deadline')}


class EscalationSent(db.Model):
    """The claim of one reminder or escalation: at most one of a kind per stage and day."""

    __tablename__ = 'green_escalations_sent'
    __table_args__ = (sa.UniqueConstraint('stage_id', 'day', 'kind'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey('green_stages.id', ondelete='CASCADE'))
    day: Mapped[date]
    kind: Mapped[EscalationKind] = mapped_column(enum_column(EscalationKind))
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)


# --- timeline and messages -------------------------------------------------------------------------------------

class EventKind(LabelledEnum):
    filed = 'filed'
    submitted = 'submitted'
    returned = 'returned'
    resubmitted = 'resubmitted'
    accepted = 'accepted'
    question = 'question'
    answered = 'answered'
    opinion = 'opinion'
    lapsed = 'lapsed'
    to_committee = 'to_committee'
    decided = 'decided'
    withdrawn = 'withdrawn'
    escalated = 'escalated'
    published = 'published'
    objection = 'objection'
    objection_upheld = 'objection_upheld'
    objection_dismissed = 'objection_dismissed'
    took_effect = 'took_effect'
    delivered = 'delivered'
    closed = 'closed'
    other = 'other'

    @classmethod
    def labels(cls):
        return {cls.filed: _l('Draft saved'), cls.submitted: _l('Submitted'),
                cls.returned: _l('Returned for information'), cls.resubmitted: _l('Information supplied'),
                cls.accepted: _l('Accepted and routed'), cls.question: _l('Question from a department'),
                cls.answered: _l('Question answered'), cls.opinion: _l('Department opinion'),
                cls.lapsed: _l('Department deadline passed'), cls.to_committee: _l('Sent to the committee'),
                cls.decided: _l('Decided'), cls.withdrawn: _l('Withdrawn'), cls.escalated: _l('Escalated'),
                cls.published: _l('Published for public notice'), cls.objection: _l('Objection lodged'),
                cls.objection_upheld: _l('Objection upheld: back to the committee'),
                cls.objection_dismissed: _l('Objection dismissed'), cls.took_effect: _l('Decision took effect'),
                cls.delivered: _l('Item delivered'), cls.closed: _l('Closed'), cls.other: _l('Other')}


class RequestEvent(db.Model):
    """One step on the request's timeline, appended by every operation that moves it."""

    __tablename__ = 'green_events'

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    at: Mapped[datetime] = mapped_column(default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey('green_departments.id', ondelete='SET NULL'))
    note: Mapped[str] = mapped_column(sa.Text, default='', server_default='')

    request: Mapped[GreenRequest] = relationship(back_populates='events')
    actor: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def shown_note(self):
        """The note as the reader reads it. A decision keeps its outcome's value, a delivery its item's kind's value
        and the item (``lab_access: BSL-2 lab``): both are read with the labels of the reader's language. Older
        events kept the labels in the language of whoever acted, and are shown as kept."""
        try:
            if self.kind == EventKind.decided:
                return Outcome(self.note).label
            if self.kind == EventKind.delivered:
                kind, _, item = self.note.partition(': ')
                return gettext('%(kind)s: %(item)s', kind=FulfilmentKind(kind).label, item=item)
        except ValueError:
            pass
        return self.note


class RequestMessage(db.Model):
    __tablename__ = 'green_messages'

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    body: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)

    request: Mapped[GreenRequest] = relationship(back_populates='messages')
    author: Mapped[User | None] = relationship()


# --- fulfilment (the next step's place) ------------------------------------------------------------------------

class FulfilmentKind(LabelledEnum):
    lab_access = 'lab_access'
    funding = 'funding'
    housing = 'housing'
    space = 'space'
    hiring = 'hiring'
    other = 'other'

    @classmethod
    def labels(cls):
        return {cls.lab_access: _l('Lab access'), cls.funding: _l('Funding'), cls.housing: _l('Talent housing'),
                cls.space: _l('Site or space'), cls.hiring: _l('Hiring support'), cls.other: _l('Other')}


class FulfilmentItem(db.Model):
    """One granted item tracked to delivery; the request closes when every item is delivered."""

    __tablename__ = 'green_fulfilment_items'

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'), index=True)
    kind: Mapped[FulfilmentKind] = mapped_column(enum_column(FulfilmentKind))
    description: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    amount_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    delivered_on: Mapped[date | None]
    delivered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    note: Mapped[str] = mapped_column(sa.Text, default='', server_default='')
    #: Lab access: the space whose certification the startup's members receive on delivery, and until when.
    space_id: Mapped[int | None] = mapped_column(sa.ForeignKey('spaces.id', ondelete='SET NULL'))
    access_until: Mapped[date | None]

    request: Mapped[GreenRequest] = relationship(back_populates='fulfilment_items')
    space: Mapped[Space | None] = relationship()

    @property
    def is_delivered(self):
        return self.delivered_on is not None


# --- public notice and objections ------------------------------------------------------------------------------

class NoticeState(LabelledEnum):
    open = 'open'
    took_effect = 'took_effect'
    reopened = 'reopened'

    @classmethod
    def labels(cls):
        return {cls.open: _l('Under public notice'), cls.took_effect: _l('Took effect'),
                cls.reopened: _l('Reopened by an objection')}


@audited('green_notice', _l('Green-channel public notice'), label=lambda notice: f'#{notice.request_id}/{notice.round}')
class PublicNotice(db.Model):
    """One publication of an approved request (a new round after an upheld objection and a new decision)."""

    __tablename__ = 'green_notices'
    __table_args__ = (
        sa.UniqueConstraint('request_id', 'round'),
        # The job and the public list: open notices by end.
        sa.Index('ix_green_notices_state_ends_at', 'state', 'ends_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey('green_requests.id', ondelete='CASCADE'))
    round: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    state: Mapped[NoticeState] = mapped_column(enum_column(NoticeState), default=NoticeState.open)
    closed_at: Mapped[datetime | None]

    request: Mapped[GreenRequest] = relationship()
    objections: Mapped[list['Objection']] = relationship(back_populates='notice', cascade='all, delete-orphan',
                                                         order_by='Objection.id')

    def is_running_at(self, now):
        return self.state == NoticeState.open and self.starts_at <= now < self.ends_at


class ObjectionState(LabelledEnum):
    pending = 'pending'
    upheld = 'upheld'
    dismissed = 'dismissed'

    @classmethod
    def labels(cls):
        return {cls.pending: _l('Awaiting review'), cls.upheld: _l('Upheld'), cls.dismissed: _l('Dismissed')}


@audited('green_objection', _l('Objection to a public notice'), label=lambda objection: f'#{objection.id}')
class Objection(db.Model):
    """An objection anyone lodged during a notice, with a contact; a manager upholds or dismisses it."""

    __tablename__ = 'green_objections'
    __table_args__ = (
        sa.Index('ix_green_objections_notice_id_state', 'notice_id', 'state'),
        # Throttling per address.
        sa.Index('ix_green_objections_ip_address_lodged_at', 'ip_address', 'lodged_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey('green_notices.id', ondelete='CASCADE'))
    name: Mapped[str] = mapped_column(sa.String(100))
    contact: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text)
    ip_address: Mapped[str] = mapped_column(sa.String(45), default='', server_default='')
    lodged_at: Mapped[datetime] = mapped_column(default=now_utc)
    state: Mapped[ObjectionState] = mapped_column(enum_column(ObjectionState), default=ObjectionState.pending)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str] = mapped_column(sa.Text, default='', server_default='')

    notice: Mapped[PublicNotice] = relationship(back_populates='objections')
    reviewed_by: Mapped[User | None] = relationship()
