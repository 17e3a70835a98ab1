"""The Celery application. Tasks are found in each app's ``tasks`` module."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("talkreview")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The language of the request that queued a task (common.queue's ``language`` header) is active
# while the task runs, and the worker's own afterwards (issue 24).
_previous_language: dict[str, str | None] = {}


def _queued_language(task: Any) -> str:
    request = task.request
    code = getattr(request, "language", None) or (getattr(request, "headers", None) or {}).get(
        "language"
    )
    return str(code or "")


@task_prerun.connect
def _activate_queued_language(task_id: str = "", task: Any = None, **_: Any) -> None:
    from django.conf import settings
    from django.utils import translation

    code = _queued_language(task) if task is not None else ""
    if code not in {c for c, _name in settings.LANGUAGES}:
        return
    _previous_language[task_id] = translation.get_language()
    translation.activate(code)


@task_postrun.connect
def _restore_language(task_id: str = "", **_: Any) -> None:
    from django.utils import translation

    if task_id not in _previous_language:
        return
    previous = _previous_language.pop(task_id)
    if previous:
        translation.activate(previous)
    else:
        translation.deactivate()
