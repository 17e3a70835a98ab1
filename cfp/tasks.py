"""Celery entry points for the cfp app."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cfp import outbox


@shared_task(name="cfp.send_email", acks_late=True, reject_on_worker_lost=True)
def send_email(outbox_id: int) -> bool:
    return outbox.send_email(outbox_id=outbox_id, now=timezone.now())


@shared_task(name="cfp.requeue_unsent_email")
def requeue_unsent_email() -> int:
    # Celery beat runs this every minute (CELERY_BEAT_SCHEDULE).
    return outbox.requeue_unsent_email(now=timezone.now())
