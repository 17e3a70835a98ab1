"""Broker restarts, against a real Celery worker on PostgreSQL and a private Redis.

Each test starts its own ``redis-server`` on a free loopback port, never the shared one (a restart
there would pull the broker from under every other test using it), and points a worker
subprocess and this process's Celery app at it. Work is queued while the worker is stopped or
busy, then the server is restarted the way an operator or a host reboot does it: SIGTERM, then a
new server on the same port with the same data directory.

Two kinds of broker:

- With an append-only file and no RDB snapshots (``--appendonly yes --save ""``, the default
  ``appendfsync everysec``): the configuration a production broker should run, because SIGTERM
  makes Redis write the file out before it exits, so every queued message comes back with the
  server. So do the messages a worker had taken but not acknowledged (kombu's ``unacked`` hash):
  they are handed out again once older than the visibility timeout, which makes a restart under
  a busy worker a duplicate delivery. Promised: the work is done once, with the same snapshot as
  a clean run and each decision e-mail sent once.
- Without any persistence (``--appendonly no --save ""``): the restart empties the queue. Not
  promised: that lost work resumes by itself; nothing in the product sweeps for it. Promised: what
  was asked for is still in PostgreSQL (a pending AggregationRun, unsent EmailOutbox rows), and
  the recovery docs/operations.md gives completes it, once, from there.

The cache (coalescing keys, progress messages) of this process stays on REDIS_URL's database,
which the tier clears around each test; the worker's cache is on the private server, as a
production worker's would be on its one Redis.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from cfp import models as cfp_models
from config.celery import app
from diversity import models as diversity_models
from diversity import queries as diversity_queries
from diversity import services as diversity_services
from reviews import models, services
from reviews.domain import scoring
from reviews.queries import decision_emails as email_queries
from reviews.services import decision_emails, seed

# The worker fixtures come from this directory's conftest: importing them into the module would
# define a second session fixture. The Worker class is only a process handle.
from tests import outbox_helpers
from tests.services.conftest import VISIBILITY_TIMEOUT, Worker, database_url, drain, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = shutil.which("redis-server")
CI = os.environ.get("CI", "").lower() == "true"
SERVER_TIMEOUT = 15.0
DONE_TIMEOUT = 60.0
QUEUE = "celery"

# docs/operations.md gives this line to operators whose broker lost its data; the test runs it as
# written, and fails if the page no longer shows it.
REQUEUE_UNSENT = (
    "from cfp import models, tasks; "
    "[tasks.send_email.delay(pk) for pk in "
    "models.EmailOutbox.objects.filter(sent_at__isnull=True).values_list('pk', flat=True)]"
)

# Worker log records that mean a task failed or a message was dropped. Losing and regaining the
# broker is logged too ("Connection to broker lost", "Cannot connect", "Restoring N
# unacknowledged message(s)"): that is the fault under test and its handling, not lost work; the
# assertions on the database say whether anything was lost.
LOST_WORK = re.compile(
    r"ERROR/ForkPoolWorker|CRITICAL/|raised unexpected|Task handler raised error|WorkerLostError"
    r"|Couldn't ack|Received unregistered|Discarding|Unrecoverable error"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One private ``redis-server`` process at a time, on one port and one data directory."""

    def __init__(self, *, directory: Path, persistent: bool) -> None:
        assert REDIS_SERVER is not None
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, socket_connect_timeout=2, socket_timeout=5
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        assert REDIS_SERVER is not None
        assert not self.alive
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
                "--logfile",
                str(self.log_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._ready, timeout=SERVER_TIMEOUT, what=f"redis-server on port {self.port}")

    def _ready(self) -> bool:
        if not self.alive:
            pytest.fail(f"redis-server exited during start-up:\n{self.log()[-2000:]}")
        with contextlib.suppress(redis.RedisError):
            return bool(self.client().ping())
        return False

    def stop(self) -> None:
        """SIGTERM: Redis writes its append-only file out (when it has one) and exits."""
        assert self.process is not None
        assert self.alive
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=SERVER_TIMEOUT) == 0, self.log()[-2000:]

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        if self.process is not None and self.alive:
            self.process.kill()
            self.process.wait(timeout=SERVER_TIMEOUT)

    def delivered_at(self) -> list[float]:
        """When each message a worker holds unacknowledged was handed to it (epoch seconds)."""
        entries = cast(
            "list[tuple[bytes, float]]",
            self.client().zrange("unacked_index", 0, -1, withscores=True),
        )
        return [float(score) for _, score in entries]

    def waiting(self) -> int:
        """Messages in the queue plus those a worker took and has not acknowledged."""
        c = self.client()
        return int(c.llen(QUEUE)) + int(c.hlen("unacked"))


@pytest.fixture
def start_broker(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Start a private Redis; every one started is killed at the end, whatever happened."""
    if REDIS_SERVER is None:
        message = "services tier unavailable: redis-server is not installed"
        if CI:
            pytest.fail(f"{message} (CI=true refuses to skip it)", pytrace=False)
        pytest.skip(message)
    servers: list[RedisServer] = []

    def start(*, persistent: bool) -> RedisServer:
        server = RedisServer(directory=tmp_path / f"redis-{len(servers)}", persistent=persistent)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.kill()


@pytest.fixture
def start_worker(
    start_broker: Callable[..., RedisServer], worker_env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[[RedisServer], Worker]]:
    """A worker handle on a private broker, stopped before any broker goes (hence the
    dependency on ``start_broker``, whose teardown runs after this one's)."""
    workers: list[Worker] = []

    def make(broker: RedisServer) -> Worker:
        log_dir = tmp_path / f"celery-{len(workers)}"
        log_dir.mkdir()
        handle = Worker(env=dict(worker_env, REDIS_URL=broker.url), log_dir=log_dir)
        workers.append(handle)
        return handle

    yield make
    for handle in workers:
        handle.stop()


@pytest.fixture
def publish_to(monkeypatch: pytest.MonkeyPatch) -> Callable[[RedisServer], None]:
    """Send this process's tasks to the given broker until the test ends."""

    def use(broker: RedisServer) -> None:
        monkeypatch.setattr(app.conf, "broker_url", broker.url)
        # The app keeps its connection and producer pools; without them the next publish connects
        # to the new URL. monkeypatch puts the shared broker's pools back afterwards.
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    return use


# --- the call and the work queued for it ----------------------------------------------------


def decided_call(slug: str) -> int:
    """A demo call with reviews, no snapshot yet, decisions and a template for each outcome."""
    seed.seed_demo(
        slug=slug, proposals=12, reviewers=4, seed=1, now=timezone.now(), aggregate=False
    )
    call_id = cfp_models.Call.objects.get(slug=slug).pk
    for status in ("accepted", "waitlisted", "rejected"):
        models.DecisionTemplate.objects.create(
            call_id=call_id,
            status=status,
            subject=f"{slug} {status} {{code}}",
            body="Dear {speaker}",
            include_feedback=False,
            updated_at=timezone.now(),
        )
    return call_id


def expected_subjects(call_id: int, slug: str) -> list[str]:
    """One decision e-mail per speaker of each decided proposal."""
    subjects = sorted(
        f"{slug} {item.status} {item.code}"
        for item in email_queries.outcomes(call_id=call_id)
        for _ in item.speakers
    )
    assert len(subjects) >= 5, "there are e-mails to lose or duplicate"
    return subjects


def save_a_review(call_id: int) -> None:
    """A reviewer's save: it leaves a run waiting and sends a coalesced (10 s) wake-up."""
    reviewed = set(
        models.Review.objects.filter(call_id=call_id).values_list("proposal_id", "reviewer_id")
    )
    todo = next(
        a
        for a in models.Assignment.objects.filter(proposal__call_id=call_id).order_by("id")
        if (a.proposal_id, a.reviewer_id) not in reviewed
    )
    criteria = tuple(
        scoring.Criterion(
            slug=c.slug, weight=c.weight, minimum=float(c.minimum), maximum=float(c.maximum)
        )
        for c in cfp_models.Criterion.objects.filter(call_id=call_id)
    )
    with transaction.atomic():
        services.score_proposal(
            call_id=call_id,
            proposal_id=todo.proposal_id,
            proposal_version=1,
            reviewer_id=todo.reviewer_id,
            criteria=criteria,
            data=services.ReviewData(scores={c.slug: 4 for c in criteria}, confidence=3),
            now=timezone.now(),
        )


def ask_for_decision_emails(call_id: int, slug: str, *, release: bool = True) -> None:
    """The chair's group sends in the outbox: every draft released (unless done already), one
    send task asked for."""
    chair = get_user_model().objects.get(username=f"{slug}-chair")
    if release:
        outbox_helpers.release_all(call_id=call_id, actor_id=chair.pk)
    decision_emails.request_decision_emails(call_id=call_id, actor_id=chair.pk, now=timezone.now())


def ask_for_report(call_id: int) -> None:
    """The chair's "rebuild" button on the diversity report."""
    diversity_services.request_build(call_id=call_id, now=timezone.now())


# --- what the worker did --------------------------------------------------------------------


def decision_rows() -> Any:
    return cfp_models.EmailOutbox.objects.filter(key__startswith="decision:")


def all_done(call_id: int, emails: int, *, report: bool) -> bool:
    failed = models.AggregationRun.objects.filter(call_id=call_id, state=models.RunState.FAILED)
    if failed.exists():
        pytest.fail(f"the aggregation failed: {failed.values_list('error', flat=True)[0]}")
    return (
        models.AggregationRun.objects.filter(call_id=call_id, state=models.RunState.DONE).exists()
        and decision_rows().filter(sent_at__isnull=False).count() >= emails
        and (not report or len(diversity_queries.report_figures(call_id=call_id)) == 2)
    )


def sent_subjects(w: Worker, slug: str) -> list[str]:
    """Subjects the worker's console e-mail backend printed for this call, in every log the
    worker handle wrote (a restarted worker writes a new one)."""
    logs = "".join(p.read_text(errors="replace") for p in sorted(w.log_dir.glob("worker-*.log")))
    return sorted(re.findall(rf"Subject: ({re.escape(slug)} [^\r\n]*)", logs))


def lost_work(w: Worker) -> list[str]:
    return [line for line in w.log().splitlines() if LOST_WORK.search(line)]


def snapshot(run_id: int) -> dict[int, tuple[int | None, float | None]]:
    """What a chair's ranking shows of a run: each proposal's rank and calibrated score."""
    return {
        proposal_id: (rank, calibrated)
        for proposal_id, rank, calibrated in models.ProposalScore.objects.filter(
            run_id=run_id
        ).values_list("proposal_id", "rank", "calibrated")
    }


def the_one_run(call_id: int) -> models.AggregationRun:
    runs = list(models.AggregationRun.objects.filter(call_id=call_id))
    assert [r.state for r in runs] == [models.RunState.DONE], runs
    return runs[0]


def clean_run(call_id: int) -> dict[int, tuple[int | None, float | None]]:
    """A run on the same data, requested now and computed in this process."""
    models.AggregationRun.objects.create(call_id=call_id, requested_at=timezone.now())
    fresh = services.run_aggregation(call_id=call_id, now=timezone.now())
    assert fresh is not None
    expected = snapshot(fresh)
    assert len(expected) == 12
    return expected


def succeeded(w: Worker, name: str) -> int:
    """How many deliveries of the task called ``name`` this worker ran to the end."""
    return len(re.findall(rf"Task {re.escape(name)}\[[^\]]+\] succeeded", w.log()))


def report_published(call_id: int) -> bool:
    """Both reports published from a build that succeeded (none held back, no error)."""
    figures = diversity_queries.report_figures(call_id=call_id)
    return (
        set(figures) == {"speakers", "committee"}
        and not any(f["held"] for f in figures.values())
        and not diversity_models.ReportSettings.objects.filter(call_id=call_id)
        .exclude(error="")
        .exists()
    )


def everything_done_once(
    w: Worker, call_id: int, slug: str, subjects: list[str]
) -> models.AggregationRun:
    """Wait for the snapshot, the e-mails and the report; check each was done once and the
    worker lost nothing. Returns the one aggregation run."""
    wait_for(
        lambda: all_done(call_id, len(subjects), report=True),
        timeout=DONE_TIMEOUT,
        what="the snapshot, the e-mails and the report",
    )
    drain(timeout=DONE_TIMEOUT)
    run = the_one_run(call_id)
    assert decision_rows().count() == len(subjects)
    assert sent_subjects(w, slug) == subjects
    assert lost_work(w) == []
    assert report_published(call_id)
    return run


def lose_the_queue(
    broker: RedisServer,
    start_worker: Callable[[RedisServer], Worker],
    publish_to: Callable[[RedisServer], None],
    slug: str,
) -> tuple[Worker, int, list[str], models.AggregationRun]:
    """A review save and the decision e-mails queued on a broker without persistence, which
    then restarts empty; the worker drains what is left. Returns the worker, the call, the
    e-mail subjects expected and the aggregation run left waiting."""
    publish_to(broker)
    worker = start_worker(broker)
    call_id = decided_call(slug)
    subjects = expected_subjects(call_id, slug)
    seeded = broker.waiting()  # the demo's own mail (its mentor matches), queued by the seed
    save_a_review(call_id)
    # What the decision task does on a worker: outbox rows, and a message per e-mail.
    chair = get_user_model().objects.get(username=f"{slug}-chair")
    outbox_helpers.release_all(call_id=call_id, actor_id=chair.pk)
    queued = decision_emails.send_decisions(call_id=call_id, now=timezone.now()).queued
    assert queued == len(subjects)
    assert broker.waiting() == seeded + 1 + queued
    broker.restart()
    assert broker.waiting() == 0, "a broker without persistence should come back empty"
    worker.start()
    drain(timeout=DONE_TIMEOUT)
    (run,) = models.AggregationRun.objects.filter(call_id=call_id)
    assert run.state == models.RunState.PENDING
    assert decision_rows().filter(sent_at__isnull=True).count() == len(subjects)
    return worker, call_id, subjects, run


# --- the tests ------------------------------------------------------------------------------


def test_work_queued_while_the_worker_is_stopped_survives_a_broker_restart(
    start_broker: Callable[..., RedisServer],
    start_worker: Callable[[RedisServer], Worker],
    publish_to: Callable[[RedisServer], None],
) -> None:
    broker = start_broker(persistent=True)
    publish_to(broker)
    worker = start_worker(broker)
    call_id = decided_call("stopped")
    subjects = expected_subjects(call_id, "stopped")
    seeded = broker.waiting()  # the demo's own mail (its mentor matches), queued by the seed

    save_a_review(call_id)
    ask_for_decision_emails(call_id, "stopped")
    ask_for_report(call_id)
    assert broker.waiting() == seeded + 3
    broker.restart()
    assert broker.waiting() == seeded + 3, "the append-only file should bring the queue back"
    worker.start()

    run = everything_done_once(worker, call_id, "stopped", subjects)
    # Each message came back once: nothing lost, nothing doubled.
    assert [
        succeeded(worker, name)
        for name in ("reviews.aggregate_call", "reviews.send_decisions", "diversity.build_report")
    ] == [1, 1, 1]
    assert snapshot(run.pk) == clean_run(call_id)


def test_a_broker_restart_under_a_busy_worker_redelivers_and_sends_nothing_twice(
    start_broker: Callable[..., RedisServer],
    start_worker: Callable[[RedisServer], Worker],
    publish_to: Callable[[RedisServer], None],
) -> None:
    """The worker is inside the decision task, its message taken and not acknowledged, with the
    review save's wake-up and the report build queued behind it, when the broker restarts.

    The decision task waits for the call's row lock, which the test holds (FOR NO KEY UPDATE: the
    test's own writes only reference the call and still go through). The broker goes down once
    the task's message is older than the visibility timeout, so the worker's sweep on
    reconnecting hands it out again while its first delivery still runs, and both run, one after
    the other. With the production timeout of an hour the second delivery comes that much later
    and does the same: nothing.
    """
    broker = start_broker(persistent=True)
    publish_to(broker)
    worker = start_worker(broker)
    worker.start()
    call_id = decided_call("busy")
    subjects = expected_subjects(call_id, "busy")
    url = database_url(connection.settings_dict)
    table = cfp_models.Call._meta.db_table
    # Released before the test takes the call's lock (generating drafts takes it too).
    chair = get_user_model().objects.get(username="busy-chair")
    outbox_helpers.release_all(call_id=call_id, actor_id=chair.pk)

    with psycopg.connect(url) as blocker:
        # Should this test hang (say, behind another session's TRUNCATE queued after this lock),
        # the server ends the blocker instead of leaving the worker and the test waiting forever.
        blocker.execute("SET idle_in_transaction_session_timeout = '90s'")
        blocker.execute(
            sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR NO KEY UPDATE").format(
                sql.Identifier(table)
            ),
            [call_id],
        )
        ask_for_decision_emails(call_id, "busy", release=False)

        def worker_waits_on_the_lock() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query LIKE %s",
                    ["%FOR NO KEY UPDATE%"],
                )
                row = cursor.fetchone()
            return row is not None and row[0] == 1

        wait_for(worker_waits_on_the_lock, timeout=DONE_TIMEOUT, what="the decision task")
        save_a_review(call_id)
        ask_for_report(call_id)
        # One task at a time, one message prefetched: the busy worker takes nothing more.
        assert (broker.client().hlen("unacked"), broker.client().llen(QUEUE)) == (1, 2)
        (delivered_at,) = broker.delivered_at()
        wait_for(
            lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5,
            timeout=VISIBILITY_TIMEOUT + 5,
            what="the visibility timeout to pass",
        )
        connected_before = worker.log().count("Connected to redis://")

        broker.restart()

        assert broker.waiting() == 3, "the append-only file should bring every message back"
        wait_for(
            lambda: worker.log().count("Connected to redis://") > connected_before,
            timeout=DONE_TIMEOUT,
            what="the worker to reconnect",
        )
        wait_for(
            lambda: worker.log().count("reviews.send_decisions[") >= 2,
            timeout=DONE_TIMEOUT,
            what="the decision task to be delivered again",
        )
        blocker.rollback()

    run = everything_done_once(worker, call_id, "busy", subjects)
    assert succeeded(worker, "reviews.send_decisions") == 2
    assert snapshot(run.pk) == clean_run(call_id)


def test_a_broker_that_loses_its_queue_leaves_the_work_in_postgresql(
    start_broker: Callable[..., RedisServer],
    start_worker: Callable[[RedisServer], Worker],
    publish_to: Callable[[RedisServer], None],
) -> None:
    """No persistence: the restart drops a wake-up and the decision e-mails a worker had queued.

    Beat's sweeps bring them back within minutes (the next test); an operator who will not wait
    runs the recovery in docs/operations.md (``aggregate_scores`` and re-queueing unsent outbox
    rows, run twice here as a nervous operator might), which completes both, once.
    """
    assert REQUEUE_UNSENT in (Path(settings.BASE_DIR) / "docs" / "operations.md").read_text()
    worker, call_id, subjects, run = lose_the_queue(
        start_broker(persistent=False), start_worker, publish_to, "lost"
    )

    call_command("aggregate_scores", call="lost")
    for _ in range(2):
        call_command("shell", command=REQUEUE_UNSENT)
    wait_for(
        lambda: all_done(call_id, len(subjects), report=False),
        timeout=DONE_TIMEOUT,
        what="the snapshot and the e-mails",
    )
    drain(timeout=DONE_TIMEOUT)

    assert the_one_run(call_id).pk == run.pk
    assert decision_rows().count() == len(subjects)
    assert sent_subjects(worker, "lost") == subjects
    assert lost_work(worker) == []
    assert snapshot(run.pk) == clean_run(call_id)


def test_beats_sweeps_finish_what_a_broker_that_lost_its_queue_left_behind(
    start_broker: Callable[..., RedisServer],
    start_worker: Callable[[RedisServer], Worker],
    publish_to: Callable[[RedisServer], None],
) -> None:
    """The same loss, recovered with nobody's help: the two tasks Celery beat sends every minute.

    The sweeps leave alone work younger than its own task's turn; the waiting run and the outbox
    rows are dated back, as they would be a few minutes after the loss, rather than this test
    waiting for them.
    """
    worker, call_id, subjects, run = lose_the_queue(
        start_broker(persistent=False), start_worker, publish_to, "swept"
    )

    minutes_ago = timezone.now() - timedelta(minutes=5)
    models.AggregationRun.objects.filter(pk=run.pk).update(requested_at=minutes_ago)
    decision_rows().update(created_at=minutes_ago)
    for _ in range(2):  # two beats: the second finds nothing left to do
        app.send_task("reviews.wake_waiting_aggregations")
        app.send_task("cfp.requeue_unsent_email")
        wait_for(
            lambda: all_done(call_id, len(subjects), report=False),
            timeout=DONE_TIMEOUT,
            what="the snapshot and the e-mails after the sweeps",
        )
        drain(timeout=DONE_TIMEOUT)

    assert the_one_run(call_id).pk == run.pk
    assert sent_subjects(worker, "swept") == subjects
    assert lost_work(worker) == []
    assert snapshot(run.pk) == clean_run(call_id)
