"""The assignment engine: who reviews what, as an optimisation with a proven solver.

One place decides assignments (the chair's run, a reviewer joining or leaving, a recusal, extra
reviews): :func:`solve` takes plain inputs and returns the final pairs with their reasons, what to
add, what to remove, and the proposals left short. Pure Python plus numpy, scipy (HiGHS) and
OR-Tools; nothing here reads the clock, the database or the environment.

**Fit of a pair** (higher is better), built so each term dominates the next for a single pair:
the bid (eager 3.0, willing 1.5, none 0, not for me -10; a "conflict" bid forbids the pair), then
the text affinity in [0, 1] (``affinity.py``), then 0.25 for a track the reviewer listed. So an
eager bid beats a willing one whatever the affinity, and affinity beats track.

**Hard rules** (never broken in any mode): the eligibility rules of ``eligibility.py``
(languages, own talks, declared conflicts, affiliation, e-mail domain), at most K reviewers per
proposal (existing ones count), nobody twice on a proposal, and ``max_load``.

**What is optimised**, in this order (lexicographic):

1. Coverage: as many of the missing seats as any assignment can fill (a maximum flow).
2. Fairness, in ``fair`` mode only: the fit of the worst-served proposal (the sum over its
   reviewers) is as high as possible (PeerReview4All's max-min objective; a mixed-integer
   stage, then the total stage with that minimum fixed).
3. A convex piecewise-linear cost per reviewer load, the *band*: with h the water level (the
   lowest load that lets everyone's work fit, given max_loads), each unit below h - 1 - band
   earns ``BAND_LOW_REWARD`` (130) for a newcomer (a reviewer with no existing pair; in a run
   with existing work a newcomer's band starts at their fair share, h or h - 1) and
   ``BAND_LOW_REWARD_SETTLED`` (60) for anyone else; units above h + band cost
   ``BAND_HIGH_PENALTY`` (30); inside the band each further unit costs a little more (0 to
   ``EVEN`` = 0.002), so equally fitting plans share the work evenly. Keeping a movable
   existing pair earns ``KEEP_BONUS`` (100). The numbers are chosen so that: a newcomer under
   the band takes a movable pair from a reviewer who is not under it (130 > 100 + any fit
   difference: a joiner gets work without anyone re-running anything); a settled reviewer never
   takes one (60 < 100 - 14.25), so when someone leaves, only their seats move (plus a seat a
   full reviewer must pass on so that a gap can be filled at all); nothing moves along a chain
   (two moves cost 200 > 130 + 2 x the fit range of 14.25); being over the band costs more than
   any fit difference (30 > 14.25), so loads stay within the band where they can, but less than
   moving someone's existing work.
4. Total fit.

Coverage and the total objective are one network: source -> proposal (capacity: seats
missing) -> reviewer (one arc per candidate pair, cost -(fit + keep bonus)) -> sink (one arc
per load segment). OR-Tools' min-cost-flow solver (``solve_max_flow_with_min_cost``) finds the
largest flow and, among those, the cheapest; network flows have integral optima, so the total
mode is exact (the tests check it against brute force; bench/assignment_scale.py against HiGHS'
MIP). The fair mode's per-proposal rows break the network structure: up to
``FAIR_EXACT_LIMIT`` candidate pairs it is solved exactly by HiGHS' branch and bound (scipy
``milp``: max-min stage, then the total stage with that minimum fixed, keeping as many
existing pairs as the total mode keeps). Above it, branch and bound takes minutes, so the
fair mode works with flows only: per-proposal thresholds (``_fair_threshold``: the highest
level t such that, with each proposal keeping only candidates among which any K reach t, every
seat is still filled; bisection over max flows), then rounds of the min-cost flow with the fit
of the proposals below the bound weighted up (``_fair_weighted``). Each is a plan of the same
network, so everything the total mode guarantees holds. The result is reported as not exact,
with an upper bound on the worst case (``Stats.worst_bound``: no proposal beats its own K best
candidates); a worst case equal to it is proven optimal. On bench/assignment_scale.py's
instances (2,000 x 80 and 10,000 x 300) it reaches the bound.

**Randomised** mode caps every new pair at probability q (Jecmen et al. 2020: a bid cannot buy
a chosen proposal with certainty): the same network with pair capacities q is solved
fractionally (capacities scaled by q's denominator, at most 100, make it an integral flow), and
an integral assignment is sampled from it by dependent rounding (``rounding.py``), which keeps
every pair's marginal probability equal to its flow value, gives each proposal exactly its
fractional number of reviewers when that is whole, and each reviewer the floor or ceiling of
theirs. A proposal with fewer than K/q eligible reviewers gets its cap raised to K/eligible
(the rules leave no choice there, so no bid buys anything).

**Pruning**: with ``prune = N`` each proposal keeps only its N best-fitting eligible reviewers
as candidates (plus its movable existing pairs). When the pruned graph fills fewer seats than
the full one, the pairs of a maximum flow on the full graph join the candidates, so pruning
never costs coverage; the fit it may cost is measured in ``bench/assignment_scale.py`` (0.005 %
at 10,000 x 300 with 30 candidates a proposal).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow, min_cost_flow
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from reviews.domain.assignment import rounding
from reviews.domain.assignment.eligibility import (
    Masks,
    ProposalProfile,
    ReviewerProfile,
    conflict,
    norm_token,
    stable_hash,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Bid(StrEnum):
    EAGER = "eager"
    WILLING = "willing"
    NOT_FOR_ME = "not_for_me"
    CONFLICT = "conflict"


class Mode(StrEnum):
    TOTAL = "total"
    FAIR = "fair"
    RANDOMISED = "randomised"


class Hold(StrEnum):
    """How firmly an existing assignment stays where it is."""

    MOVABLE = "movable"  # nobody has started: the engine may hand it to someone else
    STARTED = "started"  # a draft review exists: never moves
    FINISHED = "finished"  # a review was submitted: never moves
    MANUAL = "manual"  # a chair pinned it: never moves


BID_FIT: Mapping[Bid | None, float] = {
    Bid.EAGER: 3.0,
    Bid.WILLING: 1.5,
    None: 0.0,
    Bid.NOT_FOR_ME: -10.0,
}
TRACK_FIT = 0.25
# Newcomers (no existing pair in the call) under the band take movable work from others;
# reviewers who already have work only take free seats (60 < 100 - the fit range).
BAND_LOW_REWARD = 130.0
BAND_LOW_REWARD_SETTLED = 60.0
KEEP_BONUS = 100.0
BAND_HIGH_PENALTY = 30.0
# Breaks ties between equally fitting pairs by a hash of the keys, not by input order; far
# below any difference of fit that a chair could see (affinity is shown with two decimals).
TIE_BREAK = 1e-4


class UnableToSolve(Exception):
    """The solver failed (it never should on well-formed input); the message says how."""


@dataclass(frozen=True, slots=True)
class Existing:
    proposal: str
    reviewer: str
    hold: Hold = Hold.MOVABLE


@dataclass(frozen=True, slots=True)
class Problem:
    proposals: Sequence[ProposalProfile]
    reviewers: Sequence[ReviewerProfile]
    per_proposal: int
    existing: Sequence[Existing] = ()
    bids: Mapping[tuple[str, str], Bid] = field(default_factory=dict)
    # Rows follow `proposals`, columns `reviewers`, both in the order given; values in [0, 1].
    affinity: FloatArray | npt.NDArray[np.float32] | None = None
    # How warnings and reasons name things: proposal key -> "K7Q2XM “Title”", reviewer key ->
    # display name (also for reviewers who left and are no longer in `reviewers`).
    proposal_labels: Mapping[str, str] = field(default_factory=dict)
    reviewer_labels: Mapping[str, str] = field(default_factory=dict)
    # Reviewers wanted per proposal key where it differs from `per_proposal` (extra reviews).
    targets: Mapping[str, int] = field(default_factory=dict)
    # (proposal, reviewer) pairs that may not be newly placed (a consistency pool's boundary);
    # a movable existing pair listed here moves, a held one stays.
    excluded: frozenset[tuple[str, str]] = frozenset()
    # Reviewers who are not newcomers although they hold no pair: one who has just recused or
    # declared a conflict on their only proposal must not take someone else's work for it.
    settled: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Options:
    mode: Mode = Mode.TOTAL
    q: float = 1.0  # randomised mode: cap on the probability of any new pair
    band: int = 1
    prune: int | None = None
    seed: int = 0
    # Fair mode's branch and bound: stop after this many seconds with the best plan found.
    time_limit: float = 50.0


@dataclass(frozen=True, slots=True)
class Placed:
    proposal: str
    reviewer: str
    fit: float
    reasons: tuple[str, ...]
    new: bool


@dataclass(frozen=True, slots=True)
class Removed:
    proposal: str
    reviewer: str
    reason: str


@dataclass(frozen=True, slots=True)
class Short:
    proposal: str
    wanted: int
    got: int
    reasons: tuple[str, ...]
    warning: str


@dataclass(frozen=True, slots=True)
class Stats:
    total_fit: float
    worst_fit: float
    seats_wanted: int
    seats_filled: int
    candidates: int
    eligible_pairs: int
    repaired: int
    exact: bool
    # Fair mode: an upper bound on worst_fit (no proposal beats its own K best candidates, see
    # `_ceilings`); worst_fit equal to it proves the worst case optimal. None in other modes.
    worst_bound: float | None = None


@dataclass(frozen=True, slots=True)
class Result:
    pairs: tuple[Placed, ...]  # every final pair, sorted by (proposal, reviewer)
    added: tuple[tuple[str, str], ...]
    removed: tuple[Removed, ...]
    shortfalls: tuple[Short, ...]
    loads: Mapping[str, int]
    stats: Stats


def top_candidates(scores: FloatArray, *, keep: int) -> BoolArray:
    """A mask of the `keep` best entries per row (-inf entries never count as kept)."""
    n, m = scores.shape
    mask = np.zeros((n, m), dtype=bool)
    if keep <= 0 or m == 0:
        return mask
    if keep >= m:
        return np.isfinite(scores)
    idx = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
    rows = np.repeat(np.arange(n), keep)
    mask[rows, idx.ravel()] = True
    mask &= np.isfinite(scores)
    return mask


def _bits_to_bool(value: int, width: int) -> BoolArray:
    if width == 0:
        return np.zeros(0, dtype=bool)
    raw = value.to_bytes((width + 7) // 8, "little")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:width].astype(bool)


def _unit_hash(key: str) -> float:
    return stable_hash(key) / 2**64


@dataclass(slots=True)
class _Instance:
    """The problem as arrays, indexed by position in the given proposals and reviewers."""

    n: int
    m: int
    eligible: BoolArray  # hard rules and conflict bids
    fit: FloatArray  # bid + affinity + track, without the tie break
    affinity: FloatArray
    track: BoolArray
    fixed: BoolArray  # existing pairs that never move
    movable: BoolArray  # existing movable pairs still allowed
    need: npt.NDArray[np.int64]
    cap: npt.NDArray[np.int64]  # new pairs a reviewer may still take
    fixed_load: npt.NDArray[np.int64]
    fixed_count: npt.NDArray[np.int64]
    fixed_fit: FloatArray
    low_reward: FloatArray  # per reviewer, see BAND_LOW_REWARD
    newcomer: BoolArray  # no existing pair in the call
    removed: list[Removed]
    departed: dict[int, list[str]]  # proposal -> labels of reviewers who left it
    # h - 1 for the water level h of this run: the lower end of a newcomer's band.
    share: int = 0
    # Eligible reviewers per proposal that still needs some (before pruning).
    live_count: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _wanted(problem: Problem) -> npt.NDArray[np.int64]:
    """Reviewers wanted per proposal, in the order given: `targets` or else `per_proposal`."""
    return np.array(
        [problem.targets.get(p.key, problem.per_proposal) for p in problem.proposals],
        dtype=np.int64,
    )


def _instance(problem: Problem) -> _Instance:
    props, revs = list(problem.proposals), list(problem.reviewers)
    n, m = len(props), len(revs)
    p_index = {p.key: i for i, p in enumerate(props)}
    r_index = {r.key: j for j, r in enumerate(revs)}
    if len(p_index) != n:
        raise ValueError("proposal keys must be unique")
    if len(r_index) != m:
        raise ValueError("reviewer keys must be unique")
    if problem.per_proposal < 0:
        raise ValueError(f"per_proposal must be >= 0, got {problem.per_proposal}")
    if any(t < 0 for t in problem.targets.values()):
        raise ValueError("targets must be >= 0")
    for r in revs:
        if r.max_load is not None and r.max_load < 0:
            raise ValueError(f"reviewer {r.key!r} has a negative max_load")

    masks = Masks.build(revs)
    eligible = np.zeros((n, m), dtype=bool)
    track = np.zeros((n, m), dtype=bool)
    for i, p in enumerate(props):
        eligible[i] = _bits_to_bool(masks.breakdown(p, 0).eligible, m)
        track[i] = _bits_to_bool(masks.tracks.get(norm_token(p.track), 0), m)
    fit = np.zeros((n, m), dtype=np.float64)
    for (pk, rk), level in problem.bids.items():
        if pk not in p_index or rk not in r_index:
            continue
        i, j = p_index[pk], r_index[rk]
        if level is Bid.CONFLICT:
            eligible[i, j] = False
        else:
            fit[i, j] += BID_FIT[level]
    for pk, rk in problem.excluded:
        if pk in p_index and rk in r_index:
            eligible[p_index[pk], r_index[rk]] = False
    if problem.affinity is not None:
        aff = np.asarray(problem.affinity, dtype=np.float64)
        if aff.shape != (n, m):
            raise ValueError(f"affinity must be {n} x {m}, got {aff.shape}")
        aff = np.clip(np.nan_to_num(aff), 0.0, 1.0)
    else:
        aff = np.zeros((n, m), dtype=np.float64)
    fit += aff + TRACK_FIT * track

    fixed = np.zeros((n, m), dtype=bool)
    movable = np.zeros((n, m), dtype=bool)
    fixed_count = np.zeros(n, dtype=np.int64)
    fixed_fit = np.zeros(n, dtype=np.float64)
    removed: list[Removed] = []
    departed: dict[int, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for e in sorted(problem.existing, key=lambda e: (e.proposal, e.reviewer)):
        if (e.proposal, e.reviewer) in seen or e.proposal not in p_index:
            continue
        seen.add((e.proposal, e.reviewer))
        i, at = p_index[e.proposal], r_index.get(e.reviewer)
        if e.hold is not Hold.MOVABLE:
            # Started, finished or pinned work stays, even from a reviewer who has left.
            fixed_count[i] += 1
            if at is not None:
                fixed[i, at] = True
                fixed_fit[i] += fit[i, at]
            continue
        name = problem.reviewer_labels.get(e.reviewer, e.reviewer)
        if at is None:
            removed.append(Removed(e.proposal, e.reviewer, f"{name} left the committee"))
            departed.setdefault(i, []).append(name)
        elif not eligible[i, at]:
            rule = conflict(reviewer=revs[at], proposal=props[i]) or "declared"
            removed.append(Removed(e.proposal, e.reviewer, f"{name} may not review it ({rule})"))
            departed.setdefault(i, []).append(name)
        else:
            movable[i, at] = True
    eligible &= ~fixed
    settled = {e.reviewer for e in problem.existing} | problem.settled
    fixed_load = fixed.sum(axis=0).astype(np.int64)
    need = np.maximum(_wanted(problem) - fixed_count, 0).astype(np.int64)
    cap = (
        np.array([n if r.max_load is None else r.max_load for r in revs], dtype=np.int64)
        - fixed_load
    )
    cap = np.maximum(cap, 0)
    return _Instance(
        n=n,
        m=m,
        eligible=eligible,
        fit=fit,
        affinity=aff,
        track=track,
        fixed=fixed,
        movable=movable,
        need=need,
        cap=cap,
        fixed_load=fixed_load,
        fixed_count=fixed_count,
        fixed_fit=fixed_fit,
        newcomer=np.array([r.key not in settled for r in revs], dtype=bool),
        low_reward=np.array(
            [BAND_LOW_REWARD_SETTLED if r.key in settled else BAND_LOW_REWARD for r in revs],
            dtype=np.float64,
        ),
        removed=removed,
        departed=departed,
    )


@dataclass(slots=True)
class _Graph:
    rows: npt.NDArray[np.int64]  # proposal of each candidate pair
    cols: npt.NDArray[np.int64]  # reviewer of each candidate pair
    keep: BoolArray  # a movable existing pair
    fit: FloatArray
    cost: FloatArray  # to minimise, per pair (keep bonus and tie break included)


def _graph(inst: _Instance, mask: BoolArray, tie: FloatArray) -> _Graph:
    rows, cols = np.nonzero(mask)
    rows = rows.astype(np.int64)
    cols = cols.astype(np.int64)
    keep = inst.movable[rows, cols]
    fit = inst.fit[rows, cols]
    cost = -(fit + tie[rows, cols] + KEEP_BONUS * keep)
    return _Graph(rows, cols, keep, fit, cost)


# Costs are integers for the flow solver: 1e-6 keeps the tie break (1e-4) and two-decimal
# affinities apart; the largest total stays far below 2**63.
COST_SCALE = 1_000_000


def _grid(q: float) -> tuple[int, int]:
    """q as num / den with den <= 100: capacities scaled by den make the x <= q LP a flow."""
    frac = Fraction(q).limit_denominator(100)
    return frac.numerator, frac.denominator


def _pair_caps(inst: _Instance, g: _Graph, num: int, den: int) -> npt.NDArray[np.int64]:
    """Each pair's capacity in units of 1/den: 1 for a kept pair, else the cap q = num/den,
    raised for a proposal with fewer than K/q eligible reviewers to need/eligible (when only
    three reviewers read a proposal's language, all three review it: no bid buys that)."""
    if num == den:
        return np.full(len(g.rows), den, dtype=np.int64)
    count = np.maximum(inst.live_count[g.rows], 1)
    forced = np.ceil(inst.need[g.rows] * den / count).astype(np.int64)
    return np.where(g.keep, den, np.minimum(np.maximum(num, forced), den)).astype(np.int64)


def _max_flow(inst: _Instance, g: _Graph, q: float) -> FloatArray:
    """Seats per proposal in a maximum-coverage plan (fractional units of 1/den when q < 1)."""
    x = _max_flow_pairs(inst, g, q)
    seats: FloatArray = np.bincount(g.rows, weights=x, minlength=inst.n).astype(np.float64)
    return seats


def _max_flow_pairs(inst: _Instance, g: _Graph, q: float) -> FloatArray:
    """The value of each candidate pair in one maximum-coverage plan."""
    num, den = _grid(q)
    n, m = inst.n, inst.m
    flow = max_flow.SimpleMaxFlow()
    source, sink = n + m, n + m + 1
    if len(g.rows) == 0:
        return np.zeros(0)
    flow.add_arcs_with_capacity(np.full(n, source), np.arange(n), inst.need * den)
    pair_arcs = flow.add_arcs_with_capacity(g.rows, n + g.cols, _pair_caps(inst, g, num, den))
    flow.add_arcs_with_capacity(n + np.arange(m), np.full(m, sink), inst.cap * den)
    status = flow.solve(source, sink)
    if status != flow.OPTIMAL:
        raise UnableToSolve(f"max flow: status {status}")
    x: FloatArray = np.asarray(flow.flows(pair_arcs), dtype=np.float64) / den
    return x


def _min_cost_flow(inst: _Instance, g: _Graph, q: float, *, lo: int, hi: int) -> FloatArray:
    """The value of every candidate pair: the largest coverage, then the least cost."""
    num, den = _grid(q)
    n, m = inst.n, inst.m
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    zeros_n, zeros_m = np.zeros(n, dtype=np.int64), np.zeros(m, dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source), np.arange(n), inst.need * den, zeros_n
    )
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        g.rows,
        n + g.cols,
        _pair_caps(inst, g, num, den),
        np.round(g.cost * COST_SCALE).astype(np.int64),
    )
    reviewers = n + np.arange(m)
    to_sink = np.full(m, sink)
    for caps, unit in _segments(inst, lo=lo, hi=hi):
        flow.add_arcs_with_capacity_and_unit_cost(
            reviewers, to_sink, caps * den, np.round(zeros_m + unit * COST_SCALE).astype(np.int64)
        )
    total = int(inst.need.sum()) * den
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise UnableToSolve(f"min-cost flow: status {status}")
    x: FloatArray = np.asarray(flow.flows(pair_arcs), dtype=np.float64) / den
    return x


# Inside the band, each further unit of load costs a little more (from 0 to EVEN across the
# band), so equally fitting plans share the work evenly; small enough that any visible
# difference of fit (affinity 0.01) still wins.
EVEN = 2e-3


def _segments(
    inst: _Instance, *, lo: int, hi: int
) -> list[tuple[npt.NDArray[np.int64], FloatArray]]:
    """A reviewer's new load as segments of increasing unit cost: (capacity, cost) per reviewer.

    Below the band (reward), one unit at a time inside it (EVEN x position), above it (penalty).
    Costs only grow, so filling them in order is what the solver does (a convex cost).
    """
    m = inst.m
    # A newcomer's band starts at their fair share (h - 1), a settled reviewer's `band` lower.
    low = np.clip(np.where(inst.newcomer, max(inst.share, lo), lo) - inst.fixed_load, 0, inst.cap)
    mid = np.clip(hi - inst.fixed_load, 0, inst.cap) - low
    high = inst.cap - low - mid
    out: list[tuple[npt.NDArray[np.int64], FloatArray]] = [(low, -inst.low_reward)]
    width = int(mid.max(initial=0))
    for t in range(width):
        # Rising from 0 to EVEN across the band, whatever its width.
        out.append(((mid > t).astype(np.int64), np.full(m, EVEN * t / max(width - 1, 1))))
    out.append((high, np.full(m, BAND_HIGH_PENALTY)))
    return out


def _share(inst: _Instance, h: int, total: float, lo: int) -> int:
    """Where a newcomer's band starts: what a balanced plan gives everyone at least (h when
    the work fills h for all, else h - 1). Only in a run with existing work; in a first run
    everyone is new and the chair's band applies as it is."""
    if inst.newcomer.all():
        return lo
    cap_total = inst.fixed_load + inst.cap
    even = np.minimum(cap_total, np.maximum(h, inst.fixed_load)).sum() <= total + 1e-6
    return max(h if even else h - 1, 0)


def _water_level(inst: _Instance, total: float) -> int:
    """The lowest h such that loads capped at max(h, fixed) and at max_load hold `total`."""
    cap_total = inst.fixed_load + inst.cap
    lo, hi = 0, int(cap_total.max(initial=0)) + 1
    while lo < hi:
        h = (lo + hi) // 2
        if np.minimum(cap_total, np.maximum(h, inst.fixed_load)).sum() >= total - 1e-6:
            hi = h
        else:
            lo = h + 1
    return lo


def solve(problem: Problem, options: Options | None = None) -> Result:
    """The final assignment for `problem`; see the module docstring for what it optimises."""
    opts = options or Options()
    if not 0.0 < opts.q <= 1.0:
        raise ValueError(f"q must be in (0, 1], got {opts.q}")
    if opts.band < 0:
        raise ValueError(f"band must be >= 0, got {opts.band}")
    inst = _instance(problem)
    props, revs = list(problem.proposals), list(problem.reviewers)
    q = opts.q if opts.mode is Mode.RANDOMISED else 1.0
    hp = np.array([_unit_hash("p:" + p.key) for p in props])
    hr = np.array([_unit_hash("r:" + r.key) for r in revs])
    tie = TIE_BREAK * ((hp[:, None] + hr[None, :] * 0.6180339887) % 1.0)

    live = inst.eligible & (inst.need[:, None] > 0)
    inst.live_count = live.sum(axis=1).astype(np.int64)
    mask = live
    pruned = opts.prune is not None and opts.prune < inst.m
    if pruned:
        scored = np.where(live, inst.fit + tie, -np.inf)
        mask = top_candidates(scored, keep=int(opts.prune or 0)) | (inst.movable & live)
    g = _graph(inst, mask, tie)
    seats = _max_flow(inst, g, q)
    repaired = 0
    if pruned:
        # Pruning must never cost coverage: when the pruned graph fills fewer seats than the
        # full one, the pairs of a maximum flow on the full graph join the candidates (then a
        # maximum-coverage plan is among them).
        full = _graph(inst, live, tie)
        full_x = _max_flow_pairs(inst, full, q)
        if full_x.sum() > seats.sum() + 1e-9:
            used = full_x > 1e-9
            extra = np.zeros_like(mask)
            extra[full.rows[used], full.cols[used]] = True
            repaired = int((extra & ~mask).sum())
            mask = mask | extra
            g = _graph(inst, mask, tie)
            seats = _max_flow(inst, g, q)
    total = float(seats.sum())
    h = _water_level(inst, float(inst.fixed_load.sum()) + total)
    lo, hi = max(h - 1 - opts.band, 0), h + opts.band
    inst.share = _share(inst, h, float(inst.fixed_load.sum()) + total, lo)
    exact = True
    ceilings: FloatArray | None = None
    if opts.mode is Mode.FAIR:
        x, exact, ceilings = _fair(inst, g, opts, total=total, lo=lo, hi=hi)
    else:
        x = _min_cost_flow(inst, g, q, lo=lo, hi=hi)
    if opts.mode is Mode.RANDOMISED:
        chosen = rounding.dependent_round(
            edges=list(zip(g.rows.tolist(), g.cols.tolist(), strict=True)),
            values=x.tolist(),
            rng=random.Random(opts.seed),
        )
        pick = np.array(chosen, dtype=bool)
    else:
        pick = x > 0.5
    return _result(problem, inst, g, pick, exact=exact, repaired=repaired, ceilings=ceilings)


# Up to this many candidate pairs the fair mode is solved exactly (branch and bound); above it,
# by weighted min-cost flows (see `_fair_weighted`).
FAIR_EXACT_LIMIT = 4000


def _fair(
    inst: _Instance, g: _Graph, opts: Options, *, total: float, lo: int, hi: int
) -> tuple[FloatArray, bool, FloatArray]:
    """(pair values, proven optimal, each proposal's ceiling: see `_ceilings`)."""
    ceilings = _ceilings(inst, g)
    if len(g.rows) == 0 or len(g.rows) <= FAIR_EXACT_LIMIT:
        x, exact = _fair_exact(inst, g, opts, total=total, lo=lo, hi=hi)
        return x, exact, ceilings
    x, _ = _fair_threshold(inst, g, total=total, lo=lo, hi=hi)
    # The restriction guarantees its level to proposals given all their seats; where the total
    # plan's worst case is better still (possible when a proposal's best plan mixes ranks), it
    # is kept instead: the fair mode's worst case is never below the total mode's.
    x_total = _min_cost_flow(inst, g, 1.0, lo=lo, hi=hi)
    served = _served(inst, g)

    start = x if _key(inst, g, x, served) >= _key(inst, g, x_total, served) else x_total
    return _fair_weighted(inst, g, start, lo=lo, hi=hi, ceilings=ceilings), False, ceilings


def _served(inst: _Instance, g: _Graph) -> BoolArray:
    """Proposals that need reviewers and have a candidate (the ones the worst case is over)."""
    has = np.bincount(g.rows, minlength=inst.n) > 0
    return np.asarray((inst.need > 0) & has, dtype=bool)


def _ceilings(inst: _Instance, g: _Graph) -> FloatArray:
    """Per proposal, the most fit any plan can give it: its fixed fit plus its `need` best
    candidates (negative fits counted as 0, so fewer seats are bounded too). The worst-served
    proposal can do no better than the lowest ceiling among the proposals it is taken over."""
    order = np.lexsort((-g.fit, g.rows))
    rows, fits = g.rows[order], np.maximum(g.fit[order], 0.0)
    first = np.searchsorted(rows, rows)  # start of each proposal's run
    top = (np.arange(len(rows)) - first) < inst.need[rows]
    ceilings: FloatArray = inst.fixed_fit + np.bincount(
        rows[top], weights=fits[top], minlength=inst.n
    )
    return ceilings


def _proposal_fits(inst: _Instance, g: _Graph, x: FloatArray) -> FloatArray:
    fits: FloatArray = inst.fixed_fit + np.bincount(g.rows, weights=g.fit * x, minlength=inst.n)
    return fits


def _seated(inst: _Instance, g: _Graph, x: FloatArray, served: BoolArray) -> BoolArray:
    """The served proposals that plan `x` gives a reviewer (the worst case is over these)."""
    return np.asarray(served & (np.bincount(g.rows, weights=x, minlength=inst.n) > 0.5))


def _key(inst: _Instance, g: _Graph, x: FloatArray, served: BoolArray) -> tuple[float, float]:
    """How the fair mode ranks plans: the worst case first, then the total fit."""
    fits = _proposal_fits(inst, g, x)
    seated = _seated(inst, g, x, served)
    return float(fits[seated].min(initial=np.inf)), float(fits[seated].sum())


def _fair_threshold(
    inst: _Instance, g: _Graph, *, total: float, lo: int, hi: int
) -> tuple[FloatArray, float]:
    """The worst-served proposal first at conference scale, by per-proposal thresholds.

    For a level t, each proposal keeps its best candidates down to the last rank j at which
    its `need` candidates ranked j - need + 1 .. j (the worst `need` it could be given from its
    top j) still add up, with its fixed fit, to t: whichever `need` of those it gets, its fit is
    at least t. The largest t whose restricted graph still fills every seat the full graph
    fills is found by bisection over the distinct window sums, one maximum flow each (the
    restriction only shrinks as t rises); then the usual min-cost flow on that graph. So the
    plan has the same coverage, band, conflicts and kept work as the total mode, and every
    proposal given its `need` reviewers reaches t. Returns (pair values, t)."""
    order = np.lexsort((-g.fit, g.rows))
    rows, fits = g.rows[order], g.fit[order]
    first = np.searchsorted(rows, rows)
    rank = np.arange(len(rows)) - first
    need = inst.need[rows]
    counts = np.bincount(rows, minlength=inst.n)
    csum = np.concatenate([[0.0], np.cumsum(fits)])
    idx = np.arange(len(rows))
    full = rank >= need - 1
    back = np.where(full, idx + 1 - need, idx + 1)
    window = np.where(full, csum[idx + 1] - csum[back], np.inf) + inst.fixed_fit[rows]
    # A proposal with fewer candidates than seats keeps them all (nothing to choose).
    short = counts[rows] < need
    window = np.where(short, np.inf, window)
    levels = np.unique(np.round(window[np.isfinite(window)], 9))
    levels = levels[levels <= _worst_window(rows, rank, need, window) + 1e-12]
    keep_sorted = g.keep[order]

    def restricted(t: float) -> _Graph:
        allowed_sorted = (window >= t - 1e-9) | keep_sorted
        allowed = np.zeros(len(rows), dtype=bool)
        allowed[order] = allowed_sorted
        return _Graph(
            g.rows[allowed], g.cols[allowed], g.keep[allowed], g.fit[allowed], g.cost[allowed]
        )

    best, best_t = g, -np.inf
    lo_i, hi_i = 0, len(levels) - 1
    while lo_i <= hi_i:
        mid_i = (lo_i + hi_i) // 2
        sub = restricted(float(levels[mid_i]))
        if _max_flow(inst, sub, 1.0).sum() >= total - 1e-9:
            best, best_t = sub, float(levels[mid_i])
            lo_i = mid_i + 1
        else:
            hi_i = mid_i - 1
    x_sub = _min_cost_flow(inst, best, 1.0, lo=lo, hi=hi)
    # Back onto the full candidate list.
    index = {(int(r), int(c)): e for e, (r, c) in enumerate(zip(g.rows, g.cols, strict=True))}
    x = np.zeros(len(g.rows))
    for r, c, v in zip(best.rows, best.cols, x_sub, strict=True):
        x[index[(int(r), int(c))]] = v
    return x, best_t


def _worst_window(
    rows: npt.NDArray[np.int64],
    rank: npt.NDArray[np.int64],
    need: npt.NDArray[np.int64],
    window: FloatArray,
) -> float:
    """The lowest top-`need` sum over proposals (no level above it can be reached)."""
    at = rank == need - 1
    finite = at & np.isfinite(window)
    return float(window[finite].min()) if finite.any() else np.inf


# The weighted rounds of the fair mode at scale, and the largest weight on a proposal's fit.
# A weight of at most 2 on the positive part of the fit keeps every dominance argument of the
# module docstring true (the weighted fit range, 2 x 4.25 + 10 = 18.5, is below 30, 130 - 100,
# 100 - 60 and (200 - 130) / 2): weighting changes which reviewers read which proposal, never
# the loads' band, who keeps existing work, or whether a joiner gets work.
FAIR_ROUNDS = 12
FAIR_MAX_WEIGHT = 2.0


def _fair_weighted(
    inst: _Instance, g: _Graph, start: FloatArray, *, lo: int, hi: int, ceilings: FloatArray
) -> FloatArray:
    """Raise the worst case further where the thresholds leave it below the bound (typically
    where reviewers' maximum loads bind): rounds of the same min-cost flow in which the fit of
    every proposal below a target halfway to the bound counts up to twice, the most for the
    worst (a bounded Lagrangian weighting of the max-min objective); weights only grow. Every
    round is a feasible plan of the total mode's network; the plan with the best worst case
    (then the best total fit) is kept, so the worst case never falls. Stops at the bound."""
    served = _served(inst, g)
    weight = np.ones(inst.n)
    positive = np.maximum(g.fit, 0.0)
    best_x = x = start
    best_key = _key(inst, g, x, served)
    for _ in range(FAIR_ROUNDS):
        fits = _proposal_fits(inst, g, x)
        seated = _seated(inst, g, x, served)
        if not seated.any():
            break
        worst = float(fits[seated].min())
        # The bound over the proposals this plan seats (what Stats.worst_bound reports).
        bound = float(ceilings[seated].min())
        if worst >= bound - 1e-9:
            break
        target = worst + 0.5 * (bound - worst)
        lift = np.clip((target - fits) / max(target - worst, 1e-9), 0.0, 1.0) * seated
        weight = np.maximum(weight, 1.0 + (FAIR_MAX_WEIGHT - 1.0) * lift)
        weighted = _Graph(g.rows, g.cols, g.keep, g.fit, g.cost - (weight[g.rows] - 1.0) * positive)
        x = _min_cost_flow(inst, weighted, 1.0, lo=lo, hi=hi)
        key = _key(inst, g, x, served)
        if key > best_key:
            best_x, best_key = x, key
    return best_x


def _fair_exact(
    inst: _Instance, g: _Graph, opts: Options, *, total: float, lo: int, hi: int
) -> tuple[FloatArray, bool]:
    """Stage 1: maximise the worst proposal's fit; stage 2: the usual objective, that fixed.

    Both stages are mixed-integer programmes (HiGHS branch and bound) with the same network
    rows as the flow: pairs, the load segments per reviewer, coverage fixed at `total`.
    """
    k, m, n = len(g.rows), inst.m, inst.n
    if k == 0:
        return np.zeros(0), True
    segments = _segments(inst, lo=lo, hi=hi)
    z = len(segments) * m  # segment variables
    ones = np.ones(k)
    a_prop = sparse.csr_matrix((ones, (g.rows, np.arange(k))), shape=(n, k))
    a_rev = sparse.csr_matrix((ones, (g.cols, np.arange(k))), shape=(m, k))
    eye = sparse.identity(m, format="csr")
    served = np.flatnonzero((inst.need > 0) & (np.asarray(a_prop.sum(axis=1)).ravel() > 0))
    fit_rows = sparse.csr_matrix((g.fit, (g.rows, np.arange(k))), shape=(n, k))[served]
    s = len(served)
    # Variables: pairs, the load segments of every reviewer, then t (the worst proposal's fit).
    width = k + z + 1
    cost = np.concatenate([g.cost, *(unit for _, unit in segments), [0.0]])
    lower = np.zeros(width)
    upper = np.concatenate([np.ones(k), *(caps for caps, _ in segments), [np.inf]]).astype(float)
    lower[-1] = -np.inf
    a_eq = sparse.vstack(
        [
            sparse.hstack([a_rev, *([-eye] * len(segments)), sparse.csr_matrix((m, 1))]),
            sparse.hstack([sparse.csr_matrix(ones), sparse.csr_matrix((1, z + 1))]),
        ]
    ).tocsr()
    b_eq = np.concatenate([np.zeros(m), [total]])
    # t - fit_p(x) <= fixed fit of p, for every proposal that still needs reviewers.
    a_ub = sparse.vstack(
        [
            sparse.hstack([a_prop, sparse.csr_matrix((n, z + 1))]),
            sparse.hstack(
                [-fit_rows, sparse.csr_matrix((s, z)), sparse.csr_matrix(np.ones((s, 1)))]
            ),
        ]
    ).tocsr()
    b_ub = np.concatenate([inst.need.astype(float), inst.fixed_fit[served]])
    if g.keep.any():
        # Fairness does not move anyone's existing work: keep as many movable pairs as the
        # total mode keeps (it keeps all but those a coverage or band need moves).
        kept = float(_min_cost_flow(inst, g, 1.0, lo=lo, hi=hi)[g.keep].sum())
        keep_row = sparse.csr_matrix(np.concatenate([-g.keep.astype(float), np.zeros(z + 1)]))
        a_ub = sparse.vstack([a_ub, keep_row]).tocsr()
        b_ub = np.append(b_ub, -kept + 1e-6)
    integrality = np.zeros(width)
    integrality[: k + z] = 1
    constraints = [LinearConstraint(a_eq, b_eq, b_eq), LinearConstraint(a_ub, -np.inf, b_ub)]
    half = opts.time_limit / 2
    exact = True
    if s:
        c1 = np.zeros(width)
        c1[-1] = -1.0
        first = milp(
            c=c1,
            integrality=integrality,
            bounds=Bounds(lower, upper),
            constraints=constraints,
            options={"time_limit": half},
        )
        if first.x is None:
            raise UnableToSolve(f"fair stage 1: {first.message}")
        exact = first.status == 0
        lower[-1] = float(first.x[-1]) - 1e-7
    else:
        upper[-1] = 0.0
        lower[-1] = 0.0
    second = milp(
        c=cost,
        integrality=integrality,
        bounds=Bounds(lower, upper),
        constraints=constraints,
        options={"time_limit": half, "mip_rel_gap": 0.0},
    )
    if second.x is None:
        raise UnableToSolve(f"fair stage 2: {second.message}")
    return np.round(np.asarray(second.x, dtype=np.float64)[:k]), exact and second.status == 0


def _result(
    problem: Problem,
    inst: _Instance,
    g: _Graph,
    pick: BoolArray,
    *,
    exact: bool,
    repaired: int,
    ceilings: FloatArray | None = None,
) -> Result:
    props, revs = list(problem.proposals), list(problem.reviewers)
    p_label = problem.proposal_labels
    r_label = problem.reviewer_labels
    chosen = np.zeros((inst.n, inst.m), dtype=bool)
    chosen[g.rows[pick], g.cols[pick]] = True
    removed = list(inst.removed)
    moved = inst.movable & ~chosen
    taken_from: dict[int, list[str]] = {}
    for i, j in zip(*np.nonzero(moved), strict=True):
        name = r_label.get(revs[j].key, revs[j].key)
        removed.append(Removed(props[i].key, revs[j].key, "handed over to balance the loads"))
        taken_from.setdefault(int(i), []).append(name)
    holds = {(e.proposal, e.reviewer): e.hold for e in problem.existing}
    final = chosen | inst.fixed
    loads = inst.fixed_load + chosen.sum(axis=0)
    placed: list[Placed] = []
    added: list[tuple[str, str]] = []
    for i, j in zip(*np.nonzero(final), strict=True):
        pk, rk = props[i].key, revs[j].key
        is_new = bool(chosen[i, j] and not inst.movable[i, j])
        reasons: list[str] = []
        hold = holds.get((pk, rk))
        if hold is Hold.MANUAL:
            reasons.append("manual")
        elif hold is Hold.STARTED:
            reasons.append("review started")
        elif hold is Hold.FINISHED:
            reasons.append("review finished")
        bid = problem.bids.get((pk, rk))
        if bid is Bid.EAGER:
            reasons.append("eager bid")
        elif bid is Bid.WILLING:
            reasons.append("willing bid")
        elif bid is Bid.NOT_FOR_ME:
            reasons.append("not-for-me bid, no other reviewer was free")
        if inst.affinity[i, j] >= 0.005:
            reasons.append(f"affinity {inst.affinity[i, j]:.2f}")
        if inst.track[i, j]:
            reasons.append("track preference")
        if is_new:
            if inst.departed.get(int(i)):
                reasons.append(f"filled a gap after {inst.departed[int(i)][0]} left")
            elif taken_from.get(int(i)):
                reasons.append(f"took over from {taken_from[int(i)][0]} to balance the loads")
            elif len(reasons) == 0:
                reasons.append("balances the load")
            added.append((pk, rk))
        placed.append(Placed(pk, rk, float(inst.fit[i, j]), tuple(reasons), is_new))
    placed.sort(key=lambda p: (p.proposal, p.reviewer))
    added.sort()
    removed.sort(key=lambda r: (r.proposal, r.reviewer))

    # Fixed pairs of reviewers who left still count (their review stays).
    got = final.sum(axis=1) + inst.fixed_count - inst.fixed.sum(axis=1)
    shortfalls: list[Short] = []
    wanted_of = _wanted(problem)
    for i in np.flatnonzero(got < wanted_of):
        reasons_short = _short_reasons(inst, revs, props[i], int(i), loads)
        label = p_label.get(props[i].key, props[i].key)
        wanted = int(wanted_of[i])
        shortfalls.append(
            Short(
                proposal=props[i].key,
                wanted=wanted,
                got=int(got[i]),
                reasons=reasons_short,
                warning=(
                    f"{label}: {int(got[i])} of {wanted} reviewers ({'; '.join(reasons_short)})"
                ),
            )
        )
    fits = (inst.fit * final).sum(axis=1)
    # The worst-served proposal among those that have reviewers at all (a proposal nobody can
    # read is a shortfall, reported as such, not a fit of 0).
    wanted_rows = np.flatnonzero(final.any(axis=1))
    stats = Stats(
        total_fit=float((inst.fit * final).sum()),
        worst_fit=float(fits[wanted_rows].min()) if len(wanted_rows) else 0.0,
        seats_wanted=int(wanted_of.sum()),
        seats_filled=int(got.sum()),
        candidates=len(g.rows),
        eligible_pairs=int((inst.eligible & (inst.need[:, None] > 0)).sum()),
        repaired=repaired,
        exact=exact,
        worst_bound=(
            float(ceilings[wanted_rows].min())
            if ceilings is not None and len(wanted_rows)
            else None
        ),
    )
    return Result(
        pairs=tuple(placed),
        added=tuple(added),
        removed=tuple(removed),
        shortfalls=tuple(shortfalls),
        loads={revs[j].key: int(loads[j]) for j in range(inst.m)},
        stats=stats,
    )


def _short_reasons(
    inst: _Instance,
    revs: Sequence[ReviewerProfile],
    proposal: ProposalProfile,
    i: int,
    loads: npt.NDArray[np.int64],
) -> tuple[str, ...]:
    reasons: list[str] = []
    readers = sum(
        1 for r in revs if norm_token(proposal.language) in {norm_token(x) for x in r.languages}
    )
    if readers == 0:
        reasons.append(f"no reviewer reads {proposal.language!r}")
    possible = inst.eligible[i]
    if possible.sum() == 0 and readers:
        reasons.append("every reader is ruled out (conflicts, affiliation or own talk)")
    full = int((possible & (loads - inst.fixed_load >= inst.cap)).sum())
    if full:
        reasons.append(f"{full} eligible reviewer{'s are' if full != 1 else ' is'} at max_load")
    if not reasons:
        reasons.append("no further eligible reviewer")
    return tuple(reasons)


def fit_of(problem: Problem, pairs: Sequence[tuple[str, str]]) -> float:
    """The total fit of `pairs` under the engine's scoring (for tests and benchmarks)."""
    inst = _instance(problem)
    p_index = {p.key: i for i, p in enumerate(problem.proposals)}
    r_index = {r.key: j for j, r in enumerate(problem.reviewers)}
    return float(sum(inst.fit[p_index[p], r_index[r]] for p, r in pairs))


def band_cost(problem: Problem, loads: Mapping[str, int], *, band: int, total: int) -> float:
    """The load term of the objective (negative is good) for final loads; see `solve`."""
    inst = _instance(problem)
    h = _water_level(inst, float(total))
    lo, hi = max(h - 1 - band, 0), h + band
    inst.share = _share(inst, h, float(total), lo)
    new = (
        np.array([loads.get(r.key, 0) for r in problem.reviewers], dtype=np.int64) - inst.fixed_load
    )
    cost = 0.0
    for caps, unit in _segments(inst, lo=lo, hi=hi):
        used = np.clip(new, 0, caps)
        cost += float((used * unit).sum())
        new = new - used
    return cost


__all__ = [
    "BID_FIT",
    "TRACK_FIT",
    "Bid",
    "Existing",
    "Hold",
    "Mode",
    "Options",
    "Placed",
    "Problem",
    "Removed",
    "Result",
    "Short",
    "Stats",
    "UnableToSolve",
    "band_cost",
    "fit_of",
    "solve",
]
