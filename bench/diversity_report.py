"""Time `diversity.domain.funnel.build_report` on a synthetic call.

Default size is the product's target: 10,000 proposals with one to three speakers each, ten
dimensions (three self-identification questions, seven programme attributes), within 2 s.
Besides a first report it times a refresh: the same call after 40 decisions and 10 withdrawn
answers, audited against the first snapshot (the costlier path, with the two snapshots solved
together).

    python bench/diversity_report.py [--proposals N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from diversity.domain import funnel
from diversity.domain.funnel import Stage

TARGET_SECONDS = 2.0
K = 10

DIMENSIONS = (
    funnel.Dimension(
        slug="gender",
        label="Gender",
        values=("woman", "man", "non-binary", "self-describe", "prefer-not-to-say"),
        protected=True,
    ),
    funnel.Dimension(
        slug="under_represented",
        label="Under-represented group",
        values=("yes", "no", "prefer-not-to-say"),
        protected=True,
    ),
    funnel.Dimension(
        slug="caregiver",
        label="Caring responsibilities",
        values=("yes", "no", "prefer-not-to-say"),
        protected=True,
    ),
    funnel.Dimension(
        slug="first_time", label="First-time speaker", values=("yes", "no"), protected=False
    ),
    funnel.Dimension(slug="mentor", label="Wants a mentor", values=("yes", "no"), protected=False),
    funnel.Dimension(
        slug="eal", label="English as an additional language", values=("yes", "no"), protected=False
    ),
    funnel.Dimension(
        slug="region",
        label="Region",
        values=("africa", "asia", "europe", "latin-america", "north-america", "oceania"),
        protected=False,
    ),
    funnel.Dimension(
        slug="language",
        label="Talk language",
        values=("en", "es", "fr", "de", "pt"),
        protected=False,
    ),
    funnel.Dimension(
        slug="level",
        label="Level",
        values=("beginner", "intermediate", "advanced"),
        protected=False,
    ),
    funnel.Dimension(
        slug="track",
        label="Track",
        values=tuple(f"track-{i}" for i in range(8)),
        protected=False,
    ),
)
# Answer frequencies; "" (not answered) last. Skewed so that small groups exist at every size.
WEIGHTS = {
    "gender": (30, 52, 3, 0.5, 4, 10),
    "under_represented": (18, 60, 6, 16),
    "caregiver": (20, 55, 5, 20),
    "first_time": (35, 65),
    "mentor": (15, 85),
    "eal": (45, 55),
    "region": (3, 8, 55, 6, 25, 3),
    "language": (88, 5, 3, 2, 2),
    "level": (35, 45, 20),
    "track": (20, 18, 15, 12, 12, 10, 8, 5),
}


def synthetic_call(*, proposals: int, seed: int = 0) -> list[funnel.Unit]:
    """Speakers of `proposals` proposals with stages from a noisy calibrated score."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(0.0, 1.0, proposals)
    order = np.argsort(-quality)
    rank = np.empty(proposals, dtype=int)
    rank[order] = np.arange(proposals)
    cut_rank = int(proposals * 0.25)
    cut_score = quality[order[cut_rank - 1]] if cut_rank else 0.0
    # Chairs mostly accept above the cut, with some curation around it.
    curated = quality + rng.normal(0.0, 0.3, proposals)
    curated_order = np.argsort(-curated)
    decision = np.zeros(proposals, dtype=int)  # 0 rejected, 1 accepted, 2 waitlisted
    decision[curated_order[: int(proposals * 0.2)]] = 1
    decision[curated_order[int(proposals * 0.2) : int(proposals * 0.28)]] = 2
    choices = {
        d.slug: (
            [*d.values, ""] if d.protected else list(d.values),
            np.array(WEIGHTS[d.slug], dtype=float) / sum(WEIGHTS[d.slug]),
        )
        for d in DIMENSIONS
    }
    units: list[funnel.Unit] = []
    for p in range(proposals):
        stages = {Stage.SUBMITTED}
        if rank[p] < cut_rank:
            stages.add(Stage.ABOVE_CUT)
        if decision[p] == 1:
            stages.add(Stage.ACCEPTED)
        elif decision[p] == 2:
            stages.add(Stage.WAITLISTED)
        proposal_values = {
            slug: str(rng.choice(choices[slug][0], p=choices[slug][1]))
            for slug in ("language", "level", "track")
        }
        for s in range(int(rng.choice([1, 1, 1, 1, 2, 2, 3]))):
            values = dict(proposal_values)
            for slug in ("gender", "under_represented", "caregiver", "first_time", "mentor"):
                values[slug] = str(rng.choice(choices[slug][0], p=choices[slug][1]))
            for slug in ("eal", "region"):
                values[slug] = str(rng.choice(choices[slug][0], p=choices[slug][1]))
            units.append(
                funnel.Unit(
                    key=f"P{p:06d}-S{s}",
                    stages=frozenset(stages),
                    values=values,
                    proposal=f"P{p:06d}",
                    score_margin=float(quality[p] - cut_score),
                )
            )
    return units


def later(
    units: list[funnel.Unit], *, seed: int = 1
) -> tuple[list[funnel.Unit], dict[str, set[str]]]:
    """The same call after 40 more acceptances and 10 withdrawals of self-identification."""
    rng = np.random.default_rng(seed)
    changed = list(units)
    rejected = [i for i, u in enumerate(units) if Stage.ACCEPTED not in u.stages]
    for i in rng.choice(rejected, size=min(40, len(rejected)), replace=False):
        u = changed[i]
        changed[i] = dataclasses.replace(
            u, stages=frozenset((u.stages - {Stage.WAITLISTED}) | {Stage.ACCEPTED})
        )
    answered = [i for i, u in enumerate(units) if u.values["gender"]]
    protected = [d.slug for d in DIMENSIONS if d.protected]
    withdrawn: dict[str, set[str]] = {slug: set() for slug in protected}
    for i in rng.choice(answered, size=min(10, len(answered)), replace=False):
        u = changed[i]
        changed[i] = dataclasses.replace(u, values={**u.values, **dict.fromkeys(protected, "")})
        for slug in protected:
            if u.values[slug]:
                withdrawn[slug].add(u.key)
    return changed, withdrawn


def _median_seconds(repeats: int, action: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds. The report is single-threaded, so on a quiet machine the two
    agree; on a shared one the CPU figure is the one that says what the code costs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run(*, proposals: int, repeats: int) -> dict[str, float | int | bool]:
    """Time a first report and a refresh; medians of `repeats` runs each."""
    units = synthetic_call(proposals=proposals)
    targets = {("gender", "woman"): 0.4, ("first_time", "yes"): 0.35}

    def first() -> funnel.FunnelReport:
        return funnel.build_report(units=units, dimensions=DIMENSIONS, targets=targets, k=K)

    report = first()
    first_wall, first_cpu = _median_seconds(repeats, first)
    changed, withdrawn = later(units)

    def refresh() -> funnel.FunnelReport:
        return funnel.build_report(
            units=changed,
            dimensions=DIMENSIONS,
            targets=targets,
            k=K,
            previous=report.snapshot,
            answers_changed=withdrawn,
        )

    refreshed = refresh()
    refresh_wall, refresh_cpu = _median_seconds(repeats, refresh)
    protected = [d for d in report.dimensions if d.dimension.protected]
    hidden = sum(c.count is None for d in protected for c in d.cells)
    cells = sum(len(d.cells) for d in protected)
    return {
        "proposals": proposals,
        "units": len(units),
        "dimensions": len(DIMENSIONS),
        "first_report_wall_seconds": round(first_wall, 3),
        "first_report_cpu_seconds": round(first_cpu, 3),
        "refresh_wall_seconds": round(refresh_wall, 3),
        "refresh_cpu_seconds": round(refresh_cpu, 3),
        "target_seconds": TARGET_SECONDS,
        "hidden_cells": hidden,
        "protected_cells": cells,
        "gaps": sum(len(d.gaps) for d in report.dimensions),
        "refresh_held": refreshed.held,
        "within_target": max(first_cpu, refresh_cpu) <= TARGET_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result = run(proposals=args.proposals, repeats=args.repeats)
    print(json.dumps(result, indent=2))
    if not result["within_target"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
