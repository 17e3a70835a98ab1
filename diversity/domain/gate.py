"""The release gate: a report's self-identification tables are published only if the auditor
(``disclosure``) finds nothing in the viewer's whole history plus the new release.

``gate`` turns a freshly built ``FunnelReport`` into what may be published: as built, with more
cells hidden (every cell that counts a group the audit flags, plus a partner in its column so the
column total cannot give it back), or, when hiding cannot help, the previous figures (``held``).
Each outcome says why, for the report page. The rule and its limits are in ``disclosure`` and
docs/diversity-reports.md.

Where a new dimension goes: a self-identification-like attribute (the "mentored" flag, say) is a
protected ``Dimension`` of the same units; its table enters the release under its slug and the
audit covers it with no change here (see ``release_of``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from diversity.domain import attack, disclosure, gaps, release, suppression
from diversity.domain.disclosure import Release
from diversity.domain.figures import (
    NOT_ANSWERED,
    STAGES,
    Cell,
    DimensionReport,
    FunnelReport,
    PublishedReport,
    PublishedTable,
    Stage,
    Unit,
)
from diversity.domain.figures import totals as stage_totals

MAX_ROUNDS = 25


@dataclass(frozen=True, slots=True)
class Outcome:
    report: FunnelReport
    release: Release | None
    """What to add to the history: None when nothing new was published (held)."""
    extra_hidden: int = 0
    """Cells hidden beyond small-cell suppression because of the history."""
    held_by_audit: bool = False
    """True when the audit could not be satisfied and the previous figures stay."""


def release_of(
    *,
    report: FunnelReport,
    units: Sequence[Unit],
    person_of: Mapping[str, str],
    epochs: Mapping[str, Mapping[str, str]],
    label: str,
) -> Release:
    """The release a report's protected tables make: tables, who is counted where, and the
    answer epochs of the people counted (question -> unit key -> token)."""
    tables = report.snapshot.tables
    return Release(
        label=label,
        members={person_of[u.key]: u.stages for u in units},
        epochs={
            slug: {person_of[key]: token for key, token in epochs.get(slug, {}).items()}
            for slug in tables
        },
        tables={
            slug: {(c.value, c.stage.value): c.count for c in table.cells}
            for slug, table in tables.items()
        },
    )


def gate(
    *,
    report: FunnelReport,
    previous: PublishedReport | None,
    units: Sequence[Unit],
    person_of: Mapping[str, str],
    epochs: Mapping[str, Mapping[str, str]],
    history: Sequence[Release],
    label: str,
    k: int,
    targets: Mapping[tuple[str, str], float],
    alpha: float,
) -> Outcome:
    """What of `report` may be published after `history` (every release the viewers have seen).

    Raises disclosure.InconsistentHistory when the history contradicts itself or the report.
    """
    if report.held:
        return Outcome(report=report, release=None)
    hidden: dict[str, set[tuple[str, str]]] = {}
    current = report
    extra = 0
    for _round in range(MAX_ROUNDS):
        candidate = release_of(
            report=current, units=units, person_of=person_of, epochs=epochs, label=label
        )
        if _round == 0 and any(_same(candidate, earlier) for earlier in reversed(history)):
            # Shown before, to the same people, about the same people: nothing new to audit.
            return Outcome(report=current, release=None)
        findings = disclosure.audit([*history, candidate], k=k)
        if not findings:
            return Outcome(report=current, release=candidate, extra_hidden=extra)
        added: dict[str, set[tuple[str, str]]] = {}
        for wide in (False, True):
            added = {
                q: cells - hidden.get(q, set())
                for q, cells in _to_hide(findings, candidate, new=len(history), wide=wide).items()
            }
            if any(added.values()):
                break
        if not any(added.values()):
            break
        for q, cells in added.items():
            hidden.setdefault(q, set()).update(cells)
            extra += len(cells)
        current = _hide(current, units=units, hidden=hidden, targets=targets, alpha=alpha)
    return Outcome(
        report=_held(report, previous=previous, targets=targets, alpha=alpha),
        release=None,
        held_by_audit=True,
    )


def _same(one: Release, other: Release) -> bool:
    return (
        one.tables == other.tables and one.members == other.members and one.epochs == other.epochs
    )


def _to_hide(
    findings: Sequence[disclosure.Finding], candidate: Release, *, new: int, wide: bool = False
) -> dict[str, set[tuple[str, str]]]:
    """Cells of the new release (index `new`; older releases are fixed) to hide.

    For each flagged group, its answer in the columns that tell it apart: where the new
    release counts it and an older one does not, or the other way round (all of its columns
    when it is in one release only, or counted alike in all). In each such column, the
    smallest other published answer too, so that the column total cannot give the cell back.
    With `wide`, the flagged answer in every column of the new release: the group may be
    pinned through another group that shares an older cell with it.
    """
    out: dict[str, set[tuple[str, str]]] = {}
    for finding in findings:
        table = candidate.tables.get(finding.question, {})
        chosen = out.setdefault(finding.question, set())
        by_release: dict[int, set[str]] = {}
        for index, column in finding.columns:
            by_release.setdefault(index, set()).add(column)
        now = by_release.pop(new, set())
        columns: set[str] = set()
        for then in by_release.values():
            columns |= now ^ then
        if not columns:
            columns = now or set().union(*by_release.values())
        if wide:
            columns = {column for value, column in table if value == finding.value}
        for column in sorted(columns):
            cell = (finding.value, column)
            if table.get(cell) is None:
                continue
            chosen.add(cell)
            partners = [
                (count, value)
                for (value, col), count in table.items()
                if col == column
                and value not in (finding.value, NOT_ANSWERED)
                and count is not None
                and (value, col) not in chosen
            ]
            if partners:
                _count, value = min(partners, key=lambda p: (p[0] == 0, p[0], p[1]))
                chosen.add((value, column))
    return out


def _hide(
    report: FunnelReport,
    *,
    units: Sequence[Unit],
    hidden: Mapping[str, set[tuple[str, str]]],
    targets: Mapping[tuple[str, str], float],
    alpha: float,
) -> FunnelReport:
    """The report with more protected cells hidden, their printed ranges and the gaps redone."""
    flows = suppression.flows_for_snapshot((u.stages, None) for u in units)
    totals = stage_totals(u.stages for u in units)
    tables = dict(report.snapshot.tables)
    dimensions: list[DimensionReport] = []
    for d in report.dimensions:
        slug = d.dimension.slug
        more = hidden.get(slug)
        if not d.dimension.protected or not more or d.held:
            dimensions.append(d)
            continue
        rows = d.dimension.rows
        now_hidden = {
            (c.value, c.stage.value)
            for c in d.cells
            if c.count is None or (c.value, c.stage.value) in more
        }
        counts = {(c.value, c.stage.value): c.count or 0 for c in d.cells}
        shown = attack.Shown(
            rows=tuple(rows),
            columns=tuple(s.value for s in STAGES),
            flows=flows,
            counts=counts,
        )
        ranges = dict(
            zip(
                sorted(now_hidden),
                attack.intervals(shown.requests(now_hidden)),
                strict=True,
            )
        )
        cells = tuple(
            Cell(
                value=c.value,
                stage=c.stage,
                count=None,
                share=None,
                range=ranges[(c.value, c.stage.value)],
            )
            if (c.value, c.stage.value) in now_hidden
            else c
            for c in d.cells
        )
        tables[slug] = PublishedTable(rows=rows, cells=cells)
        dimensions.append(
            replace(
                d,
                cells=cells,
                gaps=gaps.find_gaps(
                    dimension=d.dimension,
                    cells=cells,
                    totals=totals,
                    targets=targets,
                    alpha=alpha,
                    near=gaps.nobody,
                ),
            )
        )
    return replace(
        report,
        dimensions=tuple(dimensions),
        snapshot=replace(report.snapshot, tables=tables),
    )


def _held(
    report: FunnelReport,
    *,
    previous: PublishedReport | None,
    targets: Mapping[tuple[str, str], float],
    alpha: float,
) -> FunnelReport:
    """The previous figures again (or nothing, for a first report), marked as held."""
    shown_totals: dict[Stage, int] = (
        previous.totals() if previous is not None else dict.fromkeys(STAGES, 0)
    )
    dimensions: list[DimensionReport] = []
    tables: dict[str, PublishedTable] = {}
    for d in report.dimensions:
        if not d.dimension.protected:
            dimensions.append(d)
            continue
        old = previous.tables.get(d.dimension.slug) if previous is not None else None
        table = old if old is not None else release.withheld(d.dimension)
        tables[d.dimension.slug] = table
        dimensions.append(
            DimensionReport(
                dimension=d.dimension,
                cells=table.cells,
                totals=dict(shown_totals),
                gaps=gaps.find_gaps(
                    dimension=d.dimension,
                    cells=table.cells,
                    totals=shown_totals,
                    targets=targets,
                    alpha=alpha,
                    near=gaps.nobody,
                ),
                held=True,
            )
        )
    snapshot = (
        previous
        if previous is not None
        else PublishedReport(k=report.snapshot.k, stage_sets={}, tables=tables, answered={})
    )
    return FunnelReport(dimensions=tuple(dimensions), snapshot=snapshot, held=True)
