"""Recording that a reviewer read the others (reviews or discussion) of a proposal (issue 21).

The first such moment freezes the review's scores as they stood then: the last independent ones.
A later change of the scores is a change made after reading others; aggregation may use the
frozen scores instead (``Call.independent_scores``, docs/scoring-model.md).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from reviews import models


def mark_seen_others(*, proposal_id: int, reviewer_id: int, now: dt.datetime) -> bool:
    """Freeze the reviewer's independent scores the first time they read others (one query).

    Returns whether this was the first time. No review yet: nothing to freeze (the policy lets a
    reviewer read others only after their own review, so this does not happen from the pages).
    """
    return bool(
        models.Review.objects.filter(
            proposal_id=proposal_id, reviewer_id=reviewer_id, seen_others_at__isnull=True
        ).update(
            seen_others_at=now,
            independent_scores=F("scores"),
            independent_score=F("score"),
        )
    )
