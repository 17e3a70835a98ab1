"""What the exports and the API hold: the shortlist's or every proposal's rows, in chunks.

The shortlist is every live proposal whose decision is *accepted* or *waitlisted*, accepted
first, each group in calibrated order; scope ``all`` is every live proposal in calibrated
order. The columns are a stable interface, documented in
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
# Added for programmes built from the export (issue 20); new columns only ever go at the end.
CONTENT_COLUMNS = ("duration", "confirmation", "abstract", "description", "tags")
MORE_IDENTITY_COLUMNS = ("speaker_bios", "speaker_links")

# What the export holds: the shortlist (accepted and waitlisted), or every live proposal.
SHORTLIST = "shortlist"
ALL = "all"
SCOPES = (SHORTLIST, ALL)
# Bios are paragraphs: a blank line between two speakers' bios. Each speaker's links are
# separated by spaces, the speakers by JOIN.
BIO_JOIN = "\n\n"
# The confirmation of an accepted proposal whose speakers have not answered yet.
PENDING = "pending"
# Several speakers on one proposal share a cell, in their order on the proposal.
JOIN = "; "
# Rows fetched at a time: the peak memory of an export is about one chunk, whatever its size.
CHUNK_SIZE = 500


def _sees(part: Part, phase: Phase) -> bool:
    return visibility.sees(viewer=Viewer.CHAIR, part=part, phase=phase)


def columns(*, phase: Phase) -> tuple[str, ...]:
    """The export's columns for a chair in ``phase``."""
    knows = _sees(Part.SPEAKER_IDENTITY, phase)
    identity = IDENTITY_COLUMNS if knows else ()
    programme = PROGRAMME_COLUMNS if _sees(Part.PROGRAMME_ATTRIBUTES, phase) else ()
    more = MORE_IDENTITY_COLUMNS if knows else ()
    return (*BASE_COLUMNS, *identity, *programme, *CONTENT_COLUMNS, *more)


def _speakers_subquery() -> Subquery:
    people = (
        cfp_models.ProposalSpeaker.objects.filter(proposal_id=OuterRef("pk"))
        .order_by()
        .values("proposal_id")
        .annotate(
            people=json_columns.JSONArray(
                JSONObject(
                    position=F("position"),
                    name=F("speaker__name"),
                    email=F("speaker__email"),
                    bio=F("speaker__bio"),
                    links=F("speaker__links"),
                    spoken_before=F("speaker__spoken_before"),
                )
            )
        )
        .values("people")
    )
    return Subquery(people, output_field=JSONField())


def _tags_subquery() -> Subquery:
    """The chairs' tags of each proposal (every tag: the export is the chairs'), as a JSON array."""
    names = (
        models.ProposalTag.objects.filter(proposal_id=OuterRef("pk"))
        .order_by()
        .values("proposal_id")
        .annotate(names=json_columns.JSONArray(F("tag__name")))
        .values("names")
    )
    return Subquery(names, output_field=JSONField())


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _links(value: object) -> list[str]:
    # Inside an aggregated JSON object SQLite hands a JSON column back as its text.
    found = json_columns.parsed(value)
    return [str(v) for v in found if v] if isinstance(found, list) else []


def _people(value: object) -> list[dict[str, Any]]:
    """A proposal's speakers in their order: name, email (None for a placeholder), bio, links."""
    found = json_columns.parsed(value) or []
    people = sorted(found, key=lambda p: (p.get("position") or 0, p.get("name", "")))
    return [
        {
            "name": str(p.get("name") or ""),
            # Imported speakers without an address carry a reserved .invalid placeholder.
            "email": None
            if not p.get("email") or str(p["email"]).lower().endswith(".invalid")
            else str(p["email"]),
            "bio": str(p.get("bio") or ""),
            "links": _links(p.get("links")),
            "spoken_before": p.get("spoken_before"),
        }
        for p in people
    ]


def _first_time(people: list[dict[str, Any]]) -> bool | None:
    before = [p["spoken_before"] for p in people]
    if any(b is not None and not b for b in before):
        return True
    if before and all(b is not None and bool(b) for b in before):
        return False
    return None


def _speaker_cells(people: list[dict[str, Any]]) -> dict[str, object]:
    return {
        "speaker_names": JOIN.join(p["name"] for p in people),
        "speaker_emails": JOIN.join(p["email"] for p in people if p["email"]),
        "speaker_bios": BIO_JOIN.join(p["bio"] for p in people if p["bio"]),
        "speaker_links": JOIN.join(" ".join(p["links"]) for p in people if p["links"]),
    }


def confirmation(*, decision: str, answer: str | None) -> str | None:
    """The speakers' answer to an acceptance; ``pending`` while an accepted one has none."""
    if answer:
        return answer
    return PENDING if decision == models.DecisionStatus.ACCEPTED else None


def _queryset(*, call_id: int, scope: str) -> Any:
    if scope not in SCOPES:
        raise ValueError(f"unknown export scope {scope!r}")
    runs = snapshot.done_runs(call_id=call_id)
    qs = cfp_models.Proposal.objects.submitted().filter(call_id=call_id)
    if scope == SHORTLIST:
        qs = qs.filter(decision__status__in=SHORTLISTED)
    qs = qs.annotate(
        sc=FilteredRelation("scores", condition=Q(scores__run_id=Subquery(runs.values("pk")[:1]))),
    )
    if scope == ALL:
        return qs.order_by(F("sc__rank").asc(nulls_last=True), "code")
    return qs.annotate(
        decision_order=Case(
            When(decision__status=models.DecisionStatus.ACCEPTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    ).order_by("decision_order", F("sc__rank").asc(nulls_last=True), "code")


def count(*, call_id: int, scope: str) -> int:
    """How many rows :func:`records` yields without a limit; one query."""
    return int(_queryset(call_id=call_id, scope=scope).order_by().count())


def records(
    *,
    call_id: int,
    phase: Phase,
    scope: str = SHORTLIST,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """One dict a proposal, in export order: one query read in chunks (two for a page).

    The text fields are the ones the policy shows a chair in ``phase``; ``speakers`` is the
    list of speakers (name, email, bio, links, spoken_before) only where the policy shows
    speaker identities to that chair, None otherwise (the columns are not even read).
    """

    def text(field: str) -> Any:
        return proposal_text.column(viewer=Viewer.CHAIR, phase=phase, field=field)

    fields: dict[str, Any] = {
        "t": text("title"),
        "ab": text("abstract"),
        "de": text("description"),
        "f": F("format__name"),
        "du": F("format__duration_minutes"),
        "tr": F("track__name"),
        "d": F("decision__status"),
        "rk": F("sc__rank"),
        "cal": F("sc__calibrated"),
        "mean": F("sc__mean"),
        "median": F("sc__median"),
        "lo": F("sc__low"),
        "hi": F("sc__high"),
        "p": F("sc__p_in_slots"),
        "n": F("sc__review_count"),
        "fl": F("sc__flags"),
        "tg": _tags_subquery(),
    }
    identity = _sees(Part.SPEAKER_IDENTITY, phase)
    programme = _sees(Part.PROGRAMME_ATTRIBUTES, phase)
    if identity or programme:
        fields["people"] = _speakers_subquery()
    base = _queryset(call_id=call_id, scope=scope)
    if offset or limit is not None:
        # A page (the API): find its rows in the bare order first, then read only those with
        # their texts, speakers and tags. One query more, but SQLite would otherwise build
        # every skipped row in full (a page near the end of 10,000 took three times longer).
        end = None if limit is None else offset + limit
        base = base.filter(pk__in=list(base.values_list("pk", flat=True)[offset:end]))
    qs = base.values("code", "language", "level", "confirmation", **fields)
    for r in qs.iterator(chunk_size=CHUNK_SIZE):
        decision = r["d"] or models.DecisionStatus.UNDECIDED
        people = _people(r["people"]) if identity or programme else []
        record: dict[str, Any] = {
            "code": r["code"],
            "title": r["t"] or "",
            "abstract": r["ab"] or "",
            "description": r["de"] or "",
            "format": r["f"],
            "duration": r["du"],
            "track": r["tr"] or "",
            "language": r["language"],
            "level": r["level"],
            "decision": decision,
            "confirmation": confirmation(decision=decision, answer=r["confirmation"]),
            "rank": r["rk"],
            "calibrated": _round(r["cal"]),
            "mean": _round(r["mean"]),
            "median": _round(r["median"]),
            "interval_low": _round(r["lo"]),
            "interval_high": _round(r["hi"]),
            "p_in_slots": _round(r["p"]),
            "reviews": r["n"] or 0,
            "flags": list(json_columns.strings(r["fl"])),
            "tags": sorted(json_columns.strings(r["tg"]), key=str.casefold),
            "speakers": people if identity else None,
        }
        if programme:
            record["first_time"] = _first_time(people)
        yield record


def rows(*, call_id: int, phase: Phase, scope: str = SHORTLIST) -> Iterator[dict[str, object]]:
    """The export, one flat dict a proposal with the keys of :func:`columns`; one query."""
    header = columns(phase=phase)
    flat = (*BASE_COLUMNS, *CONTENT_COLUMNS)
    for record in records(call_id=call_id, phase=phase, scope=scope):
        row: dict[str, object] = {c: record[c] for c in flat if c not in ("flags", "tags")}
        row["flags"] = " ".join(record["flags"])
        row["tags"] = JOIN.join(record["tags"])
        if record["speakers"] is not None:
            row.update(_speaker_cells(record["speakers"]))
        if "first_time" in header:
            row["first_time"] = record["first_time"]
        yield row


def shortlist_rows(*, call_id: int, phase: Phase) -> Iterator[dict[str, object]]:
    """The shortlist, one dict a proposal with the keys of :func:`columns`; one query."""
    return rows(call_id=call_id, phase=phase, scope=SHORTLIST)


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


def ranked_rows(*, call_id: int, phase: Phase, scope: str = ALL) -> Iterator[dict[str, object]]:
    """Every live proposal (or the shortlisted ones) with its aggregate, in calibrated order.

    For ``export_proposals``: the title is the one the policy shows a chair in ``phase``.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown export scope {scope!r}")
    qs = shortlist.shortlist_queryset(
        call_id=call_id, run_id=snapshot.current_run_id(call_id=call_id)
    ).order_by(*shortlist.ORDERINGS["rank"])
    if scope == SHORTLIST:
        qs = qs.filter(decision__status__in=SHORTLISTED)
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
