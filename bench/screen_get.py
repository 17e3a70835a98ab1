"""The scoring screen (GET, full page) beside a trivial page, and beside pretalx when it runs.

    python bench/screen_get.py [--proposals 2000] [--loads 60] [--pretalx-url URL]
    python bench/screen_get.py --profile   # cProfile of the screen's GET, top 30 by cumulative time

A fresh SQLite database in a temporary folder is seeded through the project's own seeding
service (2,000 proposals by default: the size the pretalx comparison was made at). The same
process then alternates requests to the screen and to ``/healthz`` through Django's test client,
so the two medians are taken under the same load on the machine; the ratio is what to compare
between runs, not the milliseconds.

pretalx: when ``--pretalx-url`` (or ``PRETALX_REVIEW_URL``) names one of its review pages and a
session cookie is given (``--pretalx-cookie`` or ``PRETALX_COOKIE``, ``name=value``), that page is
loaded over HTTP in the same run, alternating with ours, and the script prints pretalx's median
over ours. The bar of issue 18 is ≥ 10×. Without a pretalx, it says so; it never invents one.

A pretalx to compare with (run, never copied: AGPL), kept outside the project, e.g. in /tmp:

1. A Python ≥ 3.13 venv (the real interpreter, not a pyenv shim):
   ``$(pyenv root)/versions/3.13.0/bin/python3.13 -m venv /tmp/ptx`` and
   ``/tmp/ptx/bin/pip install pretalx gunicorn Faker freezegun``.
2. ``/tmp/ptxdata/pretalx.cfg``: ``[filesystem]`` data, media, static and logs under /tmp/ptxdata;
   ``[database]`` backend sqlite3, name /tmp/ptxdata/db.sqlite3; ``[redis]`` and ``[celery]``
   (backend and broker) at redis://127.0.0.1:6379/7; ``[site]`` url http://127.0.0.1:8355.
   Export ``PRETALX_CONFIG_FILE`` with that path for every command below.
3. ``/tmp/ptx/bin/python -m pretalx migrate`` and ``... rebuild``; an administrator made with
   ``User.objects.create_superuser(...)`` fed to ``pretalx shell --unsafe-disable-scopes``.
4. ``pretalx create_test_event --stage review --slug democon`` makes the organiser, the event
   in its review phase and a reviewer team; then a script fed to ``pretalx shell`` adds the
   administrator to that team and creates submitted proposals with Faker text (two-paragraph
   abstract, six-paragraph description, notes; 800 speakers) through pretalx's own
   ``create_submission`` until the event holds 2,000.
5. ``/tmp/ptx/bin/gunicorn pretalx.wsgi -b 127.0.0.1:8355 -w 1``; log in by a script that GETs
   /orga/login/, posts csrfmiddlewaretoken, login_email and login_password, and prints the
   ``pretalx_session`` cookie; the review page is
   ``/orga/event/democon/submissions/<CODE>/reviews/`` of any submitted proposal.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import talk_texts  # noqa: E402  (after the path)

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
TARGET_RATIO = 10.0


def _setup(var_dir: str) -> None:
    os.environ["TALKREVIEW_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from config.celery import app

    app.conf.task_always_eager = False


def _pretalx_get(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
        response.read()
        if response.status != 200:  # pragma: no cover - a broken pretalx setup
            raise SystemExit(f"pretalx answered {response.status}")
    return (time.perf_counter() - start) * 1000


def measure(*, proposals: int, loads: int, profile: bool, pretalx: tuple[str, str] | None) -> int:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from reviews import models
    from reviews.services import seed

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    result = seed.seed_demo(
        slug="bench",
        proposals=proposals,
        reviewers=max(5, proposals // 50),
        seed=7,
        now=timezone.now(),
        aggregate=False,
        proposal_texts=talk_texts.from_env(),
    )
    seeded = time.perf_counter() - t0
    login = next(u for u in result.users if u.role == "reviewer")
    client = Client()
    assert client.login(username=login.username, password=login.password)
    codes = list(
        models.Assignment.objects.filter(reviewer__username=login.username)
        .order_by("proposal__code")
        .values_list("proposal__code", flat=True)
    )
    urls = [reverse("reviews:screen", args=["bench", c]) for c in codes]
    trivial = reverse("healthz")
    for url in urls[:3]:  # warm the caches a reviewer's first loads fill
        assert client.get(url).status_code == 200
    if profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
        profiler.enable()
        for i in range(loads):
            client.get(urls[i % len(urls)])
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("BENCH_TOP", "30")))
        if os.environ.get("BENCH_CALLEES"):
            stats.print_callees(os.environ["BENCH_CALLEES"])
        return 0
    ours: list[float] = []
    base: list[float] = []
    ours_cpu: list[float] = []
    base_cpu: list[float] = []
    theirs: list[float] = []
    counts: list[int] = []
    for i in range(loads):
        start, cpu = time.perf_counter(), time.process_time()
        client.get(trivial)
        base.append((time.perf_counter() - start) * 1000)
        base_cpu.append((time.process_time() - cpu) * 1000)
        with CaptureQueriesContext(connection) as captured:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get(urls[i % len(urls)])
            ours.append((time.perf_counter() - start) * 1000)
            ours_cpu.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, response.status_code
        counts.append(
            sum(
                1
                for q in captured.captured_queries
                if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
            )
        )
        if pretalx:
            theirs.append(_pretalx_get(*pretalx))
    screen_ms = statistics.median(ours[5:] or ours)
    base_ms = statistics.median(base[5:] or base)
    # CPU time is the server's own work (SQLite runs in-process): on a machine shared with other
    # jobs, wall time also counts waiting for a core, so both are printed.
    screen_cpu = statistics.median(ours_cpu[5:] or ours_cpu)
    base_cpu_ms = statistics.median(base_cpu[5:] or base_cpu)
    print(
        f"screen GET at {proposals} proposals (seeded in {seeded:.1f} s, {talk_texts.label()}): "
        f"median {screen_ms:.2f} ms (cpu {screen_cpu:.2f}), min {min(ours):.2f}, "
        f"max {max(ours):.2f}, {max(counts)} queries (min {min(counts)})"
    )
    print(
        f"trivial page (/healthz) in the same run: median {base_ms:.2f} ms "
        f"(cpu {base_cpu_ms:.2f}); screen / trivial = {screen_ms / base_ms:.1f} "
        f"(cpu {screen_cpu / base_cpu_ms:.1f})"
    )
    if not pretalx:
        print("pretalx: not available (set PRETALX_REVIEW_URL and PRETALX_COOKIE): no ratio")
        return 0
    pretalx_ms = statistics.median(theirs[5:] or theirs)
    ratio = pretalx_ms / screen_ms
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(
        f"pretalx review page in the same run: median {pretalx_ms:.2f} ms; "
        f"pretalx / ours = {ratio:.1f}x (≥ {TARGET_RATIO:.0f}x: {verdict})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--loads", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data", type=Path, help="real talks (jsonl, .gz) for the texts")
    parser.add_argument("--pretalx-url", default=os.environ.get("PRETALX_REVIEW_URL", ""))
    parser.add_argument("--pretalx-cookie", default=os.environ.get("PRETALX_COOKIE", ""))
    args = parser.parse_args(argv)
    talk_texts.use(args.data)
    pretalx = (args.pretalx_url, args.pretalx_cookie) if args.pretalx_url else None
    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp)
        return measure(
            proposals=args.proposals, loads=args.loads, profile=args.profile, pretalx=pretalx
        )


if __name__ == "__main__":
    sys.exit(main())
