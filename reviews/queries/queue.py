"""The reviewer's queue: assigned proposals under the queue's filters, with progress.

Returns frozen dataclasses, never ORM objects. Titles are the ones the blindness policy gives a
reviewer (``queries.proposal_text``), selected in the database so the queue can sort by them.

The queue never follows submission order: that would tell a reviewer which proposals came in
one after another, which is mostly one person sending several. Rows the reviewer does not order
(the default, and ties under a chosen ordering) follow a shuffle of their own (``order_key``).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import SHA256, Concat
from django.utils.crypto import salted_hmac

from cfp import models as cfp_models
from cfp.domain import languages as talk_languages
from cfp.domain.visibility import Phase, Viewer
from common.numbers import is_whole_number
from reviews import filters, models
from reviews.queries import prepared, proposal_text, search, tags


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
    # Issue 22: the chairs asked for one more review here (the outcome is uncertain). Reviewers
    # are told only that; the chance in slots stays with the chairs (it comes from others' scores).
    extra: bool = False

    @property
    def language_name(self) -> str:
        return talk_languages.language_name(self.language)

    @property
    def level_name(self) -> str:
        return level_name(self.level)


def level_name(level: str) -> str:
    """A level as a word in the reader's language ("intermediate"), not its code."""
    labels = dict(cfp_models.Level.choices)
    return str(labels[level]).lower() if level in labels else level


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
    return models.Assignment.objects.filter(
        cfp_models.in_call("proposal__"), reviewer_id=reviewer_id, proposal__call_id=call_id
    ).annotate(
        review_version=Subquery(my_review.values("proposal_version")[:1]),
        review_abstained=Subquery(my_review.values("abstained")[:1]),
        review_score=Subquery(my_review.values("score")[:1]),
    )


def _shuffle_salt(reviewer_id: int) -> str:
    # A keyed hash of the reviewer: without SECRET_KEY nobody can predict or recompute a queue's
    # order, and two reviewers' orders are unrelated.
    return salted_hmac("reviews.queue.order_key", str(reviewer_id)).hexdigest() + ":"


@functools.lru_cache(maxsize=50_000)
def _salted_key(salt: str, code: str) -> str:
    # A reviewer's key for a code never changes: the screen hashes a whole queue on every load,
    # so the keys of the queues in use are kept (about 150 bytes each).
    return hashlib.sha256((salt + code).encode()).hexdigest()


def order_key(*, reviewer_id: int, code: str) -> str:
    """Where a proposal falls in a reviewer's shuffle: stable for that reviewer, unrelated to
    when or by whom it was submitted, and different for every reviewer.

    ``order_key_column`` computes the same value in the database.
    """
    return _salted_key(_shuffle_salt(reviewer_id), code)


class _SHA256(SHA256):
    """Django's SHA256, but PostgreSQL's built-in ``sha256`` instead of pgcrypto's ``digest``
    (an extension we do not install)."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            **extra_context,
        )


def order_key_column(*, reviewer_id: int, prefix: str = "proposal__") -> SHA256:
    """``order_key`` as an SQL expression (Django gives SQLite a SHA256 function)."""
    return _SHA256(
        Concat(Value(_shuffle_salt(reviewer_id)), F(f"{prefix}code"), output_field=CharField())
    )


def _status(*, review_version: int | None, abstained: bool | None, version: int) -> str:
    if review_version is None:
        return QueueStatus.TODO
    if abstained:
        return QueueStatus.ABSTAINED
    if review_version < version:
        return QueueStatus.CHANGED
    return QueueStatus.DONE


# Only the columns a row shows, read as plain values: the texts (abstract, description, redacted
# copies) would be read and thrown away for every one of a reviewer's forty or more proposals,
# and four model instances a row (assignment, proposal, format, track) cost more than the query.
QUEUE_COLUMNS = (
    "proposal__code",
    "proposal__version",
    "proposal__language",
    "proposal__level",
    "proposal__format__name",
    "proposal__track__name",
    "r_title",
    "review_version",
    "review_abstained",
    "review_score",
    "extra",
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
    q: str = "",
    tag: str = "",
) -> Queue:
    """The reviewer's assigned proposals under the queue's filters and ordering.

    ``q`` searches the text the reviewer reads (``queries.search``, never a speaker's name);
    ``tag`` is the id of a reviewer-visible tag (issue 21).

    Without an ordering, proposals that need work come first, each group in the reviewer's own
    shuffle (``order_key``), which also breaks ties under a chosen ordering. The progress counts
    ignore the filters: they describe the whole queue.
    """
    title = proposal_text.column(viewer=Viewer.REVIEWER, phase=phase, prefix="proposal__")
    qs = (
        assigned(call_id=call_id, reviewer_id=reviewer_id)
        .annotate(r_title=title)
        .alias(r_order=order_key_column(reviewer_id=reviewer_id))
    )
    data = {"track": track, "format": format, "language": language, "ordering": ordering}
    filtered = filters.QueueFilter(data, queryset=qs).qs
    found = search.matching(call_id=call_id, text=q, viewer=Viewer.REVIEWER, phase=phase)
    if found is not None:
        filtered = filtered.filter(proposal_id__in=found)
    if is_whole_number(tag):
        filtered = filtered.filter(
            tags.tagged(tag_id=int(tag), viewer=Viewer.REVIEWER, proposal_ref="proposal_id")
        )
    if not ordering:
        filtered = filtered.order_by("r_order", "proposal__code")
    rows = [
        QueueRow(
            code=code,
            title=r_title or "",
            format_name=format_name,
            track_name=track_name or "",
            language=lang,
            level=level,
            status=_status(review_version=r_version, abstained=r_abstained, version=version),
            score=r_score,
            extra=extra,
        )
        for (
            code,
            version,
            lang,
            level,
            format_name,
            track_name,
            r_title,
            r_version,
            r_abstained,
            r_score,
            extra,
        ) in filtered.values_list(*QUEUE_COLUMNS)
    ]
    if track or format or language or q or tag:
        # Typed as Any: the stubs do not see the annotations ``assigned`` adds.
        every: Any = assigned(call_id=call_id, reviewer_id=reviewer_id)
        everything = [
            _status(review_version=r_version, abstained=r_abstained, version=version)
            for version, r_version, r_abstained in every.values_list(
                "proposal__version", "review_version", "review_abstained"
            )
        ]
    else:
        everything = [r.status for r in rows]
    if not ordering:
        order = {QueueStatus.TODO: 0, QueueStatus.CHANGED: 1, QueueStatus.ABSTAINED: 2}
        # Extra-review requests still to do come first (issue 22).
        rows.sort(
            key=lambda r: (not (r.extra and r.status == QueueStatus.TODO), order.get(r.status, 3))
        )
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
    return _next_after(
        [(r.code, r.status) for r in queue.rows], after_code=after_code, status=status
    )


def _next_after(rows: list[tuple[str, str]], *, after_code: str, status: str) -> str | None:
    """``next_in_queue`` over (code, status) pairs in the queue's order."""
    index = next((i for i, (code, _state) in enumerate(rows) if code == after_code), -1)
    ordered = rows[index + 1 :] + rows[:index] if index >= 0 else rows
    if status not in (QueueStatus.DONE, QueueStatus.ABSTAINED):
        needs_work = (QueueStatus.TODO, QueueStatus.CHANGED)
        ordered = [row for row in ordered if row[1] in needs_work]
    return ordered[0][0] if ordered else None


@dataclass(frozen=True, slots=True)
class Progress:
    """What the scoring screen shows of the queue: how far the reviewer is, and what is next."""

    done: int
    total: int
    next_code: str | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _progress_rows(*, reviewer_id: int, call_id: int) -> QuerySet[Any]:
    """One narrow row per assignment, with the reviewer's own review joined in."""
    mine = FilteredRelation(
        "proposal__reviews", condition=Q(proposal__reviews__reviewer_id=reviewer_id)
    )
    return (
        models.Assignment.objects.filter(
            cfp_models.in_call("proposal__"), reviewer_id=reviewer_id, proposal__call_id=call_id
        )
        .annotate(mine=mine)
        .values_list(
            "proposal__code",
            "proposal__version",
            "proposal__track__slug",
            "proposal__format__slug",
            "proposal__language",
            "mine__proposal_version",
            "mine__abstained",
        )
    )


# Built by the ORM once per process: the screen loads more than any other page, and building
# this query cost it more than running it.
_PROGRESS_ROWS = prepared.Prepared(
    _progress_rows, model=models.Assignment, ints=("reviewer_id", "call_id")
)


def screen_progress(
    *,
    call_id: int,
    reviewer_id: int,
    phase: Phase,
    after_code: str,
    track: str = "",
    format: str = "",
    language: str = "",
    status: str = "",
    ordering: str = "",
    q: str = "",
    tag: str = "",
) -> Progress:
    """``reviewer_queue``'s counts and ``next_in_queue`` after ``after_code``, for the screen.

    The screen loads more than any other page and needs neither titles nor names: in the
    default order (the reviewer's shuffle) this reads one narrow row per assignment, joins the
    reviewer's own review instead of three subqueries, and filters and orders in Python with
    the same rules as the queue (``order_key`` is ``order_key_column``; tests hold the two
    equal). A chosen ordering (by title, format …) asks the queue itself.
    """
    if ordering or q or tag:
        # A search or a tag (issue 21) needs the queue's own query, like a chosen ordering.
        found = reviewer_queue(
            call_id=call_id,
            reviewer_id=reviewer_id,
            phase=phase,
            track=track,
            format=format,
            language=language,
            status=status,
            ordering=ordering,
            q=q,
            tag=tag,
        )
        return Progress(
            done=found.done,
            total=found.total,
            next_code=next_in_queue(queue=found, after_code=after_code, status=status),
        )
    rows = _PROGRESS_ROWS.rows(reviewer_id=reviewer_id, call_id=call_id)
    salt = _shuffle_salt(reviewer_id)  # ``order_key`` without an HMAC per row
    statuses: list[str] = []
    shown: list[tuple[str, str, str]] = []  # (order key, code, status) under the filters
    for code, version, track_slug, format_slug, lang, r_version, r_abstained in rows:
        state = _status(review_version=r_version, abstained=r_abstained, version=version)
        statuses.append(state)
        if track and track_slug != track:
            continue
        if format and format_slug != format:
            continue
        if language and lang != language:
            continue
        shown.append((_salted_key(salt, code), code, state))
    order = {QueueStatus.TODO: 0, QueueStatus.CHANGED: 1, QueueStatus.ABSTAINED: 2}
    # The queue's order: status first, then the reviewer's shuffle (sorting by key, then stably
    # by status, as ``reviewer_queue`` does, gives the same order).
    shown.sort(key=lambda r: (order.get(r[2], 3), r[0]))
    if status:
        shown = [r for r in shown if r[2] == status]
    finished = (QueueStatus.DONE, QueueStatus.ABSTAINED)
    return Progress(
        done=sum(1 for s in statuses if s in finished),
        total=len(statuses),
        next_code=_next_after(
            [(code, state) for _key, code, state in shown], after_code=after_code, status=status
        ),
    )
