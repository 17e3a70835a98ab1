"""Shortlist exports: time and peak Python memory of a download at two shortlist sizes.

    python bench/export.py [--sizes 1000 10000] [--repeat 3]

Each size gets a fresh SQLite database in a temporary folder, seeded through the project's own
seeding service and aggregated; then every proposal is put on the shortlist (accepted or
waitlisted) and identities are revealed, so each row carries its speakers (the heavier export).
Each format is downloaded through Django's test client as the demo chair and the streamed body
consumed: the median time of ``--repeat`` downloads, then one more under tracemalloc for the peak
of Python allocations. Target (PRODUCT.md): a 10,000-row export in ≤ 2 s, memory flat (the peak
must not grow with the number of rows).

The machine is shared, so each size also times a baseline in the same run: reading the same
proposals' code, title, abstract and description with ``values_list`` in chunks (the bare read
under any export), and prints every format's time as a ratio to it. Compare ratios between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import talk_texts  # noqa: E402  (after the path)

FORMATS = ("csv", "json", "xlsx")


def _setup(var_dir: str) -> None:
    os.environ["TALKREVIEW_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from config.celery import app

    app.conf.task_always_eager = False


def _download(client: object, url: str) -> int:
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, (url, response.status_code)
    return sum(len(chunk) for chunk in response.streaming_content)


def measure(*, rows: int, repeat: int) -> list[dict[str, object]]:
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from cfp import models as cfp_models
    from reviews import models
    from reviews.services import seed

    call_command("migrate", verbosity=0)
    now = timezone.now()
    result = seed.seed_demo(
        slug="bench",
        proposals=rows,
        reviewers=min(200, max(10, rows // 50)),
        seed=11,
        now=now,
        per_proposal=3,
        decisions=False,
        proposal_texts=talk_texts.from_env(),
    )  # aggregated when the seeding transaction commits
    # The submitted proposals: the demo's mentored drafts are neither decided nor exported.
    ids = list(
        cfp_models.Proposal.objects.submitted()
        .filter(call__slug="bench")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    models.Decision.objects.bulk_create(
        [
            models.Decision(
                proposal_id=pid,
                status=(models.DecisionStatus.ACCEPTED, models.DecisionStatus.WAITLISTED)[i % 2],
                version=1,
                decided_at=now,
            )
            for i, pid in enumerate(ids)
        ],
        batch_size=2000,
    )
    cfp_models.Call.objects.filter(slug="bench").update(identities_revealed_at=now)
    chair = next(u for u in result.users if u.role == "chair")
    client = Client()
    assert client.login(username=chair.username, password=chair.password)
    out: list[dict[str, object]] = []
    bare = cfp_models.Proposal.objects.filter(pk__in=ids).values_list(
        "code", "title", "abstract", "description"
    )
    base_times = []
    for _ in range(max(3, repeat)):
        start = time.perf_counter()
        sum(1 for _ in bare.iterator(chunk_size=500))
        base_times.append(time.perf_counter() - start)
    baseline = statistics.median(base_times)
    for kind in FORMATS:
        url = f"/chair/bench/export.{kind}"
        _download(client, url)  # warm up
        times = []
        size = 0
        for _ in range(repeat):
            start = time.perf_counter()
            size = _download(client, url)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        _download(client, url)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.append(
            {
                "format": kind,
                "rows": len(ids),
                "seconds": statistics.median(times),
                "baseline": baseline,
                "mb": size / 1e6,
                "peak_mb": peak / 1e6,
            }
        )
    return out


HEADER = "format | rows   | median s | baseline s | × baseline | body MB | peak Python MB | target"


def _line(r: dict[str, object]) -> str:
    ok = float(r["seconds"]) <= 2.0  # type: ignore[arg-type]
    return (
        f"{r['format']:<6} | {r['rows']:>6} | {r['seconds']:8.2f} | {r['baseline']:10.3f} | "
        f"{float(r['seconds']) / float(r['baseline']):10.1f} | {r['mb']:7.2f} | "  # type: ignore[arg-type]
        f"{r['peak_mb']:14.2f} | ≤2 s: {'PASS' if ok else 'FAIL'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="real talks (jsonl, .gz) for the texts")
    args = parser.parse_args(argv)
    talk_texts.use(args.data)
    if "_BENCH_CHILD" not in os.environ:
        print(f"proposal texts: {talk_texts.label()}")
    if len(args.sizes) > 1 and "_BENCH_CHILD" not in os.environ:
        import subprocess

        lines: list[str] = []
        for size in args.sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--sizes", str(size), "--repeat", str(args.repeat)],
                env={**os.environ, "_BENCH_CHILD": "1"},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            lines += [line for line in out.splitlines() if " | " in line and "format" not in line]
        print(HEADER)
        for line in lines:
            print(line)
        print("Memory is flat when the peak at the larger size is close to the smaller one's.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp)
        rows = measure(rows=args.sizes[0], repeat=args.repeat)
    print(HEADER)
    for r in rows:
        print(_line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
