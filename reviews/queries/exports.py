"""What the exports hold: the shortlist's rows and every ranked proposal, streamed in chunks.

The shortlist is every live proposal whose decision is *accepted* or *waitlisted*, accepted
first, each group in calibrated order. The columns are a stable interface, documented in
docs/exports.md. Each column follows the blindness policy for a chair in the call's phase: the
title is the redacted one while the policy says so, the speaker columns appear where it shows
speaker identities, ``first_time`` where it shows programme attributes. Self-identification
answers are never read here: this module touches only the cfp and reviews tables.

Rows come from one query iterated in chunks, so memory stays flat at any size. Writing them as
CSV, JSON or XLSX is ``reviews.domain.spreadsheets``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    F,
    FilteredRelation,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import JSONObject

from cfp import models as cfp_models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.queries import json_columns, proposal_text, shortlist, snapshot

SHORTLISTED = (models.DecisionStatus.ACCEPTED, models.DecisionStatus.WAITLISTED)

BASE_COLUMNS = (
    "code",
    "title",
    "format",
    "track",
    "language",
    "level",
    "decision",
    "rank",
    "calibrated",
    "interval_low",
    "interval_high",
    "p_in_slots",
    "reviews",
    "flags",
)
IDENTITY_COLUMNS = ("speaker_names", "speaker_emails")
PROGRAMME_COLUMNS = ("first_time",)
# Several speakers on one proposal share a cell, in their order on the proposal.
JOIN = "; "
# Rows fetched at a time: the peak memory of an export is about one chunk, whatever its size.
CHUNK_SIZE = 500


def _sees(part: Part, phase: Phase) -> bool:
    return visibility.sees(viewer=Viewer.CHAIR, part=part, phase=phase)


def columns(*, phase: Phase) -> tuple[str, ...]:
    """The shortlist's columns for a chair in ``phase``."""
    identity = IDENTITY_COLUMNS if _sees(Part.SPEAKER_IDENTITY, phase) else ()
    programme = PROGRAMME_COLUMNS if _sees(Part.PROGRAMME_ATTRIBUTES, phase) else ()
    return (*BASE_COLUMNS, *identity, *programme)


class _JSONArray(Aggregate):
    """Collect values into a JSON array: SQLite's json_group_array, PostgreSQL's jsonb_agg."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # jsonb, not json: Django reads jsonb as text and parses it like any JSON column.
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


def _speakers_subquery() -> Subquery:
    people = (
        cfp_models.ProposalSpeaker.objects.filter(proposal_id=OuterRef("pk"))
        .order_by()
        .values("proposal_id")
        .annotate(
            people=_JSONArray(
                JSONObject(
                    position=F("position"),
                    name=F("speaker__name"),
                    email=F("speaker__email"),
                    spoken_before=F("speaker__spoken_before"),
                )
            )
        )
        .values("people")
    )
    return Subquery(people, output_field=JSONField())


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _speaker_cells(value: object, *, header: tuple[str, ...]) -> dict[str, object]:
    people = sorted(
        json_columns.parsed(value) or [], key=lambda p: (p.get("position") or 0, p.get("name", ""))
    )
    cells: dict[str, object] = {}
    if "speaker_names" in header:
        cells["speaker_names"] = JOIN.join(str(p.get("name") or "") for p in people)
        # Imported speakers without an address carry a reserved .invalid placeholder.
        cells["speaker_emails"] = JOIN.join(
            str(p.get("email") or "")
            for p in people
            if p.get("email") and not str(p["email"]).lower().endswith(".invalid")
        )
    if "first_time" in header:
        before = [p.get("spoken_before") for p in people]
        first_time: bool | None = None
        if any(b is not None and not b for b in before):
            first_time = True
        elif before and all(b is not None and bool(b) for b in before):
            first_time = False
        cells["first_time"] = first_time
    return cells


def shortlist_rows(*, call_id: int, phase: Phase) -> Iterator[dict[str, object]]:
    """The shortlist, one dict a proposal with the keys of :func:`columns`; one query."""
    header = columns(phase=phase)
    runs = snapshot.done_runs(call_id=call_id)
    qs = (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id, decision__status__in=SHORTLISTED)
        .annotate(
            sc=FilteredRelation(
                "scores", condition=Q(scores__run_id=Subquery(runs.values("pk")[:1]))
            ),
            decision_order=Case(
                When(decision__status=models.DecisionStatus.ACCEPTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("decision_order", F("sc__rank").asc(nulls_last=True), "code")
    )
    fields: dict[str, Any] = {
        "t": proposal_text.column(viewer=Viewer.CHAIR, phase=phase),
        "f": F("format__name"),
        "tr": F("track__name"),
        "d": F("decision__status"),
        "rk": F("sc__rank"),
        "cal": F("sc__calibrated"),
        "lo": F("sc__low"),
        "hi": F("sc__high"),
        "p": F("sc__p_in_slots"),
        "n": F("sc__review_count"),
        "fl": F("sc__flags"),
    }
    people = len(header) > len(BASE_COLUMNS)
    if people:
        fields["people"] = _speakers_subquery()
    for r in qs.values("code", "language", "level", **fields).iterator(chunk_size=CHUNK_SIZE):
        row: dict[str, object] = {
            "code": r["code"],
            "title": r["t"] or "",
            "format": r["f"],
            "track": r["tr"] or "",
            "language": r["language"],
            "level": r["level"],
            "decision": r["d"],
            "rank": r["rk"],
            "calibrated": _round(r["cal"]),
            "interval_low": _round(r["lo"]),
            "interval_high": _round(r["hi"]),
            "p_in_slots": _round(r["p"]),
            "reviews": r["n"] or 0,
            "flags": " ".join(json_columns.strings(r["fl"])),
        }
        if people:
            row.update(_speaker_cells(r["people"], header=header))
        yield row


RANKED_FIELDS = (
    "code",
    "external_id",
    "t",
    "s_count",
    "s_mean",
    "s_median",
    "s_cal",
    "s_low",
    "s_high",
    "s_p",
    "s_flags",
)


def ranked_rows(*, call_id: int, phase: Phase) -> Iterator[dict[str, object]]:
    """Every live proposal with its aggregate in the current snapshot, in calibrated order.

    For ``export_proposals``: the title is the one the policy shows a chair in ``phase``.
    """
    qs = shortlist.shortlist_queryset(
        call_id=call_id, run_id=snapshot.current_run_id(call_id=call_id)
    ).order_by(*shortlist.ORDERINGS["rank"])
    values = qs.annotate(t=proposal_text.column(viewer=Viewer.CHAIR, phase=phase)).values(
        *RANKED_FIELDS
    )
    for r in values.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "code": r["code"],
            "external_id": r["external_id"] or "",
            "title": r["t"] or "",
            "reviews": r["s_count"] or 0,
            "mean": r["s_mean"],
            "median": r["s_median"],
            "calibrated": r["s_cal"],
            "interval": [r["s_low"], r["s_high"]],
            "p_in_slots": r["s_p"],
            "flags": list(json_columns.strings(r["s_flags"])),
        }
