"""Each reviewer's estimated leniency for the chair: the calibration model's offset with its
90 % interval, on the criteria's own scale, drawn as an interval plot (issue 19).

The model (reviews.domain.scoring.model) estimates every reviewer's offset; the aggregation stores
it per snapshot (``ReviewerScore``). One query whatever the number of reviewers: the scale's
extremes ride along on each row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from reviews import models
from reviews.domain import charts, scoring
from reviews.queries import score_scale, snapshot


@dataclass(frozen=True, slots=True)
class LeniencyRow:
    name: str
    reviews: int
    # On the display scale: + gives higher scores than the committee, - lower.
    mark: charts.IntervalMark

    @property
    def reading(self) -> str:
        """ "lenient", "strict" or "typical": whether the interval leaves out zero."""
        if not self.mark.clear:
            return "typical"
        return "lenient" if self.mark.centre > 0 else "strict"


@dataclass(frozen=True, slots=True)
class LeniencyPanel:
    rows: tuple[LeniencyRow, ...]
    axis: charts.IntervalAxis
    scale: scoring.DisplayScale
    computed_at: dt.datetime | None


def leniency_panel(*, call_id: int) -> LeniencyPanel:
    """Reviewers of the current snapshot with an estimated offset, most lenient first."""
    runs = snapshot.done_runs(call_id=call_id)
    rows = list(
        models.ReviewerScore.objects.filter(
            run_id=Subquery(runs.values("pk")[:1]),
            offset__isnull=False,
            offset_low__isnull=False,
            offset_high__isnull=False,
            review_count__gt=0,
        )
        .annotate(
            run_at=Subquery(runs.filter(pk=OuterRef("run_id")).values("finished_at")[:1]),
            **score_scale.extremes(call_id),
        )
        .order_by("-offset", "reviewer__first_name", "reviewer__username", "reviewer_id")
        .values(
            "reviewer__first_name",
            "reviewer__username",
            "review_count",
            "offset",
            "offset_low",
            "offset_high",
            "run_at",
            *score_scale.FIELDS,
        )
    )
    scale = score_scale.scale_of(rows[0]) if rows else scoring.display.INTERNAL
    shown = [
        (
            r,
            scale.difference(r["offset"]) or 0.0,
            scale.difference(r["offset_low"]) or 0.0,
            scale.difference(r["offset_high"]) or 0.0,
        )
        for r in rows
    ]
    axis = charts.interval_axis([(lo, hi) for _r, _c, lo, hi in shown], limit=scale.width)
    return LeniencyPanel(
        rows=tuple(
            LeniencyRow(
                name=r["reviewer__first_name"] or r["reviewer__username"],
                reviews=r["review_count"],
                mark=axis.mark(centre=centre, low=low, high=high),
            )
            for r, centre, low, high in shown
        ),
        axis=axis,
        scale=scale,
        computed_at=rows[0]["run_at"] if rows else None,
    )
