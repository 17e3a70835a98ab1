"""The reviewer's bidding screen at 10,000 proposals: its GET and a bid POST, beside a trivial page.

    python bench/bidding_screen.py [--proposals 10000] [--requests 30]

A fresh SQLite database in a temporary folder is seeded through the project's own seeding
service, bidding is opened, and one reviewer alternates, in the same process and the same run:
``/healthz`` (the trivial page), the bidding screen's GET (first page and a search), and a bid
POST over htmx (eager / willing on different proposals). Tasks go to the in-memory broker, not
run inline, as the query budgets are defined (PRODUCT.md). Then, once: a "conflict" bid on an
assigned, unstarted proposal (its POST, whose seat refill is queued) and the queued refill run
itself (``reviews.services.bids.refill_after_conflict``: the incremental assignment run that gives
the proposal its K reviewers back). Medians are printed with data-query counts (transaction
control not counted); the ratio to the trivial page is what compares between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import shortlist as shortlist_bench  # noqa: E402  (after the path)

HX = {"HX-Request": "true", "HX-Target": "bid-list"}


def _data_queries(captured: Any) -> int:
    return sum(
        1
        for q in captured.captured_queries
        if not str(q["sql"]).lstrip().upper().startswith(shortlist_bench.TRANSACTION_CONTROL)
    )


def measure(*, proposals: int, requests: int) -> list[str]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from cfp import models as cfp_models
    from reviews import models
    from reviews.services import bids, seed

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    result = seed.seed_demo(
        slug="bench",
        proposals=proposals,
        reviewers=min(200, max(10, proposals // 50)),
        seed=7,
        now=timezone.now(),
        aggregate=False,
        reviewed_share=0.0,
        decisions=False,
    )
    seeded = time.perf_counter() - t0
    cfp_models.Call.objects.filter(slug="bench").update(
        bidding_closes_at=timezone.now() + dt.timedelta(days=7)
    )
    login = next(u for u in result.users if u.role == "reviewer")
    client = Client()
    assert client.login(username=login.username, password=login.password)
    reviewer_id = int(client.session["_auth_user_id"])
    assigned = set(
        models.Assignment.objects.filter(reviewer_id=reviewer_id).values_list(
            "proposal__code", flat=True
        )
    )
    codes = list(
        cfp_models.Proposal.objects.submitted()
        .filter(call__slug="bench")
        .exclude(code__in=assigned)
        .order_by("code")
        .values_list("code", flat=True)[: requests + 5]
    )
    page = reverse("reviews:bids", args=["bench"])
    trivial = reverse("healthz")
    for _ in range(3):  # warm caches the first loads fill
        assert client.get(page).status_code == 200
    timings: dict[str, list[float]] = {"trivial": [], "get": [], "search": [], "post": []}
    counts: dict[str, list[int]] = {"get": [], "search": [], "post": []}
    for i in range(requests):
        start = time.perf_counter()
        client.get(trivial)
        timings["trivial"].append((time.perf_counter() - start) * 1000)
        for name in ("get", "search", "post"):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                if name == "get":
                    response = client.get(page)
                elif name == "search":
                    response = client.get(page, {"q": "python"})
                else:
                    response = client.post(
                        reverse("reviews:bid", args=["bench", codes[i]]),
                        {"level": "eager" if i % 2 else "willing"},
                        headers=HX,
                    )
                timings[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            counts[name].append(_data_queries(captured))

    # Once: a conflict bid on an assigned, unstarted proposal, then the refill it queued.
    target = sorted(
        code
        for code in assigned
        if not models.Review.objects.filter(proposal__code=code, reviewer_id=reviewer_id).exists()
    )[0]
    proposal_id = cfp_models.Proposal.objects.get(code=target).pk
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.post(
            reverse("reviews:bid", args=["bench", target]), {"level": "conflict"}, headers=HX
        )
        conflict_ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.status_code
    conflict_q = _data_queries(captured)
    call_id = cfp_models.Call.objects.get(slug="bench").pk
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        created = bids.refill_after_conflict(
            call_id=call_id, proposal_id=proposal_id, reviewer_id=reviewer_id, now=timezone.now()
        )
        refill_s = time.perf_counter() - start
    refill_q = _data_queries(captured)
    seats = models.Assignment.objects.filter(proposal_id=proposal_id).count()

    def med(name: str) -> float:
        values = timings[name]
        return statistics.median(values[3:] or values)

    base = med("trivial")
    lines = [
        f"seeded {proposals} proposals in {seeded:.1f} s; medians over {requests} requests",
        f"trivial page (/healthz)        | {base:8.2f} ms |         | baseline, same run",
    ]
    for name, label in (
        ("get", "bidding screen GET (page 1)"),
        ("search", "bidding screen GET (search)"),
        ("post", "bid POST (htmx)"),
    ):
        flat = "flat: PASS" if min(counts[name]) == max(counts[name]) else "NOT flat: FAIL"
        lines.append(
            f"{label:<30} | {med(name):8.2f} ms | {max(counts[name]):3d} q   | "
            f"{med(name) / base:5.1f}× trivial, queries {flat}"
        )
    lines.append(
        f"conflict bid POST (htmx)       | {conflict_ms:8.2f} ms | {conflict_q:3d} q   | "
        "once; the seat refill is queued, not run inline"
    )
    lines.append(
        f"queued refill (assignment run) | {refill_s * 1000:8.0f} ms | {refill_q:3d} q   | "
        f"once; {created} new seat(s), the proposal has {seats} reviewers again"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        shortlist_bench._setup(tmp)
        for line in measure(proposals=args.proposals, requests=args.requests):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
