"""The chair's ranking and shortlist: one page of the ranked, filtered list with its slots.

Returns frozen dataclasses, never ORM objects; two or three queries whatever the size. Titles and
the programme-attribute filters follow the blindness policy for a chair in the call's phase.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import FirstValue, JSONObject, Lag, Lead, RowNumber

from cfp import models as cfp_models
from cfp.domain import confirmation as confirmation_rules
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import filters, models
from reviews.domain import scoring
from reviews.domain import shortlist as rules
from reviews.queries import (
    decisions,
    json_columns,
    proposal_text,
    score_scale,
    search,
    snapshot,
    tags,
)

# Labels stay lazy: they are translated when a page renders them.
LEVEL_CHOICES: tuple[tuple[str, object], ...] = tuple(cfp_models.Level.choices)
DECISION_CHOICES: tuple[tuple[str, object], ...] = tuple(models.DecisionStatus.choices)


@dataclass(frozen=True, slots=True)
class FormatSlots:
    slug: str
    name: str
    slots: int
    accepted: int
    waitlisted: int

    @property
    def over(self) -> int:
        """How many more proposals are accepted than there are slots."""
        return max(0, self.accepted - self.slots)


@dataclass(frozen=True, slots=True)
class TrackCount:
    slug: str
    name: str
    accepted: int
    waitlisted: int


@dataclass(frozen=True, slots=True)
class ShortlistFrame:
    """What the shortlist page needs besides its rows: choices, slot counters, the snapshot."""

    languages: tuple[str, ...]
    run_id: int | None
    computed_at: dt.datetime | None
    formats: tuple[FormatSlots, ...]
    tracks: tuple[TrackCount, ...]
    # The scale every score on the page is shown on (the criteria's own: issue 19).
    scale: scoring.DisplayScale = scoring.display.INTERNAL
    # Every tag of the call, by name (issue 21); the view keeps those its viewer may see.
    tags: tuple[tags.TagRow, ...] = ()

    @property
    def total_slots(self) -> int:
        return sum(f.slots for f in self.formats)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.formats)

    def slots_for(self, *, format_slug: str) -> int:
        if format_slug:
            return next((f.slots for f in self.formats if f.slug == format_slug), 0)
        return self.total_slots


def _decided(status: str) -> Q:
    return cfp_models.in_call("proposals__") & Q(proposals__decision__status=status)


def _call_tags() -> Subquery:
    """The call's tags as one JSON array, read with the call (the shortlist's budget)."""
    rows = (
        models.Tag.objects.filter(call_id=OuterRef("pk"))
        .order_by()
        .values("call_id")
        .annotate(
            rows=json_columns.JSONArray(
                JSONObject(id=F("pk"), name=F("name"), shown=F("reviewer_visible"))
            )
        )
        .values("rows")
    )
    return Subquery(rows, output_field=JSONField())


def _tag_rows(value: object) -> tuple[tags.TagRow, ...]:
    found = json_columns.parsed(value)
    rows = (
        tags.TagRow(id=int(t["id"]), name=str(t["name"]), reviewer_visible=bool(t["shown"]))
        for t in (found if isinstance(found, list) else ())
    )
    return tuple(sorted(rows, key=lambda t: (t.name, t.id)))


def shortlist_frame(*, call_id: int) -> ShortlistFrame:
    """Three queries: the call with its current snapshot, score scale and tags, formats,
    tracks."""
    runs = snapshot.done_runs(call_id=call_id)
    head = (
        cfp_models.Call.objects.filter(pk=call_id)
        .annotate(
            run_id=Subquery(runs.values("pk")[:1]),
            run_at=Subquery(runs.values("finished_at")[:1]),
            tag_rows=_call_tags(),
            **score_scale.extremes(call_id),
        )
        .values("languages", "run_id", "run_at", "tag_rows", *score_scale.FIELDS)
        .first()
    ) or {"languages": [], "run_id": None, "run_at": None, "tag_rows": None}
    formats = (
        cfp_models.Format.objects.filter(call_id=call_id)
        .annotate(
            accepted=Count("proposals", filter=_decided(models.DecisionStatus.ACCEPTED)),
            waitlisted=Count("proposals", filter=_decided(models.DecisionStatus.WAITLISTED)),
        )
        .values("slug", "name", "slots", "accepted", "waitlisted")
        .order_by("name", "slug")
    )
    tracks = (
        cfp_models.Track.objects.filter(call_id=call_id)
        .annotate(
            accepted=Count("proposals", filter=_decided(models.DecisionStatus.ACCEPTED)),
            waitlisted=Count("proposals", filter=_decided(models.DecisionStatus.WAITLISTED)),
        )
        .values("slug", "name", "accepted", "waitlisted")
        .order_by("name", "slug")
    )
    return ShortlistFrame(
        languages=tuple(head["languages"] or ()),
        run_id=head["run_id"],
        computed_at=head["run_at"],
        scale=score_scale.scale_of(head),
        tags=_tag_rows(head["tag_rows"]),
        formats=tuple(
            FormatSlots(
                slug=f["slug"],
                name=f["name"],
                slots=f["slots"],
                accepted=f["accepted"],
                waitlisted=f["waitlisted"],
            )
            for f in formats
        ),
        tracks=tuple(
            TrackCount(
                slug=t["slug"], name=t["name"], accepted=t["accepted"], waitlisted=t["waitlisted"]
            )
            for t in tracks
        ),
    )


@dataclass(frozen=True, slots=True)
class ShortlistRow:
    code: str
    title: str
    format_name: str
    track_name: str
    language: str
    level: str
    decision: str
    decision_label: str
    decision_version: int
    review_count: int
    mean: float | None
    calibrated: float | None
    low: float | None
    high: float | None
    spread: float | None
    rank: int | None
    p_in_slots: float | None
    flags: tuple[str, ...]
    # The speakers' answer to a sent acceptance: "", awaiting, confirmed, declined (issue 19).
    confirmation: str = ""
    # mean, calibrated, low, high and spread above are already on this scale.
    scale: scoring.DisplayScale = scoring.display.INTERNAL

    @property
    def chance_percent(self) -> int | None:
        return None if self.p_in_slots is None else round(100 * self.p_in_slots)

    @property
    def near_cut(self) -> bool:
        return rules.is_near_cut(self.p_in_slots)

    # Geometry of the interval bar, on a 0..100 wide SVG spanning the scale's ends. CSP
    # forbids style="", so widths are SVG attributes computed here.
    def _x(self, value: float) -> float:
        return round(self.scale.fraction(value) * 100, 2)

    @property
    def bar_x(self) -> float:
        return self._x(self.low) if self.low is not None else 0.0

    @property
    def bar_width(self) -> float:
        if self.low is None or self.high is None:
            return 0.0
        return max(0.5, round(self._x(self.high) - self._x(self.low), 2))

    @property
    def point_x(self) -> float:
        return max(0.0, self._x(self.calibrated) - 0.75) if self.calibrated is not None else 0.0


def shortlist_queryset(*, call_id: int, run_id: int | None) -> QuerySet[cfp_models.Proposal]:
    """Live proposals joined to their score in ``run_id`` (one row each) and their decision.

    A LEFT JOIN on the (run, proposal) unique pair rather than one subquery per column, so
    sorting 10,000 rows stays one pass. Proposals without a score sort last.
    """
    return (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .annotate(
            sc=FilteredRelation("scores", condition=Q(scores__run_id=run_id)),
            s_count=F("sc__review_count"),
            s_mean=F("sc__mean"),
            s_median=F("sc__median"),
            s_cal=F("sc__calibrated"),
            s_low=F("sc__low"),
            s_high=F("sc__high"),
            s_spread=F("sc__spread"),
            s_std=F("sc__std"),
            s_rank=F("sc__rank"),
            s_p=F("sc__p_in_slots"),
            s_flags=F("sc__flags"),
            d_status=F("decision__status"),
            d_version=F("decision__version"),
        )
        .order_by()
    )


ORDERINGS: Mapping[str, tuple[Any, ...]] = {
    "rank": (F("s_rank").asc(nulls_last=True), "code"),
    "calibrated": (F("s_cal").desc(nulls_last=True), "code"),
    "mean": (F("s_mean").desc(nulls_last=True), "code"),
    "reviews": (F("s_count").asc(nulls_first=True), F("s_rank").asc(nulls_last=True), "code"),
    "disagreement": (
        F("s_spread").desc(nulls_last=True),
        F("s_std").desc(nulls_last=True),
        "code",
    ),
}

_ROW_FIELDS = (
    "code",
    "published_decision",
    "decision_sent_at",
    "confirmation",
    "title",
    "redacted__title",
    "format__name",
    "track__name",
    "language",
    "level",
    "d_status",
    "d_version",
    "s_count",
    "s_mean",
    "s_cal",
    "s_low",
    "s_high",
    "s_spread",
    "s_rank",
    "s_p",
    "s_flags",
)


def _row(r: Mapping[str, Any], *, phase: Phase, scale: scoring.DisplayScale) -> ShortlistRow:
    decision = r["d_status"] or models.DecisionStatus.UNDECIDED
    low, high = scale.interval(r["s_low"], r["s_high"])
    return ShortlistRow(
        code=r["code"],
        title=proposal_text.pick(
            viewer=Viewer.CHAIR,
            phase=phase,
            field="title",
            raw=r["title"],
            redacted={"title": r["redacted__title"]},
        ),
        format_name=r["format__name"],
        track_name=r["track__name"] or "",
        language=r["language"],
        level=r["level"],
        decision=decision,
        decision_label=decisions.status_label(decision),
        decision_version=r["d_version"] or 0,
        review_count=r["s_count"] or 0,
        mean=scale.point(r["s_mean"]),
        calibrated=scale.point(r["s_cal"]),
        low=low,
        high=high,
        spread=scale.difference(r["s_spread"]),
        rank=r["s_rank"],
        p_in_slots=r["s_p"],
        flags=json_columns.strings(r["s_flags"]),
        confirmation=confirmation_rules.state(
            published_decision=r["published_decision"],
            decision_sent_at=r["decision_sent_at"],
            answer=r["confirmation"],
        ),
        scale=scale,
    )


def top_rows(
    *, call_id: int, run_id: int | None, phase: Phase, limit: int
) -> tuple[ShortlistRow, ...]:
    """The first ``limit`` proposals in calibrated order, scores on the criteria's scale; one
    query (the scale rides along on each row)."""
    qs = (
        shortlist_queryset(call_id=call_id, run_id=run_id)
        .annotate(**score_scale.for_rows())
        .order_by(*ORDERINGS["rank"])
    )
    rows = qs.values(*_ROW_FIELDS, *score_scale.FIELDS)[:limit]
    return tuple(_row(r, phase=phase, scale=score_scale.scale_of(r)) for r in rows)


@dataclass(frozen=True, slots=True)
class ShortlistPage:
    rows: tuple[ShortlistRow, ...]
    total: int
    page: int
    pages: int
    per_page: int
    # Where the slots run out in this (filtered, rank-sorted) list: the number of proposals
    # inside them, or None when the slots do not run out here or the list is not in rank order.
    cut_after: int | None
    cut_slots: int | None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)

    @property
    def cut_index(self) -> int | None:
        """Index of the first row below the cut on this page, if the cut is on this page."""
        if self.cut_after is None:
            return None
        index = self.cut_after - self.offset
        return index if 0 <= index < len(self.rows) else None

    @property
    def cut_page(self) -> int | None:
        if self.cut_after is None:
            return None
        return min(self.pages, self.cut_after // self.per_page + 1)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _cut_rank(*, frame: ShortlistFrame, format_slug: str) -> Any:
    """The last rank inside the slots, in calibrated order, or None when there is no snapshot.

    Without a format filter: the call's total slots (the ranks are 1, 2, 3, … over the whole
    call, and the chance in slots uses the same total). For one format: the rank of its
    slots-th best proposal, as a subquery that walks the (run, rank) index until it has seen
    that many proposals of the format; NULL (no cut) when the format has fewer.
    """
    if frame.run_id is None:
        return None
    if not format_slug:
        return frame.total_slots
    slots = frame.slots_for(format_slug=format_slug)
    if slots <= 0:
        return 0
    return Subquery(
        models.ProposalScore.objects.filter(
            run_id=frame.run_id, rank__isnull=False, proposal__format__slug=format_slug
        )
        .order_by("rank")
        .values("rank")[slots - 1 : slots],
        output_field=IntegerField(),
    )


def _filtered(
    *,
    call_id: int,
    run_id: int | None,
    phase: Phase,
    filters_data: Mapping[str, object],
    scale: scoring.DisplayScale,
) -> tuple[dict[str, object], QuerySet[cfp_models.Proposal]]:
    data = {k: v for k, v in filters_data.items() if v not in (None, "")}
    # Chairs type score bounds on the scale they read; the stored scores are on 0..10.
    for name in ("score_min", "score_max"):
        if isinstance(data.get(name), int | float):
            data[name] = scale.internal(float(data[name]))  # type: ignore[arg-type]
    if not visibility.sees(viewer=Viewer.CHAIR, part=Part.PROGRAMME_ATTRIBUTES, phase=phase):
        for name in rules.PROGRAMME_FILTERS:
            data.pop(name, None)
    text = str(data.pop("q", "") or "")
    qs = filters.ShortlistFilter(
        data, queryset=shortlist_queryset(call_id=call_id, run_id=run_id)
    ).qs
    # Issue 21: the redacted text while chairs are blind, names too once they know them.
    found = search.matching(call_id=call_id, text=text, viewer=Viewer.CHAIR, phase=phase)
    if found is not None:
        qs = qs.filter(pk__in=found)
    return data, qs


def filtered_codes(
    *,
    call_id: int,
    run_id: int | None,
    phase: Phase,
    filters_data: Mapping[str, object],
    scale: scoring.DisplayScale = scoring.display.INTERNAL,
) -> tuple[str, ...]:
    """Every code the shortlist's filter matches (all pages), in rank order: "select all"."""
    _data, qs = _filtered(
        call_id=call_id, run_id=run_id, phase=phase, filters_data=filters_data, scale=scale
    )
    return tuple(qs.order_by(*ORDERINGS["rank"]).values_list("code", flat=True))


def shortlist_page(
    *,
    call_id: int,
    frame: ShortlistFrame,
    phase: Phase,
    filters_data: Mapping[str, object],
    sort: str,
    page: int,
    per_page: int,
) -> ShortlistPage:
    """One page of the ranked, filtered list; two queries (counts, rows) whatever the size.

    ``page`` beyond the last page gives the last page. Programme-attribute filters are dropped
    unless the policy shows a chair programme attributes in ``phase``, whatever the caller passes.
    """
    if per_page not in rules.PER_PAGE_CHOICES:
        per_page = rules.DEFAULT_PER_PAGE
    if sort not in ORDERINGS:
        sort = rules.DEFAULT_SORT
    data, qs = _filtered(
        call_id=call_id,
        run_id=frame.run_id,
        phase=phase,
        filters_data=filters_data,
        scale=frame.scale,
    )
    format_slug = str(data.get("format", ""))
    cut = _cut_rank(frame=frame, format_slug=format_slug)
    if cut is None:
        counts = qs.aggregate(total=Count("pk"))
        inside = beyond = 0
    else:
        counts = qs.aggregate(
            total=Count("pk"),
            inside=Count("pk", filter=Q(sc__rank__lte=cut)),
            beyond=Count("pk", filter=Q(sc__rank__gt=cut)),
        )
        inside, beyond = counts["inside"], counts["beyond"]
    total = counts["total"] or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    offset = (page - 1) * per_page
    rows = qs.order_by(*ORDERINGS[sort]).values(*_ROW_FIELDS)[offset : offset + per_page]
    slots_run_out = sort == rules.DEFAULT_SORT and cut is not None and beyond > 0
    return ShortlistPage(
        rows=tuple(_row(r, phase=phase, scale=frame.scale) for r in rows),
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        cut_after=inside if slots_run_out else None,
        cut_slots=frame.slots_for(format_slug=format_slug) if slots_run_out else None,
    )


@dataclass(frozen=True, slots=True)
class Neighbours:
    """Where a proposal sits in the shortlist's current filter and order: the codes before and
    after it (None at either end) and its position; all None when the filter excludes it."""

    previous: str | None = None
    next: str | None = None
    position: int | None = None
    total: int | None = None


def neighbours(
    *,
    call_id: int,
    run_id: int | None,
    phase: Phase,
    filters_data: Mapping[str, object],
    sort: str,
    code: str,
    scale: scoring.DisplayScale = scoring.display.INTERNAL,
) -> Neighbours:
    """The previous and next proposal in the shortlist's filter and order; one query.

    Window functions over the filtered list, then the proposal's own row picked in an outer
    query: filtering on a window expression (its own code, per row) makes Django wrap the
    windowed query, so the filter does not shrink the list the neighbours come from.
    """
    if sort not in ORDERINGS:
        sort = rules.DEFAULT_SORT
    _data, qs = _filtered(
        call_id=call_id, run_id=run_id, phase=phase, filters_data=filters_data, scale=scale
    )
    order = ORDERINGS[sort]
    row = (
        qs.annotate(
            n_prev=Window(Lag("code"), order_by=order),
            n_next=Window(Lead("code"), order_by=order),
            n_pos=Window(RowNumber(), order_by=order),
            n_total=Window(Count("pk")),
            n_self=Window(FirstValue("code"), partition_by=[F("pk")]),
        )
        .filter(n_self=code)
        .values("n_prev", "n_next", "n_pos", "n_total")
        .first()
    )
    if row is None:
        return Neighbours()
    return Neighbours(
        previous=row["n_prev"], next=row["n_next"], position=row["n_pos"], total=row["n_total"]
    )
