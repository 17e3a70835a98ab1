"""Enqueue Celery tasks by name, after the surrounding transaction commits.

By name, so a service never imports a tasks module (tasks sit above services). After commit,
so a task never runs for a write that was rolled back, and never reads data not yet visible.
``apply_async`` obeys CELERY_TASK_ALWAYS_EAGER: the embedded default runs the task in-process,
at once, whatever the delay. Every task carries the interface language of the request that queued
it (the ``language`` header; config.celery activates it in the worker), so what a task writes for
that person, a sign-up's confirmation e-mail, speaks their language (issue 24).
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation


def enqueue_on_commit(name: str, *args: Any, coalesce_seconds: float = 0) -> None:
    """Send the task once the transaction commits.

    With ``coalesce_seconds``, a burst of identical requests wakes one worker: the first is sent
    to run after that delay and the others within the window are dropped, so the task must
    pick up all waiting work when it runs (aggregation claims every pending run).
    """

    headers = {"language": translation.get_language() or settings.LANGUAGE_CODE}

    def send() -> None:
        task = current_app.tasks[name]
        if coalesce_seconds <= 0:
            task.apply_async(args=args, headers=headers)
            return
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            key = f"enqueue-coalesce:{name}:" + ":".join(map(str, args))
            if not cache.add(key, 1, timeout=coalesce_seconds):
                return  # a task for the same work is already on its way
        task.apply_async(args=args, countdown=coalesce_seconds, headers=headers)

    transaction.on_commit(send)
