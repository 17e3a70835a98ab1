"""Recording reviews: the one write path of a ``Review`` row.

The scoring screen (``score_proposal``), ``import_reviews`` and the demo seed all end in
:func:`record_reviews`, so a review is stored the same way whoever brings it: one row per
reviewer and proposal, the weighted score computed by ``reviews.domain.scoring``, no confidence,
scores or reason where they do not apply. The write is one ``INSERT … ON CONFLICT DO UPDATE``
(in batches for big loads): a double click, a retry or a re-import leaves one row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from reviews import models
from reviews.domain import scoring
from reviews.services import aggregation

BATCH_SIZE = 2000
# Columns a later recording of the same (proposal, reviewer) replaces; created_at stays.
UPDATED_FIELDS = (
    "scores",
    "score",
    "confidence",
    "comment",
    "feedback",
    "abstained",
    "abstain_reason",
    "proposal_version",
    "updated_at",
)


class UnableToScore(Exception):
    """The review cannot be saved; the message says why, for the reviewer."""


@dataclass(frozen=True, slots=True)
class ReviewData:
    scores: Mapping[str, int]
    confidence: int | None = None
    comment: str = ""
    feedback: str = ""
    abstained: bool = False
    abstain_reason: str = ""


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """One review to record: whose, of which proposal at which version, what, and when."""

    proposal_id: int
    reviewer_id: int
    proposal_version: int
    data: ReviewData
    at: dt.datetime


def _problem_message(problem: scoring.ScoreProblem, criteria: Sequence[scoring.Criterion]) -> str:
    if problem.kind != "range":
        return _("Give a score for every criterion, or abstain.")
    c = next(c for c in criteria if c.slug == problem.criterion)
    return _("%(name)s must be between %(lo)s and %(hi)s.") % {
        "name": c.slug,
        "lo": int(c.minimum),
        "hi": int(c.maximum),
    }


def _row(
    *, call_id: int, entry: ReviewEntry, criteria: Sequence[scoring.Criterion]
) -> models.Review:
    data = entry.data
    score = None
    if not data.abstained:
        problem = scoring.score_problem(scores=data.scores, criteria=criteria)
        if problem is not None:
            raise UnableToScore(_problem_message(problem, criteria))
        score = scoring.review_score(
            scores={k: float(v) for k, v in data.scores.items()}, criteria=criteria
        )
    return models.Review(
        call_id=call_id,
        proposal_id=entry.proposal_id,
        reviewer_id=entry.reviewer_id,
        scores={} if data.abstained else {k: int(v) for k, v in data.scores.items()},
        score=score,
        confidence=None if data.abstained else data.confidence,
        comment=data.comment,
        feedback=data.feedback,
        abstained=data.abstained,
        abstain_reason=data.abstain_reason if data.abstained else "",
        proposal_version=entry.proposal_version,
        created_at=entry.at,
        updated_at=entry.at,
    )


def record_reviews(
    *,
    call_id: int,
    entries: Sequence[ReviewEntry],
    criteria: Sequence[scoring.Criterion],
    keep_feedback: bool = False,
) -> tuple[float | None, ...]:
    """Insert or replace each entry's review; returns the weighted scores, in entry order.

    Raises ``UnableToScore`` (and writes nothing) when a review that is not an abstention lacks
    a criterion, has an unknown one, or a score off its scale. ``keep_feedback`` leaves the
    feedback already stored for the speaker as it is (the importer brings none).
    """
    rows = [_row(call_id=call_id, entry=e, criteria=criteria) for e in entries]
    fields = [f for f in UPDATED_FIELDS if not (keep_feedback and f == "feedback")]
    models.Review.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["proposal", "reviewer"],
        update_fields=fields,
        batch_size=BATCH_SIZE,
    )
    return tuple(r.score for r in rows)


@transaction.atomic
def score_proposal(
    *,
    call_id: int,
    proposal_id: int,
    proposal_version: int,
    reviewer_id: int,
    criteria: tuple[scoring.Criterion, ...],
    data: ReviewData,
    now: dt.datetime,
) -> None:
    """The reviewer's save: record the one review of (reviewer, proposal), ask for a snapshot."""
    record_reviews(
        call_id=call_id,
        entries=[
            ReviewEntry(
                proposal_id=proposal_id,
                reviewer_id=reviewer_id,
                proposal_version=proposal_version,
                data=data,
                at=now,
            )
        ],
        criteria=criteria,
    )
    aggregation.request_aggregation(call_id=call_id, now=now)
