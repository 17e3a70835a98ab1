"""The bulk decision from the shortlist at 10,000 proposals, beside the shortlist page's time.

    python bench/bulk_decisions.py [--sizes 10000] [--repeats 5]

Each size gets a fresh SQLite database (seeded as bench/shortlist.py does, 5 reviews per
proposal, aggregated). In the same run: the shortlist page (50 rows) fetched as the demo chair,
then ``reviews.services.bulk_decisions.decide_proposals`` setting every proposal of the call to
"waitlisted" and back to "undecided" (all rows change each time). Target (issue 19): the bulk
decision at 10,000 proposals in ≤ 10 data queries; its time is printed beside the page's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import shortlist as shortlist_bench  # noqa: E402  (after the path)


def measure(*, proposals: int, repeats: int) -> list[str]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cfp import models as cfp_models
    from reviews.services import bulk_decisions, seed

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
    chair = next(u for u in result.users if u.role == "chair")
    client = Client()
    assert client.login(username=chair.username, password=chair.password)
    call = cfp_models.Call.objects.get(slug="bench")
    chair_id = cfp_models.Membership.objects.filter(call=call, role="chair").values_list(
        "user_id", flat=True
    )[0]
    codes = list(
        cfp_models.Proposal.objects.submitted().filter(call=call).values_list("code", flat=True)
    )
    page_ms: list[float] = []
    for _ in range(repeats + 2):
        start = time.perf_counter()
        assert client.get("/chair/bench/shortlist/").status_code == 200
        page_ms.append((time.perf_counter() - start) * 1000)
    # Start from "undecided" everywhere, so every measured round changes every row.
    bulk_decisions.decide_proposals(
        call=call.pk,
        chair=chair_id,
        changes=[bulk_decisions.Change(code=c, to_status="undecided") for c in codes],
        now=timezone.now(),
    )
    bulk_ms: list[float] = []
    queries: list[int] = []
    for i in range(repeats):
        status = "waitlisted" if i % 2 == 0 else "undecided"
        changes = [bulk_decisions.Change(code=c, to_status=status) for c in codes]
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            done = bulk_decisions.decide_proposals(
                call=call.pk, chair=chair_id, changes=changes, now=timezone.now()
            )
            bulk_ms.append((time.perf_counter() - start) * 1000)
        assert len(done.changed) == len(codes)
        if "-v" in sys.argv:
            for q in captured.captured_queries:
                print(q["sql"][:90], file=sys.stderr)
        queries.append(
            sum(
                1
                for q in captured.captured_queries
                if not q["sql"].lstrip().upper().startswith(shortlist_bench.TRANSACTION_CONTROL)
            )
        )
    ok = max(queries) <= 10
    return [
        f"shortlist page (50 rows) | {proposals:>9} | {statistics.median(page_ms[2:]):9.1f} | "
        f"{'':>7} | same run, for comparison",
        f"bulk decision, all rows  | {proposals:>9} | {statistics.median(bulk_ms):9.1f} | "
        f"{max(queries):>7} | ≤10 q: {'PASS' if ok else 'FAIL'}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("-v", action="store_true", help="print each query of the bulk decision")
    args = parser.parse_args(argv)
    print("measure                  | proposals | median ms | queries | target")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            shortlist_bench._setup(tmp)
            for line in measure(proposals=size, repeats=args.repeats):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
