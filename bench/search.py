"""Search at 10,000 proposals (issue 21), beside the shortlist page in the same run.

    python bench/search.py [--sizes 10000] [--repeats 5] [-v]

Each size gets a fresh SQLite database (seeded as bench/shortlist.py does, 5 reviews per
proposal, aggregated; ``DATABASE_URL`` is ignored there, so this measures the SQLite fallback:
``icontains`` over the redacted title and abstract; PostgreSQL uses the GIN full-text index of
migration ``reviews.0011_committee``). In the same run: the shortlist page (50 rows) as the demo
chair, then the shortlist's results fragment searched for a word (what the htmx search box
fetches), and a reviewer's queue fragment searched for the same word. Target: each search
≤ 10 data queries (session and user included), its time printed beside the plain page's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import shortlist as shortlist_bench  # noqa: E402  (after the path)

WORD = "python"
# The search boxes are htmx forms: what a search costs is the fragment they swap in.
HX = {"HX-Request": "true"}


def _timed(get: Callable[[], int], *, repeats: int, verbose: bool) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[float] = []
    queries = 0
    for i in range(repeats + 2):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            status = get()
            elapsed = (time.perf_counter() - start) * 1000
        assert status == 200, status
        data = [
            q["sql"]
            for q in captured.captured_queries
            if not q["sql"].lstrip().upper().startswith(shortlist_bench.TRANSACTION_CONTROL)
        ]
        # The first two warm the caches, and Django's one-time probes of the database's
        # features (SQLite's JSON support) land in them: neither is what a request costs.
        if i >= 2:
            times.append(elapsed)
            queries = max(queries, len(data))
        if verbose and i == 2:
            for sql in data:
                print("   ", sql[:110], file=sys.stderr)
    return statistics.median(times), queries


def measure(*, proposals: int, repeats: int, verbose: bool) -> list[str]:
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from reviews.services import seed

    call_command("migrate", verbosity=0)
    result = seed.seed_demo(
        slug="bench",
        proposals=proposals,
        reviewers=min(200, max(10, proposals // 50)),
        seed=7,
        now=timezone.now(),
        per_proposal=5,
        reviewed_share=1.0,
    )
    chair_login = next(u for u in result.users if u.role == "chair")
    reviewer_login = next(u for u in result.users if u.role == "reviewer")
    chair, reviewer = Client(), Client()
    assert chair.login(username=chair_login.username, password=chair_login.password)
    assert reviewer.login(username=reviewer_login.username, password=reviewer_login.password)

    page_ms, page_q = _timed(
        lambda: chair.get("/chair/bench/shortlist/").status_code, repeats=repeats, verbose=False
    )
    search_ms, search_q = _timed(
        lambda: chair.get("/chair/bench/shortlist/", {"q": WORD}, headers=HX).status_code,
        repeats=repeats,
        verbose=verbose,
    )
    queue_ms, queue_q = _timed(
        lambda: reviewer.get("/review/bench/", {"q": WORD}, headers=HX).status_code,
        repeats=repeats,
        verbose=verbose,
    )
    ok = max(search_q, queue_q) <= 10
    verdict = f"≤10 q: {'PASS' if ok else 'FAIL'}"
    return [
        f"shortlist page (50 rows)   | {proposals:>9} | {page_ms:9.1f} | {page_q:>7} | "
        "same run, for comparison",
        f"shortlist search '{WORD}' | {proposals:>9} | {search_ms:9.1f} | {search_q:>7} | "
        f"{verdict}",
        f"reviewer queue search      | {proposals:>9} | {queue_ms:9.1f} | {queue_q:>7} | {verdict}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("-v", action="store_true", help="print each query of the searches")
    args = parser.parse_args(argv)
    print("measure                    | proposals | median ms | queries | target")
    failed = False
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            shortlist_bench._setup(tmp)
            for line in measure(proposals=size, repeats=args.repeats, verbose=args.v):
                print(line)
                failed = failed or line.endswith("FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
