"""Celery entry points: a call id in, one service call, nothing else. Safe to run twice.

Payloads carry ids only: never a person, never an answer.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from diversity.services import reports


@shared_task(name="diversity.build_report", acks_late=True, reject_on_worker_lost=True)
def build_report(call_id: int) -> bool:
    outcome = reports.build_report(call_id=call_id, now=timezone.now())
    return outcome is not None and outcome.built
