"""Shortlist exports: one row per shortlisted proposal, as CSV, JSON or XLSX, streamed.

The shortlist is every live (not withdrawn) proposal whose decision is *accepted* or
*waitlisted*, accepted first, each group in calibrated order. The columns are a stable interface,
documented in docs/exports.md. While chairs are blind the title is the redacted one and the
speaker columns are absent; they appear once identities are revealed. Self-identification
answers are never read here: this module touches only the cfp and reviews tables.

Rows come from one query iterated in chunks, so memory stays flat at any size. Text cells that a
spreadsheet would run as a formula are neutralised in CSV and XLSX (``common.csvsafe``); JSON
keeps the values as they are, for scripts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
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
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cfp import models as cfp_models
from common.csvsafe import neutralise
from reviews import models

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
SPEAKER_COLUMNS = ("speaker_names", "speaker_emails", "first_time")
# Several speakers on one proposal share a cell, in their order on the proposal.
JOIN = "; "
# Rows fetched at a time: the peak memory of an export is about one chunk, whatever its size.
CHUNK_SIZE = 500
FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def columns(*, revealed: bool) -> tuple[str, ...]:
    return BASE_COLUMNS + SPEAKER_COLUMNS if revealed else BASE_COLUMNS


@dataclass(frozen=True, slots=True)
class ExportTarget:
    call_id: int
    slug: str
    revealed: bool


def export_target(*, slug: str) -> ExportTarget | None:
    """The call to export, for commands (views get the same from the access check)."""
    row = (
        cfp_models.Call.objects.filter(slug=slug)
        .values("pk", "slug", "chairs_blind", "identities_revealed_at")
        .first()
    )
    if row is None:
        return None
    return ExportTarget(
        call_id=row["pk"],
        slug=row["slug"],
        revealed=not row["chairs_blind"] or row["identities_revealed_at"] is not None,
    )


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


def _json(value: object) -> Any:
    # The same column arrives parsed from one backend and as text from another.
    return json.loads(value) if isinstance(value, str) else value


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _speaker_cells(value: object) -> dict[str, object]:
    people = sorted(_json(value) or [], key=lambda p: (p.get("position") or 0, p.get("name", "")))
    names = [str(p.get("name") or "") for p in people]
    # Imported speakers without an address carry a reserved .invalid placeholder: not an address.
    emails = [
        str(p.get("email") or "")
        for p in people
        if p.get("email") and not str(p["email"]).lower().endswith(".invalid")
    ]
    before = [p.get("spoken_before") for p in people]
    if any(b is not None and not b for b in before):
        first_time: bool | None = True
    elif before and all(b is not None and bool(b) for b in before):
        first_time = False
    else:
        first_time = None
    return {
        "speaker_names": JOIN.join(names),
        "speaker_emails": JOIN.join(emails),
        "first_time": first_time,
    }


def shortlist_rows(*, call_id: int, revealed: bool) -> Iterator[dict[str, object]]:
    """The shortlist, one dict a proposal with the keys of :func:`columns`; one query."""
    runs = models.AggregationRun.objects.filter(
        call_id=call_id, state=models.RunState.DONE
    ).order_by("-finished_at", "-id")
    qs = (
        cfp_models.Proposal.objects.filter(
            call_id=call_id,
            state=cfp_models.ProposalState.SUBMITTED,
            decision__status__in=SHORTLISTED,
        )
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
        "t": F("redacted__title") if not revealed else F("title"),
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
    if revealed:
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
            "flags": " ".join(_json(r["fl"]) or ()),
        }
        if revealed:
            row.update(_speaker_cells(r["people"]))
        yield row


# --- writers ----------------------------------------------------------------------------------

# Rows are written in batches so a streamed response sends a few large chunks, not one per row.
BATCH = 500


def csv_cell(value: object) -> object:
    """A value as the CSV shows it: empty for none, true/false, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(*, header: tuple[str, ...], rows: Iterable[Mapping[str, object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    batch = [writer.writerow(header)]
    for row in rows:
        batch.append(writer.writerow([csv_cell(row[c]) for c in header]))
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def json_chunks(*, header: tuple[str, ...], rows: Iterable[Mapping[str, object]]) -> Iterator[str]:
    """A JSON array of objects, keys in column order, streamed."""
    batch = ["["]
    sep = "\n"
    for row in rows:
        batch.append(sep + json.dumps({c: row[c] for c in header}, ensure_ascii=False))
        sep = ",\n"
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    batch.append("\n]\n")
    yield "".join(batch)


def xlsx_cell(value: object) -> object:
    """A value as the XLSX holds it: formulas neutralised, characters XML refuses dropped."""
    if isinstance(value, str):
        # Drop the characters XML refuses first: neutralising before would let "\x01=1+1"
        # lose its control character and become the formula "=1+1".
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(
    *, header: tuple[str, ...], rows: Iterable[Mapping[str, object]], target: IO[bytes]
) -> None:
    """Write a one-sheet workbook in constant memory (XlsxWriter flushes each row as written).

    Strings are written as strings, never read as formulas, numbers or links, on top of the
    neutralising done by ``xlsx_cell``.
    """
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("Shortlist")
    for col, name in enumerate(header):
        sheet.write_string(0, col, name)
    for number, row in enumerate(rows, start=1):
        for col, name in enumerate(header):
            value = xlsx_cell(row[name])
            if value is None or value == "":
                continue  # an empty cell, as spreadsheets show a missing value
            if isinstance(value, str):
                sheet.write_string(number, col, value)
            elif isinstance(value, bool):
                sheet.write_boolean(number, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(number, col, value)
            else:
                sheet.write_string(number, col, str(value))
    book.close()
