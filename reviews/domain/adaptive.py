"""Extra reviews where they can change the outcome (issue 22). Pure Python.

After each aggregation the model knows every proposal's *chance in slots* (how often it lands
among the call's slots best in plausible versions of the truth, docs/scoring-model.md). A
proposal at 97 % or 2 % is decided: another review would almost never move it across the cut.
One at 46 % is a coin flip, and that is where one more review is worth a reviewer's hour
(randomness concentrates in the middle of a ranking: Snell 2015, the NeurIPS experiments).

The rule, per *unit* (a proposal, or one pool's copy of a duplicated proposal):

* it is **uncertain**: its chance in slots lies in the band (default 10–90 %, chosen by
  bench/adaptive_reviews.py on development seeds and confirmed on held-out ones), or, only when
  the chair asks for it (``straddle``), its 90 % interval contains the cut (the calibrated score
  between the last proposal in the slots and the first outside). Off by default: a 90 % interval
  contains the cut for nearly every proposal between 5 % and 95 %, which would spend extra
  reviews on proposals that are all but decided;
* its reviews so far are all in (an unfinished review may settle it for free);
* it has fewer reviewers than the cap (default 5 in all).

Then it asks for one more reviewer. One at a time, because the next aggregation decides again
with that review in: proposals that become clear stop, those still uncertain get another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_CAP = 5
DEFAULT_BAND = (0.1, 0.9)


@dataclass(frozen=True, slots=True)
class Rule:
    cap: int = DEFAULT_CAP
    low: float = DEFAULT_BAND[0]
    high: float = DEFAULT_BAND[1]
    straddle: bool = False

    def __post_init__(self) -> None:
        if self.cap < 1:
            raise ValueError("the cap must be at least one review")
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise ValueError("the band must satisfy 0 <= low <= high <= 1")


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a unit stands after an aggregation."""

    unit: str  # the engine's key: a proposal, or a pool copy of a duplicated one
    p_in_slots: float | None
    low: float | None
    high: float | None
    assigned: int  # reviewers on the unit now
    finished: int  # of them, reviews submitted (or abstained)


@dataclass(frozen=True, slots=True)
class Request:
    unit: str
    target: int  # reviewers wanted on the unit after this request
    reason: str


def cut_between(calibrated_by_rank: Sequence[float], slots: int) -> float | None:
    """The calibrated score halfway between the last proposal in the slots and the first out
    (`calibrated_by_rank` in rank order); None when every ranked proposal fits."""
    if slots < 1 or len(calibrated_by_rank) <= slots:
        return None
    return (calibrated_by_rank[slots - 1] + calibrated_by_rank[slots]) / 2


def uncertain(s: Standing, *, rule: Rule, cut: float | None) -> bool:
    if s.p_in_slots is None:
        return False
    if rule.low <= s.p_in_slots <= rule.high:
        return True
    return bool(
        rule.straddle
        and cut is not None
        and s.low is not None
        and s.high is not None
        and s.low < cut < s.high
    )


def reason(p_in_slots: float) -> str:
    return f"extra review: chance in slots {round(100 * p_in_slots)} %"


def requests(
    standings: Sequence[Standing], *, rule: Rule, cut: float | None, limit: int | None = None
) -> list[Request]:
    """One more reviewer for each uncertain unit whose reviews are in and that is under the cap,
    sorted by unit. With `limit` (a budget), only the `limit` closest to a coin flip."""
    out = []
    closeness: dict[str, float] = {}
    for s in standings:
        if s.assigned >= rule.cap or s.finished < s.assigned:
            continue
        if not uncertain(s, rule=rule, cut=cut):
            continue
        assert s.p_in_slots is not None
        out.append(Request(unit=s.unit, target=s.assigned + 1, reason=reason(s.p_in_slots)))
        closeness[s.unit] = abs(s.p_in_slots - 0.5)
    if limit is not None and len(out) > limit:
        out = sorted(out, key=lambda r: (closeness[r.unit], r.unit))[: max(limit, 0)]
    return sorted(out, key=lambda r: r.unit)


__all__ = [
    "DEFAULT_BAND",
    "DEFAULT_CAP",
    "Request",
    "Rule",
    "Standing",
    "cut_between",
    "reason",
    "requests",
    "uncertain",
]
