"""The scale a call's scores are shown on, read without a query of its own.

Pages annotate these four extremes onto a query they run anyway (the call's head row, or each
proposal row through its ``call_id``) and hand them to ``scoring.scale_from_ends``: the rule
itself lives in ``reviews.domain.scoring.display``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Max, Min, OuterRef, Subquery

from cfp import models as cfp_models
from reviews.domain import scoring

FIELDS = ("scale_min_low", "scale_max_low", "scale_min_high", "scale_max_high")


def _extreme(call_ref: Any, aggregate: type[Min] | type[Max], field: str) -> Subquery:
    return Subquery(
        cfp_models.Criterion.objects.filter(call_id=call_ref)
        .order_by()
        .values("call_id")
        .annotate(v=aggregate(field))
        .values("v")[:1]
    )


def extremes(call_ref: Any) -> dict[str, Subquery]:
    """Subqueries for the call's criterion extremes; ``call_ref`` is a call id or an OuterRef."""
    return {
        "scale_min_low": _extreme(call_ref, Min, "minimum"),
        "scale_max_low": _extreme(call_ref, Max, "minimum"),
        "scale_min_high": _extreme(call_ref, Min, "maximum"),
        "scale_max_high": _extreme(call_ref, Max, "maximum"),
    }


def for_rows() -> dict[str, Subquery]:
    """The same subqueries for a queryset of proposals (each row's own call)."""
    return extremes(OuterRef("call_id"))


def scale_of(row: Mapping[str, Any]) -> scoring.DisplayScale:
    return scoring.scale_from_ends(
        min_low=row.get("scale_min_low"),
        max_low=row.get("scale_max_low"),
        min_high=row.get("scale_min_high"),
        max_high=row.get("scale_max_high"),
    )


def call_scale(*, call_id: int) -> scoring.DisplayScale:
    """One query, for a page that reads nothing else about the call's criteria."""
    row = cfp_models.Call.objects.filter(pk=call_id).values(**extremes(OuterRef("pk"))).first()
    return scale_of(row or {})
