"""The chair's read side: dashboard progress, reviewer completion and the ranking/shortlist page.

Returns frozen dataclasses, never ORM objects. Every function runs a fixed number of queries,
whatever the number of proposals, reviews or reviewers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from cfp import models as cfp_models
from reviews import filters, models

# p_in_slots between these (inclusive) marks a proposal "near the cut": a coin flip, worth the
# committee's discussion time (docs/scoring-model.md, "Chance to land in the slots").
NEAR_CUT_LOW = 0.2
NEAR_CUT_HIGH = 0.8
# Calibrated scores live on the 0..10 review-score scale.
SCALE_MAX = 10.0

SORTS = ("rank", "calibrated", "mean", "reviews", "disagreement")
# Labels stay lazy: they are translated when a page renders them.
LEVEL_CHOICES: tuple[tuple[str, object], ...] = tuple(cfp_models.Level.choices)
DECISION_CHOICES: tuple[tuple[str, object], ...] = tuple(models.DecisionStatus.choices)
PER_PAGE_CHOICES = (25, 50, 100, 250)
DEFAULT_PER_PAGE = 50


def _percent(done: int, required: int) -> int:
    if required <= 0:
        return 100
    return min(100, round(100 * done / required))


# --- dashboard: progress and submissions ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressRow:
    label: str
    proposals: int
    done: int
    required: int

    @property
    def percent(self) -> int:
        return _percent(self.done, self.required)

    @property
    def shown_done(self) -> int:
        """Done, capped at required, for a <progress> element that must not overflow."""
        return min(self.done, self.required)


@dataclass(frozen=True, slots=True)
class DayCount:
    day: dt.date
    count: int


@dataclass(frozen=True, slots=True)
class Bar:
    day: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class DayChart:
    """Submissions per day as SVG bars (geometry computed here: CSP forbids inline styles)."""

    days: tuple[DayCount, ...]
    bars: tuple[Bar, ...]
    total: int
    peak: int
    width: int = 600
    height: int = 120

    @property
    def first(self) -> dt.date | None:
        return self.days[0].day if self.days else None

    @property
    def last(self) -> dt.date | None:
        return self.days[-1].day if self.days else None


def _chart(by_day: Mapping[dt.date, int], *, width: int = 600, height: int = 120) -> DayChart:
    if not by_day:
        return DayChart(days=(), bars=(), total=0, peak=0, width=width, height=height)
    first, last = min(by_day), max(by_day)
    days = tuple(
        DayCount(day=d, count=by_day.get(d, 0))
        for d in (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    )
    peak = max(d.count for d in days)
    step = width / len(days)
    gap = min(2.0, step * 0.2)
    bars = tuple(
        Bar(
            day=d.day,
            count=d.count,
            x=round(i * step + gap / 2, 2),
            y=round(height - height * d.count / peak, 2),
            width=round(step - gap, 2),
            height=round(height * d.count / peak, 2),
        )
        for i, d in enumerate(days)
    )
    return DayChart(
        days=days, bars=bars, total=sum(by_day.values()), peak=peak, width=width, height=height
    )


@dataclass(frozen=True, slots=True)
class CallProgress:
    proposals: int
    withdrawn: int
    overall: ProgressRow
    by_format: tuple[ProgressRow, ...]
    by_track: tuple[ProgressRow, ...]
    # Submissions per calendar day (UTC), withdrawn ones too: they were submitted.
    chart: DayChart


def _utc_day(field: str) -> Substr:
    # The stored timestamp's date part, in UTC (the database connection's time zone): "YYYY-MM-DD"
    # on SQLite and PostgreSQL alike. TruncDate would call a Python function per row on SQLite.
    return Substr(Cast(field, CharField()), 1, 10)


def _progress_groups(call_id: int) -> list[list[Any]]:
    """Proposals and scored reviews grouped by state, format, track and submission day (UTC):
    [state, format name, track name, "YYYY-MM-DD", proposals, scored reviews]; one query."""
    scored = (
        models.Review.objects.filter(proposal_id=OuterRef("pk"), abstained=False)
        .order_by()
        .values("proposal_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    groups = (
        cfp_models.Proposal.objects.filter(call_id=call_id)
        .annotate(
            day=_utc_day("submitted_at"),
            scored=Coalesce(Subquery(scored, output_field=IntegerField()), 0),
        )
        .values("state", "format__name", "track__name", "day")
        .annotate(n=Count("id"), done=Sum("scored"))
        .order_by()
    )
    return [
        [g["state"], g["format__name"], g["track__name"] or "", g["day"], g["n"], g["done"] or 0]
        for g in groups
    ]


def call_progress(
    *, call_id: int, reviews_per_proposal: int, stored: Mapping[str, Any] | None = None
) -> CallProgress:
    """Scored reviews against required ones (live proposals × reviews per proposal), by format
    and track, and submissions per day; one grouped query, or none from ``stored`` counts
    (``progress_counts`` of a snapshot).

    Abstentions do not count: they carry no score. A proposal with more reviews than required
    counts them all, so a group's percentage is capped at 100.
    """
    groups = stored["groups"] if stored is not None else _progress_groups(call_id)
    live = withdrawn = done = 0
    per_format: dict[str, list[int]] = {}
    per_track: dict[str, list[int]] = {}
    per_day: dict[dt.date, int] = {}
    for state, format_name, track_name, day_text, n, scored in groups:
        day = dt.date.fromisoformat(day_text)
        per_day[day] = per_day.get(day, 0) + n
        if state != cfp_models.ProposalState.SUBMITTED:
            withdrawn += n
            continue
        live += n
        done += scored
        for key, bucket in ((format_name, per_format), (track_name, per_track)):
            counts = bucket.setdefault(key, [0, 0])
            counts[0] += n
            counts[1] += scored

    def rows(bucket: dict[str, list[int]]) -> tuple[ProgressRow, ...]:
        return tuple(
            ProgressRow(label=label, proposals=n, done=d, required=n * reviews_per_proposal)
            for label, (n, d) in sorted(bucket.items())
        )

    return CallProgress(
        proposals=live,
        withdrawn=withdrawn,
        overall=ProgressRow(
            label="", proposals=live, done=done, required=live * reviews_per_proposal
        ),
        by_format=rows(per_format),
        by_track=rows(per_track),
        chart=_chart(per_day),
    )


# --- dashboard: reviewers -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewerProgress:
    user_id: int
    name: str
    assigned: int
    done: int
    last_reminded_at: dt.datetime | None
    reminded_today: bool

    @property
    def open(self) -> int:
        return max(0, self.assigned - self.done)

    @property
    def percent(self) -> int:
        return _percent(self.done, self.assigned)

    @property
    def shown_done(self) -> int:
        return min(self.done, self.assigned)


def _reviewer_counts(call_id: int) -> dict[int, tuple[int, int]]:
    """Each reviewer's (assigned, done) over the call's live proposals; one grouped query.

    "Done" matches the reviewer's own queue: an assigned proposal with a review of its current
    version, or an abstention. One pass over the call's assignments (grouped), not a count per
    reviewer: at 200 reviewers and 50,000 assignments that is the difference between 30 ms and
    seconds.
    """
    current = Q(own__abstained=True) | Q(own__proposal_version__gte=F("proposal__version"))
    return {
        r["reviewer_id"]: (r["assigned"], r["done"])
        for r in models.Assignment.objects.filter(
            proposal__call_id=call_id, proposal__state=cfp_models.ProposalState.SUBMITTED
        )
        .annotate(
            own=FilteredRelation(
                "proposal__reviews",
                condition=Q(proposal__reviews__reviewer_id=F("reviewer_id")),
            )
        )
        .values("reviewer_id")
        .annotate(
            assigned=Count("id"),
            done=Count("own__id", filter=current),
        )
        .order_by()
    }


def reviewer_progress(
    *, call_id: int, today: dt.date, stored: Mapping[str, Any] | None = None
) -> tuple[ReviewerProgress, ...]:
    """Each reviewer's assigned and done counts, least complete first: two queries, or one
    (names and reminders) with ``stored`` counts (``progress_counts`` of a snapshot)."""
    reviewers = (
        cfp_models.Membership.objects.filter(call_id=call_id, role=cfp_models.Role.REVIEWER)
        .annotate(
            reminded_at=Subquery(
                models.ReviewerSettings.objects.filter(
                    call_id=call_id, user_id=OuterRef("user_id")
                ).values("last_reminded_at")[:1]
            )
        )
        .values("user_id", "user__first_name", "user__username", "reminded_at")
    )
    if stored is not None:
        counts = {int(k): (v[0], v[1]) for k, v in stored["reviewers"].items()}
    else:
        counts = _reviewer_counts(call_id)
    out = []
    for r in reviewers:
        assigned, done = counts.get(r["user_id"], (0, 0))
        out.append(
            ReviewerProgress(
                user_id=r["user_id"],
                name=r["user__first_name"] or r["user__username"],
                assigned=assigned,
                done=done,
                last_reminded_at=r["reminded_at"],
                reminded_today=r["reminded_at"] is not None
                and timezone.localdate(r["reminded_at"]) == today,
            )
        )
    out.sort(key=lambda r: (r.percent, -r.open, r.name.lower(), r.user_id))
    return tuple(out)


def progress_counts(*, call_id: int, now: dt.datetime) -> dict[str, Any]:
    """The counts behind the dashboard's progress, as JSON to store with a snapshot: the
    dashboard then reads them instead of counting 50,000 reviews and assignments per view."""
    return {
        "at": now.isoformat(),
        "groups": _progress_groups(call_id),
        "reviewers": {str(k): list(v) for k, v in _reviewer_counts(call_id).items()},
    }


# --- ranking and shortlist ------------------------------------------------------------------


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


def _current_runs(call_id: int) -> QuerySet[models.AggregationRun]:
    return models.AggregationRun.objects.filter(
        call_id=call_id, state=models.RunState.DONE
    ).order_by("-finished_at", "-id")


def _decided(status: str) -> Q:
    return Q(
        proposals__state=cfp_models.ProposalState.SUBMITTED, proposals__decision__status=status
    )


def shortlist_frame(*, call_id: int) -> ShortlistFrame:
    """Three queries: the call with its current snapshot, formats with slots, tracks."""
    runs = _current_runs(call_id)
    head = (
        cfp_models.Call.objects.filter(pk=call_id)
        .annotate(
            run_id=Subquery(runs.values("pk")[:1]),
            run_at=Subquery(runs.values("finished_at")[:1]),
        )
        .values("languages", "run_id", "run_at")
        .first()
    ) or {"languages": [], "run_id": None, "run_at": None}
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
    review_count: int
    mean: float | None
    calibrated: float | None
    low: float | None
    high: float | None
    spread: float | None
    rank: int | None
    p_in_slots: float | None
    flags: tuple[str, ...]

    @property
    def chance_percent(self) -> int | None:
        return None if self.p_in_slots is None else round(100 * self.p_in_slots)

    @property
    def near_cut(self) -> bool:
        p = self.p_in_slots
        return p is not None and NEAR_CUT_LOW <= p <= NEAR_CUT_HIGH

    # Geometry of the interval bar, on a 0..100 wide SVG (the 0..10 scale times ten). CSP
    # forbids style="", so widths are SVG attributes computed here.
    @staticmethod
    def _x(value: float) -> float:
        return round(max(0.0, min(SCALE_MAX, value)) * 100 / SCALE_MAX, 2)

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
        cfp_models.Proposal.objects.filter(
            call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
        )
        .annotate(
            sc=FilteredRelation("scores", condition=Q(scores__run_id=run_id)),
            s_count=F("sc__review_count"),
            s_mean=F("sc__mean"),
            s_cal=F("sc__calibrated"),
            s_low=F("sc__low"),
            s_high=F("sc__high"),
            s_spread=F("sc__spread"),
            s_std=F("sc__std"),
            s_rank=F("sc__rank"),
            s_p=F("sc__p_in_slots"),
            s_flags=F("sc__flags"),
            d_status=F("decision__status"),
        )
        .order_by()
    )


_ORDERINGS: Mapping[str, tuple[Any, ...]] = {
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
    "title",
    "redacted__title",
    "format__name",
    "track__name",
    "language",
    "level",
    "d_status",
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


def _flags(value: object) -> tuple[str, ...]:
    if isinstance(value, str):  # a JSON column read through a join can come back as text
        import json

        value = json.loads(value or "[]")
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _decision_label(status: str) -> str:
    try:
        return str(models.DecisionStatus(status).label)
    except ValueError:
        return status


def _row(r: Mapping[str, Any], *, blind: bool) -> ShortlistRow:
    decision = r["d_status"] or models.DecisionStatus.UNDECIDED
    return ShortlistRow(
        code=r["code"],
        title=(r["redacted__title"] or "") if blind else r["title"],
        format_name=r["format__name"],
        track_name=r["track__name"] or "",
        language=r["language"],
        level=r["level"],
        decision=decision,
        decision_label=_decision_label(decision),
        review_count=r["s_count"] or 0,
        mean=r["s_mean"],
        calibrated=r["s_cal"],
        low=r["s_low"],
        high=r["s_high"],
        spread=r["s_spread"],
        rank=r["s_rank"],
        p_in_slots=r["s_p"],
        flags=_flags(r["s_flags"]),
    )


def top_rows(
    *, call_id: int, run_id: int | None, blind: bool, limit: int
) -> tuple[ShortlistRow, ...]:
    """The first ``limit`` proposals in calibrated order; one query."""
    qs = shortlist_queryset(call_id=call_id, run_id=run_id).order_by(*_ORDERINGS["rank"])
    return tuple(_row(r, blind=blind) for r in qs.values(*_ROW_FIELDS)[:limit])


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


def shortlist_page(
    *,
    call_id: int,
    frame: ShortlistFrame,
    blind: bool,
    filters_data: Mapping[str, object],
    sort: str,
    page: int,
    per_page: int,
) -> ShortlistPage:
    """One page of the ranked, filtered list; two queries (counts, rows) whatever the size.

    ``page`` beyond the last page gives the last page. Programme-attribute filters are dropped
    while chairs are blind (``blind=True``), whatever the caller passes.
    """
    if per_page not in PER_PAGE_CHOICES:
        per_page = DEFAULT_PER_PAGE
    if sort not in _ORDERINGS:
        sort = "rank"
    data = {k: v for k, v in filters_data.items() if v not in (None, "")}
    if blind:
        for name in filters.PROGRAMME_FILTERS:
            data.pop(name, None)
    qs = filters.ShortlistFilter(
        data, queryset=shortlist_queryset(call_id=call_id, run_id=frame.run_id)
    ).qs
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
    rows = qs.order_by(*_ORDERINGS[sort]).values(*_ROW_FIELDS)[offset : offset + per_page]
    slots_run_out = sort == "rank" and cut is not None and beyond > 0
    return ShortlistPage(
        rows=tuple(_row(r, blind=blind) for r in rows),
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
        cut_after=inside if slots_run_out else None,
        cut_slots=frame.slots_for(format_slug=format_slug) if slots_run_out else None,
    )
