"""Time reviewer assignment on a synthetic call: 10,000 proposals, 200 reviewers, K = 3.

    python bench/assign.py [--proposals N] [--reviewers R] [--per-proposal K] [--repeats 3]

The pool mimics a large European conference: mostly English talks with Spanish, German, French
and a rare Portuguese minority (so some shortfalls are expected), a few hundred employers, about
half of the speakers on public mail providers, some reviewers with a max_load, a few who also
submitted talks and a few declared conflicts. Prints the median time of `assign` and PASS/FAIL
against the 10 s target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviews.domain import assignment

TARGET_SECONDS = 10.0
LANGUAGES = ("en", "es", "de", "fr", "pt")
LANGUAGE_WEIGHTS = (0.82, 0.08, 0.05, 0.04, 0.01)
# Share of reviewers reading each language besides English (everyone reads English).
READERS = {"es": 0.12, "de": 0.10, "fr": 0.06, "pt": 0.01}
TRACKS = ("web", "data", "core", "community", "education", "devops", "security", "science")
PUBLIC = ("gmail.com", "outlook.com", "proton.me", "yahoo.com", "gmx.de", "web.de", "icloud.com")


def _employers(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(affiliation as people type it, email domain) pairs."""
    out = []
    for i in range(n):
        name = f"Company {i:03d}"
        written = rng.choice((name, name.upper(), f"{name}, Inc.", f"  {name.lower()} "))
        out.append((written, f"company{i:03d}.example"))
    return out


def _person(rng: random.Random, employers: list[tuple[str, str]], n: int) -> tuple[str, str]:
    """(email, affiliation) with a realistic share of public addresses and empty affiliations."""
    if rng.random() < 0.25:
        return f"person{n}@{rng.choice(PUBLIC)}", ""
    affiliation, domain = rng.choice(employers)
    host = rng.choice(PUBLIC) if rng.random() < 0.4 else domain
    return f"person{n}@{host}", affiliation


def generate(
    *, proposals: int, reviewers: int, seed: int = 7
) -> tuple[list[assignment.ProposalProfile], list[assignment.ReviewerProfile]]:
    rng = random.Random(seed)
    employers = _employers(rng, 300)
    revs = []
    for i in range(reviewers):
        email, affiliation = _person(rng, employers, 100_000 + i)
        langs = {"en"} | {lang for lang, share in READERS.items() if rng.random() < share}
        revs.append(
            assignment.ReviewerProfile(
                key=f"rev{i:04d}",
                languages=frozenset(langs),
                tracks=frozenset(rng.sample(TRACKS, rng.choice((0, 1, 2, 2, 3)))),
                max_load=rng.choice((40, 80, 120)) if rng.random() < 0.15 else None,
                email=email,
                affiliation=affiliation,
                conflicts=frozenset(
                    f"P{rng.randrange(proposals):05d}" for _ in range(rng.choice((0, 0, 1, 3)))
                ),
            )
        )
    props = []
    for i in range(proposals):
        speakers = [_person(rng, employers, i * 4 + s) for s in range(rng.choice((1, 1, 1, 2, 3)))]
        if rng.random() < 0.005 and revs:
            # Reviewers submit talks too.
            speakers.append((rng.choice(revs).email.upper(), ""))
        props.append(
            assignment.ProposalProfile(
                key=f"P{i:05d}",
                language=rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0],
                track=rng.choice(TRACKS),
                speaker_emails=tuple(e for e, _ in speakers),
                speaker_affiliations=tuple(a for _, a in speakers if a),
            )
        )
    return props, revs


class Result(TypedDict):
    proposals: int
    reviewers: int
    per_proposal: int
    seconds_median: float
    seconds: list[float]
    new_assignments: int
    load_min: int
    load_max: int
    uncapped_load_min: int
    uncapped_load_max: int
    shortfalls: int
    shortfall_examples: list[str]
    target_seconds: float
    passed: bool


def run(*, proposals: int, reviewers: int, repeats: int, per_proposal: int = 3) -> Result:
    props, revs = generate(proposals=proposals, reviewers=reviewers)
    timings = []
    plan = None
    for _ in range(max(repeats, 1)):
        started = time.perf_counter()
        plan = assignment.assign(proposals=props, reviewers=revs, per_proposal=per_proposal)
        timings.append(time.perf_counter() - started)
    assert plan is not None
    loads = list(plan.loads.values())
    uncapped = [plan.loads[r.key] for r in revs if r.max_load is None]
    median = statistics.median(timings)
    return {
        "proposals": proposals,
        "reviewers": reviewers,
        "per_proposal": per_proposal,
        "seconds_median": median,
        "seconds": timings,
        "new_assignments": len(plan.new),
        "load_min": min(loads, default=0),
        "load_max": max(loads, default=0),
        "uncapped_load_min": min(uncapped, default=0),
        "uncapped_load_max": max(uncapped, default=0),
        "shortfalls": len(plan.shortfalls),
        "shortfall_examples": [
            f"{s.proposal}: {s.got}/{s.wanted}, " + "; ".join(s.reasons)
            for s in plan.shortfalls[:3]
        ],
        "target_seconds": TARGET_SECONDS,
        "passed": median < TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--per-proposal", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(
        proposals=args.proposals,
        reviewers=args.reviewers,
        repeats=args.repeats,
        per_proposal=args.per_proposal,
    )
    print(
        f"assign: {result['proposals']} proposals, {result['reviewers']} reviewers, "
        f"K={result['per_proposal']}"
    )
    print(
        f"  median {result['seconds_median']:.3f} s over {len(result['seconds'])} runs "
        f"({', '.join(f'{t:.3f}' for t in result['seconds'])})"
    )
    print(f"  new assignments {result['new_assignments']}")
    print(f"  loads min {result['load_min']} max {result['load_max']}")
    print(
        f"  loads of reviewers without max_load: min {result['uncapped_load_min']} "
        f"max {result['uncapped_load_max']}"
    )
    print(f"  shortfalls {result['shortfalls']}")
    for line in result["shortfall_examples"]:
        print(f"    {line}")
    verdict = "PASS" if result["passed"] else "FAIL"
    print(f"{verdict}: median {result['seconds_median']:.3f} s, target < {TARGET_SECONDS:.0f} s")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
