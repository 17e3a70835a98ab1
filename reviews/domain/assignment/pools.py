"""Consistency pools: a duplicated proposal is reviewed by two disjoint halves of the committee.

The consistency experiment (issue 22) sends a random share of proposals to two reviewer pools
that never share a reviewer on it, so each pool's verdict is an independent re-run of the
committee. The engine knows nothing of pools: :func:`solve_pooled` hands it each duplicated
proposal as two *copies* (``copy_key``), one per pool, each closed to the other pool's
reviewers, and maps the answer back onto the real proposals. A reviewer is in one pool only,
so no reviewer can sit on both copies, whatever the solver does.

A reviewer's pool is the parity of a keyed hash of their key (``pool_of``): the same reviewer is
always in the same pool, a reviewer who joins later needs no stored state, and the salt (drawn
when the chair starts the experiment, never shown to reviewers) keeps the split unpredictable.
Pools are balanced only in expectation (30 reviewers split 15 ± 3).

Targets: a copy wants ``per_proposal`` reviewers plus the extra reviews already placed in that
pool, unless ``problem.targets`` names the copy (``copy_key``) or the proposal.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

import numpy as np

from reviews.domain.assignment.eligibility import stable_hash
from reviews.domain.assignment.engine import (
    Existing,
    Hold,
    Options,
    Placed,
    Problem,
    Removed,
    Result,
    Short,
    solve,
)

POOLS = (0, 1)
_SEP = "#pool"


def pool_of(reviewer: str, *, salt: str) -> int:
    """The pool (0 or 1) a reviewer belongs to in the experiment keyed by `salt`."""
    return stable_hash(f"{salt}:{reviewer}") & 1


def copy_key(proposal: str, pool: int) -> str:
    return f"{proposal}{_SEP}{pool}"


def original(key: str) -> str:
    return key.split(_SEP, 1)[0]


def unit_of(*, proposal: str, reviewer: str, duplicated: Collection[str], salt: str) -> str:
    """The engine's key for a pair's proposal: the pool copy when it is duplicated."""
    if proposal in duplicated:
        return copy_key(proposal, pool_of(reviewer, salt=salt))
    return proposal


def split(
    problem: Problem,
    *,
    duplicated: Collection[str],
    salt: str,
    extras: Iterable[tuple[str, str]] = (),
) -> Problem:
    """`problem` with every duplicated proposal replaced by its two pool copies."""
    dup = {p.key for p in problem.proposals} & set(duplicated)
    extra_count: dict[str, int] = {}
    for pk, rk in extras:
        unit = unit_of(proposal=pk, reviewer=rk, duplicated=dup, salt=salt)
        extra_count[unit] = extra_count.get(unit, 0) + 1
    if not dup:
        targets = {
            p.key: problem.targets.get(p.key, problem.per_proposal + extra_count.get(p.key, 0))
            for p in problem.proposals
        }
        return replace(problem, targets=targets)
    proposals = []
    rows: list[int] = []
    targets = {}
    labels = dict(problem.proposal_labels)
    for i, p in enumerate(problem.proposals):
        units = [copy_key(p.key, pool) for pool in POOLS] if p.key in dup else [p.key]
        for unit in units:
            proposals.append(replace(p, key=unit))
            rows.append(i)
            targets[unit] = problem.targets.get(
                unit,
                problem.targets.get(p.key, problem.per_proposal + extra_count.get(unit, 0)),
            )
            labels[unit] = problem.proposal_labels.get(p.key, p.key)
    pools = {r.key: pool_of(r.key, salt=salt) for r in problem.reviewers}
    excluded = set(problem.excluded)
    for pk in dup:
        for pool in POOLS:
            unit = copy_key(pk, pool)
            excluded.update((unit, rk) for rk, other in pools.items() if other != pool)
            excluded.update((unit, rk) for pk2, rk in problem.excluded if pk2 == pk)
    existing = [
        replace(
            e,
            proposal=unit_of(proposal=e.proposal, reviewer=e.reviewer, duplicated=dup, salt=salt),
        )
        for e in problem.existing
    ]
    bids = {}
    for (pk, rk), level in problem.bids.items():
        if pk in dup:
            for pool in POOLS:
                bids[(copy_key(pk, pool), rk)] = level
        else:
            bids[(pk, rk)] = level
    affinity = None
    if problem.affinity is not None:
        affinity = np.asarray(problem.affinity, dtype=np.float64)[np.array(rows, dtype=np.int64)]
    # Declared conflicts name the proposal: they hold for both of its copies.
    reviewers = tuple(
        replace(
            r,
            conflicts=r.conflicts
            | {copy_key(pk, pool) for pk in r.conflicts & dup for pool in POOLS},
        )
        if r.conflicts & dup
        else r
        for r in problem.reviewers
    )
    return replace(
        problem,
        proposals=tuple(proposals),
        reviewers=reviewers,
        existing=tuple(existing),
        bids=bids,
        affinity=affinity,
        proposal_labels=labels,
        targets=targets,
        excluded=frozenset(excluded),
    )


def merge(result: Result, *, labels: Mapping[str, str]) -> Result:
    """`result` of a split problem, back on the real proposals (one shortfall a proposal)."""
    pairs = sorted(
        (replace(p, proposal=original(p.proposal)) for p in result.pairs),
        key=lambda p: (p.proposal, p.reviewer),
    )
    added = sorted((original(p), r) for p, r in result.added)
    removed = sorted(
        (Removed(original(r.proposal), r.reviewer, r.reason) for r in result.removed),
        key=lambda r: (r.proposal, r.reviewer),
    )
    shorts: dict[str, Short] = {}
    for s in result.shortfalls:
        key = original(s.proposal)
        if key in shorts:
            before = shorts[key]
            reasons = tuple(dict.fromkeys(before.reasons + s.reasons))
            wanted, got = before.wanted + s.wanted, before.got + s.got
        else:
            reasons, wanted, got = s.reasons, s.wanted, s.got
        label = labels.get(key, key)
        shorts[key] = Short(
            proposal=key,
            wanted=wanted,
            got=got,
            reasons=reasons,
            warning=f"{label}: {got} of {wanted} reviewers ({'; '.join(reasons)})",
        )
    return replace(
        result,
        pairs=tuple(pairs),
        added=tuple(added),
        removed=tuple(removed),
        shortfalls=tuple(shorts[k] for k in sorted(shorts)),
    )


def solve_pooled(
    problem: Problem,
    options: Options | None = None,
    *,
    duplicated: Collection[str] = (),
    salt: str = "",
    extras: Iterable[tuple[str, str]] = (),
) -> Result:
    """`engine.solve` with the consistency pools and the extra reviews already placed."""
    result = solve(split(problem, duplicated=duplicated, salt=salt, extras=extras), options)
    return merge(result, labels=problem.proposal_labels) if duplicated else result


def hold_everything(existing: Iterable[Existing]) -> tuple[Existing, ...]:
    """Existing pairs that may not move (an extra-review run only adds seats)."""
    return tuple(replace(e, hold=Hold.MANUAL) if e.hold is Hold.MOVABLE else e for e in existing)


__all__ = [
    "POOLS",
    "Placed",
    "copy_key",
    "hold_everything",
    "merge",
    "original",
    "pool_of",
    "solve_pooled",
    "split",
    "unit_of",
]
