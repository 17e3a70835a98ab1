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
* possibly, who answered a question at all (a speaker may say "I withdrew my answers" or "I
  skipped that form"). We audit against both attackers, the one who knows every unit's
  answered / not answered status in every snapshot ("strict") and the one who knows none
  ("loose"): a partner cell in the "not answered" row fools only the second;
* between two snapshots: exactly which units arrived, left or moved between stages, and which
  units changed their answers (for instance a known person who withdrew consent).

They do not know anybody's actual answer. They may combine all of the above linearly and solve:
for a hidden cell, the smallest and largest values consistent with everything they know. That is
what `protect_table` computes (`scipy.optimize.linprog`, one minimisation and one maximisation per
hidden cell, batched into a few calls; the programs are in `attack`), with integer rounding of
the bounds. Other dimensions add nothing: the reports publish no cross-tabulation, and tables of
different questions only share the stage counts, which are already in the model.

What a published table guarantees
----------------------------------
1. Every published count is 0 or at least k (k >= 5, default 10). Counts 1..k-1 are hidden
   ("primary suppression").
2. Against each attacker, every hidden cell, primary or complementary, has a feasible interval
   of width at least min(k, W), where W is the width it would have for that attacker if every
   cell of the current table were hidden. With one snapshot W is the stage total for the loose
   attacker and the number of units in that stage who answered for the strict one, so a hidden
   cell in a stage with at least k units can only be placed somewhere in a range of k or more
   values; in a smaller stage it could be anything from 0 to the stage total. (The strict
   attacker can count "not answered" exactly: W = 0 there, nothing to protect against them.)
   Cells are hidden until this holds ("complementary suppression"): the result is checked, not
   assumed.
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
* The coupling covers two snapshots, the previous one and the current one. Longer chains, other
  calls and the other report are solved jointly by the release gate (``gate``, ``disclosure``),
  which runs after this choice and may hide more.
* Someone who knows the answered / not answered status of only *some* people sits between the two
  modelled attackers. Hidden cells of answered rows keep at least the strict attacker's
  interval; a hidden "not answered" cell can lose up to one unit of width per person whose status
  they know in that stage (it cannot hide from someone who can count that row anyway).
* The coupling of two snapshots is only as good as the declared changes: a unit declared as
  changed that did not change weakens the audit (an undeclared one is either caught as
  InconsistentSnapshot or only makes the audit stricter).
* An attacker who knows the answers of k-1 members of a published group learns the answer of the
  k-th from that group's count: the usual limit of any threshold rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from diversity.domain import attack
from diversity.domain.attack import CellKey, Flow, InconsistentSnapshot, Item

__all__ = [
    "DEFAULT_K",
    "MIN_K",
    "CellKey",
    "Flow",
    "InconsistentSnapshot",
    "PreviousTable",
    "Protection",
    "check_k",
    "flows_for_snapshot",
    "protect_table",
]

MIN_K = 5
DEFAULT_K = 10


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
class PreviousTable:
    """What was published for this question at the previous snapshot: None marks a hidden cell."""

    rows: tuple[str, ...]
    cells: Mapping[CellKey, int | None]


@dataclass(frozen=True, slots=True)
class Protection:
    """The cells to hide, and for each the interval anyone can derive from the published table."""

    hidden: frozenset[CellKey]
    ranges: Mapping[CellKey, tuple[int, int]] = field(default_factory=dict)


def flows_for_snapshot(
    units: Iterable[tuple[frozenset[str], frozenset[str] | None]],
) -> tuple[Flow, ...]:
    """The flows of a single snapshot from (stage set, rows the unit may be in) pairs."""
    counts: dict[tuple[frozenset[str], frozenset[str] | None], int] = {}
    for key in units:
        counts[key] = counts.get(key, 0) + 1
    return tuple(
        Flow(before=None, after=stages, answers_changed=False, size=size, after_rows=rows)
        for (stages, rows), size in sorted(counts.items(), key=lambda item: repr(item[0]))
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
    number of units whose current stage set contains it). Row limits in the flows
    (`after_rows`, `before_rows`) are knowledge the attacker may or may not have, so every hidden
    cell is audited twice: against the attacker who knows them ("strict") and the one who does
    not ("loose"); W in the guarantee is taken per attacker. `preferred_complements` are rows
    whose cells we would rather hide when a partner is needed (typically "not answered").
    Raises InconsistentSnapshot when `previous` and `flows` cannot explain `counts`.
    """
    check_k(k)
    cells = [(row, column) for row in rows for column in columns]
    missing = [cell for cell in cells if cell not in counts]
    if missing:
        raise ValueError(f"counts is missing cells, e.g. {missing[0]}")
    old_rows = tuple(previous.rows) if previous is not None else ()

    def make_model(limits: bool) -> attack.Model:
        return attack.Model(
            rows=tuple(dict.fromkeys([*rows, *old_rows])),
            columns=tuple(columns),
            flows=flows,
            new_rows=frozenset(rows),
            old_rows=frozenset(old_rows),
            limits=limits,
        )

    models = {"strict": make_model(True)}
    if any(f.after_rows is not None or f.before_rows is not None for f in flows):
        models["loose"] = make_model(False)
    old_cells = dict(previous.cells) if previous is not None else {}
    old_hidden = [c for c, v in old_cells.items() if v is None and c in models["strict"].old_terms]
    old_fixed = {
        name: [
            (m.old_terms[c], v) for c, v in old_cells.items() if v is not None and c in m.old_terms
        ]
        for name, m in models.items()
    }
    # A cell nobody can be in for any attacker is a structural zero: hiding it hides nothing.
    hideable = {cell for cell in cells if any(m.new_terms[cell] for m in models.values())}

    # The truth must satisfy the attacker's model, otherwise the model is wrong (e.g. an
    # undeclared change) and its verdicts would mean nothing; it is checked with the first round.
    strict = models["strict"]
    truth = attack.System(
        strict, [*old_fixed["strict"], *((strict.new_terms[c], counts[c]) for c in cells)]
    )
    # W per audited item: in closed form for a single snapshot, else solved when first needed
    # (only for cells narrower than k, the only ones where W can matter).
    base_width: dict[Item, int] = {}
    if previous is None:
        base_width = {
            (name, "new", cell): _lone_width((name, "new", cell), flows)
            for name in models
            for cell in cells
        }
    bases: dict[str, attack.System] = {}

    def fill_base(items: Sequence[Item]) -> None:
        missing = [item for item in items if item not in base_width]
        for name in {item[0] for item in missing}:
            bases.setdefault(name, attack.System(models[name], old_fixed[name]))
        found = attack.intervals([(bases[i[0]], models[i[0]].terms(i)) for i in missing])
        base_width.update({i: high - low for i, (low, high) in zip(missing, found, strict=True)})

    # A cell the strict attacker can count from the stage sets and who answered alone ("not
    # answered", for someone who knows who answered) is useless as a partner against it. The
    # closed form ignores what an earlier snapshot pins as well; the audit catches those.
    countable = frozenset(c for c in cells if _lone_width(("strict", "new", c), flows) == 0)

    hidden = {cell for cell in cells if 1 <= counts[cell] < k}
    # Last time's hidden cells are not kept hidden for their own sake: the joint audit below
    # and the release gate over the whole history (``gate``, issue 16) decide what differencing
    # would give away, and a cell hidden once for a small change can be shown again once enough
    # has changed (keeping them hid 60 % of a 1,000-speaker report for good after one refresh).
    hidden |= _column_partners(
        rows=rows,
        columns=columns,
        counts=counts,
        hidden=hidden,
        hideable=hideable,
        countable=countable,
        preferred=preferred_complements,
        k=k,
    )

    def items_for(new: Iterable[CellKey], old: Iterable[CellKey]) -> list[Item]:
        """What to audit for these hidden cells.

        The loose attacker knows less, so its interval contains the strict one; when both ask
        for the same width, passing the strict audit passes the loose one too.
        """
        chosen = [*(("new", c) for c in new), *(("old", c) for c in old)]
        if previous is not None:
            return [(name, side, cell) for name in models for side, cell in chosen]
        items: list[Item] = []
        for side, cell in chosen:
            need = min(k, base_width[("strict", side, cell)])
            if need > 0:
                items.append(("strict", side, cell))
            if "loose" in models and min(k, base_width[("loose", side, cell)]) > need:
                items.append(("loose", side, cell))
        return items

    shown = attack.Shown(rows=tuple(rows), columns=tuple(columns), flows=flows, counts=counts)
    pending = items_for(sorted(hidden), old_hidden)
    ranges: dict[CellKey, tuple[int, int]] = {}
    checked = False
    while True:
        systems = {
            name: attack.System(
                model,
                [
                    *old_fixed[name],
                    *((model.new_terms[c], counts[c]) for c in cells if c not in hidden),
                ],
            )
            for name, model in models.items()
        }
        # The printed intervals ride along: if this round passes they are the final ones.
        requests = [(systems[i[0]], models[i[0]].terms(i)) for i in pending]
        if not checked:
            requests.append((truth, []))
        try:
            found = attack.intervals([*requests, *shown.requests(hidden)])
        except InconsistentSnapshot:
            if previous is not None:
                raise
            raise ValueError("counts do not add up to the stage totals given by flows") from None
        checked = True
        widths = {
            item: high - low
            for item, (low, high) in zip(pending, found[: len(pending)], strict=True)
        }
        narrow = [item for item in pending if widths[item] < k]
        fill_base(narrow)
        failing = [item for item in narrow if widths[item] < min(k, base_width[item])]
        if not failing:
            ranges = dict(zip(sorted(hidden), found[len(requests) :], strict=True))
            break
        added = _complements(
            failing=failing,
            cells=cells,
            counts=counts,
            candidates=hideable - hidden,
            countable=countable,
            preferred=preferred_complements,
        )
        if not added:
            # Everything that could be hidden is hidden, so (2)/(3) hold by definition of W;
            # unreachable in practice, kept so that a bug cannot loop forever.
            ranges = dict(
                zip(sorted(hidden), attack.intervals(shown.requests(hidden)), strict=True)
            )
            break
        hidden |= added
        pending = [*failing, *items_for(sorted(added), ())]
    return Protection(hidden=frozenset(hidden), ranges=ranges)


def _lone_width(item: Item, flows: Sequence[Flow]) -> int:
    """W of a cell of a single snapshot, in closed form.

    With every cell hidden, each flow's units can be spread over its allowed rows at will: the
    cell can hold all units of the flows that include its column and allow its row, and must
    hold those whose only allowed row is its row.
    """
    name, _, (row, column) = item
    most = least = 0
    for flow in flows:
        if flow.after is None or column not in flow.after:
            continue
        allowed = flow.after_rows if name == "strict" else None
        if allowed is None or row in allowed:
            most += flow.size
            if allowed is not None and allowed == {row}:
                least += flow.size
    return most - least


def _column_partners(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Mapping[CellKey, int],
    hidden: Set[CellKey],
    hideable: Set[CellKey],
    countable: Set[CellKey],
    preferred: Set[str],
    k: int,
) -> set[CellKey]:
    """Partners the audit would ask for anyway, found by arithmetic instead of linear programs.

    Within a column the hidden cells add up to a known number, so each needs partners until the
    hidden cells together hold min(k, column total) units, counting only cells each attacker
    cannot count for itself. The audit still checks everything; this only saves rounds.
    """
    added: set[CellKey] = set()
    for column in columns:
        for usable in (
            [r for r in rows if (r, column) not in countable],  # against the strict attacker
            list(rows),  # against the loose one
        ):
            total = sum(counts[(r, column)] for r in usable)
            while True:
                inside = [r for r in usable if (r, column) in hidden or (r, column) in added]
                held = sum(counts[(r, column)] for r in inside)
                if not inside or (held >= min(k, total) and len(inside) >= 2) or held == total:
                    break
                spare = [
                    r
                    for r in usable
                    if r not in inside and (r, column) in hideable and counts[(r, column)] > 0
                ]
                if not spare:
                    break
                choice = min(
                    spare, key=lambda r: (0 if r in preferred else 1, counts[(r, column)], r)
                )
                added.add((choice, column))
    return added


def _complements(
    *,
    failing: Sequence[Item],
    cells: Sequence[CellKey],
    counts: Mapping[CellKey, int],
    candidates: Set[CellKey],
    countable: Set[CellKey],
    preferred: Set[str],
) -> set[CellKey]:
    """One more hidden cell per failing cell, cheapest first; at most one per column a round.

    A partner in the same column breaks the column total; a zero in that column works when its
    row has people elsewhere; failing that, the same row breaks the stage-nesting bounds; last
    resort, anything. Small counts and "not answered" cost the chair the least information.
    """
    row_total: dict[str, int] = {}
    for (row, _), value in counts.items():
        row_total[row] = row_total.get(row, 0) + value
    added: set[CellKey] = set()
    touched_columns: set[str] = set()
    for name, side, (row, column) in failing:
        if column in touched_columns:
            continue
        if side == "old" and (row, column) in candidates and (row, column) not in added:
            added.add((row, column))
            touched_columns.add(column)
            continue
        pool = [
            cell
            for cell in cells
            if cell in candidates
            and cell not in added
            and not (name == "strict" and cell in countable)
        ]

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
