"""Extra reviews through the engine (issue 22): the rule of ``reviews.domain.adaptive`` decides
which units want one more reviewer; the engine places them under every hard rule (loads,
conflicts, languages, the consistency pools) and moves nobody.

A *unit* is what the engine sees: a proposal, or one pool's copy of a duplicated proposal
(``pools.copy_key``), so an extra review of a duplicated proposal stays inside its pool.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from reviews.domain import adaptive
from reviews.domain.assignment import pools
from reviews.domain.assignment.engine import Options, Problem, Result


@dataclass(frozen=True, slots=True)
class Chance:
    """A proposal's standing in the current snapshot."""

    p_in_slots: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class ExtraPlan:
    requests: tuple[adaptive.Request, ...]
    result: Result | None
    # Proposal key -> the reason chairs read ("extra review: chance in slots 46 %").
    reasons: Mapping[str, str]


def seats_by_unit(
    problem: Problem,
    *,
    finished: Collection[tuple[str, str]],
    duplicated: Collection[str],
    salt: str,
) -> dict[str, tuple[int, int]]:
    """(reviewers on it, of them finished) per unit, from `problem.existing`."""
    dup = set(duplicated)
    out: dict[str, list[int]] = {}
    for p in problem.proposals:
        keys = [pools.copy_key(p.key, q) for q in pools.POOLS] if p.key in dup else [p.key]
        for key in keys:
            out[key] = [0, 0]
    for e in problem.existing:
        key = pools.unit_of(proposal=e.proposal, reviewer=e.reviewer, duplicated=dup, salt=salt)
        if key in out:
            out[key][0] += 1
            out[key][1] += (e.proposal, e.reviewer) in finished
    return {k: (v[0], v[1]) for k, v in out.items()}


def plan_extra(
    problem: Problem,
    *,
    chances: Mapping[str, Chance],
    finished: Collection[tuple[str, str]],
    rule: adaptive.Rule,
    cut: float | None,
    duplicated: Collection[str] = (),
    salt: str = "",
    options: Options | None = None,
    limit: int | None = None,
) -> ExtraPlan:
    """Who gets an extra review request now. `problem.existing` is every current pair;
    `finished` the pairs whose review is in. Existing pairs never move."""
    seats = seats_by_unit(problem, finished=finished, duplicated=duplicated, salt=salt)
    standings = [
        adaptive.Standing(
            unit=unit,
            p_in_slots=chances.get(pools.original(unit), Chance(None)).p_in_slots,
            low=chances.get(pools.original(unit), Chance(None)).low,
            high=chances.get(pools.original(unit), Chance(None)).high,
            assigned=assigned,
            finished=done,
        )
        for unit, (assigned, done) in sorted(seats.items())
    ]
    asked = adaptive.requests(standings, rule=rule, cut=cut, limit=limit)
    if not asked:
        return ExtraPlan((), None, {})
    targets = {unit: assigned for unit, (assigned, _done) in seats.items()}
    for r in asked:
        targets[r.unit] = r.target
    held = replace(
        problem, per_proposal=0, existing=pools.hold_everything(problem.existing), targets=targets
    )
    result = pools.solve_pooled(held, options, duplicated=duplicated, salt=salt)
    return ExtraPlan(
        requests=tuple(asked),
        result=result,
        reasons={pools.original(r.unit): r.reason for r in asked},
    )


def units_of(
    pairs: Sequence[tuple[str, str]], *, duplicated: Collection[str], salt: str
) -> set[str]:
    """The units the given (proposal, reviewer) pairs fall in."""
    dup = set(duplicated)
    return {pools.unit_of(proposal=p, reviewer=r, duplicated=dup, salt=salt) for p, r in pairs}


__all__ = ["Chance", "ExtraPlan", "plan_extra", "seats_by_unit", "units_of"]
