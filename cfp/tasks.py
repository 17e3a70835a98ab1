"""Celery entry points for the cfp app."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cfp import outbox, services


@shared_task(name="cfp.send_email", acks_late=True, reject_on_worker_lost=True)
def send_email(outbox_id: int) -> bool:
    return outbox.send_email(outbox_id=outbox_id, now=timezone.now())


@shared_task(name="cfp.requeue_unsent_email")
def requeue_unsent_email() -> int:
    # Celery beat runs this every minute (CELERY_BEAT_SCHEDULE).
    return outbox.requeue_unsent_email(now=timezone.now())


@shared_task(name="cfp.handle_sign_up", acks_late=True, reject_on_worker_lost=True)
def handle_sign_up(email: str, name: str, verify_url: str, login_url: str) -> str:
    # Out of the request, so that every address gets the same answer in the same time (issue 17).
    return services.handle_sign_up(
        email=email, name=name, verify_url=verify_url, login_url=login_url, now=timezone.now()
    )


@shared_task(name="cfp.handle_password_reset", acks_late=True, reject_on_worker_lost=True)
def handle_password_reset(email: str, verify_url: str, domain: str, use_https: bool) -> int:
    return services.handle_password_reset(
        email=email, verify_url=verify_url, domain=domain, use_https=use_https, now=timezone.now()
    )
