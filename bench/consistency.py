"""The consistency experiment's agreement interval, checked against the truth (issue 22).

Each simulation is one seeded call: planted true quality per proposal, a committee of harsh,
neutral and lenient reviewers split into the experiment's two pools (``pools.pool_of``), pool A
reviewing with noise 1.0 and pool B with noise 1.6 (known noise). The experiment runs as in the
product: a random share of proposals is duplicated, the assignment engine fills both pools'
seats (``pools.solve_pooled``), and the report (``consistency.report``, three fits of the real
calibrated model) gives the pools' agreement with a 90 % Wilson interval.

The *true* agreement of that call is what the experiment estimates: the expected share of
duplicated proposals on which the pools agree, over fresh random duplicated sets and fresh
review noise with the same proposals and reviewers. It is computed by running the whole
experiment again `--replicates` times and averaging (its Monte Carlo error is printed).

Printed: how often the reported 90 % interval contains the true agreement (target: 85-95 % of
simulations), the mean interval width, and the mean re-run change of the shortlist.

    python bench/consistency.py             # 60 simulations, about a minute
    python bench/consistency.py --full      # 500 simulations
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import numpy.typing as npt

from reviews.domain import consistency, scoring
from reviews.domain.assignment import engine, pools
from reviews.domain.assignment.eligibility import ProposalProfile, ReviewerProfile

CRITERIA = (scoring.Criterion(slug="overall", weight=1.0, minimum=0, maximum=10),)
NOISE = (1.0, 1.6)  # pool A, pool B
HARSH_LENIENT = 1.2


@dataclass(frozen=True)
class Call:
    n: int
    m: int
    k: int
    slots: int
    share: float
    salt: str
    quality: npt.NDArray[np.float64]
    offsets: npt.NDArray[np.float64]
    pool: npt.NDArray[np.int64]

    def problem(self) -> engine.Problem:
        return engine.Problem(
            proposals=[
                ProposalProfile(key=f"P{i:03d}", language="en", track="") for i in range(self.n)
            ],
            reviewers=[
                ReviewerProfile(key=f"R{j:03d}", languages=frozenset({"en"}), tracks=frozenset())
                for j in range(self.m)
            ],
            per_proposal=self.k,
        )


def make_call(seed: int, *, n: int, m: int, k: int, slots: int, share: float) -> Call:
    rng = np.random.default_rng(seed)
    salt = f"bench-{seed}"
    return Call(
        n=n,
        m=m,
        k=k,
        slots=slots,
        share=share,
        salt=salt,
        quality=rng.normal(5.0, 1.2, n),
        offsets=rng.choice([-HARSH_LENIENT, 0.0, HARSH_LENIENT], m) + rng.normal(0.0, 0.3, m),
        pool=np.array([pools.pool_of(f"R{j:03d}", salt=salt) for j in range(m)], dtype=np.int64),
    )


def experiment(c: Call, rng: np.random.Generator, *, truth: bool = False) -> consistency.Report:
    """One run of the experiment on call `c`: pick, assign, review, report. For the truth's
    re-runs only the agreement is needed: the all-reviews fit is pool A's (saves a third)."""
    count = max(1, math.floor(c.n * c.share))
    duplicated = {f"P{i:03d}" for i in rng.choice(c.n, size=count, replace=False)}
    result = pools.solve_pooled(c.problem(), duplicated=duplicated, salt=c.salt)
    reviews = []
    seen: dict[str, set[int]] = {}
    for x in result.pairs:
        i, j = int(x.proposal[1:]), int(x.reviewer[1:])
        noise = NOISE[int(c.pool[j])]
        raw = c.quality[i] + c.offsets[j] + rng.normal(0.0, noise)
        reviews.append(
            scoring.ReviewInput(
                proposal=x.proposal,
                reviewer=x.reviewer,
                scores={"overall": float(np.clip(np.round(raw), 0, 10))},
            )
        )
        seen.setdefault(x.proposal, set()).add(int(c.pool[j]))
    props = [scoring.ProposalInput(key=f"P{i:03d}") for i in range(c.n)]

    def fit(rows: list[scoring.ReviewInput]) -> scoring.AggregateResult:
        return scoring.aggregate(
            criteria=CRITERIA,
            proposals=props,
            reviews=rows,
            slots=c.slots,
            required_reviews=1,
            seed=0,
            samples=200,
        )

    pool_of = {f"R{j:03d}": int(c.pool[j]) for j in range(c.m)}
    view_a, view_b = consistency.split_reviews(
        reviews, duplicated=duplicated, pool_of=pool_of.__getitem__
    )
    fit_a, fit_b = fit(view_a), fit(view_b)
    return consistency.report(
        fit_all=fit_a if truth else fit(reviews),
        fit_a=fit_a,
        fit_b=fit_b,
        duplicated=duplicated,
        reviewed_by_pool={p: frozenset(seen.get(p, set())) for p in duplicated},
        slots=c.slots,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--simulations", type=int, default=60)
    ap.add_argument("--full", action="store_true", help="500 simulations")
    ap.add_argument("--replicates", type=int, default=12)
    ap.add_argument("--proposals", type=int, default=80)
    ap.add_argument("--reviewers", type=int, default=24)
    ap.add_argument("--slots", type=int, default=20)
    ap.add_argument("--share", type=float, default=0.5)
    ap.add_argument("-k", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    sims = max(args.simulations, 500) if args.full else args.simulations
    started = time.perf_counter()
    covered = 0
    widths, errors, changes, truths = [], [], [], []
    for s in range(sims):
        c = make_call(
            args.seed + s,
            n=args.proposals,
            m=args.reviewers,
            k=args.k,
            slots=args.slots,
            share=args.share,
        )
        rng = np.random.default_rng(10_000_000 + args.seed + s)
        observed = experiment(c, rng)
        if observed.agreement is None:
            continue
        rates = []
        for _ in range(args.replicates):
            again = experiment(c, rng, truth=True)
            if again.agreement is not None:
                rates.append(again.agreement.estimate)
        truth = float(np.mean(rates))
        truths.append(truth)
        errors.append(float(np.std(rates, ddof=1)) / math.sqrt(len(rates)))
        a = observed.agreement
        covered += a.low <= truth <= a.high
        widths.append(a.high - a.low)
        if observed.rerun_change is not None:
            changes.append(observed.rerun_change.estimate)
    elapsed = time.perf_counter() - started
    done = len(truths)
    rate = covered / done
    status = "PASS" if 0.85 <= rate <= 0.95 else "FAIL"
    print(
        f"Consistency experiment: {done} simulated calls, {args.proposals} proposals, "
        f"{args.reviewers} reviewers in two pools (noise {NOISE[0]} and {NOISE[1]}; a third "
        f"harsh, a third lenient), {args.share:.0%} duplicated, K = {args.k} per pool, "
        f"{args.slots} slots; truth from {args.replicates} re-runs each; {elapsed:.0f} s"
    )
    print()
    print(
        f"Mean true agreement: {np.mean(truths):.3f} (its Monte Carlo error {np.mean(errors):.3f})"
    )
    print(f"Mean 90 % interval width: {np.mean(widths):.3f}")
    if changes:
        print(f"Mean estimated re-run change of the shortlist: {np.mean(changes):.1%}")
    print(
        f"True agreement inside the reported 90 % interval: {covered} of {done} = {rate:.1%} "
        f"(target 85-95 %): {status}"
    )


if __name__ == "__main__":
    main()
