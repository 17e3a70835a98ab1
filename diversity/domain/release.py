"""The release rule between two snapshots, and the protected self-identification tables.

What changed since the previous snapshot (declared answer changes, and every unit whose answered
status flipped) decides whether the tables are computed afresh, kept or held (``mode``); a table
computed afresh is protected by ``suppression.protect_table`` against both snapshots at once.
The rule itself is explained in ``funnel``'s docstring.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set

from diversity.domain import suppression
from diversity.domain.figures import (
    NOT_ANSWERED,
    STAGES,
    Cell,
    Dimension,
    PublishedReport,
    PublishedTable,
    Stage,
    Unit,
    share,
)


def changed_answers(
    *,
    previous: PublishedReport | None,
    declared: Mapping[str, Set[str]],
    answered: Mapping[str, frozenset[str]],
    now: Mapping[str, frozenset[Stage]],
) -> dict[str, frozenset[str]]:
    """Declared changes plus every unit whose answered / not answered status flipped.

    A flip is a change whether or not the caller declared it (consent withdrawn, answers added);
    only a change from one answer to another needs declaring.
    """
    changed = {slug: frozenset(keys) for slug, keys in declared.items()}
    if previous is None:
        return changed
    both = previous.stage_sets.keys() & now.keys()
    for slug, keys in answered.items():
        if slug in previous.answered:
            flipped = (previous.answered[slug] ^ keys) & both
            changed[slug] = changed.get(slug, frozenset()) | flipped
    return changed


def mode(
    *,
    previous: PublishedReport | None,
    stage_sets: Mapping[str, frozenset[Stage]],
    changed_answers: Mapping[str, frozenset[str]],
    k: int,
) -> str:
    """'fresh' (no previous), 'unchanged', 'held' (1..k-1 changes) or 'refresh' (k or more)."""
    if previous is None:
        return "fresh"
    before = previous.stage_sets
    keys = before.keys() | stage_sets.keys()
    changed = {key for key in keys if before.get(key) != stage_sets.get(key)}
    for answered in changed_answers.values():
        changed |= answered & keys
    if not changed:
        return "unchanged"
    return "held" if len(changed) < k else "refresh"


def protect(
    *,
    dimension: Dimension,
    counts: Mapping[suppression.CellKey, int],
    totals: Mapping[Stage, int],
    units: Sequence[Unit],
    previous: PublishedReport | None,
    changed: frozenset[str],
    k: int,
) -> PublishedTable:
    old = previous.tables.get(dimension.slug) if previous is not None else None
    if previous is None or old is None:
        rows_now = (
            _rows_known(dimension.values, unit.values.get(dimension.slug, NOT_ANSWERED))
            for unit in units
        )
        flows = suppression.flows_for_snapshot(
            (unit.stages, rows) for unit, rows in zip(units, rows_now, strict=True)
        )
        previous_table = None
    else:
        flows = _flows(
            dimension=dimension,
            current={unit.key: unit for unit in units},
            previous=previous,
            changed=changed,
        )
        previous_table = suppression.PreviousTable(
            rows=old.rows,
            cells={(c.value, c.stage): c.count for c in old.cells},
        )
    protection = suppression.protect_table(
        rows=dimension.rows,
        columns=STAGES,
        counts=counts,
        flows=flows,
        k=k,
        previous=previous_table,
        preferred_complements=frozenset({NOT_ANSWERED}),
    )
    cells = []
    for row in dimension.rows:
        for stage in STAGES:
            if (row, stage) in protection.hidden:
                cells.append(
                    Cell(
                        value=row,
                        stage=stage,
                        count=None,
                        share=None,
                        range=protection.ranges.get((row, stage)),
                    )
                )
            else:
                count = counts[(row, stage)]
                cells.append(
                    Cell(value=row, stage=stage, count=count, share=share(count, totals[stage]))
                )
    return PublishedTable(rows=dimension.rows, cells=tuple(cells))


def _flows(
    *,
    dimension: Dimension,
    current: Mapping[str, Unit],
    previous: PublishedReport,
    changed: frozenset[str],
) -> tuple[suppression.Flow, ...]:
    """Group units by what the attacker knows of them across the two snapshots.

    Stage sets then and now, whether the answer may have changed, and whether they had answered
    then and answer now (the strict attacker's knowledge; the loose audit drops it).
    """
    old = previous.tables[dimension.slug]
    answered_then = previous.answered.get(dimension.slug)
    rows_now = {
        True: frozenset(dimension.values),
        False: frozenset({NOT_ANSWERED}),
        None: None,
    }
    rows_then = {
        True: frozenset(row for row in old.rows if row != NOT_ANSWERED),
        False: frozenset({NOT_ANSWERED}),
        None: None,
    }
    slug = dimension.slug
    Key = tuple[frozenset[Stage] | None, frozenset[Stage] | None, bool, bool | None, bool | None]
    groups: Counter[Key] = Counter()
    for key in previous.stage_sets.keys() | current.keys():
        before = previous.stage_sets.get(key)
        unit = current.get(key)
        now = None if unit is None else unit.values.get(slug, NOT_ANSWERED) != NOT_ANSWERED
        then = None if before is None or answered_then is None else key in answered_then
        moved = before is not None and unit is not None and key in changed
        groups[(before, None if unit is None else unit.stages, moved, now, then)] += 1
    return tuple(
        suppression.Flow(
            before=b,
            after=a,
            answers_changed=m,
            size=n,
            after_rows=rows_now[now],
            before_rows=rows_then[then],
        )
        for (b, a, m, now, then), n in sorted(groups.items(), key=lambda item: repr(item[0]))
    )


def _rows_known(values: Sequence[str], answer: str) -> frozenset[str]:
    """The rows a unit can be in for someone who knows only whether it answered."""
    return frozenset(values) if answer != NOT_ANSWERED else frozenset({NOT_ANSWERED})


def withheld(dimension: Dimension) -> PublishedTable:
    """A question added while the figures are held: nothing to show until the next snapshot."""
    return PublishedTable(
        rows=dimension.rows,
        cells=tuple(
            Cell(value=row, stage=stage, count=None, share=None)
            for row in dimension.rows
            for stage in STAGES
        ),
    )
