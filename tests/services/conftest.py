"""The services tier: PostgreSQL, Redis and a real Celery worker subprocess.

The worker is started once per session against the test database pytest-django created, and
restarted by any test that needs one after another test killed it. Before each test the task queue
is emptied, so a message left by one test is never delivered during the next.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app

# The worker's Redis transport redelivers a message whose worker died after this many seconds.
VISIBILITY_TIMEOUT = 5
# Generous: on a loaded two-core machine a worker's start-up has taken 25 s.
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0
QUEUE = "celery"


def wait_for(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def drain(*, timeout: float = 90.0) -> None:
    """Wait until the worker has run everything queued before this call: one worker process,
    one queue, first in first out, so a sentinel e-mail queued last is sent last."""
    from cfp import models as cfp_models

    row = cfp_models.EmailOutbox.objects.create(
        key=f"sentinel:{uuid.uuid4()}",
        to="sentinel@example.org",
        subject="sentinel",
        body="",
        created_at=timezone.now(),
    )
    app.tasks["cfp.send_email"].apply_async((row.pk,))
    wait_for(
        lambda: cfp_models.EmailOutbox.objects.filter(pk=row.pk, sent_at__isnull=False).exists(),
        timeout=timeout,
        what="the worker to reach the end of the queue",
    )


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database this connection uses (the test database, in tests)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(str(settings_dict['NAME']), safe='')}"


class Worker:
    """One ``celery worker`` subprocess at a time, in its own process group.

    Its own process group so that SIGKILL takes the prefork children with the parent, as a
    machine losing power would: an orphaned child could otherwise finish the task.
    """

    def __init__(self, *, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = log_dir / "worker-0.log"
        self.starts = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        assert not self.alive, "a worker is already running"
        self.starts += 1
        self.log_path = self.log_dir / f"worker-{self.starts}.log"
        celery = Path(sys.executable).with_name("celery")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    "-c",
                    "1",
                    "--loglevel=INFO",
                    "-Q",
                    QUEUE,
                    "-n",
                    f"talkreview-test-{os.getpid()}-{self.starts}@%h",
                    # Gossip and mingle only slow the start of a lone worker down.
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._ready, timeout=READY_TIMEOUT, interval=0.2, what="the worker to be ready")

    def _ready(self) -> bool:
        if not self.alive:
            pytest.fail(f"the Celery worker exited during start-up:\n{self.log()}")
        return " ready." in self.log()

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the worker and its children: no shutdown code runs, nothing is acknowledged."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM (warm shutdown), then SIGKILL if the worker does not exit in time."""
        if not self.alive:
            return
        assert self.process is not None
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
        else:
            # A prefork child outliving its parent would hold a database connection open.
            self._signal_group(signal.SIGKILL)


def empty_queue() -> None:
    """Drop waiting messages and any message a killed worker left unacknowledged."""
    app.control.purge()
    redis.Redis.from_url(settings.REDIS_URL).delete("unacked", "unacked_index")


@pytest.fixture(scope="session")
def worker_env(django_db_setup: None, django_db_blocker: Any) -> dict[str, str]:
    """The worker's environment: this session's test database and Redis, a 5 s visibility."""
    with django_db_blocker.unblock():
        # After django_db_setup the connection's NAME is the test database's.
        url = database_url(connection.settings_dict)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        REDIS_URL=os.environ["REDIS_URL"],
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="session")
def worker_process(
    worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    handle = Worker(env=worker_env, log_dir=tmp_path_factory.mktemp("celery"))
    yield handle
    handle.stop()


@pytest.fixture
def worker(worker_process: Worker) -> Iterator[Worker]:
    """A running worker (started or restarted if needed) with an empty queue in front of it.

    Afterwards it is left idle: the follow-ups a test's work queued (a finished aggregation asks
    for extra reviews and disagreement threads) would otherwise still run while the test
    database is flushed, and the flush's TRUNCATE deadlocks with them.
    """
    empty_queue()
    if not worker_process.alive:
        worker_process.start()
    yield worker_process
    if worker_process.alive:
        settle()


def settle(*, rounds: int = 5) -> None:
    """Drain until nothing is left waiting or unacknowledged (a task may queue another)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for _ in range(rounds):
        drain()
        if not client.llen(QUEUE) and not client.hlen("unacked"):
            return


@pytest.fixture(autouse=True)
def _services_queue(request: pytest.FixtureRequest) -> None:
    """Every services test starts with an empty queue, whether or not it uses the worker."""
    if request.node.get_closest_marker("services") is not None:
        empty_queue()
