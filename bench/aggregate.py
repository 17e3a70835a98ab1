"""Time and memory of `reviews.domain.scoring.aggregate` on a synthetic committee.

Default size is the product's hard target: 10,000 proposals x 5 reviews x 4 criteria from 200
reviewers, p_in_slots sampling included, within 5 s and 500 MB.

    python bench/aggregate.py [--proposals N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from reviews.domain import scoring

TARGET_SECONDS = 5.0
TARGET_MB = 500.0
REVIEWS_PER_PROPOSAL = 5
REVIEWERS_PER_10K = 200
CRITERIA = (
    scoring.Criterion(slug="relevance", weight=2.0, minimum=1, maximum=5),
    scoring.Criterion(slug="clarity", weight=1.0, minimum=1, maximum=5),
    scoring.Criterion(slug="originality", weight=1.0, minimum=1, maximum=5),
    scoring.Criterion(slug="overall", weight=2.0, minimum=0, maximum=10),
)


def committee(
    *, proposals: int, seed: int = 0
) -> tuple[list[scoring.ProposalInput], list[scoring.ReviewInput], dict[str, int]]:
    """A seeded committee: latent quality, reviewer leniency and noise, integer criterion scores."""
    rng = np.random.default_rng(seed)
    n_reviewers = max(REVIEWERS_PER_10K * proposals // 10_000, REVIEWS_PER_PROPOSAL)
    quality = rng.normal(0.5, 0.15, proposals)
    leniency = rng.normal(0.0, 0.1, n_reviewers)
    proposal_rows = [
        scoring.ProposalInput(key=f"P{i:06d}", track=f"track-{i % 4}") for i in range(proposals)
    ]
    reviews: list[scoring.ReviewInput] = []
    assigned = {f"R{j:04d}": 0 for j in range(n_reviewers)}
    for i in range(proposals):
        chosen = rng.choice(n_reviewers, size=REVIEWS_PER_PROPOSAL, replace=False)
        latent = quality[i] + leniency[chosen] + rng.normal(0.0, 0.1, REVIEWS_PER_PROPOSAL)
        noise = rng.normal(0.0, 0.05, (REVIEWS_PER_PROPOSAL, len(CRITERIA)))
        confidence = rng.integers(1, 6, REVIEWS_PER_PROPOSAL)
        for k, j in enumerate(chosen):
            scores = {}
            for c_idx, c in enumerate(CRITERIA):
                x = np.clip(latent[k] + noise[k, c_idx], 0.0, 1.0)
                scores[c.slug] = float(round(c.minimum + x * (c.maximum - c.minimum)))
            reviewer = f"R{j:04d}"
            assigned[reviewer] += 1
            reviews.append(
                scoring.ReviewInput(
                    proposal=proposal_rows[i].key,
                    reviewer=reviewer,
                    scores=scores,
                    confidence=int(confidence[k]),
                )
            )
    return proposal_rows, reviews, assigned


def run(*, proposals: int, repeats: int) -> dict[str, float]:
    """Build the committee once, then time `aggregate` `repeats` times; memory on the last run."""
    proposal_rows, reviews, assigned = committee(proposals=proposals)
    slots = max(1, proposals // 10)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        scoring.aggregate(
            criteria=CRITERIA,
            proposals=proposal_rows,
            reviews=reviews,
            slots=slots,
            required_reviews=3,
            assigned=assigned,
        )
        seconds.append(time.perf_counter() - start)
    tracemalloc.start()
    scoring.aggregate(
        criteria=CRITERIA,
        proposals=proposal_rows,
        reviews=reviews,
        slots=slots,
        required_reviews=3,
        assigned=assigned,
    )
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # ru_maxrss is in KiB on Linux: the whole process, inputs and interpreter included.
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "proposals": float(proposals),
        "reviews": float(len(reviews)),
        "reviewers": float(len(assigned)),
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "tracemalloc_peak_mb": traced_peak / 2**20,
        "rss_peak_mb": rss_peak,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    r = run(proposals=args.proposals, repeats=args.repeats)
    time_ok = r["median_s"] <= TARGET_SECONDS
    memory_ok = max(r["tracemalloc_peak_mb"], r["rss_peak_mb"]) <= TARGET_MB
    print(
        f"aggregate: {int(r['proposals'])} proposals, {int(r['reviews'])} reviews, "
        f"{int(r['reviewers'])} reviewers, {len(CRITERIA)} criteria, {args.repeats} runs"
    )
    print(f"{'metric':<24}{'value':>12}{'target':>12}  result")
    print(
        f"{'time median (s)':<24}{r['median_s']:>12.3f}{TARGET_SECONDS:>12.1f}  "
        f"{'PASS' if time_ok else 'FAIL'}"
    )
    print(f"{'time min / max (s)':<24}{r['min_s']:>6.3f} / {r['max_s']:.3f}")
    print(
        f"{'tracemalloc peak (MB)':<24}{r['tracemalloc_peak_mb']:>12.1f}{TARGET_MB:>12.0f}  "
        f"{'PASS' if r['tracemalloc_peak_mb'] <= TARGET_MB else 'FAIL'}"
    )
    print(
        f"{'process max RSS (MB)':<24}{r['rss_peak_mb']:>12.1f}{TARGET_MB:>12.0f}  "
        f"{'PASS' if r['rss_peak_mb'] <= TARGET_MB else 'FAIL'}"
    )
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
