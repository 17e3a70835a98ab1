"""``make bench``: every benchmark, then one summary table of the quality bars.

    python bench/run_all.py [--data PATH/talks.jsonl.gz [--meta PATH/talks_meta.jsonl.gz]]

Each script also runs on its own (see its docstring). The Django benchmarks seed their own
temporary SQLite databases at 100 or 1,000 and at 10,000 proposals (10,000 proposals, 200
reviewers, 50,000 reviews for the chair pages), so the same measurements stand side by side and
query counts can be compared between sizes. With ``--data``, the leak scanner and the proposal
import also run on the real talks (they never run on the project's own data).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARS = [
    (
        "Scoring a proposal (htmx POST)",
        "≤ 6 queries, median ≤ 15 ms at 10,000",
        ["scoring_post.py"],
    ),
    (
        "Scoring screen GET at 2,000 (beside /healthz; pretalx if given)",
        "≥ 10× faster than pretalx's review page",
        ["screen_get.py"],
    ),
    (
        "Chair shortlist and dashboard, 50 rows",
        "≤ 10 queries, median ≤ 100 ms",
        ["shortlist.py"],
    ),
    (
        "Bulk decision from the shortlist, 10,000 proposals (beside the page)",
        "≤ 10 queries",
        ["bulk_decisions.py"],
    ),
    (
        "Search, shortlist and reviewer queue, 10,000 proposals (beside the page)",
        "≤ 10 queries",
        ["search.py"],
    ),
    (
        "Bidding screen GET and bid POST, 10,000 (beside /healthz)",
        "fixed queries; conflict refill queued",
        ["bidding_screen.py"],
    ),
    (
        "API proposal list, 10,000 proposals (beside the shortlist page)",
        "≤ 10 queries, flat",
        ["api_list.py"],
    ),
    ("Calibrated aggregation 10,000 × 5 × 4", "≤ 5 s, ≤ 500 MB", ["aggregate.py"]),
    ("Shortlist export, 10,000 rows", "≤ 2 s, memory flat", ["export.py"]),
    ("Reviewer assignment 10,000 × 200", "< 10 s", ["assign.py"]),
    (
        "Assignment engine 10,000 × 300 × 3, each mode",
        "≤ 60 s, ≤ 1 GB, above greedy, exact",
        ["assignment_scale.py"],
    ),
    (
        "Extra reviews: adaptive vs uniform K (60 calls; --full 200)",
        "gain's 95 % CI > 0; ≥ 20 % fewer reviews",
        ["adaptive_reviews.py"],
    ),
    (
        "Consistency experiment: 90 % interval coverage (40 sims; --full 500)",
        "true agreement inside in 85–95 %",
        ["consistency.py", "--simulations", "40"],
    ),
    ("Diversity report, 10,000 proposals", "≤ 2 s", ["diversity_report.py"]),
    ("Diversity pages and service", "≤ 2 s, fixed queries", ["diversity_web.py"]),
    (
        "Diversity release audit, 10,000 proposals, 5 refreshes",
        "newest gate ≤ 2 s CPU",
        ["diversity_audit.py"],
    ),
    ("Reviewer diff, 20,000-word reordered pair", "≤ 100 ms", ["diff_timing.py"]),
    (
        "Leak scan, ordinary vs pathological text",
        "linear, worst ≤ 3× ordinary, ≤ 50 ms at 20k",
        ["scan_timing.py"],
    ),
    (
        "Disguised identities reaching reviewers, per trick",
        "0 leaked in every class",
        ["leak_attacks.py"],
    ),
    (
        "Sign-up, log-in, reset: known vs unknown address",
        "each class's median within 25 % of unknown",
        ["auth_timing.py"],
    ),
]


REAL_TEXTS = ("scoring_post.py", "shortlist.py", "export.py")
SPLIT = {
    "shortlist.py": {
        "shortlist pages": "shortlist",
        "dashboard": "dashboard",
        "dashboard, live counts (fallback, not a bar)": "live counts",
    }
}


def _verdict(lines: list[str], code: int) -> str:
    verdicts = [line.strip() for line in lines if "PASS" in line or "FAIL" in line]
    verdicts += [
        "PASS" if '"within_target": true' in line else "FAIL"
        for line in lines
        if '"within_target"' in line
    ]
    if code != 0:
        return f"ERROR (exit {code})"
    if any("FAIL" in v for v in verdicts):
        return "FAIL"
    if verdicts:
        return "PASS"
    return "measured (see above)"


def _run(script: list[str]) -> tuple[str, float, int]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr, time.perf_counter() - start, result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="talks.jsonl(.gz) for the real-data runs")
    parser.add_argument("--meta", type=Path, help="talks_meta.jsonl(.gz) for the leak scanner")
    args = parser.parse_args(argv)
    bars = list(BARS)
    if args.data:
        # The chair and reviewer benchmarks again, with the real talks' texts in the proposals.
        for name, target, script in BARS:
            if script[0] in REAL_TEXTS:
                bars.append((f"{name} (real talks)", target, [*script, "--data", str(args.data)]))
        bars.append(
            ("Import the real talks", "< 60 s", ["import_proposals.py", "--data", str(args.data)])
        )
        bars.append(
            (
                "Reviewer affinity on the real talks (held out)",
                "median percentile ≤ 10 %",
                ["assignment_affinity.py", "--talks", str(args.data.parent)],
            )
        )
        if args.meta:
            bars.append(
                (
                    "Identity-leak scanner on the real talks",
                    "≥ 95 % flagged, ≤ 3 % false name flags",
                    ["leak_scanner.py", "--data", str(args.data), "--meta", str(args.meta)],
                )
            )
    summary = []
    for name, target, script in bars:
        path = ROOT / "bench" / script[0]
        if not path.exists():
            summary.append((name, target, "not available", 0.0))
            continue
        print(f"\n=== {name} (bench/{script[0]})", flush=True)
        output, seconds, code = _run([str(path), *script[1:]])
        print(output.rstrip(), flush=True)
        lines = output.splitlines()
        # One summary row per page where a script measures several (the shortlist's pages and
        # the dashboard have the same bar but not the same result).
        parts = SPLIT.get(script[0], {"": ""})
        for suffix, prefix in parts.items():
            chosen = [line for line in lines if line.startswith(prefix)]
            label = f"{name}: {suffix}" if suffix else name
            summary.append((label, target, _verdict(chosen, code), seconds))
    print("\n=== Quality bars")
    print(f"{'bar':<56} {'target':<40} {'result':<22} {'run s':>6}")
    for name, target, verdict, seconds in summary:
        print(f"{name:<56} {target:<40} {verdict:<22} {seconds:>6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
