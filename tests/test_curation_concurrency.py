"""Two chairs at once: the last slot is filled once and no decision is silently overwritten.

The threaded tests need PostgreSQL (``select_for_update`` is a no-op on SQLite); the default
tier runs the same steps one after the other.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.services import curation
from tests import curation_world

THREADS = 8


def _decide(
    w: curation_world.Curation, p: cfp_models.Proposal, status: str, *, seen: int = 0
) -> str:
    try:
        curation.decide(
            call_id=w.call.pk,
            code=p.code,
            to_status=status,
            seen_version=seen,
            reason="",
            note="",
            actor_id=w.chair.pk,
            now=timezone.now(),
        )
    except curation.DecisionConflict:
        return "conflict"
    except curation.UnableToDecide as exc:
        return f"refused: {exc}"
    return "saved"


def _race(
    jobs: list[Callable[[], str]], *, before_start: Callable[[], None] | None = None
) -> list[str]:
    barrier = threading.Barrier(len(jobs))
    results: list[str] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(job())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    if before_start is not None:
        before_start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return results


def _waiting_on_a_lock(count: int, timeout: float = 20.0) -> None:
    """Poll PostgreSQL until ``count`` other sessions wait on a row lock."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            row = cursor.fetchone()
            if row is not None and row[0] >= count:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"{count} sessions never waited on the format's row lock")
            threading.Event().wait(0.05)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_sessions_accepting_into_the_last_slot_wait_for_each_other_and_fill_it_once() -> None:
    w = curation_world.curation(3, slots=1)
    fmt = w.proposals[0].format_id
    # Hold the format's row lock so both sessions are provably inside ``decide`` at once, then
    # let them go: without the lock in ``decide`` they would not wait, and both would count 0.
    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                cfp_models.Format.objects.select_for_update().filter(pk=fmt).exists()
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holding = threading.Thread(target=holder)
    holding.start()
    held.wait(timeout=30)

    def let_go() -> None:
        _waiting_on_a_lock(2)
        release.set()

    results = _race(
        [
            lambda: _decide(w, w.proposals[0], "accepted"),
            lambda: _decide(w, w.proposals[1], "accepted"),
        ],
        before_start=let_go,
    )
    holding.join(timeout=30)

    assert sorted(r.split(":")[0] for r in results) == ["refused", "saved"]
    assert models.Decision.objects.filter(status="accepted").count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_many_sessions_accepting_at_once_never_overfill_a_format() -> None:
    w = curation_world.curation(THREADS, slots=3)

    results = _race([functools.partial(_decide, w, p, "accepted") for p in w.proposals])

    assert results.count("saved") == 3
    assert models.Decision.objects.filter(status="accepted").count() == 3


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_many_sessions_changing_one_decision_from_the_same_version_land_once() -> None:
    w = curation_world.curation(1)
    p = w.proposals[0]
    statuses = ["waitlisted", "rejected"] * (THREADS // 2)

    results = _race([functools.partial(_decide, w, p, s) for s in statuses])

    assert results.count("saved") == 1
    assert results.count("conflict") == THREADS - 1
    assert models.Decision.objects.get(proposal=p).version == 1
    assert models.DecisionChange.objects.filter(proposal=p).count() == 1


# --- the same steps, one after the other (default tier, SQLite) -----------------------------


@pytest.mark.django_db
def test_sequential_acceptances_into_the_last_slot_fill_it_once() -> None:
    w = curation_world.curation(2, slots=1)

    first = _decide(w, w.proposals[0], "accepted")
    second = _decide(w, w.proposals[1], "accepted")

    assert (first, second.split(":")[0]) == ("saved", "refused")
    assert models.Decision.objects.filter(status="accepted").count() == 1


@pytest.mark.django_db
def test_sequential_changes_from_the_same_version_land_once() -> None:
    w = curation_world.curation(1)
    p = w.proposals[0]

    results = [_decide(w, p, s) for s in ("waitlisted", "rejected", "accepted")]

    assert results == ["saved", "conflict", "conflict"]
    assert models.Decision.objects.get(proposal=p).status == "waitlisted"
