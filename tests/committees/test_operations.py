"""Committees and decisions through their operations: every refusal code, seats fixed at opening, votes changed
until the outcome and not after, a recusal withdrawing a vote, a recused chair's stand-in."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from incubator.committees import operations
from incubator.committees.models import Decision, Opinion, OpinionChoice
from incubator.committees.queries import (
    active_committee,
    decision_for,
    decisions_waiting_for,
    opinions_visible_to,
    tally_of,
)
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.notifications.models import Notification
from tests.committees.conftest import KIND
from tests.conftest import refused
from tests.factories import UserFactory

FOR, AGAINST = OpinionChoice.for_, OpinionChoice.against


def vote(decision, user, choice=FOR, comment='Reasons'):
    return operations.record_opinion(decision, user=user, choice=choice, comment=comment)


def test_a_committee_has_one_chair_among_its_members(world):
    committee = world.committee
    assert committee.chair == world.chair
    assert sorted(m.user_id for m in committee.members) == sorted(u.id for u in world.members)
    assert [m.is_chair for m in committee.members].count(True) == 1
    assert (committee.quorum, committee.majority, committee.is_active) == ((2, 3), (1, 2), True)
    assert active_committee('cases') == committee and active_committee('greenchannel') is None


def test_the_chair_is_seated_even_if_left_out_of_the_members(subject_kind, in_english):
    admin, chair = UserFactory(roles=['admin']), UserFactory(roles=['committee'])
    committee = operations.create_committee(user=admin, name='Panel', purpose='greenchannel', chair=chair,
                                            members=[])
    assert [(m.user_id, m.is_chair) for m in committee.members] == [(chair.id, True)]


@pytest.mark.parametrize(('fields', 'code'), [
    ({'name': ' '}, 'committees.required'),
    ({'name': 'x' * 121}, 'committees.too_long'),
    ({'name': 'Case committee'}, 'committees.name_taken'),
    ({'quorum': (0, 3)}, 'committees.bad_fraction'),
    ({'quorum': (4, 3)}, 'committees.bad_fraction'),
    ({'quorum': (1, 0)}, 'committees.bad_fraction'),
    ({'quorum': (1, 10**9)}, 'committees.bad_fraction'),
    ({'majority': (1, 1)}, 'committees.bad_fraction'),
    ({'majority': ('a', 2)}, 'committees.bad_fraction'),
    ({'chair': None}, 'committees.no_chair'),
    ({'purpose': 'other'}, 'committees.bad_purpose'),
])
def test_committee_refusals(world, in_english, fields, code):
    values = {'name': 'New', 'purpose': 'cases', 'chair': world.chair, 'members': world.members, **fields}
    with refused(code):
        operations.create_committee(user=world.admin, **values)


def test_only_committee_role_accounts_sit(world, in_english):
    with refused('committees.not_committee_role') as caught:
        operations.set_members(world.committee, user=world.admin, chair=world.chair,
                               members=[world.chair, world.manager])
    assert 'Manager' in str(caught.value)
    world.outsider.is_active = False
    with refused('committees.not_committee_role'):
        operations.set_members(world.committee, user=world.admin, chair=world.chair, members=[world.outsider])


def test_set_members_keeps_seniority_and_moves_the_chair(world):
    committee = world.committee
    joined = {m.user_id: m.joined_at for m in committee.members}
    operations.set_members(committee, user=world.admin, chair=world.members[1],
                           members=world.members[:3] + [world.outsider])
    db.session.expire_all()
    assert committee.chair == world.members[1]
    assert {m.user_id for m in committee.members} == {u.id for u in world.members[:3]} | {world.outsider.id}
    for member in committee.members:
        if member.user_id in joined:
            assert member.joined_at == joined[member.user_id]


def test_update_committee(world, in_english):
    operations.update_committee(world.committee, user=world.admin, name='Renamed', quorum=(1, 2), majority=(2, 3),
                                is_active=False)
    assert (world.committee.name, world.committee.quorum, world.committee.majority) == ('Renamed', (1, 2), (2, 3))
    assert active_committee('cases') is None
    with refused('committees.bad_fraction'):
        operations.update_committee(world.committee, user=world.admin, majority=(3, 2))
    assert world.committee.majority == (2, 3)


def test_opening_seats_the_members_and_tells_each(world):
    world.members[1].locale = 'en'
    decision = world.open(deadline_on=now_utc().date() + timedelta(days=10))
    assert sorted(s.user_id for s in decision.seats) == sorted(u.id for u in world.members)
    assert [s.user_id for s in decision.seats if s.is_chair] == [world.chair.id]
    assert (decision.quorum, decision.majority, decision.is_decided, decision.round) == ((2, 3), (1, 2), False, 1)
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == 'committee_vote_waiting')).all()
    assert sorted(n.user_id for n in notes) == sorted(u.id for u in world.members)
    assert all(n.link == f'/startups/{world.startup.id}' for n in notes)
    assert notes[0].params == {'committee': 'Case committee', 'subject': 'Lanting Robotics'}
    assert decision_for(KIND, world.startup.id) == decision
    assert decisions_waiting_for(world.chair) == [decision]
    assert decisions_waiting_for(world.outsider) == []


def test_later_membership_changes_do_not_move_an_open_decision(world):
    decision = world.open()
    operations.set_members(world.committee, user=world.admin, chair=world.outsider, members=[world.outsider])
    operations.update_committee(world.committee, user=world.admin, quorum=(1, 1))
    db.session.expire_all()
    assert sorted(s.user_id for s in decision.seats) == sorted(u.id for u in world.members)
    assert decision.quorum == (2, 3)
    with refused('committees.not_seated'):
        vote(decision, world.outsider)
    vote(decision, world.members[1])


def test_opening_refusals(world, in_english):
    world.open()
    with refused('committees.already_open'):
        world.open()
    assert world.open(round=2).round == 2
    assert decision_for(KIND, world.startup.id).round == 2
    assert decision_for(KIND, world.startup.id, round=1).round == 1
    operations.update_committee(world.committee, user=world.admin, is_active=False)
    with refused('committees.no_members'):
        world.open(round=3)
    world.committee.is_active = True
    world.committee.members = []
    with refused('committees.no_members'):
        world.open(round=3)
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 2


def test_a_vote_may_change_until_the_outcome_and_not_after(world, in_english):
    decision = world.open()
    member = world.members[1]
    vote(decision, member, AGAINST, 'Too risky')
    opinion = vote(decision, member, OpinionChoice.abstain, '')
    assert db.session.scalar(sa.select(sa.func.count(Opinion.id))) == 1
    assert (opinion.choice, opinion.comment) == (OpinionChoice.abstain, '')
    assert decisions_waiting_for(member) == []
    for user in world.members[2:5]:
        vote(decision, user)
    operations.record_outcome(decision, user=world.chair, outcome='exempt', note='Well founded')
    assert decision.is_decided and decision.decided_by_id == world.chair.id
    with refused('committees.decided'):
        vote(decision, member, FOR)
    with refused('committees.decided'):
        vote(decision, world.chair, FOR)
    with refused('committees.decided'):
        operations.declare_conflict(decision, user=world.chair, reason='Late')
    with refused('committees.decided'):
        operations.record_outcome(decision, user=world.chair, outcome='not_exempt')
    db.session.expire_all()
    assert decision.opinion_of(member).choice == OpinionChoice.abstain
    assert decision.outcome == 'exempt'


@pytest.mark.parametrize('choice', [OpinionChoice.against, OpinionChoice.for_with_conditions])
def test_against_and_conditions_need_a_comment(world, in_english, choice):
    decision = world.open()
    with refused('committees.comment_required'):
        vote(decision, world.members[1], choice, '   ')
    with refused('committees.too_long'):
        vote(decision, world.members[1], choice, 'x' * 4001)
    assert decision.opinions == []


def test_an_unknown_choice_is_refused(world, in_english):
    decision = world.open()
    with refused('committees.bad_choice'):
        vote(decision, world.members[1], 'maybe')


def test_only_seated_members_vote(world, in_english):
    decision = world.open()
    for user in (world.outsider, world.manager, world.owner):
        with refused('committees.not_seated'):
            vote(decision, user)
        with refused('committees.not_seated'):
            operations.declare_conflict(decision, user=user, reason='Conflict')


def test_a_recusal_withdraws_the_vote_and_bars_voting(world, in_english):
    decision = world.open()
    member = world.members[1]
    vote(decision, member, FOR)
    with refused('committees.reason_required'):
        operations.declare_conflict(decision, user=member, reason=' ')
    assert decision.opinion_of(member) is not None
    recusal = operations.declare_conflict(decision, user=member, reason='My cousin runs the startup')
    assert recusal.reason == 'My cousin runs the startup'
    assert decision.opinion_of(member) is None
    assert db.session.scalar(sa.select(sa.func.count(Opinion.id))) == 0
    with refused('committees.recused'):
        vote(decision, member, FOR)
    with refused('committees.already_recused'):
        operations.declare_conflict(decision, user=member, reason='Again')
    result = tally_of(decision)
    assert (result.eligible, result.quorum_needed, result.cast) == (4, 3, 0)
    assert decisions_waiting_for(member) == []
    assert opinions_visible_to(member, decision) == []


def test_the_outcome_needs_the_chair_and_the_quorum(world, in_english):
    decision = world.open()
    vote(decision, world.members[1])
    vote(decision, world.members[2], AGAINST, 'No')
    with refused('committees.not_chair'):
        operations.record_outcome(decision, user=world.members[1], outcome='exempt')
    with refused('committees.no_quorum') as caught:
        operations.record_outcome(decision, user=world.chair, outcome='exempt')
    assert 'The quorum is not reached: 2 more needed, 3 yet to vote.' == str(caught.value)
    vote(decision, world.members[3])
    with refused('committees.no_quorum'):
        operations.record_outcome(decision, user=world.chair, outcome='exempt')
    vote(decision, world.chair, OpinionChoice.abstain)
    with refused('committees.required'):
        operations.record_outcome(decision, user=world.chair, outcome=' ')
    assert not decision.is_decided
    result = tally_of(decision)
    assert (result.cast, result.quorum_met, result.carried, result.missing) == (4, True, False, (world.members[4].id,))
    operations.record_outcome(decision, user=world.chair, outcome='not_exempt', note='')
    assert decision.outcome == 'not_exempt'


def test_a_recused_chair_is_replaced_by_the_longest_serving_member(world, in_english):
    newcomer = world.outsider
    with time_machine.travel(now_utc() + timedelta(days=1)):
        operations.set_members(world.committee, user=world.admin, chair=world.chair,
                               members=[newcomer, *world.members])
    # Listed first, the newcomer joined last: seniority is the joining time, not the order of the list.
    decision = world.open()
    operations.declare_conflict(decision, user=world.chair, reason='Former adviser of the startup')
    assert decision.acting_chair.user_id == world.members[1].id
    for user in world.members[1:5]:
        vote(decision, user)
    with refused('committees.not_chair'):
        operations.record_outcome(decision, user=world.chair, outcome='exempt')
    with refused('committees.not_chair'):
        operations.record_outcome(decision, user=newcomer, outcome='exempt')
    operations.record_outcome(decision, user=world.members[1], outcome='exempt')
    assert decision.decided_by_id == world.members[1].id


def test_opinions_visible_to(world):
    decision = world.open()
    vote(decision, world.members[1], AGAINST, 'Secret reasons')
    operations.declare_conflict(decision, user=world.members[2], reason='Conflict')
    assert [o.comment for o in opinions_visible_to(world.chair, decision)] == ['Secret reasons']
    for user in (world.members[2], world.manager, world.admin, world.owner, world.outsider):
        assert opinions_visible_to(user, decision) == []


def test_a_failed_operation_leaves_nothing(world, in_english):
    decision = world.open()
    vote(decision, world.members[1])
    with refused('committees.comment_required'):
        vote(decision, world.members[1], AGAINST, '')
    db.session.expire_all()
    assert decision.opinion_of(world.members[1]).choice == FOR


def test_each_member_is_told_in_their_own_language(world, outbox):
    world.members[1].locale = 'en'
    world.open()
    english = outbox(world.members[1].email)
    chinese = outbox(world.members[2].email)
    assert len(english) == len(chinese) == 1
    assert 'Case committee: your vote is awaited on Lanting Robotics.' in english[0].text_body
    assert 'Case committee：Lanting Robotics等待您投票。' in chinese[0].text_body
    assert f'/startups/{world.startup.id}' in english[0].text_body


def test_votes_recusals_and_outcomes_are_audited(world):
    from incubator.core.audit import AuditEntry
    decision = world.open()
    vote(decision, world.members[1], AGAINST, 'No')
    vote(decision, world.members[1], FOR, '')
    operations.declare_conflict(decision, user=world.members[1], reason='Conflict')
    db.session.flush()
    entries = db.session.execute(sa.select(AuditEntry.object_type, AuditEntry.action)
                                 .where(AuditEntry.object_type.in_(('opinion', 'recusal', 'decision')))
                                 .order_by(AuditEntry.id)).all()
    assert sorted((kind, action.value) for kind, action in entries) == [
        ('decision', 'created'), ('opinion', 'created'), ('opinion', 'deleted'), ('opinion', 'updated'),
        ('recusal', 'created')]
