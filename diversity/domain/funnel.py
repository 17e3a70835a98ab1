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

from diversity.domain import gaps, release, suppression
from diversity.domain.figures import (
    NOT_ANSWERED,
    STAGES,
    Cell,
    Dimension,
    DimensionReport,
    FunnelReport,
    Gap,
    GapKind,
    PublishedReport,
    PublishedTable,
    Stage,
    Unit,
    share,
)
from diversity.domain.figures import totals as stage_totals

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_K",
    "DEFAULT_NEAR_CUT_LIMIT",
    "MIN_K",
    "NOT_ANSWERED",
    "STAGES",
    "Cell",
    "Dimension",
    "DimensionReport",
    "FunnelReport",
    "Gap",
    "GapKind",
    "PublishedReport",
    "PublishedTable",
    "Stage",
    "Unit",
    "build_report",
]

DEFAULT_K = suppression.DEFAULT_K
MIN_K = suppression.MIN_K
DEFAULT_ALPHA = 0.05
DEFAULT_NEAR_CUT_LIMIT = 10


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
    totals = stage_totals(stage_sets.values())
    by_stages: dict[frozenset[Stage], list[Unit]] = {}
    for unit in units:
        by_stages.setdefault(unit.stages, []).append(unit)

    protected = [d for d in dimensions if d.protected]
    answered = {
        d.slug: frozenset(u.key for u in units if u.values.get(d.slug, NOT_ANSWERED))
        for d in protected
    }
    changed_answers = release.changed_answers(
        previous=previous, declared=answers_changed or {}, answered=answered, now=stage_sets
    )
    mode = release.mode(
        previous=previous, stage_sets=stage_sets, changed_answers=changed_answers, k=k
    )
    tables: dict[str, PublishedTable] = {}
    table_totals: dict[str, dict[Stage, int]] = {}
    for dimension in protected:
        counts = _counts(dimension, by_stages)
        old = previous.tables.get(dimension.slug) if previous is not None else None
        if mode == "held" and previous is not None:
            tables[dimension.slug] = old if old is not None else release.withheld(dimension)
            table_totals[dimension.slug] = previous.totals()
            continue
        if mode == "unchanged" and old is not None and old.rows == dimension.rows:
            tables[dimension.slug] = old
        else:
            tables[dimension.slug] = release.protect(
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
            near: Callable[[str], tuple[str, ...]] = gaps.nobody
        else:
            shown_totals = totals
            counts = _counts(dimension, by_stages)
            cells = tuple(
                Cell(
                    value=row,
                    stage=stage,
                    count=counts[(row, stage)],
                    share=share(counts[(row, stage)], totals[stage]),
                )
                for row in dimension.rows
                for stage in STAGES
            )
            near = gaps.NearCut(dimension=dimension, units=units, limit=near_cut_limit)
        reports.append(
            DimensionReport(
                dimension=dimension,
                cells=cells,
                totals=dict(shown_totals),
                gaps=gaps.find_gaps(
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
