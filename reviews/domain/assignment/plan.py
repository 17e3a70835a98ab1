"""Conflict-aware assignment of reviewers to proposals.

Pure Python: the service layer turns database rows into the profiles below, calls `assign`, and
writes `AssignmentPlan.new` back. Nothing here reads the clock, the database or the environment.

Hard rules (never broken, whatever the pool looks like):

* a reviewer only gets proposals in a language they listed;
* never a proposal they speak on (same email, case-insensitive), one they declared a conflict
  with, one whose speakers share their affiliation (normalised, non-empty), or one whose speakers
  use the same email domain (public mail providers such as gmail.com excepted);
* never a pair listed in `excluded`;
* never the same reviewer twice on a proposal, never more than `per_proposal` in total, and no
  new assignment pushes a reviewer beyond `max_load`.

What `assign` guarantees on top, in this order of priority:

1. Coverage. Existing assignments are kept as given and count towards K and towards loads; only
   the gaps are filled. The number of filled slots is the maximum any plan can reach while keeping
   the existing pairs (the plan is a maximum flow: no chain of moves can seat one more reviewer).
   Running `assign` again with `existing` = old existing + `plan.new` therefore adds nothing.
2. Balance. Among all plans with maximum coverage, the loads are *decreasingly minimal*: no
   reviewer at load h can pass one of their new proposals, directly or along a chain of
   reviewers who each pass one on, to an eligible reviewer with spare capacity at load h - 2 or
   less. For this kind of problem (the reachable load vectors form an M-convex set) that local
   condition is global (Frank and Murota, "Discrete decreasing minimization", 2022): the largest
   load is as small as any plan allows, the smallest is as large as any plan allows, and the sum
   of squared loads is minimal. Loads here are over every reviewer, including those who can take
   nothing (they stay at their existing load). In particular, whenever a
   plan with max - min <= 1 exists (e.g. everybody eligible for everything, no tight max_load,
   no lopsided existing work), the returned plan has max - min <= 1. Existing pairs are fixed, so
   a reviewer who already carries more than the balanced share keeps it.
3. Track preference, only where it costs no balance: among equally loaded candidates, reviewers
   who listed the proposal's track come first, and afterwards a pair (p, r) whose reviewer did not
   list p's track is handed to one who did when that only swaps two loads (h and h - 1). This is a
   heuristic, not an optimum.
4. Determinism: the output depends on the set of inputs, not on their order. Ties are broken by a
   BLAKE2 hash of the keys (never the built-in, per-process randomised `hash()`): reviewers are
   ranked by their hash and each proposal starts from its own hashed offset in that ranking, so
   equally loaded reviewers share the work without favouring early keys.

How: eligibility is a bitmask of reviewers per proposal, built from a handful of dictionaries
(language, email, domain, affiliation, declared conflicts) instead of a proposals x reviewers
loop. A greedy pass takes proposals scarcest first and gives each the lowest-loaded eligible
reviewers; augmenting paths then fill any slot the greedy pass missed (coverage) and move work
from heavy to light reviewers (balance); a last pass improves track matches at equal balance.
Searches run on a 200-node reviewer graph, not on pairs, so 10,000 proposals x 200 reviewers
takes well under a second (bench/assign.py).
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reviews.domain.assignment.eligibility import (
    Breakdown,
    Masks,
    ProposalProfile,
    ReviewerProfile,
    norm_token,
    stable_hash,
)
from reviews.domain.assignment.search import (
    State,
    balance,
    fill_gaps,
    greedy,
    prefer_tracks,
)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A proposal that ends with fewer than `wanted` reviewers, and why, for the chair to read."""

    proposal: str
    wanted: int
    got: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    # (proposal key, reviewer key) pairs to create, sorted.
    new: tuple[tuple[str, str], ...]
    # Sorted by proposal key.
    shortfalls: tuple[Shortfall, ...]
    # Final load of every reviewer, existing assignments included; read-only.
    loads: Mapping[str, int]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def assign(
    *,
    proposals: Sequence[ProposalProfile],
    reviewers: Sequence[ReviewerProfile],
    per_proposal: int,
    existing: Iterable[tuple[str, str]] = (),
    excluded: Iterable[tuple[str, str]] = (),
) -> AssignmentPlan:
    """Give every proposal `per_proposal` distinct eligible reviewers, as evenly as possible.

    `existing` and `excluded` are (proposal key, reviewer key) pairs. Existing pairs are kept as
    they are, even if a rule would now forbid them (removing one is the caller's decision);
    `excluded` only blocks new pairs. Pairs naming an unknown proposal or reviewer are ignored.
    See the module docstring for the guarantees. Raises ValueError on duplicate keys, a negative
    `per_proposal` or a negative `max_load`.
    """
    if per_proposal < 0:
        raise ValueError(f"per_proposal must be >= 0, got {per_proposal}")
    props = sorted(proposals, key=lambda p: p.key)
    revs = sorted(reviewers, key=lambda r: (stable_hash(r.key), r.key))
    p_index = {p.key: i for i, p in enumerate(props)}
    r_index = {r.key: i for i, r in enumerate(revs)}
    if len(p_index) != len(props):
        raise ValueError("proposal keys must be unique")
    if len(r_index) != len(revs):
        raise ValueError("reviewer keys must be unique")
    for r in revs:
        if r.max_load is not None and r.max_load < 0:
            raise ValueError(f"reviewer {r.key!r} has a negative max_load")

    masks = Masks.build(revs)
    excluded_mask: dict[int, int] = {}
    for pk, rk in excluded:
        if pk in p_index and rk in r_index:
            excluded_mask[p_index[pk]] = excluded_mask.get(p_index[pk], 0) | 1 << r_index[rk]

    n_props = len(props)
    on = [0] * n_props
    loads = [0] * len(revs)
    for pk, rk in set(existing):
        if pk in p_index and rk in r_index:
            on[p_index[pk]] |= 1 << r_index[rk]
            loads[r_index[rk]] += 1

    breakdowns = [masks.breakdown(p, excluded_mask.get(i, 0)) for i, p in enumerate(props)]
    state = State(
        caps=[n_props if r.max_load is None else r.max_load for r in revs],
        loads=loads,
        eligible=[b.eligible for b in breakdowns],
        on=on,
        new_of=[{} for _ in revs],
    )
    track_mask = [masks.tracks.get(norm_token(p.track), 0) for p in props]
    offset = [stable_hash(p.key) % max(len(revs), 1) for p in props]

    def missing(p: int) -> int:
        return max(per_proposal - state.on[p].bit_count(), 0)

    # Scarcest first: a proposal with few possible reviewers must not find them all taken.
    order = sorted(
        range(n_props),
        key=lambda p: (state.available(p).bit_count() - missing(p), offset[p], props[p].key),
    )
    greedy(state, order=order, missing=missing, track_mask=track_mask, offset=offset)
    fill_gaps(state, order=order, missing=missing)
    balance(state)
    prefer_tracks(state, track_mask=track_mask, offset=offset)

    new = sorted((props[p].key, revs[r].key) for r in range(len(revs)) for p in state.new_of[r])
    shortfalls = tuple(
        Shortfall(
            proposal=props[p].key,
            wanted=per_proposal,
            got=state.on[p].bit_count(),
            reasons=_reasons(state, p, props[p], breakdowns[p], per_proposal),
        )
        for p in range(n_props)
        if missing(p)
    )
    loads_by_key = dict(sorted((revs[r].key, state.loads[r]) for r in range(len(revs))))
    return AssignmentPlan(
        new=tuple(new), shortfalls=shortfalls, loads=types.MappingProxyType(loads_by_key)
    )


def _reasons(
    state: State, p: int, proposal: ProposalProfile, b: Breakdown, per_proposal: int
) -> tuple[str, ...]:
    reasons: list[str] = []
    readers = b.readers.bit_count()
    language = proposal.language
    if readers == 0:
        reasons.append(f"no reviewer reads {language!r}")
    elif readers < per_proposal:
        reasons.append(f"only {_plural(readers, 'reviewer reads', 'reviewers read')} {language!r}")
    # Each reviewer is counted under the first rule that rules them out.
    seen = 0
    for mask, one, many in (
        (b.speaker, "reviewer is a speaker on it", "reviewers are speakers on it"),
        (
            b.declared,
            "reviewer declared a conflict with it",
            "reviewers declared a conflict with it",
        ),
        (b.excluded, "reviewer was excluded from it", "reviewers were excluded from it"),
        (
            b.affiliation,
            "reviewer shares an affiliation with a speaker",
            "reviewers share an affiliation with a speaker",
        ),
        (
            b.domain,
            "reviewer shares an email domain with a speaker",
            "reviewers share an email domain with a speaker",
        ),
    ):
        count = (mask & b.readers & ~seen).bit_count()
        seen |= mask
        if count:
            reasons.append(_plural(count, one, many))
    full = (state.available(p) & ~state.spare_all).bit_count()
    if full:
        reasons.append(
            _plural(full, "eligible reviewer is", "eligible reviewers are")
            + " at capacity (max_load)"
        )
    if not reasons:
        reasons.append("no further eligible reviewer")
    return tuple(reasons)
