"""``make loadtest``: the production stack under 50 reviewers and 20 submitters.

Starts gunicorn (4 workers), a Celery worker, on PostgreSQL and Redis on loopback (DATABASE_URL
and REDIS_URL, defaulting to this machine's servers), against a fresh database seeded with a
call. Users arrive over the first 15 s and log in. Then, for 60 s, reviewers open their queue,
filter it over htmx, open scoring screens and save scores through the htmx endpoint with the
CSRF token, and submitters edit their proposal, each pausing 1–3 s between requests (a real
reviewer spends minutes on a proposal: this is about a hundred times their pace). A last 20 s
phase drops the pauses to find the ceiling, which is compared with a trivial view (/healthz)
on the same stack so the figure carries over to another machine.

Prints p50/p95/p99 per endpoint for each phase, the errors, and checks that every acknowledged
save is in the database. Goal: 0 errors, p95 ≤ 150 ms at people's pace, 0 lost saves. Exits 1
when the goal is missed.

    python bench/loadtest.py [--seconds 60] [--reviewers 50] [--submitters 20] [--proposals 2000]
                             [--think-min 1] [--think-max 3] [--ramp 15] [--capacity-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
HOST = "127.0.0.1"
PORT = 8765
BASE = f"http://{HOST}:{PORT}"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEXT_CODE = re.compile(r'name="next_code" value="([A-Z0-9]*)"')
QUEUE_LINK = re.compile(r'href="/review/[^/]+/([A-Z0-9]{6})/')


def _env(db_name: str) -> dict[str, str]:
    base_db = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = base_db.rsplit("/", 1)[0] + "/" + db_name
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": HOST,
        "RATELIMIT_ENABLE": "0",
        "DATABASE_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
    }


def _prepare(
    env: dict[str, str], *, proposals: int, reviewers: int, submitters: int
) -> dict[str, Any]:
    import psycopg

    admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    db_name = env["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = f"""
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from cfp import services as cfp_services
from reviews.services import seed
r = seed.seed_demo(slug="load", proposals={proposals}, reviewers={reviewers}, seed=11, now=timezone.now())
users = [dict(username=u.username, password=u.password, role=u.role) for u in r.users]
User = get_user_model()
codes = []
for i in range({submitters}):
    u = User.objects.create_user(username=f"load-submitter{{i}}", email=f"s{{i}}@example.org",
                                 password="load-submitter-pass", first_name=f"Submitter {{i}}")
    code = cfp_services.submit_proposal(call_slug="load", owner=u, data=cfp_services.ProposalData(
        title=f"Load talk {{i}}", abstract="An abstract about testing.", format_slug="talk"),
        token=f"load-{{i}}", now=timezone.now())
    users.append(dict(username=u.username, password="load-submitter-pass", role="submitter", code=code))
import time
t = time.process_time()
u.check_password("load-submitter-pass")
hash_ms = (time.process_time() - t) * 1000
print("JSON" + json.dumps({{"users": users, "hash_ms": hash_ms}}))
"""
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    import json

    loaded: dict[str, Any] = json.loads(out.split("JSON", 1)[1])
    return loaded


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.acknowledged: dict[tuple[str, str], dict[str, str]] = {}
        # (when the request started, seconds since the epoch of the run; how long it took, ms)
        self.timeline: list[tuple[float, float]] = []

    async def call(
        self,
        client: httpx.AsyncClient,
        name: str,
        method: str,
        url: str,
        ok: tuple[int, ...],
        **kwargs: Any,
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.errors[name].append(f"{type(exc).__name__}: {exc}")
            return None
        self.times[name].append((time.perf_counter() - start) * 1000)
        self.timeline.append((start, self.times[name][-1]))
        if response.status_code not in ok:
            self.errors[name].append(f"HTTP {response.status_code}")
            return None
        return response


async def _login(client: httpx.AsyncClient, stats: Stats, username: str, password: str) -> bool:
    page = await stats.call(client, "GET login", "GET", "/accounts/login/", (200,))
    if page is None:
        return False
    token = CSRF_INPUT.search(page.text)
    done = await stats.call(
        client,
        "POST login",
        "POST",
        "/accounts/login/",
        (302,),
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
    )
    return done is not None


@dataclass
class Phase:
    """A stretch of the run: until when, how long users think between requests, where to count."""

    stats: Stats
    until: float
    think: tuple[float, float]


class Schedule:
    """The phases' ends, fixed once every user has logged in (log-ins queue behind each other's
    password hashing, so "after the ramp" would still overlap them)."""

    SETTLE = 3.0  # seconds between phases that nobody measures

    def __init__(self, users: int, phases: list[Phase], lengths: list[float]) -> None:
        self.waiting = users
        self.phases = phases
        self.lengths = lengths

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            until = time.monotonic()
            for phase, length in zip(self.phases, self.lengths, strict=True):
                until += length
                phase.until = until


async def _think(rng: random.Random, phase: Phase) -> None:
    low, high = phase.think
    if high > 0:
        await asyncio.sleep(rng.uniform(low, high))


async def reviewer(
    user: dict[str, str], login_stats: Stats, schedule: Schedule, criteria: list[str], ramp: float
) -> None:
    rng = random.Random(user["username"])
    await asyncio.sleep(rng.uniform(0, ramp))  # people arrive over the first seconds, not at once
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
        try:
            if not await _login(client, login_stats, user["username"], user["password"]):
                return
            queue = await login_stats.call(client, "GET queue", "GET", "/review/load/", (200,))
        finally:
            schedule.arrived()
        codes = QUEUE_LINK.findall(queue.text) if queue else []
        for phase in schedule.phases:
            stats = phase.stats
            while time.monotonic() < phase.until and codes:
                await stats.call(
                    client,
                    "GET queue (htmx filter)",
                    "GET",
                    "/review/load/?language=en",
                    (200,),
                    headers={"HX-Request": "true"},
                )
                await _think(rng, phase)
                code = rng.choice(codes)
                screen = await stats.call(
                    client, "GET screen", "GET", f"/review/load/{code}/", (200,)
                )
                if screen is None:
                    continue
                await _think(rng, phase)
                token = client.cookies.get("csrftoken", "")
                scores = {f"score_{c}": str(rng.randint(1, 5)) for c in criteria}
                saved = await stats.call(
                    client,
                    "POST score (htmx)",
                    "POST",
                    f"/review/load/{code}/",
                    (200,),
                    data={**scores, "confidence": str(rng.randint(1, 5)), "action": "save"},
                    headers={"HX-Request": "true", "X-CSRFToken": token},
                )
                if saved is not None and "Saved." in saved.text:
                    login_stats.acknowledged[(user["username"], code)] = scores
                await _think(rng, phase)


async def submitter(
    user: dict[str, str], login_stats: Stats, schedule: Schedule, ramp: float
) -> None:
    rng = random.Random(user["username"])
    await asyncio.sleep(rng.uniform(0, ramp))
    async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
        try:
            if not await _login(client, login_stats, user["username"], user["password"]):
                return
        finally:
            schedule.arrived()
        url = f"/calls/load/mine/{user['code']}/"
        n = 0
        for phase in schedule.phases:
            stats = phase.stats
            while time.monotonic() < phase.until:
                page = await stats.call(client, "GET my proposal", "GET", url, (200,))
                if page is None:
                    await asyncio.sleep(0.5)
                    continue
                n += 1
                token = CSRF_INPUT.search(page.text)
                await _think(rng, phase)
                await stats.call(
                    client,
                    "POST my proposal",
                    "POST",
                    url,
                    (302,),
                    data={
                        "title": f"Load talk, revision {n}",
                        "abstract": "An abstract about testing.",
                        "format": "talk",
                        "level": "intermediate",
                        "language": "en",
                        "track": "",
                        "csrfmiddlewaretoken": token.group(1) if token else "",
                    },
                )
                await _think(rng, phase)


async def baseline(stats: Stats, until: float, clients: int) -> None:
    async def one() -> None:
        async with httpx.AsyncClient(base_url=BASE, timeout=30) as client:
            while time.monotonic() < until:
                await stats.call(client, "GET /healthz", "GET", "/healthz", (200,))

    await asyncio.gather(*(one() for _ in range(clients)))


def _percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _timeline(stats: Stats, bucket: float = 5.0) -> None:
    """Requests and the slow ones (over 150 ms) per few seconds: stalls show as a bucket."""
    if not stats.timeline:
        return
    first = min(t for t, _ in stats.timeline)
    buckets: dict[int, list[float]] = defaultdict(list)
    for t, ms in stats.timeline:
        buckets[int((t - first) // bucket)].append(ms)
    print(f"{'from s':>7} {'requests':>9} {'> 150 ms':>9} {'max ms':>8}")
    for b in sorted(buckets):
        values = buckets[b]
        slow = sum(1 for v in values if v > 150)
        print(f"{b * bucket:>7.0f} {len(values):>9} {slow:>9} {max(values):>8.0f}")


def _table(stats: Stats, seconds: float) -> tuple[int, float]:
    print(
        f"{'endpoint':<26} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
    )
    worst = 0.0
    total = 0
    for name, values in sorted(stats.times.items()):
        p95 = _percentile(values, 95)
        worst = max(worst, p95) if name != "GET /healthz" else worst
        total += len(values)
        print(
            f"{name:<26} {len(values):>6} {len(values) / seconds:>7.1f} {_percentile(values, 50):>8.1f} "
            f"{p95:>8.1f} {_percentile(values, 99):>8.1f} {len(stats.errors.get(name, [])):>6}"
        )
    return total, worst


def _check_saves(env: dict[str, str], acknowledged: dict[tuple[str, str], dict[str, str]]) -> int:
    import json

    script = """
import json, sys
from reviews.models import Review
rows = {(r.reviewer.username, r.proposal.code): r.scores for r in Review.objects.filter(call__slug="load").select_related("reviewer", "proposal")}
print("JSON" + json.dumps([[k[0], k[1], v] for k, v in rows.items()]))
"""
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stored = {(u, c): s for u, c, s in json.loads(out.split("JSON", 1)[1])}
    lost = 0
    for key, scores in acknowledged.items():
        row = stored.get(key)
        expected = {k.removeprefix("score_"): int(v) for k, v in scores.items()}
        if row != expected:
            lost += 1
    return lost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--submitters", type=int, default=20)
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument(
        "--think-min", type=float, default=1.0, help="shortest pause between a user's requests"
    )
    parser.add_argument(
        "--think-max", type=float, default=3.0, help="longest pause between a user's requests"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="slow requests per 5 s of the paced phase"
    )
    parser.add_argument("--ramp", type=float, default=15, help="seconds over which users log in")
    parser.add_argument(
        "--capacity-seconds", type=float, default=20, help="flat-out phase that finds the ceiling"
    )
    args = parser.parse_args(argv)
    env = _env("talkreview_load")
    print(
        f"Preparing a call with {args.proposals} proposals on {env['DATABASE_URL']} …", flush=True
    )
    data = _prepare(
        env, proposals=args.proposals, reviewers=args.reviewers, submitters=args.submitters
    )
    reviewers = [u for u in data["users"] if u["role"] == "reviewer"][: args.reviewers]
    submitters = [u for u in data["users"] if u["role"] == "submitter" and "code" in u]
    criteria = ["relevance", "clarity", "originality"]
    logs = ROOT / "var" / "loadtest"
    logs.mkdir(parents=True, exist_ok=True)
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "-w",
            str(args.web_workers),
            "--preload",
            "-b",
            f"{HOST}:{PORT}",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=(logs / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        # Background work yields the cores to people waiting for a page (docs/operations.md).
        [
            "nice",
            "-n",
            "10",
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-c",
            "1",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=(logs / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{BASE}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            print("gunicorn did not start; see var/loadtest/gunicorn.log")
            return 1

        base_stats = Stats()
        asyncio.run(baseline(base_stats, time.monotonic() + 10, clients=args.reviewers))
        base_rps = len(base_stats.times["GET /healthz"]) / 10

        login_stats = Stats()
        warm_up = Stats()
        paced = Stats()
        flat_out = Stats()
        pace = (args.think_min, args.think_max)
        forever = float("inf")
        schedule = Schedule(
            len(reviewers) + len(submitters),
            [
                # While the last users log in; counted for errors, not for latency.
                Phase(warm_up, forever, pace),
                Phase(paced, forever, pace),
                # Requests started at people's pace finish before anyone goes flat out.
                Phase(Stats(), forever, pace),
                Phase(flat_out, forever, (0.0, 0.0)),
            ],
            [Schedule.SETTLE, args.seconds, Schedule.SETTLE, args.capacity_seconds],
        )

        async def run_all() -> None:
            await asyncio.gather(
                *(reviewer(u, login_stats, schedule, criteria, args.ramp) for u in reviewers),
                *(submitter(u, login_stats, schedule, args.ramp) for u in submitters),
            )

        asyncio.run(run_all())
    finally:
        for proc in (web, worker):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in (web, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    paced_seconds = args.seconds
    print(
        f"\n{len(reviewers)} reviewers and {len(submitters)} submitters, "
        f"{args.web_workers} gunicorn workers, PostgreSQL + Redis + 1 Celery worker on loopback; "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        f"Log-in (arrivals spread over {args.ramp:.0f} s; {data['hash_ms']:.0f} ms of it is the "
        "password hash, deliberately slow):"
    )
    _table(login_stats, args.ramp)
    print(
        f"\nReviewing and editing at people's pace ({args.think_min:g}–{args.think_max:g} s "
        f"between requests), {args.seconds:.0f} s:"
    )
    total, worst_p95 = _table(paced, paced_seconds)
    if args.timeline:
        _timeline(paced)
    print(f"\nFlat out (no pause between requests), {args.capacity_seconds:.0f} s:")
    capacity_total, _ = _table(flat_out, args.capacity_seconds)
    errors = sum(
        len(v) for st in (login_stats, warm_up, paced, flat_out) for v in st.errors.values()
    )
    lost = _check_saves(env, login_stats.acknowledged)
    capacity = capacity_total / args.capacity_seconds if args.capacity_seconds else 0.0
    print(
        f"\npaced throughput {total / paced_seconds:.1f} req/s; flat-out capacity {capacity:.1f} "
        f"req/s; trivial view alone {base_rps:.1f} req/s (capacity ratio {capacity / base_rps:.3f})"
    )
    print(
        f"errors: {errors}; acknowledged saves: {len(login_stats.acknowledged)}; lost saves: {lost}"
    )
    for st in (login_stats, *(p.stats for p in schedule.phases)):
        for name, errs in st.errors.items():
            print(f"  {name}: {sorted(set(errs))[:5]}")
    ok = errors == 0 and lost == 0 and worst_p95 <= 150
    print(
        "goal (0 errors, p95 ≤ 150 ms on every endpoint at people's pace, 0 lost saves): "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
