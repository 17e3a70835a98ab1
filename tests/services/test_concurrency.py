"""Concurrent writes on PostgreSQL: the upsert behind "one review per reviewer and proposal"."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models, seed, services

THREADS = 20


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_saves_of_one_review_leave_one_row_and_no_error() -> None:
    result = seed.seed_demo(
        slug="race", proposals=6, reviewers=3, seed=1, now=timezone.now(), aggregate=False
    )
    call_id = cfp_models.Call.objects.get(slug="race").pk
    reviewed = set(
        models.Review.objects.filter(call_id=call_id).values_list("proposal_id", "reviewer_id")
    )
    target = next(
        a
        for a in models.Assignment.objects.filter(proposal__call_id=call_id).order_by("id")
        if (a.proposal_id, a.reviewer_id) not in reviewed
    )
    saved = [{c.slug: 1 + (i + k) % 5 for k, c in enumerate(result.criteria)} for i in range(5)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.score_proposal(
                call_id=call_id,
                proposal_id=target.proposal_id,
                proposal_version=1,
                reviewer_id=target.reviewer_id,
                criteria=result.criteria,
                data=services.ReviewData(scores=saved[i % len(saved)], confidence=3),
                now=timezone.now(),
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    rows = list(
        models.Review.objects.filter(
            proposal_id=target.proposal_id, reviewer_id=target.reviewer_id
        ).values_list("scores", flat=True)
    )
    assert len(rows) == 1
    assert rows[0] in saved
