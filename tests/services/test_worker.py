"""Tasks through Redis to a real Celery worker on PostgreSQL: delivery, crashes, rollbacks.

The worker is a subprocess (see conftest.py); it sees only committed data, hence
``transaction=True`` everywhere. Waits poll the database with a deadline; nothing sleeps a fixed
time and then asserts.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from cfp import models as cfp_models
from cfp import tasks as cfp_tasks
from reviews import models, services
from reviews.services import seed
from tests.services.conftest import VISIBILITY_TIMEOUT, Worker, database_url, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DONE_TIMEOUT = 60.0


def seed_call(slug: str, *, proposals: int = 12, reviewers: int = 3) -> tuple[int, Any]:
    """A demo call with reviews but no snapshot yet: (call id, seed result)."""
    result = seed.seed_demo(
        slug=slug,
        proposals=proposals,
        reviewers=reviewers,
        seed=1,
        now=timezone.now(),
        aggregate=False,
    )
    return cfp_models.Call.objects.get(slug=slug).pk, result


def unreviewed_assignment(call_id: int) -> models.Assignment:
    reviewed = set(
        models.Review.objects.filter(call_id=call_id).values_list("proposal_id", "reviewer_id")
    )
    return next(
        a
        for a in models.Assignment.objects.filter(proposal__call_id=call_id).order_by("id")
        if (a.proposal_id, a.reviewer_id) not in reviewed
    )


def done_runs(call_id: int) -> list[models.AggregationRun]:
    return list(models.AggregationRun.objects.filter(call_id=call_id, state=models.RunState.DONE))


def wait_until_done(call_id: int) -> models.AggregationRun:
    runs: list[models.AggregationRun] = wait_for(
        lambda: done_runs(call_id),
        timeout=DONE_TIMEOUT,
        what=f"a finished aggregation run of call {call_id}",
    )
    assert len(runs) == 1
    return runs[0]


def snapshot(run_id: int) -> dict[int, tuple[int | None, float | None]]:
    """What a chair's ranking shows of a run: each proposal's rank and calibrated score."""
    return {
        proposal_id: (rank, calibrated)
        for proposal_id, rank, calibrated in models.ProposalScore.objects.filter(
            run_id=run_id
        ).values_list("proposal_id", "rank", "calibrated")
    }


def test_a_saved_review_leads_to_a_snapshot_computed_by_the_worker(worker: Worker) -> None:
    call_id, result = seed_call("saved")
    todo = unreviewed_assignment(call_id)

    with transaction.atomic():
        services.score_proposal(
            call_id=call_id,
            proposal_id=todo.proposal_id,
            proposal_version=1,
            reviewer_id=todo.reviewer_id,
            criteria=result.criteria,
            data=services.ReviewData(scores={c.slug: 4 for c in result.criteria}, confidence=3),
            now=timezone.now(),
        )

    run = wait_until_done(call_id)
    live = cfp_models.Proposal.objects.filter(
        call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
    ).count()
    assert models.ProposalScore.objects.filter(run=run).count() == live
    assert run.review_count == models.Review.objects.filter(call_id=call_id).count()
    # The test process never runs tasks itself in this tier: the worker logged this run's id.
    # The worker commits the run before the task returns and logs "succeeded" after, so the
    # line may land a moment after the run shows as done: wait for it, do not read it once.
    assert "reviews.aggregate_call[" in worker.log()
    wait_for(
        lambda: any(
            "succeeded" in line and line.rstrip().endswith(f": {run.pk}")
            for line in worker.log().splitlines()
        ),
        timeout=DONE_TIMEOUT,
        what=f"the worker's log line that run {run.pk} succeeded",
    )


def test_a_worker_killed_mid_run_leaves_one_snapshot_equal_to_a_clean_run(
    worker: Worker,
) -> None:
    """SIGKILL while the worker writes the snapshot; a new worker gets the message again.

    Aggregation is fast (a few thousand proposals take under a second), so the test pins the
    worker mid-run instead of racing it: it holds an exclusive lock on the ProposalScore table,
    which the run needs only in its last step, after it has marked itself running and computed
    everything. "Identical" compares, for every proposal, the rank and the calibrated score
    (exact float equality: same inputs, same seeded sampler) of the recovered run with those of
    a run computed afterwards in this process on the same data.
    """
    call_id, _ = seed_call("killed", proposals=40, reviewers=6)
    url = database_url(connection.settings_dict)
    table = models.ProposalScore._meta.db_table
    broker = redis.Redis.from_url(settings.REDIS_URL)
    with psycopg.connect(url) as blocker:
        blocker.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table))
        )
        with transaction.atomic():
            services.request_aggregation(call_id=call_id, now=timezone.now())

        def waiting_on_the_lock() -> int | None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                    [table],
                )
                row = cursor.fetchone()
            return None if row is None else int(row[0])

        backend = wait_for(
            waiting_on_the_lock, timeout=DONE_TIMEOUT, what="the worker to reach the write step"
        )
        (run,) = models.AggregationRun.objects.filter(call_id=call_id)
        assert run.state == models.RunState.RUNNING

        worker.kill()

        # A dead client's backend lingers in a lock wait until the server notices; a real crash
        # ends the same way once it does. Terminating it now keeps the test deterministic.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
        blocker.rollback()

    run.refresh_from_db()
    assert run.state == models.RunState.RUNNING
    unacked = broker.zrange("unacked_index", 0, -1, withscores=True)
    assert len(unacked) == 1, "the killed worker's message should wait, unacknowledged"
    delivered_at = float(unacked[0][1])
    # A starting worker sweeps once for messages older than the visibility timeout; kombu's next
    # sweep comes ~100 s later (restore interval 10 s x throttle 10), so start it once the
    # message is old enough.
    wait_for(
        lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5,
        timeout=VISIBILITY_TIMEOUT + 5,
        what="the visibility timeout to pass",
    )
    worker.start()

    recovered = wait_until_done(call_id)
    assert recovered.pk == run.pk
    assert list(models.AggregationRun.objects.filter(call_id=call_id).values_list("pk")) == [
        (run.pk,)
    ]
    # A clean run on the same data, requested now and computed in this process.
    models.AggregationRun.objects.create(call_id=call_id, requested_at=timezone.now())
    fresh = services.run_aggregation(call_id=call_id, now=timezone.now())
    assert fresh is not None
    assert fresh != recovered.pk
    expected = snapshot(fresh)
    assert len(expected) == 40
    assert snapshot(recovered.pk) == expected


class Rollback(Exception):
    pass


def request_then_roll_back(call_id: int) -> None:
    with transaction.atomic():
        services.request_aggregation(call_id=call_id, now=timezone.now())
        raise Rollback


def test_a_task_enqueued_in_a_rolled_back_transaction_never_reaches_the_worker(
    worker: Worker,
) -> None:
    rolled_back_id, _ = seed_call("rolled-back", proposals=4, reviewers=2)
    later_id, _ = seed_call("later", proposals=4, reviewers=2)
    log_before = len(worker.log())

    with pytest.raises(Rollback):
        request_then_roll_back(rolled_back_id)
    # The bounded chance: one queue, one worker process, first in first out. Once a task sent
    # afterwards is done, anything sent before it would have been received first.
    with transaction.atomic():
        services.request_aggregation(call_id=later_id, now=timezone.now())
    wait_until_done(later_id)

    assert not models.AggregationRun.objects.filter(call_id=rolled_back_id).exists()
    # Only aggregations count: a finished one asks for its follow-ups (extra reviews,
    # disagreement threads), and the seed's own mail reaches the worker too.
    received = [
        line
        for line in worker.log()[log_before:].splitlines()
        if "] received" in line and "reviews.aggregate_call[" in line
    ]
    assert len(received) == 1, received


def test_aggregation_requested_by_a_web_process_reaches_the_worker(
    worker: Worker, worker_env: dict[str, str]
) -> None:
    """A process that loaded only what a web server loads (WSGI app, URLs) can enqueue by name."""
    call_id, _ = seed_call("web")
    code = (
        "import config.wsgi, config.urls\n"
        "from django.db import transaction\n"
        "from django.utils import timezone\n"
        "from reviews import services\n"
        "with transaction.atomic():\n"
        f"    services.request_aggregation(call_id={call_id}, now=timezone.now())\n"
    )

    web = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=worker_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert web.returncode == 0, web.stderr[-2000:]
    assert wait_until_done(call_id).review_count > 0


@pytest.mark.parametrize("at_once", [False, True], ids=["one_after_another", "at_the_same_time"])
def test_an_outbox_email_delivered_twice_is_sent_once(at_once: bool, mailoutbox: Any) -> None:
    # The row a queue_email call commits; made directly so that no worker races this test.
    row = cfp_models.EmailOutbox.objects.create(
        key="decision:42",
        to="ada@example.org",
        subject="Your proposal",
        body="Good news.",
        created_at=timezone.now(),
    )
    results: list[bool] = []

    def deliver() -> None:
        results.append(cfp_tasks.send_email.apply(args=(row.pk,)).get())

    if at_once:
        barrier = threading.Barrier(2)

        def deliver_in_thread() -> None:
            try:
                barrier.wait(timeout=10)
                deliver()
            finally:
                connection.close()

        threads = [threading.Thread(target=deliver_in_thread) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        deliver()
        deliver()

    assert sorted(results) == [False, True]
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]
    row.refresh_from_db()
    assert row.sent_at is not None
