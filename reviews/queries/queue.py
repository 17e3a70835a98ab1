"""The reviewer's queue: assigned proposals under the queue's filters, with progress.

Returns frozen dataclasses, never ORM objects. Titles are the ones the blindness policy gives a
reviewer (``queries.proposal_text``), selected in the database so the queue can sort by them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from cfp import models as cfp_models
from cfp.domain.visibility import Phase, Viewer
from reviews import filters, models
from reviews.queries import proposal_text


class QueueStatus:
    TODO = "todo"
    DONE = "done"
    ABSTAINED = "abstained"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class QueueRow:
    code: str
    title: str
    format_name: str
    track_name: str
    language: str
    level: str
    status: str
    score: float | None


@dataclass(frozen=True, slots=True)
class Queue:
    rows: tuple[QueueRow, ...]
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def assigned(*, call_id: int, reviewer_id: int) -> QuerySet[models.Assignment]:
    """The reviewer's assignments on the call's live proposals, with their own review's state."""
    my_review = models.Review.objects.filter(
        proposal_id=OuterRef("proposal_id"), reviewer_id=reviewer_id
    )
    return (
        models.Assignment.objects.filter(
            cfp_models.in_call("proposal__"), reviewer_id=reviewer_id, proposal__call_id=call_id
        )
        .select_related("proposal__format", "proposal__track")
        .annotate(
            review_version=Subquery(my_review.values("proposal_version")[:1]),
            review_abstained=Subquery(my_review.values("abstained")[:1]),
            review_score=Subquery(my_review.values("score")[:1]),
        )
    )


def _status(a: models.Assignment) -> str:
    version = getattr(a, "review_version", None)
    if version is None:
        return QueueStatus.TODO
    if getattr(a, "review_abstained", False):
        return QueueStatus.ABSTAINED
    if version < a.proposal.version:
        return QueueStatus.CHANGED
    return QueueStatus.DONE


# Only the columns a row shows: the texts (abstract, description, redacted copies) would be read
# and thrown away for every one of a reviewer's forty or more proposals.
QUEUE_COLUMNS = (
    "proposal__code",
    "proposal__version",
    "proposal__language",
    "proposal__level",
    "proposal__format__name",
    "proposal__track__name",
)


def reviewer_queue(
    *,
    call_id: int,
    reviewer_id: int,
    phase: Phase,
    track: str = "",
    format: str = "",
    language: str = "",
    status: str = "",
    ordering: str = "",
) -> Queue:
    """The reviewer's assigned proposals under the queue's filters and ordering.

    Without an ordering, proposals that need work come first. The progress counts ignore the
    filters: they describe the whole queue.
    """
    title = proposal_text.column(viewer=Viewer.REVIEWER, phase=phase, prefix="proposal__")
    qs = (
        assigned(call_id=call_id, reviewer_id=reviewer_id)
        .annotate(r_title=title)
        .only(*QUEUE_COLUMNS)
    )
    data = {"track": track, "format": format, "language": language, "ordering": ordering}
    filtered = filters.QueueFilter(data, queryset=qs).qs
    if not ordering:
        filtered = filtered.order_by("proposal__submitted_at", "proposal__code")
    assignments = list(filtered)
    if track or format or language:
        everything = [
            _status(a)
            for a in assigned(call_id=call_id, reviewer_id=reviewer_id).only(
                "proposal__version", "proposal__format", "proposal__track"
            )
        ]
    else:
        everything = [_status(a) for a in assignments]
    rows = [
        QueueRow(
            code=a.proposal.code,
            title=getattr(a, "r_title", "") or "",
            format_name=a.proposal.format.name,
            track_name=a.proposal.track.name if a.proposal.track else "",
            language=a.proposal.language,
            level=a.proposal.level,
            status=_status(a),
            score=getattr(a, "review_score", None),
        )
        for a in assignments
    ]
    if not ordering:
        order = {QueueStatus.TODO: 0, QueueStatus.CHANGED: 1, QueueStatus.ABSTAINED: 2}
        rows.sort(key=lambda r: order.get(r.status, 3))
    if status:
        rows = [r for r in rows if r.status == status]
    finished = (QueueStatus.DONE, QueueStatus.ABSTAINED)
    return Queue(
        rows=tuple(rows),
        done=sum(1 for s in everything if s in finished),
        total=len(everything),
    )


def next_in_queue(*, queue: Queue, after_code: str, status: str = "") -> str | None:
    """The proposal after `after_code` in the queue as filtered and ordered, wrapping round.

    Only proposals that still need work count, unless the reviewer is walking through the ones
    they finished (a "done" or "abstained" filter).
    """
    rows = list(queue.rows)
    index = next((i for i, r in enumerate(rows) if r.code == after_code), -1)
    ordered = rows[index + 1 :] + rows[:index] if index >= 0 else rows
    if status not in (QueueStatus.DONE, QueueStatus.ABSTAINED):
        ordered = [r for r in ordered if r.status in (QueueStatus.TODO, QueueStatus.CHANGED)]
    return ordered[0].code if ordered else None
