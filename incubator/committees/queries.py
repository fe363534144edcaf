"""The read side of committees: the tally of an item, the item of a subject, what waits for a member's vote,
which opinions a reader may see."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.auth.models import Role, User, UserRole
from incubator.committees.models import Committee, CommitteeMember, Decision, DecisionSeat, Opinion, Recusal
from incubator.committees.registry import subject_type
from incubator.committees.rules import tally
from incubator.core.permissions import can, is_visible
from incubator.extensions import db


def _with_people():
    return (selectinload(Decision.seats).selectinload(DecisionSeat.user),
            selectinload(Decision.opinions).selectinload(Opinion.user),
            selectinload(Decision.recusals).selectinload(Recusal.user),
            selectinload(Decision.committee))


def tally_of(decision):
    """The count of ``decision`` under the quorum and majority it was opened with."""
    return tally([seat.user_id for seat in decision.seats],
                 {opinion.user_id: opinion.choice for opinion in decision.opinions},
                 decision.recused_ids, quorum=decision.quorum, majority=decision.majority)


def decision_for(subject_kind, subject_id, round=None):
    """The decision on a subject in ``round``, or its latest round; None if it never went before a committee."""
    query = (sa.select(Decision).where(Decision.subject_kind == subject_kind, Decision.subject_id == subject_id)
             .options(*_with_people()).order_by(Decision.round.desc()).limit(1))
    if round is not None:
        query = query.where(Decision.round == round)
    return db.session.scalars(query).first()


def judged_by(user, subject_kind, subject_id):
    """The SQL condition that ``user`` is seated on a decision of the subject whose id is ``subject_id`` (a
    column), any round, and recused from none: what a committee member may read of a subject domain."""
    seated = sa.select(Decision.subject_id).join(DecisionSeat, DecisionSeat.decision_id == Decision.id).where(
        Decision.subject_kind == subject_kind, DecisionSeat.user_id == user.id)
    recused = sa.select(Decision.subject_id).join(Recusal, Recusal.decision_id == Decision.id).where(
        Decision.subject_kind == subject_kind, Recusal.user_id == user.id)
    return sa.and_(subject_id.in_(seated), subject_id.not_in(recused))


def seat_standing(user, subject_kind, subject_id):
    """``(seated, recused)``: whether ``user`` is seated on a decision of the subject (any round), and recused
    from any of them; one query, none for accounts without the committee role."""
    if not user.has_role(Role.committee):
        return False, False
    decisions = sa.select(Decision.id).where(Decision.subject_kind == subject_kind,
                                             Decision.subject_id == subject_id).scalar_subquery()
    seated, recused = db.session.execute(sa.select(
        sa.exists().where(DecisionSeat.decision_id.in_(decisions), DecisionSeat.user_id == user.id),
        sa.exists().where(Recusal.decision_id.in_(decisions), Recusal.user_id == user.id))).one()
    return seated, recused


def decisions_waiting_for(user):
    """Open items where ``user`` is seated, not recused and has not voted, the nearest deadline first."""
    voted = sa.select(Opinion.id).where(Opinion.decision_id == Decision.id, Opinion.user_id == user.id)
    recused = sa.select(Recusal.id).where(Recusal.decision_id == Decision.id, Recusal.user_id == user.id)
    query = (sa.select(Decision).join(DecisionSeat, DecisionSeat.decision_id == Decision.id)
             .where(DecisionSeat.user_id == user.id, Decision.decided_at.is_(None),
                    ~sa.exists(voted), ~sa.exists(recused))
             .options(selectinload(Decision.committee))
             .order_by(Decision.deadline_on.is_(None), Decision.deadline_on, Decision.opened_at, Decision.id))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class WaitingItem:
    decision: Decision
    title: str
    url: str


def items_waiting_for(user):
    """:func:`decisions_waiting_for` with each subject's title and page, the subjects of a kind loaded at once;
    items whose subject is gone, unregistered or hidden from ``user`` are left out."""
    decisions = decisions_waiting_for(user)
    subjects = {}
    for kind in {decision.subject_kind for decision in decisions}:
        try:
            registered = subject_type(kind)
        except LookupError:
            continue
        ids = [decision.subject_id for decision in decisions if decision.subject_kind == kind]
        for subject in db.session.scalars(sa.select(registered.model).where(registered.model.id.in_(ids))):
            if is_visible(user, subject) and can(user, registered.view_permission, subject):
                subjects[kind, subject.id] = (registered, subject)
    items = []
    for decision in decisions:
        found = subjects.get((decision.subject_kind, decision.subject_id))
        if found is not None:
            registered, subject = found
            items.append(WaitingItem(decision, str(registered.title(subject)),
                                     registered.url(subject) + f'#decision-{decision.id}'))
    return items


def opinions_visible_to(user, decision):
    """Each opinion with its author and comment for seated members who are not recused; nothing for anyone else,
    who reads the tally's counts only (before and after the outcome alike)."""
    if not can(user, 'decision.read_opinions', decision):
        return []
    return list(decision.opinions)


def committees_for(purpose):
    query = (sa.select(Committee).where(Committee.purpose == purpose)
             .options(selectinload(Committee.members).selectinload(CommitteeMember.user)).order_by(Committee.name))
    return list(db.session.scalars(query))


def all_committees():
    query = (sa.select(Committee).options(selectinload(Committee.members).selectinload(CommitteeMember.user))
             .order_by(Committee.purpose, Committee.name))
    return list(db.session.scalars(query))


def active_committee(purpose):
    """The committee that takes new items of ``purpose``: the oldest active one (several may exist, such as
    department panels; a domain needing one of them picks it from ``committees_for``)."""
    query = (sa.select(Committee).where(Committee.purpose == purpose, Committee.is_active)
             .order_by(Committee.id).limit(1))
    return db.session.scalars(query).first()


def committee_candidates():
    """The active accounts with the committee role: who may sit on a committee."""
    return list(db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == Role.committee, User.is_active.is_(True))
        .order_by(User.name, User.id)))


def waiting_count(user):
    """The select counting the open items waiting for ``user``'s vote (as :func:`decisions_waiting_for`)."""
    voted = sa.select(Opinion.id).where(Opinion.decision_id == Decision.id, Opinion.user_id == user.id)
    recused = sa.select(Recusal.id).where(Recusal.decision_id == Decision.id, Recusal.user_id == user.id)
    return (sa.select(sa.func.count(Decision.id)).join(DecisionSeat, DecisionSeat.decision_id == Decision.id)
            .where(DecisionSeat.user_id == user.id, Decision.decided_at.is_(None), ~sa.exists(voted),
                   ~sa.exists(recused)))
