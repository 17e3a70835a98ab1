"""Sampling an integral assignment whose marginals are a fractional one (dependent rounding).

Gandhi, Khuller, Parthasarathy and Srinivasan, "Dependent rounding and its applications to
approximation algorithms" (J. ACM 2006), the method Jecmen et al. (NeurIPS 2020) use for
randomised reviewer assignment. Input: a fractional bipartite assignment x (proposal-reviewer
pairs, 0 <= x <= 1). Repeat while some x is fractional: take a cycle, or else a maximal path,
of fractional pairs; split its pairs alternately into two sets A and B; with the right
probabilities add a to A and take it from B, or take b from A and add it to B, for the largest a,
b that keep every x in [0, 1]. Each step makes at least one pair integral and leaves every
expectation unchanged, so:

* P(pair assigned) = x for every pair (marginals): a cap x <= q is a cap on the probability;
* every node's degree ends at the floor or ceiling of its fractional degree (a proposal with
  3.0 expected reviewers gets exactly 3; a reviewer with load 7.4 gets 7 or 8);

Interior nodes of a cycle or path keep their degree exactly at each step; only the two ends of
a maximal path move, and an end has a single fractional pair, so it stays within floor/ceil.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

EPS = 1e-9


def dependent_round(
    *, edges: Sequence[tuple[int, int]], values: Sequence[float], rng: random.Random
) -> list[bool]:
    """Which pairs are chosen. `edges` are (left node, right node); left and right are disjoint
    index spaces. Values outside [EPS, 1 - EPS] are taken as already integral."""
    x = [min(max(float(v), 0.0), 1.0) for v in values]
    # Node ids: left nodes as given, right nodes shifted past every left id.
    shift = max((a for a, _ in edges), default=-1) + 1
    adj: dict[int, set[int]] = {}

    def fractional(e: int) -> bool:
        return EPS < x[e] < 1 - EPS

    ends: list[tuple[int, int]] = [(a, b + shift) for a, b in edges]
    for e, (u, v) in enumerate(ends):
        if fractional(e):
            adj.setdefault(u, set()).add(e)
            adj.setdefault(v, set()).add(e)

    def drop(e: int) -> None:
        for node in ends[e]:
            s = adj.get(node)
            if s is not None:
                s.discard(e)
                if not s:
                    del adj[node]

    def other(e: int, node: int) -> int:
        u, v = ends[e]
        return v if node == u else u

    while adj:
        start = next(iter(adj))
        walk = _find_cycle_or_path(start, adj, other)
        a_set = walk[0::2]
        b_set = walk[1::2]
        up = min(min(1 - x[e] for e in a_set), min((x[e] for e in b_set), default=1.0))
        down = min(min(x[e] for e in a_set), min((1 - x[e] for e in b_set), default=1.0))
        if rng.random() < down / (up + down):
            for e in a_set:
                x[e] += up
            for e in b_set:
                x[e] -= up
        else:
            for e in a_set:
                x[e] -= down
            for e in b_set:
                x[e] += down
        for e in walk:
            if not fractional(e):
                x[e] = 1.0 if x[e] > 0.5 else 0.0
                drop(e)
    return [v > 0.5 for v in x]


def _find_cycle_or_path(
    start: int, adj: dict[int, set[int]], step: Callable[[int, int], int]
) -> list[int]:
    """Edges of a cycle (even: the graph is bipartite) or of a maximal path, in walk order.

    `step(edge, node)` is the edge's other end.
    """
    nodes = [start]
    edges: list[int] = []
    position = {start: 0}
    reversed_once = False
    while True:
        here = nodes[-1]
        came = edges[-1] if edges else -1
        nxt = next((e for e in adj.get(here, ()) if e != came), None)
        if nxt is None:
            if reversed_once or not edges:
                return edges
            # Dead end: walk the other way from the start to make the path maximal.
            nodes.reverse()
            edges.reverse()
            position = {node: i for i, node in enumerate(nodes)}
            reversed_once = True
            continue
        there = step(nxt, here)
        if there in position:
            # A cycle: the edges from `there` onwards, closed by `nxt`.
            return [*edges[position[there] :], nxt]
        position[there] = len(nodes)
        nodes.append(there)
        edges.append(nxt)
