"""The write side of committees: set them up, open an item for decision, vote, declare a conflict, record the
outcome. The acting user is passed in; operations flush, never commit.

The outcome itself is the subject domain's code ('exempt', 'approve'…): this package checks who records it and
that the quorum is met, not whether it follows the majority (the subject domain reads ``tally_of(...).carried``).
"""
import logging
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.auth.models import Role
from incubator.committees.models import (
    Committee,
    CommitteeMember,
    CommitteePurpose,
    Decision,
    DecisionSeat,
    Opinion,
    OpinionChoice,
    Recusal,
)
from incubator.committees.queries import tally_of
from incubator.committees.registry import subject_type
from incubator.core.errors import Conflict, NotAllowed, checked_text, refusal
from incubator.core.time import now_utc
from incubator.core.transactions import operation
from incubator.extensions import db
from incubator.notifications.operations import notify_many

logger = logging.getLogger(__name__)

NAME_LIMIT = 120
TEXT_LIMIT = 4000
OUTCOME_LIMIT = 40
#: The largest denominator of a quorum or majority fraction: enough for any committee, small enough to read.
MAX_DENOMINATOR = 100


# --- committees -------------------------------------------------------------------------------

@operation
def create_committee(*, user, name, purpose, chair, members, quorum=(2, 3), majority=(1, 2)):
    """A new active committee with ``chair`` presiding over ``members`` (the chair is a member too)."""
    committee = Committee(name=_checked_name(name), purpose=_purpose(purpose))
    _set_fractions(committee, quorum, majority)
    db.session.add(committee)
    _replace_members(committee, chair, members)
    db.session.flush()
    logger.info('Committee %s created by %s', committee.id, user.id)
    return committee


@operation
def update_committee(committee, *, user, name=None, purpose=None, quorum=None, majority=None, is_active=None):
    """Change what is given (None leaves it). Items already open keep the quorum and seats they were opened with."""
    if name is not None and name.strip() != committee.name:
        committee.name = _checked_name(name, committee)
    if purpose is not None:
        committee.purpose = _purpose(purpose)
    _set_fractions(committee, quorum or committee.quorum, majority or committee.majority)
    if is_active is not None:
        if is_active and committee.chair is None:
            raise refusal(_l('Choose a chair before the committee is active.'), 'chair', code='committees.no_chair')
        committee.is_active = bool(is_active)
    db.session.flush()
    logger.info('Committee %s updated by %s', committee.id, user.id)
    return committee


@operation
def set_members(committee, *, user, chair, members):
    """Seat exactly ``members`` with ``chair`` presiding; members who stay keep their seniority."""
    _replace_members(committee, chair, members)
    db.session.flush()
    logger.info('Committee %s members set by %s', committee.id, user.id)
    return committee


def _checked_name(name, committee=None):
    text = checked_text(name, 'name', NAME_LIMIT, domain='committees')
    taken = db.session.execute(sa.select(Committee.id).where(
        Committee.name == text, Committee.id != (committee.id if committee is not None and committee.id else -1))
    ).first()
    if taken:
        raise refusal(_l('Another committee already has this name.'), 'name', error_class=Conflict,
                      code='committees.name_taken')
    return text


def _purpose(value):
    try:
        return CommitteePurpose(value)
    except ValueError:
        raise refusal(_l('Choose what the committee decides on.'), 'purpose', code='committees.bad_purpose') from None


def _set_fractions(committee, quorum, majority):
    quorum_numerator, quorum_denominator = _fraction(quorum, 'quorum')
    majority_numerator, majority_denominator = _fraction(majority, 'majority')
    if not 0 < quorum_numerator <= quorum_denominator:
        raise refusal(_l('The quorum must be more than none and at most all of the members.'), 'quorum',
                      code='committees.bad_fraction')
    if not 0 <= majority_numerator < majority_denominator:
        raise refusal(_l('The majority must be a share of the votes below all of them.'), 'majority',
                      code='committees.bad_fraction')
    committee.quorum_numerator, committee.quorum_denominator = quorum_numerator, quorum_denominator
    committee.majority_numerator, committee.majority_denominator = majority_numerator, majority_denominator


def _fraction(value, field):
    try:
        numerator, denominator = (int(part) for part in value)
    except (TypeError, ValueError):
        numerator, denominator = -1, 0
    if not (0 <= numerator <= MAX_DENOMINATOR and 0 < denominator <= MAX_DENOMINATOR):
        raise refusal(_l('Give a fraction with whole numbers up to %(max)d.'), field, max=MAX_DENOMINATOR,
                      code='committees.bad_fraction')
    return numerator, denominator


def _replace_members(committee, chair, members):
    wanted = {member.id: member for member in members}
    if chair is None:
        raise refusal(_l('Choose a chair.'), 'chair', code='committees.no_chair')
    wanted.setdefault(chair.id, chair)
    for person in wanted.values():
        if not person.is_active or not person.has_role(Role.committee):
            raise refusal(_l('%(name)s is not an active committee member account.'), 'members',
                          name=person.name, code='committees.not_committee_role')
    kept = {member.user_id: member for member in committee.members if member.user_id in wanted}
    committee.members = [kept.get(user_id) or CommitteeMember(user_id=user_id, user=person)
                         for user_id, person in wanted.items()]
    for member in committee.members:
        member.is_chair = member.user_id == chair.id


# --- decisions --------------------------------------------------------------------------------

class Opening(NamedTuple):
    """One subject to put before a committee: who opens it, and by when its votes are due."""

    subject_id: int
    opened_by: object
    deadline_on: date | None = None


@operation
def open_decision(committee, *, user, subject_kind, subject_id, round=1, deadline_on=None):
    """Put a subject before ``committee``: its members are seated (a later change of members does not move
    them) with today's quorum and majority, and each is told a vote waits, in their own language."""
    return open_decisions(committee, subject_kind=subject_kind, round=round,
                          openings=[Opening(subject_id, user, deadline_on)])[0]


@operation
def open_decisions(committee, *, subject_kind, openings, round=1):
    """:func:`open_decision` for many subjects at once, in a few statements whatever their number: a daily job
    sends hundreds of green-channel requests to the committee in one run."""
    registered = subject_type(subject_kind)
    ids = [opening.subject_id for opening in openings]
    subjects = {subject.id: subject for subject in db.session.scalars(
        sa.select(registered.model).where(registered.model.id.in_(ids)))}
    missing = set(ids) - subjects.keys()
    if missing:
        raise LookupError(f'no {subject_kind} {sorted(missing)} to decide on')
    if not committee.is_active or not committee.members:
        raise Conflict(_l('The committee %(name)s is not active or has no members.'), name=committee.name,
                       code='committees.no_members')
    existing = db.session.execute(sa.select(Decision.id).where(
        Decision.subject_kind == subject_kind, Decision.subject_id.in_(ids), Decision.round == round)).first()
    if existing:
        raise Conflict(_l('This item is already before the committee for this round.'),
                       code='committees.already_open')
    decisions = [Decision(committee=committee, subject_kind=subject_kind, subject_id=opening.subject_id, round=round,
                          deadline_on=opening.deadline_on, opened_by_id=opening.opened_by.id,
                          quorum_numerator=committee.quorum_numerator,
                          quorum_denominator=committee.quorum_denominator,
                          majority_numerator=committee.majority_numerator,
                          majority_denominator=committee.majority_denominator,
                          seats=[DecisionSeat(user_id=member.user_id, is_chair=member.is_chair,
                                              member_since=member.joined_at) for member in committee.members])
                 for opening in openings]
    db.session.add_all(decisions)
    db.session.flush()
    notices = []
    for opening in openings:
        subject = subjects[opening.subject_id]
        link, title = registered.url(subject), str(registered.title(subject))
        notices += [(member.user, 'committee_vote_waiting', link, {'committee': committee.name, 'subject': title})
                    for member in committee.members]
    notify_many(notices)
    for decision, opening in zip(decisions, openings, strict=True):
        logger.info('Decision %s opened on %s %s round %s by %s', decision.id, subject_kind, opening.subject_id,
                    round, opening.opened_by.id)
    return decisions


@operation
def record_opinion(decision, *, user, choice, comment=''):
    """``user``'s vote; they may change it until the outcome is recorded."""
    _lock(decision)
    _check_may_act(decision, user)
    try:
        choice = OpinionChoice(choice)
    except ValueError:
        raise refusal(_l('Choose your vote.'), 'choice', code='committees.bad_choice') from None
    text = checked_text(comment, 'comment', TEXT_LIMIT, domain='committees', needed=False)
    if choice.needs_comment and not text:
        raise refusal(_l('Say why you are against, or state your conditions.'), 'comment',
                      code='committees.comment_required')
    opinion = decision.opinion_of(user)
    if opinion is None:
        opinion = Opinion(user_id=user.id)
        decision.opinions.append(opinion)
    opinion.choice, opinion.comment, opinion.recorded_at = choice, text, now_utc()
    db.session.flush()
    logger.info('Opinion on decision %s recorded by %s', decision.id, user.id)
    return opinion


@operation
def declare_conflict(decision, *, user, reason):
    """``user`` steps aside from this item: their vote, if any, is withdrawn and they no longer read opinions."""
    _lock(decision)
    if decision.recusal_of(user) is not None and not decision.is_decided:
        raise Conflict(_l('You already declared a conflict of interest on this item.'),
                       code='committees.already_recused')
    _check_may_act(decision, user)
    text = checked_text(reason, 'reason', TEXT_LIMIT, domain='committees', needed=False)
    if not text:
        raise refusal(_l('Give the reason for the conflict of interest.'), 'reason',
                      code='committees.reason_required')
    opinion = decision.opinion_of(user)
    if opinion is not None:
        decision.opinions.remove(opinion)
    recusal = Recusal(user_id=user.id, reason=text)
    decision.recusals.append(recusal)
    db.session.flush()
    logger.info('Conflict declared on decision %s by %s', decision.id, user.id)
    return recusal


@operation
def record_outcome(decision, *, user, outcome, note=''):
    """The chair (or the member standing in for a recused chair) records the outcome, once, with the quorum met."""
    _lock(decision)
    if decision.is_decided:
        raise Conflict(_l('The outcome of this item is already recorded.'), code='committees.decided')
    acting = decision.acting_chair
    if acting is None or acting.user_id != user.id:
        raise NotAllowed(_l('Only the chair of this item records its outcome.'), code='committees.not_chair')
    result = tally_of(decision)
    if not result.quorum_met:
        raise Conflict(_l('The quorum is not reached: %(short)d more needed, %(missing)d yet to vote.'),
                       short=result.votes_short, missing=result.missing_count,
                       code='committees.no_quorum')
    decision.outcome = checked_text(outcome, 'outcome', OUTCOME_LIMIT, domain='committees')
    decision.outcome_note = checked_text(note, 'note', TEXT_LIMIT, domain='committees', needed=False)
    decision.decided_at = now_utc()
    decision.decided_by_id = user.id
    db.session.flush()
    logger.info('Decision %s decided %r by %s', decision.id, decision.outcome, user.id)
    return decision


def _lock(decision):
    """Vote, conflict and outcome of one item take turns (PostgreSQL row lock; SQLite writes one at a time)."""
    db.session.execute(sa.select(Decision.id).where(Decision.id == decision.id).with_for_update())
    db.session.refresh(decision)


def _check_may_act(decision, user):
    if decision.is_decided:
        raise Conflict(_l('The outcome of this item is recorded: votes can no longer change.'),
                       code='committees.decided')
    if decision.seat_of(user) is None:
        raise NotAllowed(_l('You do not sit on this item.'), code='committees.not_seated')
    if decision.recusal_of(user) is not None:
        raise NotAllowed(_l('You declared a conflict of interest on this item.'), code='committees.recused')
