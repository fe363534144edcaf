"""The arithmetic of a committee vote, with no database: who may vote, whether enough did, whether "for" carried.

- Eligible: the seated members who are not recused. A recused member is never counted, even if an opinion of
  theirs is passed in.
- Quorum: at least ``ceil(eligible × quorum)`` eligible members have voted. With no one eligible (an empty
  committee, or everyone recused) the quorum is never met: nobody can decide.
- Majority: "for" (with or without conditions) is MORE than ``majority`` of the votes cast; abstentions are
  cast votes, so abstaining weighs like voting against. With no vote cast nothing carries.
"""
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from incubator.committees.models import OpinionChoice


@dataclass(frozen=True)
class Tally:
    eligible: int
    cast: int
    quorum_needed: int
    quorum_met: bool
    counts: Mapping[OpinionChoice, int]
    carried: bool
    missing: tuple[int, ...]

    @property
    def for_total(self):
        """For and for with conditions together: what the majority counts."""
        return self.counts[OpinionChoice.for_] + self.counts[OpinionChoice.for_with_conditions]

    @property
    def missing_count(self):
        return len(self.missing)

    @property
    def votes_short(self):
        """How many more votes the quorum needs (0 once it is met; with no one eligible, what it needs)."""
        return max(self.quorum_needed - self.cast, 0)


def tally(seated_ids: Iterable[int], opinions: Mapping[int, OpinionChoice], recused_ids: Iterable[int] = (),
          quorum=(2, 3), majority=(1, 2)) -> Tally:
    """Count ``opinions`` (user id → choice) of the ``seated_ids`` members, leaving out ``recused_ids``.

    Opinions of users who are not seated, or are recused, are ignored.
    """
    recused = set(recused_ids)
    eligible = set(seated_ids) - recused
    votes = {user_id: OpinionChoice(choice) for user_id, choice in opinions.items() if user_id in eligible}
    counts = {choice: 0 for choice in OpinionChoice}
    for choice in votes.values():
        counts[choice] += 1
    cast = len(votes)
    quorum_needed = math.ceil(len(eligible) * Fraction(*quorum))
    quorum_met = bool(eligible) and cast >= quorum_needed
    for_total = counts[OpinionChoice.for_] + counts[OpinionChoice.for_with_conditions]
    carried = cast > 0 and Fraction(for_total, cast) > Fraction(*majority)
    return Tally(eligible=len(eligible), cast=cast, quorum_needed=quorum_needed, quorum_met=quorum_met,
                 counts=counts, carried=carried, missing=tuple(sorted(eligible - votes.keys())))
