"""Faults in task delivery, against a real Celery worker on PostgreSQL and Redis.

A broker may deliver a message twice (a worker lost before its acknowledgement, a network
split): the same task id arrives again. Each test publishes a task twice under one id and lets
the worker run both: the decision e-mails and the reminder go out once each (counted in the
worker's own output, where the console e-mail backend prints every message it sends), and the
diversity report built twice publishes the same figures.

The worker fixtures are the services tier's (tests/services/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.utils import timezone

from cfp import models as cfp_models
from config.celery import app
from diversity import models as diversity_models
from diversity import queries as diversity_queries
from diversity import services as diversity_services
from reviews import models as review_models
from tests import factories, outbox_helpers

# The worker fixtures come from this directory's conftest: importing them into the module
# would define a second session fixture and start a second worker competing for the queue.
from tests.services.conftest import Worker, drain, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DONE_TIMEOUT = 90.0


def publish_twice(name: str, *args: Any) -> str:
    """The same message delivered twice: one task id, two deliveries."""
    task_id = f"duplicate-{uuid.uuid4()}"
    for _ in range(2):
        app.tasks[name].apply_async(args, task_id=task_id)
    return task_id


def runs(w: Worker, task_id: str) -> int:
    """How many times the worker ran the task with this id (its log says so each time)."""
    return len(re.findall(rf"\[{re.escape(task_id)}\] succeeded", w.log()))


def sent_subjects(w: Worker, prefix: str) -> list[str]:
    """Subjects the worker's console e-mail backend printed, starting with ``prefix``."""
    return re.findall(rf"Subject: ({re.escape(prefix)}[^\r\n]*)", w.log())


def test_a_decision_task_delivered_twice_sends_each_email_once(worker: Worker) -> None:
    w = factories.world()
    speakers = [w.proposal]
    for i in range(2):
        owner = factories.user(f"speaker{i}")
        speakers.append(factories.proposal(w.call, owner, title=f"Talk {i}"))
    for p in speakers:
        review_models.Decision.objects.create(proposal=p, status="accepted", version=1)
    review_models.DecisionTemplate.objects.create(
        call=w.call,
        status="accepted",
        subject=f"Decided {w.call.slug} {{code}}",
        body="Dear {speaker}",
        include_feedback=False,
        updated_at=timezone.now(),
    )

    # The chairs released every draft from the outbox (issue 19: the only way mail leaves).
    outbox_helpers.release_all(call_id=w.call.pk, actor_id=w.users["chair"].pk)
    task_id = publish_twice("reviews.send_decisions", w.call.pk)
    drain(timeout=DONE_TIMEOUT)  # both deliveries ran; the e-mails they queued follow
    wait_for(
        lambda: (
            not cfp_models.EmailOutbox.objects.filter(
                key__startswith="decision:", sent_at__isnull=True
            ).exists()
        ),
        timeout=DONE_TIMEOUT,
        what="the decision e-mails to be sent",
    )
    drain(timeout=DONE_TIMEOUT)

    rows = cfp_models.EmailOutbox.objects.filter(key__startswith="decision:")
    assert runs(worker, task_id) == 2
    assert rows.count() == len(speakers)
    assert sorted(sent_subjects(worker, f"Decided {w.call.slug}")) == sorted(
        f"Decided {w.call.slug} {p.code}" for p in speakers
    )


def test_a_reminder_task_delivered_twice_sends_one_reminder(worker: Worker) -> None:
    w = factories.world()
    review_models.ReviewerSettings.objects.create(
        call=w.call, user=w.users["reviewer"], last_reminded_at=timezone.now()
    )
    cfp_models.Call.objects.filter(pk=w.call.pk).update(name=f"Remindcall {uuid.uuid4().hex[:8]}")
    name = cfp_models.Call.objects.get(pk=w.call.pk).name

    task_id = publish_twice(
        "reviews.send_reminder", w.call.pk, w.users["reviewer"].pk, "http://x/queue/"
    )
    drain(timeout=DONE_TIMEOUT)
    wait_for(
        lambda: (
            not cfp_models.EmailOutbox.objects.filter(
                key__startswith="reviews.reminder:", sent_at__isnull=True
            ).exists()
        ),
        timeout=DONE_TIMEOUT,
        what="the reminder to be sent",
    )
    drain(timeout=DONE_TIMEOUT)

    assert runs(worker, task_id) == 2
    assert cfp_models.EmailOutbox.objects.filter(key__startswith="reviews.reminder:").count() == 1
    assert sent_subjects(worker, f"Reminder: reviews for {name}") == [
        f"Reminder: reviews for {name}"
    ]


def test_a_report_built_twice_publishes_the_same_figures(worker: Worker) -> None:
    w = factories.world()
    now = timezone.now()
    for role in ("submitter", "other_submitter", "reviewer"):
        diversity_services.save_answers(
            user_id=w.users[role].pk,
            answers={"gender": diversity_services.AnswerData(value="woman")},
            consent_version=diversity_models.CONSENT_VERSION,
            now=now,
        )
    # Answers saved within diversity.queries.CHANGE_MARGIN (30 s) of a build count as changed
    # at the next one, which then holds its figures on purpose: these were given an hour ago.
    diversity_models.Answer.objects.update(value_changed_at=now - dt.timedelta(hours=1))
    review_models.Decision.objects.create(proposal=w.proposal, status="accepted", version=1)

    app.tasks["diversity.build_report"].apply_async((w.call.pk,))
    drain(timeout=DONE_TIMEOUT)
    first = published(w.call.pk)
    task_id = publish_twice("diversity.build_report", w.call.pk)
    drain(timeout=DONE_TIMEOUT)
    second = published(w.call.pk)

    assert runs(worker, task_id) == 2
    assert set(first) == {"speakers", "committee"}
    assert first["speakers"]["dimensions"], "there are figures to compare"
    assert second == first


def published(call_id: int) -> dict[str, Any]:
    """The published JSON of each report without the times of the build that wrote it."""
    return {
        kind: {k: v for k, v in figures.items() if k not in {"computed_at", "basis_at"}}
        for kind, figures in diversity_queries.report_figures(call_id=call_id).items()
    }
