"""Enqueue Celery tasks by name, after the surrounding transaction commits.

By name, so a service never imports a tasks module (tasks sit above services). After commit,
so a task never runs for a write that was rolled back, and never reads data not yet visible.
``apply_async`` obeys CELERY_TASK_ALWAYS_EAGER: the embedded default runs the task in-process.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def enqueue_on_commit(name: str, *args: Any) -> None:
    def send() -> None:
        current_app.tasks[name].apply_async(args=args)

    transaction.on_commit(send)
