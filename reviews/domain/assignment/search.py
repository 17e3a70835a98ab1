"""The working state of a plan and the passes that improve it, on a graph of reviewers.

Reviewers are bit positions, ordered by the stable hash of their key, so that "lowest set bit
after a per-proposal offset" is a cheap, order-free pseudo-random tie-break. A greedy pass seats
reviewers scarcest proposal first; augmenting paths (chains of hand-overs found by breadth-first
search) then fill the gaps and move work from heavy to light reviewers; a last pass improves
track matches at equal balance. ``plan`` explains what each pass guarantees.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


def bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def rotated_pick(candidates: int, offset: int) -> int:
    above = candidates >> offset
    if above:
        return offset + (above & -above).bit_length() - 1
    return (candidates & -candidates).bit_length() - 1


@dataclass(slots=True)
class State:
    caps: list[int]
    loads: list[int]
    # proposal -> bitmask of reviewers it may still receive (hard rules and `excluded` applied).
    eligible: list[int]
    # proposal -> bitmask of reviewers on it, existing and new.
    on: list[int]
    # reviewer -> proposals newly given to them; a dict for O(1) removal and stable order.
    new_of: list[dict[int, None]]
    # level -> bitmask of reviewers at that load who are below their cap.
    spare_at: list[int] = field(default_factory=list)
    spare_all: int = 0
    lowest: int = 0
    # reviewer -> bitmask of reviewers who could take one of their new proposals. Searches walk
    # this reviewer graph; caching it (and recomputing only reviewers marked stale) is what keeps
    # thousands of repair searches cheap.
    reach_cache: list[int] = field(default_factory=list)
    stale: int = 0

    def __post_init__(self) -> None:
        self.spare_at = [0] * (len(self.on) + max(self.loads, default=0) + 2)
        for r in range(len(self.loads)):
            self._enter(r)
        self.lowest = 0
        self.reach_cache = [0] * len(self.loads)
        self.stale = (1 << len(self.loads)) - 1

    def _leave(self, r: int) -> None:
        bit = 1 << r
        self.spare_at[self.loads[r]] &= ~bit
        self.spare_all &= ~bit

    def _enter(self, r: int) -> None:
        if self.loads[r] < self.caps[r]:
            bit = 1 << r
            self.spare_at[self.loads[r]] |= bit
            self.spare_all |= bit
            self.lowest = min(self.lowest, self.loads[r])

    def give(self, p: int, r: int) -> None:
        bit = 1 << r
        assert not self.on[p] & bit, "a reviewer may sit on a proposal only once"
        self._leave(r)
        self.loads[r] += 1
        self._enter(r)
        self.on[p] |= bit
        self.new_of[r][p] = None
        # Everyone on p now has one fewer possible taker for it.
        self.stale |= self.on[p]

    def take(self, p: int, r: int) -> None:
        del self.new_of[r][p]
        self.on[p] &= ~(1 << r)
        self._leave(r)
        self.loads[r] -= 1
        self._enter(r)
        self.stale |= self.on[p] | 1 << r

    def available(self, p: int) -> int:
        return self.eligible[p] & ~self.on[p]

    def reach(self, r: int) -> int:
        if self.stale >> r & 1:
            eligible, on = self.eligible, self.on
            mask = 0
            for p in self.new_of[r]:
                mask |= eligible[p] & ~on[p]
            self.reach_cache[r] = mask
            self.stale &= ~(1 << r)
        return self.reach_cache[r]

    def spare_up_to(self, level: int) -> int:
        mask = 0
        for lvl in range(min(level + 1, len(self.spare_at))):
            mask |= self.spare_at[lvl]
        return mask

    def least_loaded(self, mask: int) -> int:
        return min(bits(mask), key=lambda r: (self.loads[r], r))

    def hand_over(self, chain: list[int], *, first: int = -1) -> None:
        """Move work along `chain` of reviewers: each passes one new proposal to the next.

        With `first` >= 0 the chain starts by seating chain[0] on that proposal (a slot is
        filled); otherwise chain[0] gives one away and the last reviewer ends one load higher.
        Proposals are chosen before anything moves, so every step is checked against the same
        state the search saw.
        """
        steps: list[tuple[int, int, int]] = []
        if first >= 0:
            steps.append((-1, first, chain[0]))
        for giver, taker in itertools.pairwise(chain):
            bit = 1 << taker
            p = next(p for p in self.new_of[giver] if self.available(p) & bit)
            steps.append((giver, p, taker))
        for giver, p, taker in steps:
            if giver >= 0:
                self.take(p, giver)
            self.give(p, taker)


def search(
    state: State, *, frontier: list[int], visited: int, targets: int
) -> tuple[list[int] | None, int]:
    """Breadth-first search for a chain of hand-overs from `frontier` to a reviewer in `targets`.

    From reviewer r the chain may continue to any reviewer who could take one of r's *new*
    proposals. Returns the chain of reviewers, first to last (or None), and the visited mask.
    """
    parent: dict[int, int] = {}
    while frontier:
        following: list[int] = []
        for r in frontier:
            candidates = state.reach(r) & ~visited
            if not candidates:
                continue
            hit = candidates & targets
            if hit:
                node = state.least_loaded(hit)
                chain = [node]
                parent[node] = r
                while node in parent:
                    node = parent[node]
                    chain.append(node)
                chain.reverse()
                return chain, visited
            visited |= candidates
            for r2 in bits(candidates):
                parent[r2] = r
                following.append(r2)
        frontier = following
    return None, visited


def greedy(
    state: State,
    *,
    order: list[int],
    missing: Callable[[int], int],
    track_mask: list[int],
    offset: list[int],
) -> None:
    for p in order:
        for _ in range(missing(p)):
            available = state.available(p) & state.spare_all
            if not available:
                break
            while not state.spare_at[state.lowest]:
                state.lowest += 1
            level = state.lowest
            while not state.spare_at[level] & available:
                level += 1
            candidates = state.spare_at[level] & available
            preferred = candidates & track_mask[p]
            state.give(p, rotated_pick(preferred or candidates, offset[p]))


def fill_gaps(state: State, *, order: list[int], missing: Callable[[int], int]) -> None:
    """Seat more reviewers through chains of hand-overs until coverage is maximal.

    A reviewer visited by a failed search can never lie on a later augmenting path (everything
    reachable from it is full, and augmenting elsewhere does not touch that closed set), so such
    reviewers stay `dead` for the rest of the pass and each proposal is tried until it fails once.
    """
    dead = 0
    for p in order:
        while missing(p):
            start = state.available(p) & ~dead
            if not start:
                break
            direct = start & state.spare_all
            if direct:
                state.give(p, state.least_loaded(direct))
                continue
            chain, visited = search(
                state, frontier=list(bits(start)), visited=start | dead, targets=state.spare_all
            )
            if chain is None:
                dead |= visited
                break
            state.hand_over(chain, first=p)


def balance(state: State) -> None:
    """Move new work from heavy to light reviewers until no improving chain exists.

    Levels are processed from the top. Once no chain leads from the reviewers at load h to a
    spare reviewer at h - 2 or below, later moves (which start lower and end at h - 3 or below)
    cannot create one, so one descending pass leaves the plan decreasingly minimal.
    """
    top = max(state.loads, default=0)
    for level in range(top, 1, -1):
        while True:
            targets = state.spare_up_to(level - 2)
            if not targets:
                break
            sources = [r for r, load in enumerate(state.loads) if load == level and state.new_of[r]]
            if not sources:
                break
            visited = 0
            for r in sources:
                visited |= 1 << r
            chain, _ = search(state, frontier=sources, visited=visited, targets=targets)
            if chain is None:
                break
            state.hand_over(chain)


def prefer_tracks(state: State, *, track_mask: list[int], offset: list[int]) -> None:
    # Handing p from r (load h) to r2 (load h - 1) swaps their loads: the multiset, and with it
    # every balance guarantee, is unchanged, and the number of track matches grows, so it ends.
    changed = True
    while changed:
        changed = False
        for r in range(len(state.loads)):
            for p in list(state.new_of[r]):
                wanted = track_mask[p]
                if not wanted or wanted >> r & 1 or state.loads[r] == 0:
                    continue
                candidates = state.available(p) & wanted & state.spare_at[state.loads[r] - 1]
                if candidates:
                    state.take(p, r)
                    state.give(p, rotated_pick(candidates, offset[p]))
                    changed = True
