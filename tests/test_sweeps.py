"""The periodic sweeps that finish what a lost task left behind (cfp and reviews services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail

from cfp import models as cfp_models
from cfp import services as cfp_services
from common import queue
from reviews import models, services
from reviews.services import decision_emails
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
Sent = list[tuple[str, tuple[Any, ...]]]


def _row(key: str = "test:1", *, created: dt.datetime = T0) -> cfp_models.EmailOutbox:
    return cfp_models.EmailOutbox.objects.create(
        key=key, to="speaker@example.org", subject="Hello", body="Body", created_at=created
    )


@pytest.fixture
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """What gets enqueued, by task name and arguments, instead of being sent to a broker."""
    sent: Sent = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def apply_async(self, *, args: tuple[Any, ...], **_: Any) -> None:
            sent.append((self.name, tuple(args)))

    class Tasks(dict[str, Recorder]):
        def __missing__(self, name: str) -> Recorder:
            return Recorder(name)

    monkeypatch.setattr(queue, "current_app", SimpleNamespace(tasks=Tasks()))
    return sent


@pytest.fixture
def sweep(django_capture_on_commit_callbacks: Any) -> Callable[..., int]:
    """Run a sweep and the enqueueing it asks for once its transaction commits."""

    def run(fn: Callable[..., int], **kwargs: Any) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run


def test_a_refused_email_is_counted_kept_unsent_and_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = _row()

    def refuse(*_: Any, **__: Any) -> None:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.send_mail", refuse)
    assert cfp_services.send_email(outbox_id=row.pk, now=T0) is False

    row.refresh_from_db()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_attempt_at == T0
    assert row.last_error == "ConnectionRefusedError: mail server down"


def test_a_sent_email_records_its_attempt_and_is_never_sent_again() -> None:
    row = _row()

    assert cfp_services.send_email(outbox_id=row.pk, now=T0) is True
    assert cfp_services.send_email(outbox_id=row.pk, now=T0) is False

    row.refresh_from_db()
    assert (row.sent_at, row.attempts, row.last_error) == (T0, 1, "")
    assert len(mail.outbox) == 1


def test_the_sweep_requeues_unsent_email_once_its_first_task_had_time(
    sent_tasks: Sent, sweep: Callable[..., int]
) -> None:
    old = _row("test:old", created=T0 - dt.timedelta(minutes=5))
    _row("test:new", created=T0 - dt.timedelta(seconds=10))  # its own task may still be coming
    sent = _row("test:sent", created=T0 - dt.timedelta(minutes=5))
    sent.sent_at = T0 - dt.timedelta(minutes=4)
    sent.save()

    assert sweep(cfp_services.requeue_unsent_email, now=T0) == 1
    assert sent_tasks == [("cfp.send_email", (old.pk,))]


def test_the_sweep_waits_longer_after_each_failure_and_gives_up_for_an_operator(
    sent_tasks: Sent, sweep: Callable[..., int]
) -> None:
    row = _row(created=T0 - dt.timedelta(hours=1))
    row.attempts = 3
    row.last_attempt_at = T0 - dt.timedelta(minutes=7)  # the pause after a third failure is 8 min
    row.save()

    assert sweep(cfp_services.requeue_unsent_email, now=T0) == 0
    assert sweep(cfp_services.requeue_unsent_email, now=T0 + dt.timedelta(minutes=1)) == 1

    row.attempts = cfp_services.MAX_ATTEMPTS
    row.save()
    assert sweep(cfp_services.requeue_unsent_email, now=T0 + dt.timedelta(days=30)) == 0
    assert sent_tasks == [("cfp.send_email", (row.pk,))]


def test_the_sweep_wakes_aggregation_only_for_runs_left_waiting_too_long(
    sent_tasks: Sent, sweep: Callable[..., int], settings: Any
) -> None:
    settings.AGGREGATION_COALESCE_SECONDS = 10
    stuck = factories.call("stuck")
    fresh = factories.call("fresh")
    done = factories.call("done")
    models.AggregationRun.objects.create(call=stuck, requested_at=T0 - dt.timedelta(minutes=2))
    models.AggregationRun.objects.create(call=fresh, requested_at=T0 - dt.timedelta(seconds=20))
    models.AggregationRun.objects.create(
        call=done,
        requested_at=T0 - dt.timedelta(hours=1),
        state=models.RunState.DONE,
        finished_at=T0 - dt.timedelta(minutes=59),
    )

    assert sweep(services.wake_waiting_aggregations, now=T0) == 1
    assert sent_tasks == [("reviews.aggregate_call", (stuck.pk,))]


def test_the_sweep_asks_again_for_decisions_released_whose_send_task_was_lost(
    sent_tasks: Sent, sweep: Callable[..., int]
) -> None:
    lost, fresh, sent = (factories.call(slug) for slug in ("lost", "fresh", "sent"))
    for c, released_at, outbox_id in (
        (lost, T0 - dt.timedelta(minutes=5), None),
        (fresh, T0 - dt.timedelta(seconds=10), None),
        (sent, T0 - dt.timedelta(minutes=5), 7),
    ):
        p = factories.proposal(c, factories.user(f"{c.slug}-speaker"))
        models.DecisionDraft.objects.create(
            call=c,
            proposal=p,
            status="accepted",
            key=f"decision:{p.code}:accepted:{c.slug}@example.org",
            to=f"{c.slug}@example.org",
            subject="Accepted",
            body="Yes",
            state=models.DraftState.QUEUED,
            outbox_id=outbox_id,
            created_at=released_at,
            updated_at=released_at,
        )

    assert sweep(decision_emails.wake_released_decisions, now=T0) == 1
    assert sent_tasks == [("reviews.send_decisions", (lost.pk,))]


def test_beat_runs_the_sweeps_every_minute_and_the_tasks_exist(settings: Any) -> None:
    from config.celery import app

    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {task for task, every in schedule.items() if every == 60.0} == {
        "cfp.requeue_unsent_email",
        "reviews.wake_waiting_aggregations",
        "reviews.wake_released_decisions",
    }
    app.loader.import_default_modules()
    assert set(schedule) <= set(app.tasks)
