"""The API's proposal list at 10,000 proposals, beside the shortlist page in the same run.

    python bench/api_list.py [--sizes 10000] [--requests 20]

Each size gets a fresh SQLite database, seeded as bench/shortlist.py does (5 reviews per
proposal, aggregated). In the same run, as the demo chair: the shortlist page (50 rows) through
the session, and ``GET /api/v1/calls/bench/proposals`` with a token made by the service: 50 rows
from the start, 50 rows near the end, and the largest page (500 rows). Target (issue 20): the API
list at 10,000 proposals in ≤ 10 data queries, the same count for every page (give or take the
once-a-minute write of the token's last use); its median time is
printed beside the page's (absolute times vary 2-3x between runs on these machines).
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

HEADER = "measure                       | proposals | median ms | queries | target"


def _timed(client: object, url: str, headers: dict[str, str], requests: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[float] = []
    counts: list[int] = []
    for _ in range(requests + 2):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, headers=headers)  # type: ignore[attr-defined]
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:200])
        counts.append(
            sum(
                1
                for q in captured.captured_queries
                if not q["sql"].lstrip().upper().startswith(shortlist_bench.TRANSACTION_CONTROL)
            )
        )
    return statistics.median(times[2:]), max(counts[2:])


def measure(*, proposals: int, requests: int) -> list[str]:
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from cfp import models as cfp_models
    from reviews.services import api_tokens, seed

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
    token = api_tokens.create_api_token(
        call_id=call.pk,
        username=chair.username,
        scopes=("read",),
        label="bench",
        actor_id=None,
        now=timezone.now(),
    ).secret
    auth = {"Authorization": f"Bearer {token}"}
    api = Client()
    page_ms, page_q = _timed(client, "/chair/bench/shortlist/", {}, requests)
    lines = [
        f"shortlist page (50 rows)      | {proposals:>9} | {page_ms:9.1f} | {page_q:>7} | "
        "same run, for comparison"
    ]
    base = "/api/v1/calls/bench/proposals"
    counts = []
    for label, query in (
        ("API list, first 50", "?limit=50"),
        ("API list, 50 near the end", f"?limit=50&offset={max(0, proposals - 50)}"),
        ("API list, 500 rows", "?limit=500"),
    ):
        ms, q = _timed(api, base + query, auth, requests)
        counts.append(q)
        # At most once a minute a request also records the token's last use: one more query.
        ok = q <= 10 and abs(q - counts[0]) <= 1
        lines.append(
            f"{label:<29} | {proposals:>9} | {ms:9.1f} | {q:>7} | "
            f"≤10 q, flat: {'PASS' if ok else 'FAIL'} ({ms / page_ms:.2f}× the page)"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)
    print(HEADER)
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            shortlist_bench._setup(tmp)
            for line in measure(proposals=size, requests=args.requests):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
