"""The committee rules for every kind of user, before and after the outcome."""
import pytest

from incubator.committees import operations
from incubator.core.permissions import can

RULES = ('decision.vote', 'decision.declare_conflict', 'decision.read_opinions', 'decision.record_outcome')
#: who → the rules they pass while the item is open, and once it is decided.
EXPECTED = {
    'chair': ({'decision.vote', 'decision.declare_conflict', 'decision.read_opinions', 'decision.record_outcome'},
              {'decision.read_opinions'}),
    'member': ({'decision.vote', 'decision.declare_conflict', 'decision.read_opinions'}, {'decision.read_opinions'}),
    'recused': (set(), set()),
    'outsider': (set(), set()),
    'manager': (set(), set()),
    'admin': (set(), set()),
    'owner': (set(), set()),
}


def _who(world, name):
    return {'chair': world.chair, 'member': world.members[1], 'recused': world.members[4],
            'outsider': world.outsider, 'manager': world.manager, 'admin': world.admin, 'owner': world.owner}[name]


@pytest.mark.parametrize('name', EXPECTED)
def test_decision_rules(world, name):
    decision = world.open()
    operations.declare_conflict(decision, user=world.members[4], reason='Conflict')
    user = _who(world, name)
    assert {rule for rule in RULES if can(user, rule, decision)} == EXPECTED[name][0]
    for member in world.members[:3]:
        operations.record_opinion(decision, user=member, choice='for', comment='')
    operations.record_outcome(decision, user=world.chair, outcome='exempt')
    assert {rule for rule in RULES if can(user, rule, decision)} == EXPECTED[name][1]


@pytest.mark.parametrize('name', EXPECTED)
def test_only_administrators_manage_committees(world, name):
    assert can(_who(world, name), 'committee.manage') == (name == 'admin')


def test_a_recused_chair_hands_the_outcome_to_the_longest_serving_member(world):
    decision = world.open()
    operations.declare_conflict(decision, user=world.chair, reason='Conflict')
    assert not can(world.chair, 'decision.record_outcome', decision)
    assert can(world.members[1], 'decision.record_outcome', decision)
    assert not can(world.members[2], 'decision.record_outcome', decision)
