"""Timing of sign-up, log-in and password reset per class of address, side by side (issue 17).

    python bench/auth_timing.py [--requests 60]

An attacker who cannot tell addresses apart by the answer may still time it. For each flow, the
same request is sent for an unknown address, a pending account (signed up, not confirmed), a
confirmed account and a deactivated one, round-robin so that a busy neighbour slows every class
alike, and beside a trivial view (/healthz) as the same-run baseline. Real password hashing
(Django's default PBKDF2; log-in takes a quarter of the rounds, at least 10, since each
costs a full hash), a temporary SQLite database, Django's test client; each request runs
inside a transaction that is rolled back, so the task it queues after commit is not run (the
request is what an attacker times; the task runs later on a worker).

Prints per flow and class the wall-clock median and p90 in milliseconds (what an attacker
sees), the median CPU time of the request (what it costs, steady on a shared machine where the
wall clock also measures the neighbours) and that median's ratio to the unknown address's.
Bar: every class's CPU median within 25 % (or 1 ms, for the requests that take a couple of
milliseconds) of the unknown address's. A password hash costs hundreds of
milliseconds here, so a missing or extra one shows as a ratio near 0 or 2, far outside the bar;
one query more is below what timing on a shared machine resolves, and tests/test_enumeration.py
counts queries exactly.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("unknown", "pending", "confirmed", "deactivated")
BAR = 0.25
BAR_MS = 1.0


def _setup(var_dir: str) -> None:
    os.environ["TALKREVIEW_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RATELIMIT_ENABLE = False  # the limits would answer 429 long before the last sample
    call_command("migrate", verbosity=0)


def _address(kind: str) -> str:
    return f"{kind}.person@example.org"


def _seed() -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cfp import services

    user_model = get_user_model()
    services.sign_up(
        email=_address("pending"),
        name="Pending",
        verify_url="http://testserver/v/TOKEN/",
        now=timezone.now(),
    )
    for kind in ("confirmed", "deactivated"):
        user_model.objects.create_user(
            username=_address(kind), email=_address(kind), password="the-real-password-42"
        )
    user_model.objects.filter(email=_address("deactivated")).update(
        is_active=False, last_login=timezone.now()
    )


FLOWS: dict[str, tuple[str, Callable[[str], dict[str, str]]]] = {
    "sign-up": ("/accounts/signup/", lambda email: {"name": "Some One", "email": email}),
    "log-in": (
        "/accounts/login/",
        lambda email: {"username": email, "password": "a-wrong-password-1"},
    ),
    "password reset": ("/accounts/password_reset/", lambda email: {"email": email}),
}


def _timed(send: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one request (the CPU time of this thread is what the
    request costs; the wall clock also measures the neighbours on a shared machine)."""
    from django.db import transaction

    with transaction.atomic():
        start, cpu = time.perf_counter(), time.thread_time()
        send()
        elapsed, cpu_elapsed = time.perf_counter() - start, time.thread_time() - cpu
        transaction.set_rollback(True)
    return elapsed * 1000, cpu_elapsed * 1000


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.9 * (len(ordered) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="requests per flow and class")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as var_dir:
        _setup(var_dir)
        from django.test import Client

        _seed()
        client = Client()
        baseline = [_timed(lambda: client.get("/healthz")) for _ in range(args.requests)]
        base_median, base_p90 = _stats([wall for wall, _cpu in baseline])
        base_cpu = _stats([cpu for _wall, cpu in baseline])[0]
        print(
            f"{'flow':<16} {'address':<12} {'median ms':>10} {'p90 ms':>8} "
            f"{'CPU median':>11} {'÷ unknown':>10}"
        )
        print(
            f"{'trivial view':<16} {'-':<12} {base_median:>10.2f} {base_p90:>8.2f} "
            f"{base_cpu:>11.2f} {'':>10}"
        )
        failed = []
        for flow, (url, form) in FLOWS.items():
            samples: dict[str, list[tuple[float, float]]] = {kind: [] for kind in CLASSES}
            rounds = args.requests if flow != "log-in" else max(args.requests // 4, 10)
            for i in range(rounds):
                # Each round starts with another class, so no class always follows the slow one.
                for kind in CLASSES[i % len(CLASSES) :] + CLASSES[: i % len(CLASSES)]:
                    data = form(_address(kind))
                    samples[kind].append(_timed(functools.partial(client.post, url, data)))
            unknown_cpu = _stats([cpu for _wall, cpu in samples["unknown"]])[0]
            for kind in CLASSES:
                median, p90 = _stats([wall for wall, _cpu in samples[kind]])
                cpu = _stats([cpu for _wall, cpu in samples[kind]])[0]
                ratio = cpu / unknown_cpu
                if abs(ratio - 1) > BAR and abs(cpu - unknown_cpu) > BAR_MS:
                    failed.append(f"{flow}/{kind}")
                print(
                    f"{flow:<16} {kind:<12} {median:>10.2f} {p90:>8.2f} {cpu:>11.2f} {ratio:>10.2f}"
                )
        verdict = "FAIL " + ", ".join(failed) if failed else "PASS"
        print(
            f"auth timing: every class within {BAR:.0%} (or {BAR_MS:.0f} ms) of the unknown "
            f"address: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
