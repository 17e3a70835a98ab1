"""Celery entry points: ids in, one service call, nothing else. Safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from reviews.services import (
    aggregation,
    assignment,
    bids,
    decision_emails,
    discussion,
    reminders,
    review_plan,
)


@shared_task(name="reviews.aggregate_call", acks_late=True, reject_on_worker_lost=True)
def aggregate_call(call_id: int) -> int | None:
    return aggregation.run_aggregation(call_id=call_id, now=timezone.now())


@shared_task(name="reviews.send_decisions", acks_late=True, reject_on_worker_lost=True)
def send_decisions(call_id: int) -> int:
    return decision_emails.send_decisions(call_id=call_id, now=timezone.now()).queued


@shared_task(name="reviews.send_reminder", acks_late=True, reject_on_worker_lost=True)
def send_reminder(call_id: int, reviewer_id: int, queue_url: str) -> bool:
    # The queue's address comes from the chair's request: a worker does not know the site's host.
    return reminders.send_reminder(
        call_id=call_id, reviewer_id=reviewer_id, queue_url=queue_url, now=timezone.now()
    )


@shared_task(name="reviews.reviewer_joined", acks_late=True, reject_on_worker_lost=True)
def reviewer_joined(call_id: int, reviewer_id: int) -> int | None:
    # Incremental: a second run keeps every pair, so a redelivered task changes nothing.
    outcome = assignment.reviewer_joined(
        call_id=call_id, reviewer_id=reviewer_id, now=timezone.now()
    )
    return None if outcome is None else outcome.created


@shared_task(name="reviews.request_extra_reviews", acks_late=True, reject_on_worker_lost=True)
def request_extra_reviews(call_id: int) -> int:
    # After each aggregation (issue 22); a second run asks for nothing new.
    return review_plan.request_extra_reviews(call_id=call_id, now=timezone.now()).created


@shared_task(name="reviews.refill_after_conflict", acks_late=True, reject_on_worker_lost=True)
def refill_after_conflict(call_id: int, proposal_id: int, reviewer_id: int) -> int:
    # Incremental: a redelivered task finds the seat filled and creates nothing.
    return bids.refill_after_conflict(
        call_id=call_id, proposal_id=proposal_id, reviewer_id=reviewer_id, now=timezone.now()
    )


@shared_task(name="reviews.wake_released_decisions")
def wake_released_decisions() -> int:
    # Celery beat runs this every minute (CELERY_BEAT_SCHEDULE): a lost send task is asked again.
    return decision_emails.wake_released_decisions(now=timezone.now())


@shared_task(name="reviews.wake_waiting_aggregations")
def wake_waiting_aggregations() -> int:
    # Celery beat runs this every minute (CELERY_BEAT_SCHEDULE).
    return aggregation.wake_waiting_aggregations(now=timezone.now())


@shared_task(name="reviews.open_disagreement_threads", acks_late=True, reject_on_worker_lost=True)
def open_disagreement_threads(call_id: int) -> int:
    # After each aggregation (issue 21); a thread already open is left as it is.
    return discussion.open_disagreement_threads(call_id=call_id, now=timezone.now())


@shared_task(name="reviews.send_discussion_digests", acks_late=True, reject_on_worker_lost=True)
def send_discussion_digests() -> int:
    # Celery beat runs this daily (CELERY_BEAT_SCHEDULE); one digest a person, call and day.
    return discussion.send_discussion_digests(now=timezone.now(), site=settings.SITE_URL)
