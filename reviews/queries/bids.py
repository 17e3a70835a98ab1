"""The bidding screen: every live proposal of a call as a reviewer sees it, with their bid.

Returns frozen dataclasses, never ORM objects. Titles and abstracts are the ones the blindness
policy gives a reviewer (``queries.proposal_text`` and the HTML stored with the redaction, as on
the scoring screen); search and the track filter run in the database (``filters.BidFilter``)
over the reviewer's text, never over a speaker field. Rows follow the reviewer's own shuffle
(``queue.order_key_column``), never submission order. A reviewer's own proposals are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import shown_html, visibility
from cfp.domain.visibility import Part, Phase, Shown, Viewer
from reviews import filters, models
from reviews.queries import proposal_text, queue

PAGE_SIZE = 50
LEVELS = tuple(level.value for level in models.BidLevel)


@dataclass(frozen=True, slots=True)
class BiddingWindow:
    """Whether bidding is open for a call, and until when (``closes_at`` None: not open)."""

    closes_at: dt.datetime | None
    timezone: str
    tracks: tuple[tuple[str, str], ...]
    is_open: bool


@dataclass(frozen=True, slots=True)
class BidRow:
    code: str
    title_html: str
    abstract_html: str
    format_name: str
    track_name: str
    language: str
    level: str  # "" when the reviewer has not bid


@dataclass(frozen=True, slots=True)
class BidPage:
    rows: tuple[BidRow, ...]
    page: int
    has_next: bool
    counts: BidCounts


def bidding_window(*, call_id: int, now: dt.datetime) -> BiddingWindow:
    """The call's bidding deadline and tracks (two queries)."""
    calls = cfp_models.Call.objects.filter(pk=call_id)
    closes_at, tz = calls.values_list("bidding_closes_at", "timezone").get()
    tracks = tuple(
        cfp_models.Track.objects.filter(call_id=call_id)
        .order_by("name", "pk")
        .values_list("slug", "name")
    )
    return BiddingWindow(
        closes_at=closes_at,
        timezone=tz,
        tracks=tracks,
        is_open=closes_at is not None and now < closes_at,
    )


def biddable(*, call_id: int, reviewer_id: int) -> QuerySet[cfp_models.Proposal]:
    """The call's live proposals a reviewer may bid on: all but their own."""
    own = cfp_models.ProposalSpeaker.objects.filter(
        proposal_id=OuterRef("pk"), speaker__user_id=reviewer_id
    )
    return (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .exclude(owner_id=reviewer_id)
        .exclude(Exists(own))
    )


def _columns(phase: Phase) -> tuple[list[str], Shown]:
    shown = visibility.shown(viewer=Viewer.REVIEWER, part=Part.CONTENT, phase=phase)
    columns = ["code", "language", "format__name", "track__name", "redacted", "my_bid"]
    if shown is Shown.REDACTED:
        columns.append("shown_html")
    else:
        columns.extend(("title", "abstract"))
    return columns, shown


def _row(values: Mapping[str, Any], *, phase: Phase, shown: Shown) -> BidRow:
    text = {
        field: proposal_text.pick(
            viewer=Viewer.REVIEWER,
            phase=phase,
            field=field,
            raw=str(values.get(field) or ""),
            redacted=values["redacted"],
        )
        for field in ("title", "abstract")
    }
    stored = values.get("shown_html")
    rendered = stored if shown is Shown.REDACTED and shown_html.usable(stored) else None
    if rendered is None:
        rendered = shown_html.render(texts={**text, "description": "", "notes": ""})
    return BidRow(
        code=values["code"],
        title_html=str(rendered.get("title", "") or ""),
        abstract_html=str(rendered.get("abstract", "") or ""),
        format_name=values["format__name"],
        track_name=values["track__name"] or "",
        language=values["language"],
        level=values["my_bid"] or "",
    )


def _with_bids(
    qs: QuerySet[cfp_models.Proposal], *, reviewer_id: int, phase: Phase
) -> QuerySet[cfp_models.Proposal]:
    mine = models.Bid.objects.filter(proposal_id=OuterRef("pk"), reviewer_id=reviewer_id)
    return qs.annotate(
        my_bid=Subquery(mine.values("level")[:1]),
        r_title=proposal_text.column(viewer=Viewer.REVIEWER, phase=phase, field="title"),
        r_abstract=proposal_text.column(viewer=Viewer.REVIEWER, phase=phase, field="abstract"),
        r_order=queue.order_key_column(reviewer_id=reviewer_id, prefix=""),
    )


def bid_page(
    *,
    call_id: int,
    reviewer_id: int,
    phase: Phase,
    search: str = "",
    track: str = "",
    level: str = "",
    page: int = 1,
) -> BidPage:
    """One page of the bidding list and the reviewer's counts (two queries)."""
    base = biddable(call_id=call_id, reviewer_id=reviewer_id)
    qs = filters.BidFilter(
        {"search": search, "track": track, "bid": level},
        queryset=_with_bids(base, reviewer_id=reviewer_id, phase=phase),
    ).qs.order_by("r_order", "code")
    columns, shown = _columns(phase)
    start = (max(page, 1) - 1) * PAGE_SIZE
    values = list(qs.values(*columns)[start : start + PAGE_SIZE + 1])
    counts = bid_counts(call_id=call_id, reviewer_id=reviewer_id)
    return BidPage(
        rows=tuple(_row(v, phase=phase, shown=shown) for v in values[:PAGE_SIZE]),
        page=max(page, 1),
        has_next=len(values) > PAGE_SIZE,
        counts=counts,
    )


@dataclass(frozen=True, slots=True)
class BidCounts:
    total: int  # live proposals the reviewer may bid on (not only the filtered ones)
    by_level: Mapping[str, int]  # the reviewer's bids by level, over the whole call

    @property
    def bid(self) -> int:
        return sum(self.by_level.values())


def bid_counts(*, call_id: int, reviewer_id: int) -> BidCounts:
    """How many proposals the reviewer may bid on and their bids per level (one query)."""
    summary = biddable(call_id=call_id, reviewer_id=reviewer_id).aggregate(
        total=Count("pk", distinct=True),
        **{
            lv: Count("bids", filter=Q(bids__reviewer_id=reviewer_id, bids__level=lv))
            for lv in LEVELS
        },
    )
    return BidCounts(
        total=int(summary["total"] or 0),
        by_level={lv: int(summary[lv] or 0) for lv in LEVELS},
    )


@dataclass(frozen=True, slots=True)
class Expertise:
    topics: str
    statement: str
    past_talks: str
    updated_at: dt.datetime | None


def my_expertise(*, call_id: int, reviewer_id: int) -> Expertise:
    """The reviewer's profile for a call (empty when they have not written one; one query)."""
    row = (
        models.ReviewerExpertise.objects.filter(call_id=call_id, reviewer_id=reviewer_id)
        .values_list("topics", "statement", "past_talks", "updated_at")
        .first()
    )
    return Expertise(*row) if row else Expertise("", "", "", None)


def bid_row(*, call_id: int, reviewer_id: int, phase: Phase, code: str) -> BidRow | None:
    """One proposal's row after a bid (one query)."""
    columns, shown = _columns(phase)
    values = (
        _with_bids(
            biddable(call_id=call_id, reviewer_id=reviewer_id).filter(code=code),
            reviewer_id=reviewer_id,
            phase=phase,
        )
        .values(*columns)
        .first()
    )
    return _row(values, phase=phase, shown=shown) if values else None


@dataclass(frozen=True, slots=True)
class CallExpertise:
    call_id: int
    call_slug: str
    call_name: str
    topics: str
    statement: str


def expertise_by_call(*, user_id: int) -> tuple[CallExpertise, ...]:
    """The person's profile in every live call they review for (one query)."""
    mine = models.ReviewerExpertise.objects.filter(call_id=OuterRef("call_id"), reviewer_id=user_id)
    rows = (
        cfp_queries.members(role=cfp_models.Role.REVIEWER, user_id=user_id)
        .filter(call__archived_at__isnull=True)
        .annotate(
            my_topics=Subquery(mine.values("topics")[:1]),
            my_statement=Subquery(mine.values("statement")[:1]),
        )
        .order_by("call__name", "call_id")
        .values_list("call_id", "call__slug", "call__name", "my_topics", "my_statement")
    )
    return tuple(
        CallExpertise(call_id, slug, name, topics or "", statement or "")
        for call_id, slug, name, topics, statement in rows
    )
