"""The attacker of ``suppression``'s threat model, as linear programs.

``Model`` holds the attacker's unknowns (how many units of each flow have each answer, then and
now), ``System`` the equalities they know (flow sizes and published cells), and ``intervals`` the
smallest and largest value of a hidden cell they can derive, many cells in one ``linprog`` call.
``Shown`` gives the intervals printed beside hidden cells, from the table alone. Which cells to
hide is decided in ``suppression``; the threat model and the guarantees are in its docstring.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

_EPS = 1e-6

CellKey = tuple[str, str]
"""(row, column): an answer and a stage."""

Item = tuple[str, str, CellKey]
"""(attacker model, snapshot, cell): model "strict" knows the flows' row limits, "loose" does
not; snapshot "new" is the table being published, "old" the previous one."""


class InconsistentSnapshot(ValueError):
    """The counts, the previous snapshot and the declared changes cannot all be true at once.

    Usually an answer changed without being declared as changed; the audit would then model a
    weaker attacker than the real one, so we refuse instead of publishing.
    """


@dataclass(frozen=True, slots=True)
class Flow:
    """Units that look alike to the attacker: same stages then and now, same kind of change.

    `before` / `after` are the stage sets (columns) of these units in the previous snapshot and
    now; None means absent from that snapshot (a new or a withdrawn unit). When
    `answers_changed` is False and the unit is in both snapshots, its answer is the same in both.
    `after_rows` / `before_rows` restrict which answers these units can have now / had then,
    when the attacker may know it (whether they answered at all); None means any answer.
    """

    before: frozenset[str] | None
    after: frozenset[str] | None
    answers_changed: bool
    size: int
    after_rows: frozenset[str] | None = None
    before_rows: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError("a flow cannot have a negative size")
        if self.before is None and self.after is None:
            raise ValueError("a flow must exist in at least one snapshot")


class Shown:
    """The intervals printed beside hidden cells: derivable from the table alone.

    Deliberately without row limits, the previous snapshot or the declared changes: who answered
    and who changed an answer are private, so printing bounds that used them would publish
    something new. Only the stage counts and the published cells go in.
    """

    def __init__(
        self,
        *,
        rows: tuple[str, ...],
        columns: tuple[str, ...],
        flows: Sequence[Flow],
        counts: Mapping[CellKey, int],
    ) -> None:
        current: dict[frozenset[str], int] = {}
        for flow in flows:
            if flow.after is not None and flow.size:
                current[flow.after] = current.get(flow.after, 0) + flow.size
        self.model = Model(
            rows=rows,
            columns=columns,
            flows=[
                Flow(before=None, after=s, answers_changed=False, size=n)
                for s, n in current.items()
            ],
            new_rows=frozenset(rows),
            old_rows=frozenset(),
            limits=False,
        )
        self.cells = [(row, column) for row in rows for column in columns]
        self.counts = counts

    def requests(self, hidden: Set[CellKey]) -> list[tuple[System, Sequence[int]]]:
        """One request per hidden cell, in sorted cell order."""
        if not hidden:
            return []
        terms = self.model.new_terms
        system = System(
            self.model, [(terms[c], self.counts[c]) for c in self.cells if c not in hidden]
        )
        return [(system, terms[cell]) for cell in sorted(hidden)]


class Model:
    """The attacker's unknowns: how many units of each flow have each answer, then and now.

    A unit whose answer did not change contributes one unknown to both snapshots; that shared
    unknown is the whole coupling between two snapshots. With `limits`, the flows' row limits
    apply (the attacker knows who answered); without, any unit may have any answer.
    """

    def __init__(
        self,
        *,
        rows: tuple[str, ...],
        columns: tuple[str, ...],
        flows: Sequence[Flow],
        new_rows: frozenset[str],
        old_rows: frozenset[str],
        limits: bool,
    ) -> None:
        self.size = 0
        self.sums: list[tuple[list[int], int]] = []
        self.new_terms: dict[CellKey, list[int]] = {(r, c): [] for r in rows for c in columns}
        self.old_terms: dict[CellKey, list[int]] = {(r, c): [] for r in rows for c in columns}
        for flow in flows:
            if flow.size == 0:
                continue
            now = new_rows
            then = old_rows
            if limits and flow.after_rows is not None:
                now = now & flow.after_rows
            if limits and flow.before_rows is not None:
                then = then & flow.before_rows
            if flow.before is not None and flow.after is not None and not flow.answers_changed:
                family = self._family([r for r in rows if r in now and r in then], flow.size)
                self._attach(self.new_terms, family, flow.after)
                self._attach(self.old_terms, family, flow.before)
                continue
            if flow.after is not None:
                family = self._family([r for r in rows if r in now], flow.size)
                self._attach(self.new_terms, family, flow.after)
            if flow.before is not None:
                family = self._family([r for r in rows if r in then], flow.size)
                self._attach(self.old_terms, family, flow.before)

    def terms(self, item: Item) -> list[int]:
        _, side, cell = item
        return self.new_terms[cell] if side == "new" else self.old_terms[cell]

    def _family(self, rows: Sequence[str], size: int) -> dict[str, int]:
        family = {row: self.size + i for i, row in enumerate(rows)}
        self.size += len(rows)
        # An empty family with a positive size makes the system infeasible, as it should.
        self.sums.append((list(family.values()), size))
        return family

    @staticmethod
    def _attach(
        terms: dict[CellKey, list[int]], family: Mapping[str, int], stages: frozenset[str]
    ) -> None:
        for row, index in family.items():
            for column in stages:
                if (row, column) in terms:
                    terms[(row, column)].append(index)


class System:
    """Equalities over non-negative unknowns: the flow sizes plus the cells taken as known."""

    def __init__(self, model: Model, fixed: Iterable[tuple[Sequence[int], int]]) -> None:
        rows: list[tuple[Sequence[int], int]] = list(model.sums)
        self.impossible = False
        for terms, value in fixed:
            if terms:
                rows.append((terms, value))
            elif value != 0:
                self.impossible = True  # a published non-zero count where nobody can be
        self.size = max(model.size, 1)
        self.height = len(rows)
        self.row_index = np.array(
            [i for i, (terms, _) in enumerate(rows) for _ in terms], dtype=np.int64
        )
        self.column_index = np.array([t for terms, _ in rows for t in terms], dtype=np.int64)
        self.b_eq = np.array([float(value) for _, value in rows])


def intervals(requests: Sequence[tuple[System, Sequence[int]]]) -> list[tuple[int, int]]:
    """Min and max of each requested sum of unknowns, each under its own system, in one call.

    The program holds two independent copies of its system per request, one maximising the sum
    and one minimising it. The copies share no constraint, so an optimum of the total is an
    optimum of every copy; one call replaces 2 x requests calls, whose cost is mostly set-up.
    An empty sum just asks whether its system is feasible. Bounds are rounded inwards to
    integers (counts are whole numbers).
    """
    if not requests:
        return []
    if any(system.impossible for system, _ in requests):
        raise InconsistentSnapshot(_MISMATCH)
    row_parts: list[np.ndarray] = []
    column_parts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    objective_at: list[int] = []
    objective_sign: list[float] = []
    offsets: list[int] = []
    row_at = column_at = 0
    for system, terms in requests:
        for sign in (-1.0, 1.0):  # maximise (minimise minus the sum), then minimise
            row_parts.append(system.row_index + row_at)
            column_parts.append(system.column_index + column_at)
            rights.append(system.b_eq)
            objective_at.extend(column_at + t for t in terms)
            objective_sign.extend(sign for _ in terms)
            offsets.append(column_at)
            row_at += system.height
            column_at += system.size
    rows = np.concatenate(row_parts)
    a_eq = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.concatenate(column_parts))), shape=(row_at, column_at)
    )
    objective = np.zeros(column_at)
    np.add.at(objective, objective_at, objective_sign)
    result = linprog(
        objective, A_eq=a_eq, b_eq=np.concatenate(rights), bounds=(0, None), method="highs"
    )
    if result.status == 2:
        raise InconsistentSnapshot(_MISMATCH)
    if result.status != 0:
        raise RuntimeError(f"the suppression audit's linear program failed: {result.message}")
    solution = np.asarray(result.x, dtype=float)
    found: list[tuple[int, int]] = []
    for i, (system, terms) in enumerate(requests):
        index = list(terms)
        high_at, low_at = offsets[2 * i], offsets[2 * i + 1]
        high = float(solution[high_at : high_at + system.size][index].sum()) if index else 0.0
        low = float(solution[low_at : low_at + system.size][index].sum()) if index else 0.0
        found.append((math.ceil(low - _EPS), math.floor(high + _EPS)))
    return found


_MISMATCH = (
    "the current counts cannot follow from the previous snapshot and the declared changes; "
    "declare every unit whose answers changed, or start a new series without a previous snapshot"
)
