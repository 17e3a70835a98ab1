"""Funnel reports: who is in each stage of a call, per dimension, and where a group loses ground.

For every dimension (programme attributes such as first-time speaker, region or track, and the
self-identification questions) the report counts the units in each stage: submitted, above the cut
by calibrated score, accepted, waitlisted. A unit is whatever the caller counts (a proposal's
speaker, or a person). Then it flags gaps: an accepted share below the chair's target, or a drop
from submitted to accepted larger than blind selection explains (`stats`).

Two kinds of dimension:

* Programme attributes (`protected=False`): chairs see them per proposal anyway, so the figures
  are exact, and a gap lists the proposals of that group closest to the cut, for a second look.
* Self-identification (`protected=True`): aggregates only, never a proposal or a person. Small
  cells are hidden with complementary suppression (`suppression.protect_table`), shares are shown
  only for published counts, and gaps are computed from the published figures alone (a hidden
  count enters only through the interval anyone could derive from the report), so a gap flag
  cannot leak a hidden count.

Snapshots and the release rule
------------------------------
A chair who reloads the report after accepting one talk, or after one speaker withdraws consent,
could read that person's answers off the difference between the two versions, even when every
count in both is large. No choice of hidden cells prevents that while counts stay exact. So the
self-identification tables come in snapshots:

* The caller keeps `FunnelReport.snapshot` (a `PublishedReport`: published figures, k, which
  stages each unit was in and who had answered each question; never an answer) and passes it
  back as `previous` next time, together with `answers_changed`: per question, the units whose
  answer changed from one answer to another since that snapshot. Answering for the first time and
  withdrawing an answer are detected from the snapshot and need no declaring.
* If no unit changed, the previous tables are shown again (they are still exact).
* If between 1 and k-1 units changed (arrived, left, moved between stages, or changed an answer),
  the previous tables are shown again, marked `held`: they describe the population at the
  previous snapshot. Programme attributes are always current.
* From k changed units on, new tables are computed, and the suppression audit solves the two
  snapshots together, so combining them narrows no hidden cell of either below the protection
  width (see `suppression`, guarantee 3).
* A question that is new since the snapshot is withheld while the others are held; changing k
  starts a new series (ValueError otherwise).

Hence any difference between two published snapshots mixes at least k people. The threat model,
the guarantees and their limits are in `suppression`'s docstring and docs/diversity-reports.md.

Over-declaring `answers_changed` (naming a unit whose answer did not change) weakens the audit;
under-declaring is caught when the counts cannot follow from the previous snapshot
(`suppression.InconsistentSnapshot`) and is otherwise only more conservative.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from diversity.domain import stats, suppression

NOT_ANSWERED = ""
DEFAULT_K = suppression.DEFAULT_K
MIN_K = suppression.MIN_K
DEFAULT_ALPHA = 0.05
DEFAULT_NEAR_CUT_LIMIT = 10


class Stage(StrEnum):
    SUBMITTED = "submitted"
    ABOVE_CUT = "above_cut"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"


STAGES: tuple[Stage, ...] = tuple(Stage)


class GapKind(StrEnum):
    BELOW_TARGET = "below_target"
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class Unit:
    """One counted unit. `values` maps a dimension slug to an answer ("" or absent: not answered).

    `proposal` (public code) and `score_margin` (calibrated score minus the cut's score, None when
    unscored) are used only for programme attributes, to list proposals near the cut.
    """

    key: str
    stages: frozenset[Stage]
    values: Mapping[str, str]
    proposal: str = ""
    score_margin: float | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    """A question or attribute. `protected=True` for self-identification: suppression applies."""

    slug: str
    label: str
    values: tuple[str, ...]
    protected: bool

    @property
    def rows(self) -> tuple[str, ...]:
        """The answers in report order, "not answered" last."""
        return (*self.values, NOT_ANSWERED)


@dataclass(frozen=True, slots=True)
class Cell:
    """One answer in one stage. count and share are None when hidden; `range` is then the
    interval the published table allows (derivable by anyone, so safe to print)."""

    value: str
    stage: Stage
    count: int | None
    share: float | None
    range: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    dimension: str
    value: str
    kind: GapKind
    target: float | None
    submitted_share: float | None
    accepted_share: float | None
    p_value: float | None
    explanation: str
    near_cut: tuple[str, ...] = ()
    """Proposal codes of this group not accepted, closest to the cut first. Programme attributes
    only; always empty for self-identification."""


@dataclass(frozen=True, slots=True)
class DimensionReport:
    dimension: Dimension
    cells: tuple[Cell, ...]
    totals: Mapping[Stage, int]
    gaps: tuple[Gap, ...]
    held: bool = False
    """True when these are the previous snapshot's figures (fewer than k changes since)."""

    def cell(self, value: str, stage: Stage) -> Cell:
        for cell in self.cells:
            if cell.value == value and cell.stage == stage:
                return cell
        raise KeyError((value, stage))


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """A self-identification table as published: rows in order and the cells shown."""

    rows: tuple[str, ...]
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class PublishedReport:
    """What the next report must be consistent with. Holds no answer of anybody.

    `stage_sets` records which stages each unit key was in (chairs know this anyway); `tables`
    the published self-identification tables; `answered`, per question, the keys of the units
    that had answered it. The last is what the strict attacker of `suppression` is assumed to
    know; the audit of the next snapshot needs it to be as strong as that attacker. It says
    nothing about what anybody answered, but it is still about people: keep it with the
    self-identification data, never show it. Store with `as_dict`, read back with `from_dict`.
    """

    k: int
    stage_sets: Mapping[str, frozenset[Stage]]
    tables: Mapping[str, PublishedTable]
    answered: Mapping[str, frozenset[str]]

    def totals(self) -> dict[Stage, int]:
        return _totals(self.stage_sets.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "stage_sets": {key: sorted(s.value for s in v) for key, v in self.stage_sets.items()},
            "tables": {
                slug: {
                    "rows": list(table.rows),
                    "cells": [
                        {
                            "value": c.value,
                            "stage": c.stage.value,
                            "count": c.count,
                            "share": c.share,
                            "range": list(c.range) if c.range is not None else None,
                        }
                        for c in table.cells
                    ],
                }
                for slug, table in self.tables.items()
            },
            "answered": {slug: sorted(keys) for slug, keys in self.answered.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublishedReport:
        return cls(
            k=int(data["k"]),
            stage_sets={
                str(key): frozenset(Stage(s) for s in stages)
                for key, stages in data["stage_sets"].items()
            },
            tables={
                str(slug): PublishedTable(
                    rows=tuple(str(r) for r in table["rows"]),
                    cells=tuple(
                        Cell(
                            value=str(c["value"]),
                            stage=Stage(c["stage"]),
                            count=None if c["count"] is None else int(c["count"]),
                            share=None if c["share"] is None else float(c["share"]),
                            range=None
                            if c["range"] is None
                            else (int(c["range"][0]), int(c["range"][1])),
                        )
                        for c in table["cells"]
                    ),
                )
                for slug, table in data["tables"].items()
            },
            # Snapshots stored before `answered` existed load without it; the audit then treats
            # the earlier answered status as unknown, which only the loose attacker matches.
            answered={
                str(slug): frozenset(str(key) for key in keys)
                for slug, keys in data.get("answered", {}).items()
            },
        )


@dataclass(frozen=True, slots=True)
class FunnelReport:
    dimensions: tuple[DimensionReport, ...]
    snapshot: PublishedReport
    held: bool = False
    """True when the self-identification tables are the previous snapshot's (see module doc)."""

    def dimension(self, slug: str) -> DimensionReport:
        for report in self.dimensions:
            if report.dimension.slug == slug:
                return report
        raise KeyError(slug)


def build_report(
    *,
    units: Sequence[Unit],
    dimensions: Sequence[Dimension],
    targets: Mapping[tuple[str, str], float],
    k: int = DEFAULT_K,
    previous: PublishedReport | None = None,
    answers_changed: Mapping[str, Set[str]] | None = None,
    near_cut_limit: int = DEFAULT_NEAR_CUT_LIMIT,
    alpha: float = DEFAULT_ALPHA,
) -> FunnelReport:
    """The funnel report of a call.

    `targets` maps (dimension slug, answer) to the chair's target share of accepted units.
    `k` is the small-cell threshold (at least 5). `previous` and `answers_changed` implement the
    snapshot rule of the module docstring. Raises ValueError on malformed input, and
    suppression.InconsistentSnapshot when the counts cannot follow from `previous`.
    """
    suppression.check_k(k)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}")
    if near_cut_limit < 0:
        raise ValueError("near_cut_limit cannot be negative")
    _check_dimensions(dimensions)
    _check_units(units, dimensions)
    _check_targets(targets, dimensions)
    if previous is not None and previous.k != k:
        raise ValueError(
            f"k changed from {previous.k} to {k}: the snapshots of a series share k; "
            "start a new series (previous=None) to change it"
        )
    stage_sets = {unit.key: unit.stages for unit in units}
    totals = _totals(stage_sets.values())
    by_stages: dict[frozenset[Stage], list[Unit]] = {}
    for unit in units:
        by_stages.setdefault(unit.stages, []).append(unit)

    protected = [d for d in dimensions if d.protected]
    answered = {
        d.slug: frozenset(u.key for u in units if u.values.get(d.slug, NOT_ANSWERED))
        for d in protected
    }
    changed_answers = _changed_answers(
        previous=previous, declared=answers_changed or {}, answered=answered, now=stage_sets
    )
    mode = _mode(previous=previous, stage_sets=stage_sets, changed_answers=changed_answers, k=k)
    tables: dict[str, PublishedTable] = {}
    table_totals: dict[str, dict[Stage, int]] = {}
    for dimension in protected:
        counts = _counts(dimension, by_stages)
        old = previous.tables.get(dimension.slug) if previous is not None else None
        if mode == "held" and previous is not None:
            tables[dimension.slug] = old if old is not None else _withheld(dimension)
            table_totals[dimension.slug] = previous.totals()
            continue
        if mode == "unchanged" and old is not None and old.rows == dimension.rows:
            tables[dimension.slug] = old
        else:
            tables[dimension.slug] = _protect(
                dimension=dimension,
                counts=counts,
                totals=totals,
                units=units,
                previous=previous,
                changed=changed_answers.get(dimension.slug, frozenset()),
                k=k,
            )
        table_totals[dimension.slug] = totals

    reports: list[DimensionReport] = []
    for dimension in dimensions:
        if dimension.protected:
            table = tables[dimension.slug]
            shown_totals = table_totals[dimension.slug]
            cells = table.cells
            near: Callable[[str], tuple[str, ...]] = _nobody
        else:
            shown_totals = totals
            counts = _counts(dimension, by_stages)
            cells = tuple(
                Cell(
                    value=row,
                    stage=stage,
                    count=counts[(row, stage)],
                    share=_share(counts[(row, stage)], totals[stage]),
                )
                for row in dimension.rows
                for stage in STAGES
            )
            near = _NearCut(dimension=dimension, units=units, limit=near_cut_limit)
        reports.append(
            DimensionReport(
                dimension=dimension,
                cells=cells,
                totals=dict(shown_totals),
                gaps=_gaps(
                    dimension=dimension,
                    cells=cells,
                    totals=shown_totals,
                    targets=targets,
                    alpha=alpha,
                    near=near,
                ),
                held=dimension.protected and mode == "held",
            )
        )

    if mode == "held" and previous is not None:
        snapshot = previous
    else:
        snapshot = PublishedReport(k=k, stage_sets=stage_sets, tables=tables, answered=answered)
    return FunnelReport(dimensions=tuple(reports), snapshot=snapshot, held=mode == "held")


def _changed_answers(
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


def _mode(
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


def _protect(
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
                    Cell(value=row, stage=stage, count=count, share=_share(count, totals[stage]))
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


def _withheld(dimension: Dimension) -> PublishedTable:
    """A question added while the figures are held: nothing to show until the next snapshot."""
    return PublishedTable(
        rows=dimension.rows,
        cells=tuple(
            Cell(value=row, stage=stage, count=None, share=None)
            for row in dimension.rows
            for stage in STAGES
        ),
    )


def _gaps(
    *,
    dimension: Dimension,
    cells: Sequence[Cell],
    totals: Mapping[Stage, int],
    targets: Mapping[tuple[str, str], float],
    alpha: float,
    near: Callable[[str], tuple[str, ...]],
) -> tuple[Gap, ...]:
    """Gaps from the published cells only: a hidden count enters as its published interval."""
    by_key = {(c.value, c.stage): c for c in cells}
    submitted = totals.get(Stage.SUBMITTED, 0)
    accepted = totals.get(Stage.ACCEPTED, 0)
    gaps: list[Gap] = []
    if accepted == 0 or submitted == 0:
        return ()
    for value in dimension.values:
        sub_cell = by_key.get((value, Stage.SUBMITTED))
        acc_cell = by_key.get((value, Stage.ACCEPTED))
        if sub_cell is None or acc_cell is None:
            continue
        group_submitted = _span(sub_cell, submitted)
        group_accepted = _span(acc_cell, accepted)
        sub_share = _share(sub_cell.count, submitted)
        acc_share = _share(acc_cell.count, accepted)
        # Plain concatenation: a chair's label may contain braces, never a format string.
        group = "“" + dimension.label + ": " + value + "”"
        target = targets.get((dimension.slug, value))
        if target is not None and group_accepted.high / accepted < target:
            gaps.append(
                Gap(
                    dimension=dimension.slug,
                    value=value,
                    kind=GapKind.BELOW_TARGET,
                    target=target,
                    submitted_share=sub_share,
                    accepted_share=acc_share,
                    p_value=None,
                    explanation=stats.describe_below_target(
                        group=group, accepted=accepted, group_accepted=group_accepted, target=target
                    ),
                    near_cut=near(value),
                )
            )
        p_value = stats.worst_case_drop_p_value(
            submitted=submitted,
            group_submitted=group_submitted,
            accepted=accepted,
            group_accepted=group_accepted,
        )
        if p_value < alpha:
            gaps.append(
                Gap(
                    dimension=dimension.slug,
                    value=value,
                    kind=GapKind.DROP,
                    target=target,
                    submitted_share=sub_share,
                    accepted_share=acc_share,
                    p_value=p_value,
                    explanation=stats.describe_drop(
                        group=group,
                        submitted=submitted,
                        group_submitted=group_submitted,
                        accepted=accepted,
                        group_accepted=group_accepted,
                        p_value=p_value,
                    ),
                    near_cut=near(value),
                )
            )
    return tuple(gaps)


def _nobody(value: str) -> tuple[str, ...]:
    """Self-identification gaps never list proposals."""
    return ()


class _NearCut:
    """Proposals of a group, not accepted, best calibrated score first; computed on demand."""

    def __init__(self, *, dimension: Dimension, units: Sequence[Unit], limit: int) -> None:
        self.slug = dimension.slug
        self.units = units
        self.limit = limit

    def __call__(self, value: str) -> tuple[str, ...]:
        margins: dict[str, float] = {}
        for unit in self.units:
            if (
                unit.values.get(self.slug) != value
                or unit.score_margin is None
                or not unit.proposal
                or Stage.ACCEPTED in unit.stages
            ):
                continue
            margins[unit.proposal] = max(
                margins.get(unit.proposal, unit.score_margin), unit.score_margin
            )
        ranked = sorted(margins.items(), key=lambda item: (-item[1], item[0]))
        return tuple(code for code, _ in ranked[: self.limit])


def _span(cell: Cell, total: int) -> stats.Span:
    if cell.count is not None:
        return stats.Span.exact(cell.count)
    if cell.range is not None:
        return stats.Span(low=cell.range[0], high=cell.range[1])
    return stats.Span(low=0, high=total)


def _counts(
    dimension: Dimension, by_stages: Mapping[frozenset[Stage], Sequence[Unit]]
) -> dict[suppression.CellKey, int]:
    counts: dict[suppression.CellKey, int] = {
        (row, stage): 0 for row in dimension.rows for stage in STAGES
    }
    for stages, group in by_stages.items():
        tally = Counter(unit.values.get(dimension.slug, NOT_ANSWERED) for unit in group)
        for value, n in tally.items():
            for stage in stages:
                counts[(value, stage)] += n
    return counts


def _totals(stage_sets: Any) -> dict[Stage, int]:
    totals = dict.fromkeys(STAGES, 0)
    for stages in stage_sets:
        for stage in stages:
            totals[stage] += 1
    return totals


def _share(count: int | None, total: int) -> float | None:
    if count is None or total == 0:
        return None
    return count / total


def _check_dimensions(dimensions: Sequence[Dimension]) -> None:
    seen: set[str] = set()
    for dimension in dimensions:
        if not dimension.slug:
            raise ValueError("a dimension needs a slug")
        if dimension.slug in seen:
            raise ValueError(f"dimension {dimension.slug!r} appears twice")
        seen.add(dimension.slug)
        if NOT_ANSWERED in dimension.values:
            raise ValueError(
                f"dimension {dimension.slug!r}: the empty answer is reserved for 'not answered'"
            )
        if len(set(dimension.values)) != len(dimension.values):
            raise ValueError(f"dimension {dimension.slug!r} lists an answer twice")


def _check_units(units: Sequence[Unit], dimensions: Sequence[Dimension]) -> None:
    allowed = {d.slug: frozenset(d.rows) for d in dimensions}
    keys: set[str] = set()
    for unit in units:
        if unit.key in keys:
            raise ValueError(f"unit {unit.key!r} appears twice")
        keys.add(unit.key)
        if Stage.SUBMITTED not in unit.stages:
            raise ValueError(f"unit {unit.key!r} is in a stage without being submitted")
        if Stage.ACCEPTED in unit.stages and Stage.WAITLISTED in unit.stages:
            raise ValueError(f"unit {unit.key!r} cannot be both accepted and waitlisted")
        for stage in unit.stages:
            if not isinstance(stage, Stage):
                raise ValueError(f"unit {unit.key!r} has an unknown stage {stage!r}")
        for slug, value in unit.values.items():
            if slug in allowed and value not in allowed[slug]:
                raise ValueError(f"unit {unit.key!r}: {value!r} is not an answer of {slug!r}")


def _check_targets(
    targets: Mapping[tuple[str, str], float], dimensions: Sequence[Dimension]
) -> None:
    known = {(d.slug, v) for d in dimensions for v in d.values}
    for key, target in targets.items():
        if key not in known:
            raise ValueError(f"target for unknown dimension or answer {key!r}")
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"target for {key!r} must be a share between 0 and 1, got {target}")
