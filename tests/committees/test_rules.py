"""The arithmetic of a vote, over any mix of votes and recusals."""
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from incubator.committees.models import OpinionChoice
from incubator.committees.rules import tally

choices = st.sampled_from(list(OpinionChoice))
fractions_ = st.tuples(st.integers(1, 10), st.integers(1, 10)).map(lambda p: (min(p), max(p)))
majorities = st.tuples(st.integers(0, 9), st.integers(1, 10)).filter(lambda p: p[0] < p[1])


@st.composite
def votes(draw):
    seated = draw(st.sets(st.integers(1, 30), max_size=15))
    recused = draw(st.sets(st.sampled_from(sorted(seated)), max_size=len(seated))) if seated else set()
    voters = draw(st.sets(st.integers(1, 40), max_size=20))  # some not seated at all
    opinions = {user_id: draw(choices) for user_id in voters}
    return seated, opinions, recused


@given(votes(), fractions_, majorities)
def test_recused_and_unseated_are_never_counted(vote, quorum, majority):
    seated, opinions, recused = vote
    result = tally(seated, opinions, recused, quorum, majority)
    counted = {user_id for user_id in opinions if user_id in seated and user_id not in recused}
    assert result.eligible == len(seated - recused)
    assert result.cast == len(counted) == sum(result.counts.values())
    assert set(result.missing) == (seated - recused) - counted
    assert list(result.missing) == sorted(result.missing)
    assert not set(result.missing) & recused


@given(votes(), fractions_, majorities)
def test_quorum_and_majority_exactly_per_the_fractions(vote, quorum, majority):
    seated, opinions, recused = vote
    result = tally(seated, opinions, recused, quorum, majority)
    assert result.quorum_needed >= result.eligible * Fraction(*quorum)
    assert result.quorum_needed - 1 < result.eligible * Fraction(*quorum)
    assert result.quorum_met == (result.eligible > 0 and result.cast >= result.quorum_needed)
    for_votes = result.counts[OpinionChoice.for_] + result.counts[OpinionChoice.for_with_conditions]
    assert result.for_total == for_votes
    assert result.carried == (result.cast > 0 and for_votes * majority[1] > majority[0] * result.cast)


@given(votes(), fractions_, choices)
def test_quorum_is_monotone_in_votes(vote, quorum, choice):
    """One more eligible vote never loses the quorum."""
    seated, opinions, recused = vote
    before = tally(seated, opinions, recused, quorum)
    for user_id in sorted(seated - recused - opinions.keys())[:1]:
        after = tally(seated, {**opinions, user_id: choice}, recused, quorum)
        assert after.cast == before.cast + 1
        assert after.quorum_met or not before.quorum_met


@given(st.sets(st.integers(1, 20), max_size=10), st.dictionaries(st.integers(1, 20), choices))
def test_everyone_recused_decides_nothing(seated, opinions):
    result = tally(seated, opinions, recused_ids=seated)
    assert (result.eligible, result.cast, result.quorum_met, result.carried, result.missing) == (0, 0, False, False, ())


def test_no_one_seated():
    result = tally([], {})
    assert (result.eligible, result.quorum_needed, result.quorum_met, result.carried) == (0, 0, False, False)


def test_two_thirds_of_six_is_four_and_abstentions_are_cast():
    seated = range(1, 7)
    three = {1: OpinionChoice.for_, 2: OpinionChoice.for_with_conditions, 3: OpinionChoice.abstain}
    result = tally(seated, three)
    assert (result.quorum_needed, result.quorum_met, result.missing) == (4, False, (4, 5, 6))
    result = tally(seated, {**three, 4: OpinionChoice.abstain})
    assert result.quorum_met and not result.carried  # 2 for of 4 cast is not more than half
    result = tally(seated, {**three, 4: OpinionChoice.for_})
    assert result.quorum_met and result.carried


def test_a_recusal_lowers_the_quorum():
    assert tally(range(1, 7), {}, recused_ids=[6]).quorum_needed == 4  # ceil(5 x 2/3)
    assert tally(range(1, 7), {}, recused_ids=[5, 6]).quorum_needed == 3
