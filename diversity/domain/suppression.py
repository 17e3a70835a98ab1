"""Small-cell protection for self-identification tables, checked by a linear-programming attack.

One table per self-identification question: rows are the answers (plus "" for not answered),
columns are the funnel stages, a cell counts the units (speakers or people) with that answer in
that stage. This module decides which cells of such a table may be published.

Threat model
------------
The attacker is a chair (or anyone who sees reports). They know:

* every published cell of every report they have seen, and the stage totals;
* which stages each unit is in: who submitted, who is above the cut, who was accepted or
  waitlisted. Chairs make those decisions, so for the attack we assume they know them exactly. In
  the linear program this means the number of units with each *set* of stages is known;
* between two snapshots: exactly which units arrived, left or moved between stages, and which
  units changed their answers (for instance a known person who withdrew consent), and that a unit
  whose answer is now "not answered" after a change has withdrawn it.

They do not know anybody's answer. They may combine all of the above linearly and solve: for a
hidden cell, the smallest and largest values consistent with everything they know. That is exactly
what `protect_table` computes (`scipy.optimize.linprog`, one minimisation and one maximisation per
hidden cell), with integer rounding of the bounds. Other dimensions add nothing: the reports
publish no cross-tabulation, and tables of different questions only share the stage counts, which
are already in the model.

What a published table guarantees
----------------------------------
1. Every published count is 0 or at least k (k >= 5, default 10). Counts 1..k-1 are hidden
   ("primary suppression").
2. Every hidden cell, primary or complementary, has a feasible interval of width at least
   min(k, W), where W is the width it would have if every cell of the current table were hidden.
   With one snapshot W is the stage total, so a hidden cell in a stage with at least k units can
   only be placed somewhere in a range of k or more values; in a smaller stage it could be
   anything from 0 to the stage total. Cells are hidden until this holds ("complementary
   suppression"): the result is checked, not assumed.
3. With a previous snapshot, (2) holds for the hidden cells of *both* snapshots against the union
   of their published cells and the coupling of the two populations described above. W is then the
   width with every current cell hidden; when the earlier report and public facts already pin a
   cell (W = 0), nothing the new report could do would help, and the new report adds nothing to it.

The funnel layer adds a release rule on top (see `diversity.domain.funnel`): a new snapshot of
self-identification figures is only computed when at least k units changed since the previous
one, so the difference between two snapshots always mixes at least k people.

Limits (also in docs/diversity-reports.md)
------------------------------------------
* The attack is linear. The bounds are rounded to integers, but an integer-programming attacker
  may still find a slightly narrower interval in rare configurations; width k leaves margin.
* Zeros are published. "0 accepted from group X" is a statement about everybody accepted.
* The suppression pattern itself is deterministic and public, so an attacker who can rerun the
  algorithm on hypotheses learns which hypotheses would have produced the same pattern. Width k
  keeps every hypothesis within the interval alive only as far as the LP sees it.
* The coupling covers two snapshots, the previous one and the current one. Longer chains are not
  solved jointly.
* An attacker who knows the answers of k-1 members of a published group learns the answer of the
  k-th from that group's count: the usual limit of any threshold rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

MIN_K = 5
DEFAULT_K = 10
_EPS = 1e-6

CellKey = tuple[str, str]
"""(row, column): an answer and a stage."""


class InconsistentSnapshot(ValueError):
    """The counts, the previous snapshot and the declared changes cannot all be true at once.

    Usually an answer changed without being declared as changed; the audit would then model a
    weaker attacker than the real one, so we refuse instead of publishing.
    """


def check_k(k: int) -> int:
    """Return k, or raise ValueError if it is below the floor chairs may not cross."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f"k must be a whole number, got {k!r}")
    if k < MIN_K:
        raise ValueError(
            f"k = {k} is too small: self-identification counts below {MIN_K} can point at "
            f"individual people, so k may be lowered to {MIN_K} but no further"
        )
    return k


@dataclass(frozen=True, slots=True)
class Flow:
    """Units that look alike to the attacker: same stages then and now, same kind of change.

    `before` / `after` are the stage sets (columns) of these units in the previous snapshot and
    now; None means absent from that snapshot (a new or a withdrawn unit). When
    `answers_changed` is False and the unit is in both snapshots, its answer is the same in both.
    `after_rows` restricts which answers these units can have now, when the attacker knows that
    (e.g. consent withdrawn: not answered); None means any answer.
    """

    before: frozenset[str] | None
    after: frozenset[str] | None
    answers_changed: bool
    size: int
    after_rows: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError("a flow cannot have a negative size")
        if self.before is None and self.after is None:
            raise ValueError("a flow must exist in at least one snapshot")


@dataclass(frozen=True, slots=True)
class PreviousTable:
    """What was published for this question at the previous snapshot: None marks a hidden cell."""

    rows: tuple[str, ...]
    cells: Mapping[CellKey, int | None]


@dataclass(frozen=True, slots=True)
class Protection:
    """The cells to hide, and for each the interval anyone can derive from the published table."""

    hidden: frozenset[CellKey]
    ranges: Mapping[CellKey, tuple[int, int]] = field(default_factory=dict)


def flows_for_snapshot(stage_sets: Iterable[frozenset[str]]) -> tuple[Flow, ...]:
    """The flows of a single snapshot: one per distinct stage set, nothing known about before."""
    counts: dict[frozenset[str], int] = {}
    for stages in stage_sets:
        counts[stages] = counts.get(stages, 0) + 1
    return tuple(
        Flow(before=None, after=stages, answers_changed=False, size=size)
        for stages, size in sorted(counts.items(), key=lambda item: sorted(item[0]))
    )


def protect_table(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Mapping[CellKey, int],
    flows: Sequence[Flow],
    k: int,
    previous: PreviousTable | None = None,
    preferred_complements: Set[str] = frozenset(),
) -> Protection:
    """Choose the cells to hide so that guarantees (1)-(3) of the module docstring hold.

    `counts` is the exact current table and must agree with `flows` (each column sums to the
    number of units whose current stage set contains it). `preferred_complements` are rows whose
    cells we would rather hide when a partner is needed (typically "not answered").
    Raises InconsistentSnapshot when `previous` and `flows` cannot explain `counts`.
    """
    check_k(k)
    cells = [(row, column) for row in rows for column in columns]
    missing = [cell for cell in cells if cell not in counts]
    if missing:
        raise ValueError(f"counts is missing cells, e.g. {missing[0]}")
    old_rows = tuple(previous.rows) if previous is not None else ()
    model = _Model(
        rows=tuple(dict.fromkeys([*rows, *old_rows])),
        columns=tuple(columns),
        flows=flows,
        new_rows=frozenset(rows),
        old_rows=frozenset(old_rows),
    )
    old_fixed: list[tuple[list[int], int]] = []
    old_hidden: list[CellKey] = []
    if previous is not None:
        for cell, value in previous.cells.items():
            if cell not in model.old_terms:
                continue
            if value is None:
                if model.old_terms[cell]:
                    old_hidden.append(cell)
            else:
                old_fixed.append((model.old_terms[cell], value))
    # One feasibility check up front: the truth must satisfy the attacker's model, otherwise the
    # model is wrong (an undeclared change) and its verdicts would mean nothing.
    truth = _Solver(model, [*old_fixed, *((model.new_terms[c], counts[c]) for c in cells)])
    try:
        truth.check_feasible()
    except InconsistentSnapshot:
        if previous is not None:
            raise
        raise ValueError("counts do not add up to the stage totals given by flows") from None

    hidden = {cell for cell in cells if 1 <= counts[cell] < k}
    if previous is not None:
        # Keeping last time's hidden cells hidden means the two patterns agree wherever possible,
        # which leaves less for a differencing attack to work with.
        hidden |= {
            cell
            for cell in cells
            if cell in old_hidden and model.new_terms[cell] and cell in counts
        }
    pending: list[tuple[str, CellKey]] = [("new", cell) for cell in cells if cell in hidden]
    pending += [("old", cell) for cell in old_hidden]
    base_solver: _Solver | None = None
    base_widths: dict[tuple[str, CellKey], int] = {}

    def required(items: Sequence[tuple[str, CellKey]]) -> dict[tuple[str, CellKey], int]:
        """min(k, W) per item, W being the width with every current cell hidden."""
        nonlocal base_solver
        unknown = [item for item in items if item not in base_widths]
        if unknown:
            if base_solver is None:
                base_solver = _Solver(model, old_fixed)
            found = base_solver.intervals([model.terms(item) for item in unknown])
            for item, (low, high) in zip(unknown, found, strict=True):
                base_widths[item] = high - low
        return {item: min(k, base_widths[item]) for item in items}

    while pending:
        fixed = [*old_fixed]
        fixed += [(model.new_terms[c], counts[c]) for c in cells if c not in hidden]
        solver = _Solver(model, fixed)
        widths = [high - low for low, high in solver.intervals([model.terms(i) for i in pending])]
        narrow = [item for item, width in zip(pending, widths, strict=True) if width < k]
        needed = required(narrow)
        failing = [
            item
            for item, width in zip(pending, widths, strict=True)
            if width < k and width < needed[item]
        ]
        if not failing:
            break
        added = _complements(
            failing=failing,
            cells=cells,
            counts=counts,
            hidden=hidden,
            has_terms={cell: bool(model.new_terms[cell]) for cell in cells},
            preferred=preferred_complements,
        )
        if not added:
            break  # everything that could be hidden is hidden; (2)/(3) hold by definition of W
        hidden |= added
        pending = [*failing, *(("new", cell) for cell in sorted(added))]

    ranges = _standalone_ranges(
        rows=tuple(rows), columns=tuple(columns), flows=flows, counts=counts, hidden=hidden
    )
    return Protection(hidden=frozenset(hidden), ranges=ranges)


def _complements(
    *,
    failing: Sequence[tuple[str, CellKey]],
    cells: Sequence[CellKey],
    counts: Mapping[CellKey, int],
    hidden: Set[CellKey],
    has_terms: Mapping[CellKey, bool],
    preferred: Set[str],
) -> set[CellKey]:
    """One more hidden cell per failing cell, cheapest first; at most one per column a round.

    A partner in the same column breaks the column total; a zero in that column works when its
    row has people elsewhere; failing that, the same row breaks the stage-nesting bounds; last
    resort, anything. Small counts and "not answered" cost the chair the least information.
    """
    candidates = [cell for cell in cells if cell not in hidden and has_terms[cell]]
    row_total: dict[str, int] = {}
    for (row, _), value in counts.items():
        row_total[row] = row_total.get(row, 0) + value
    added: set[CellKey] = set()
    touched_columns: set[str] = set()
    for side, (row, column) in failing:
        if column in touched_columns:
            continue
        if side == "old" and (row, column) in candidates and (row, column) not in added:
            added.add((row, column))
            touched_columns.add(column)
            continue
        pool = [cell for cell in candidates if cell not in added]

        def cost(cell: CellKey, row: str = row, column: str = column) -> tuple[int, int, int]:
            r, c = cell
            if c == column and counts[cell] > 0:
                tier = 0
            elif c == column and row_total.get(r, 0) > 0:
                tier = 1
            elif r == row and counts[cell] > 0:
                tier = 2
            else:
                tier = 3
            return (tier, 0 if r in preferred else 1, counts[cell])

        if not pool:
            continue
        choice = min(pool, key=lambda cell: (cost(cell), cell))
        added.add(choice)
        touched_columns.add(column)
    return added


def _standalone_ranges(
    *,
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    flows: Sequence[Flow],
    counts: Mapping[CellKey, int],
    hidden: Set[CellKey],
) -> dict[CellKey, tuple[int, int]]:
    """Intervals derivable from this table alone (plus stage counts), safe to print beside it.

    Deliberately without the previous snapshot or the declared changes: answer changes are
    private, so printing bounds that used them would publish something new.
    """
    if not hidden:
        return {}
    current: dict[frozenset[str], int] = {}
    for flow in flows:
        if flow.after is not None and flow.size:
            current[flow.after] = current.get(flow.after, 0) + flow.size
    model = _Model(
        rows=rows,
        columns=columns,
        flows=[
            Flow(before=None, after=s, answers_changed=False, size=n) for s, n in current.items()
        ],
        new_rows=frozenset(rows),
        old_rows=frozenset(),
    )
    fixed = [
        (model.new_terms[(row, column)], counts[(row, column)])
        for row in rows
        for column in columns
        if (row, column) not in hidden
    ]
    solver = _Solver(model, fixed)
    ordered = sorted(hidden)
    found = solver.intervals([model.new_terms[cell] for cell in ordered])
    return dict(zip(ordered, found, strict=True))


class _Model:
    """The attacker's unknowns: how many units of each flow have each answer, then and now.

    A unit whose answer did not change contributes one unknown to both snapshots; that shared
    unknown is the whole coupling between two snapshots.
    """

    def __init__(
        self,
        *,
        rows: tuple[str, ...],
        columns: tuple[str, ...],
        flows: Sequence[Flow],
        new_rows: frozenset[str],
        old_rows: frozenset[str],
    ) -> None:
        self.size = 0
        self.sums: list[tuple[list[int], int]] = []
        self.new_terms: dict[CellKey, list[int]] = {(r, c): [] for r in rows for c in columns}
        self.old_terms: dict[CellKey, list[int]] = {(r, c): [] for r in rows for c in columns}
        for flow in flows:
            if flow.size == 0:
                continue
            allowed_now = new_rows if flow.after_rows is None else new_rows & flow.after_rows
            if flow.before is not None and flow.after is not None and not flow.answers_changed:
                shared = [row for row in rows if row in allowed_now and row in old_rows]
                family = self._family(shared, flow.size)
                self._attach(self.new_terms, family, flow.after)
                self._attach(self.old_terms, family, flow.before)
                continue
            if flow.after is not None:
                now = [row for row in rows if row in allowed_now]
                self._attach(self.new_terms, self._family(now, flow.size), flow.after)
            if flow.before is not None:
                then = [row for row in rows if row in old_rows]
                self._attach(self.old_terms, self._family(then, flow.size), flow.before)

    def terms(self, item: tuple[str, CellKey]) -> list[int]:
        side, cell = item
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


class _Solver:
    """Min and max of cells under a fixed set of equalities, all unknowns non-negative.

    Many cells are solved in one call: the program holds two independent copies of the unknowns
    per cell, one maximising the cell and one minimising it. The copies share no constraint, so
    an optimum of the sum is an optimum of every copy; one call replaces 2 x cells calls, whose
    cost is almost all set-up.
    """

    def __init__(self, model: _Model, fixed: Iterable[tuple[Sequence[int], int]]) -> None:
        rows: list[tuple[Sequence[int], int]] = list(model.sums)
        self.impossible = False
        for terms, value in fixed:
            if terms:
                rows.append((terms, value))
            elif value != 0:
                self.impossible = True  # a published non-zero count where nobody can be
        self.size = max(model.size, 1)
        a_eq = np.zeros((len(rows), self.size))
        self.b_eq = np.zeros(len(rows))
        for i, (terms, value) in enumerate(rows):
            np.add.at(a_eq[i], list(terms), 1.0)
            self.b_eq[i] = value
        self.a_eq = sparse.csr_matrix(a_eq)

    def check_feasible(self) -> None:
        self._solve(np.zeros(self.size), copies=1)

    def interval(self, terms: Sequence[int]) -> tuple[int, int]:
        return self.intervals([terms])[0]

    def intervals(self, cells: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
        if self.impossible:
            raise InconsistentSnapshot(_MISMATCH)
        if not cells:
            return []
        n = self.size
        objective = np.zeros(2 * n * len(cells))
        for i, terms in enumerate(cells):
            # Copy 2i maximises the cell (minimise minus it), copy 2i + 1 minimises it.
            np.add.at(objective, [2 * i * n + t for t in terms], -1.0)
            np.add.at(objective, [(2 * i + 1) * n + t for t in terms], 1.0)
        solution = self._solve(objective, copies=2 * len(cells))
        result: list[tuple[int, int]] = []
        for i, terms in enumerate(cells):
            index = list(terms)
            high = float(solution[2 * i * n : (2 * i + 1) * n][index].sum()) if index else 0.0
            low = float(solution[(2 * i + 1) * n : (2 * i + 2) * n][index].sum()) if index else 0.0
            result.append((math.ceil(low - _EPS), math.floor(high + _EPS)))
        return result

    def _solve(self, objective: np.ndarray, *, copies: int) -> np.ndarray:
        if self.impossible:
            raise InconsistentSnapshot(_MISMATCH)
        a_eq = sparse.kron(sparse.identity(copies, format="csr"), self.a_eq, format="csr")
        b_eq = np.tile(self.b_eq, copies)
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if result.status == 2:
            raise InconsistentSnapshot(_MISMATCH)
        if result.status != 0:
            raise RuntimeError(f"the suppression audit's linear program failed: {result.message}")
        return np.asarray(result.x, dtype=float)


_MISMATCH = (
    "the current counts cannot follow from the previous snapshot and the declared changes; "
    "declare every unit whose answers changed, or start a new series without a previous snapshot"
)
