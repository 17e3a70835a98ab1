"""Published reports read back for chairs: the report page, the command's text and JSON.

Aggregates only, as the build stored them. What of them a chair may see now is asked of the
blindness policy (``cfp.domain.visibility``) with the call's phase: the proposals listed near the
cut are withheld while chairs may not see programme attributes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from diversity import charts, models
from diversity.domain import funnel
from diversity.domain.funnel import Stage


def near_cut_shown(phase: Phase) -> bool:
    """Whether a chair sees which proposals of a group are near the cut.

    Listing a proposal under "first-time speakers" (or "wants a mentor", "English as an additional
    language") tells the chair that proposal's programme attributes, which a blind chair does not
    see on the proposal itself: the list follows ``Part.PROGRAMME_ATTRIBUTES``.
    """
    return visibility.sees(viewer=Viewer.CHAIR, part=Part.PROGRAMME_ATTRIBUTES, phase=phase)


@dataclass(frozen=True, slots=True)
class CellView:
    count: int | None
    share: float | None
    low: int | None = None
    high: int | None = None

    @property
    def hidden(self) -> bool:
        return self.count is None

    @property
    def percent(self) -> str:
        return charts.percent(self.share) if self.share is not None else ""


@dataclass(frozen=True, slots=True)
class RowView:
    value: str
    label: str
    cells: tuple[CellView, ...]
    target: float | None

    @property
    def target_percent(self) -> str:
        return charts.percent(self.target) if self.target is not None else ""


@dataclass(frozen=True, slots=True)
class GapView:
    value_label: str
    kind: str
    explanation: str
    p_value: float | None
    near_cut: tuple[str, ...]
    """Codes of the group's proposals near the cut (the page links each to the proposal)."""


@dataclass(frozen=True, slots=True)
class DimensionView:
    slug: str
    label: str
    protected: bool
    held: bool
    unit_label: str
    columns: tuple[str, ...]
    totals: tuple[int, ...]
    rows: tuple[RowView, ...]
    gaps: tuple[GapView, ...]
    chart: charts.Chart
    near_cut_withheld: bool = False
    """Programme gaps whose proposal list is withheld until the chairs reveal identities."""

    @property
    def has_target(self) -> bool:
        return any(r.target is not None for r in self.rows)


@dataclass(frozen=True, slots=True)
class ReportView:
    kind: str
    computed_at: dt.datetime
    basis_at: dt.datetime
    held: bool
    k: int
    rebuild_pending: bool
    dimensions: tuple[DimensionView, ...]
    audit_hidden: int = 0
    """Cells hidden beyond small-cell suppression because earlier reports would give them away."""
    audit_held: bool = False
    """The audit found no safe way to publish new figures, so the previous ones stay."""

    @property
    def gap_count(self) -> int:
        return sum(len(d.gaps) for d in self.dimensions)


@dataclass(frozen=True, slots=True)
class TargetRow:
    group: str
    label: str
    share: float

    @property
    def percent(self) -> str:
        return charts.percent(self.share)


@dataclass(frozen=True, slots=True)
class ReportPage:
    k: int
    k_locked: bool
    speakers: ReportView | None
    committee: ReportView | None
    targets: tuple[TargetRow, ...]
    target_choices: tuple[tuple[str, str], ...]
    error: str
    failed_at: dt.datetime | None


STAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    models.ReportKind.SPEAKERS: tuple(s.value for s in funnel.STAGES),
    models.ReportKind.COMMITTEE: (Stage.SUBMITTED.value,),
}
CHART_STAGES: dict[str, tuple[str, ...]] = {
    models.ReportKind.SPEAKERS: (Stage.SUBMITTED, Stage.ABOVE_CUT, Stage.ACCEPTED),
    models.ReportKind.COMMITTEE: (Stage.SUBMITTED,),
}


def stage_label(stage: str, kind: str) -> str:
    if kind == models.ReportKind.COMMITTEE:
        return _("Reviewers")
    return {
        Stage.SUBMITTED: _("Submitted"),
        Stage.ABOVE_CUT: _("Above the cut"),
        Stage.ACCEPTED: _("Accepted"),
        Stage.WAITLISTED: _("Waitlisted"),
    }[Stage(stage)]


def _chart(
    *, label: str, kind: str, rows: tuple[RowView, ...], columns: tuple[str, ...]
) -> charts.Chart:
    chart_stages = CHART_STAGES[kind]
    indexes = [columns.index(s) for s in chart_stages]
    return charts.bar_chart(
        label=label,
        series=tuple(charts.Series(stage=s, name=stage_label(s, kind)) for s in chart_stages),
        rows=tuple(
            charts.ChartRow(
                label=r.label, shares=tuple(r.cells[i].share for i in indexes), target=r.target
            )
            for r in rows
        ),
        show_targets=kind == models.ReportKind.SPEAKERS,
    )


def _cell(stored: dict[str, Any]) -> CellView:
    low, high = stored["range"] or (None, None)
    return CellView(count=stored["count"], share=stored["share"], low=low, high=high)


def _dimension_view(d: dict[str, Any], *, kind: str, near_cut: bool) -> DimensionView:
    columns = STAGE_COLUMNS.get(kind, STAGE_COLUMNS[models.ReportKind.SPEAKERS])
    rows = tuple(
        RowView(
            value=r["value"],
            label=r["label"],
            cells=tuple(_cell(r["cells"][c]) for c in columns),
            target=r.get("target"),
        )
        for r in d["rows"]
    )
    listed = near_cut and not d["protected"]
    gaps = tuple(
        GapView(
            value_label=g["label"],
            kind=g["kind"],
            explanation=g["explanation"],
            p_value=g["p_value"],
            near_cut=tuple(g.get("near_cut", [])) if listed else (),
        )
        for g in d["gaps"]
    )
    return DimensionView(
        slug=d["slug"],
        label=d["label"],
        protected=d["protected"],
        held=d["held"],
        unit_label=d["unit"],
        columns=tuple(stage_label(c, kind) for c in columns),
        totals=tuple(int(d["totals"].get(c, 0)) for c in columns),
        rows=rows,
        gaps=gaps,
        chart=_chart(label=d["label"], kind=kind, rows=rows, columns=columns),
        near_cut_withheld=not near_cut
        and not d["protected"]
        and any(g.get("near_cut") for g in d["gaps"]),
    )


def _report_view(row: models.ReportSnapshot, *, phase: Phase) -> ReportView:
    figures: dict[str, Any] = row.figures or {}
    # Only the speakers' report has programme attributes, hence proposals near the cut.
    near_cut = row.kind == models.ReportKind.SPEAKERS and near_cut_shown(phase)
    return ReportView(
        kind=row.kind,
        computed_at=row.computed_at,
        basis_at=row.basis_at,
        held=row.held,
        k=row.k,
        rebuild_pending=row.rebuild_requested_at is not None,
        dimensions=tuple(
            _dimension_view(d, kind=row.kind, near_cut=near_cut)
            for d in figures.get("dimensions", [])
        ),
        audit_hidden=int((figures.get("release") or {}).get("extra_hidden", 0)),
        audit_held=bool((figures.get("release") or {}).get("held_by_audit", False)),
    )


def report_page(*, call_id: int, phase: Phase) -> ReportPage:
    """The chair's report page: published figures only. Three queries whatever the size."""
    setting = models.ReportSettings.objects.filter(call_id=call_id).first()
    snapshots = {
        s.kind: s for s in models.ReportSnapshot.objects.filter(call_id=call_id).order_by("kind")
    }
    targets = list(
        models.Target.objects.filter(call_id=call_id)
        .order_by("dimension", "value")
        .values_list("dimension", "value", "share")
    )
    speakers = snapshots.get(models.ReportKind.SPEAKERS)
    committee = snapshots.get(models.ReportKind.COMMITTEE)
    speakers_view = _report_view(speakers, phase=phase) if speakers else None
    choices: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    for d in speakers_view.dimensions if speakers_view else ():
        for r in d.rows:
            if r.value == funnel.NOT_ANSWERED:
                continue
            group = f"{d.slug}:{r.value}"
            labels[group] = f"{d.label}: {r.label}"
            choices.append((group, labels[group]))
    for dimension, value, _share in targets:
        group = f"{dimension}:{value}"
        if group not in labels:
            # A target for a group the latest report no longer shows can still be removed.
            labels[group] = f"{dimension}: {value}"
            choices.append((group, labels[group]))
    return ReportPage(
        k=setting.k if setting else funnel.DEFAULT_K,
        k_locked=bool(snapshots),
        speakers=speakers_view,
        committee=_report_view(committee, phase=phase) if committee else None,
        targets=tuple(
            TargetRow(
                group=f"{dimension}:{value}",
                label=labels.get(f"{dimension}:{value}", f"{dimension}: {value}"),
                share=share,
            )
            for dimension, value, share in targets
        ),
        target_choices=tuple(choices),
        error=setting.error if setting else "",
        failed_at=setting.failed_at if setting else None,
    )


def report_figures(*, call_id: int) -> dict[str, dict[str, Any]]:
    """The published figures per report kind, exactly as stored by the build."""
    return {
        kind: dict(figures)
        for kind, figures in models.ReportSnapshot.objects.filter(call_id=call_id)
        .order_by("kind")
        .values_list("kind", "figures")
    }


def chair_figures(*, call_id: int, phase: Phase) -> dict[str, dict[str, Any]]:
    """The published figures as a chair may read them now (the command's JSON output)."""
    figures = report_figures(call_id=call_id)
    if not near_cut_shown(phase):
        for report in figures.values():
            for dimension in report.get("dimensions", []):
                for gap in dimension.get("gaps", []):
                    gap["near_cut"] = []
    return figures


def report_views(*, call_id: int, phase: Phase) -> tuple[ReportView, ...]:
    """Every published report of a call, speakers first, for the command's text output."""
    return tuple(
        _report_view(s, phase=phase)
        for s in models.ReportSnapshot.objects.filter(call_id=call_id).order_by("-kind")
    )


def call_id_for_slug(*, slug: str) -> int | None:
    """The call the command names, archived or not."""
    return cfp_models.Call.objects.filter(slug=slug).values_list("pk", flat=True).first()
