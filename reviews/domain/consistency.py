"""The consistency experiment's report (issue 22): would a second committee pick the same talks?

A random share of proposals was reviewed by two disjoint reviewer pools
(``reviews.domain.assignment.pools``). Here each pool's verdict is computed *as if it had been
the only committee* for those proposals: the calibrated model is fitted twice, once without pool
B's reviews of the duplicated proposals (pool A's verdict) and once without pool A's (pool B's);
every other review counts in both. A proposal is *accepted* by a pool when it ranks within the
slots in that pool's fit. Pure Python: the service loads reviews and calls :func:`report`.

- **Agreement**: the share of duplicated proposals on which both pools give the same verdict,
  with a Wilson score interval (90 % by default; the bench checks it covers the true agreement
  in 85-95 % of simulated calls).
- **Re-run change**: a Monte Carlo estimate of the share of today's shortlist that a fresh
  committee would replace. Each draw takes a plausible true quality for every proposal from the
  model (its calibrated score and interval), adds a new committee's error of the same size, and
  counts how many of today's slots-best would fall out of the new slots-best.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reviews.domain import scoring

Z90 = 1.6448536269514722


@dataclass(frozen=True, slots=True)
class Verdict:
    proposal: str
    score_a: float | None  # calibrated score in pool A's fit
    score_b: float | None
    accepted_a: bool
    accepted_b: bool

    @property
    def agree(self) -> bool:
        return self.accepted_a == self.accepted_b


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Report:
    duplicated: int
    compared: int  # duplicated proposals that both pools reviewed
    verdicts: tuple[Verdict, ...]
    agreement: Interval | None
    # Of those accepted by at least one pool, the share accepted by both.
    accepted_overlap: float | None
    rerun_change: Interval | None
    slots: int
    level: float
    reading: str


def wilson(successes: int, n: int, *, level: float = 0.90) -> Interval:
    """The Wilson score interval for a proportion."""
    if n <= 0:
        raise ValueError("no observations")
    z = _z(level)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def split_reviews(
    reviews: Sequence[scoring.ReviewInput],
    *,
    duplicated: Collection[str],
    pool_of: Callable[[str], int],
) -> tuple[list[scoring.ReviewInput], list[scoring.ReviewInput]]:
    """Pool A's and pool B's view: every review, less the other pool's on duplicated ones."""
    dup = set(duplicated)
    a = [r for r in reviews if r.proposal not in dup or pool_of(r.reviewer) == 0]
    b = [r for r in reviews if r.proposal not in dup or pool_of(r.reviewer) == 1]
    return a, b


def _accepted(result: scoring.AggregateResult, slots: int) -> dict[str, tuple[float | None, bool]]:
    return {p.key: (p.calibrated, p.rank is not None and p.rank <= slots) for p in result.proposals}


def verdicts(
    fit_a: scoring.AggregateResult,
    fit_b: scoring.AggregateResult,
    *,
    duplicated: Collection[str],
    slots: int,
    reviewed_by_both: Collection[str],
) -> tuple[Verdict, ...]:
    a, b = _accepted(fit_a, slots), _accepted(fit_b, slots)
    return tuple(
        Verdict(key, a[key][0], b[key][0], a[key][1], b[key][1])
        for key in sorted(set(duplicated) & set(reviewed_by_both))
        if key in a and key in b
    )


def rerun_change(
    *,
    calibrated: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    slots: int,
    draws: int = 2000,
    seed: int = 0,
    level: float = 0.90,
) -> Interval | None:
    """The share of today's shortlist a new committee would replace (mean, and the middle
    `level` of the draws)."""
    mu = np.asarray(calibrated, dtype=np.float64)
    n = len(mu)
    if n <= slots or slots < 1:
        return None
    sd = np.maximum((np.asarray(high) - np.asarray(low)) / (2 * Z90), 1e-9)
    today = np.zeros(n, dtype=bool)
    today[np.argsort(-mu, kind="stable")[:slots]] = True
    rng = np.random.default_rng(seed)
    quality = mu + sd * rng.standard_normal((draws, n))
    again = quality + sd * rng.standard_normal((draws, n))
    top = np.argpartition(-again, slots - 1, axis=1)[:, :slots]
    kept = today[top].sum(axis=1)
    change = 1.0 - kept / slots
    tail = (1 - level) / 2
    return Interval(
        float(change.mean()), float(np.quantile(change, tail)), float(np.quantile(change, 1 - tail))
    )


def reading(report_agreement: Interval | None, change: Interval | None, *, slots: int) -> str:
    """What the numbers mean, in words a chair can repeat to the committee."""
    parts = []
    if report_agreement is None:
        parts.append(
            "No duplicated proposal has been reviewed by both pools yet, so there is nothing "
            "to compare."
        )
    else:
        a = report_agreement
        parts.append(
            f"The two pools agreed on accept or reject for {a.estimate:.0%} of the duplicated "
            f"proposals (plausibly between {a.low:.0%} and {a.high:.0%}). If reviewing were "
            "pure chance they would agree about as often as two coin flips weighted by the "
            "acceptance rate; if it were perfect, always."
        )
    if change is not None:
        swapped = round(change.estimate * slots)
        parts.append(
            f"If the committee were run again with new reviewers, about {change.estimate:.0%} "
            f"of the shortlist would change (between {change.low:.0%} and {change.high:.0%}): "
            f"roughly {swapped} of {slots} talks. Proposals near the cut are where that "
            "happens; discuss them rather than trusting their rank."
        )
    return " ".join(parts)


def report(
    *,
    fit_all: scoring.AggregateResult,
    fit_a: scoring.AggregateResult,
    fit_b: scoring.AggregateResult,
    duplicated: Collection[str],
    reviewed_by_pool: Mapping[str, frozenset[int]],
    slots: int,
    level: float = 0.90,
    seed: int = 0,
) -> Report:
    """The chairs' report from the three fits (all reviews, pool A's view, pool B's view).

    `reviewed_by_pool` maps a duplicated proposal to the pools that have a review on it; only
    proposals reviewed by both are compared.
    """
    both = {k for k, v in reviewed_by_pool.items() if {0, 1} <= v}
    vs = verdicts(fit_a, fit_b, duplicated=duplicated, slots=slots, reviewed_by_both=both)
    agreement = wilson(sum(v.agree for v in vs), len(vs), level=level) if vs else None
    accepted_any = [v for v in vs if v.accepted_a or v.accepted_b]
    overlap = (
        sum(v.accepted_a and v.accepted_b for v in accepted_any) / len(accepted_any)
        if accepted_any
        else None
    )
    ranked = [
        p
        for p in fit_all.proposals
        if p.calibrated is not None and p.low is not None and p.high is not None
    ]
    change = rerun_change(
        calibrated=[p.calibrated or 0.0 for p in ranked],
        low=[p.low or 0.0 for p in ranked],
        high=[p.high or 0.0 for p in ranked],
        slots=slots,
        seed=seed,
        level=level,
    )
    return Report(
        duplicated=len(set(duplicated)),
        compared=len(vs),
        verdicts=vs,
        agreement=agreement,
        accepted_overlap=overlap,
        rerun_change=change,
        slots=slots,
        level=level,
        reading=reading(agreement, change, slots=slots),
    )


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    agree: bool
    label: str


@dataclass(frozen=True, slots=True)
class Scatter:
    """Pool A's calibrated score against pool B's, one dot per duplicated proposal, with each
    pool's cut (SVG geometry computed here: CSP forbids inline styles)."""

    dots: tuple[Dot, ...]
    cut_x: float | None
    cut_y: float | None
    width: int = 320
    height: int = 320
    pad: int = 30


def scatter(
    vs: Sequence[Verdict],
    *,
    cut_a: float | None,
    cut_b: float | None,
    labels: Mapping[str, str] | None = None,
    size: int = 320,
    pad: int = 30,
) -> Scatter:
    scored = [v for v in vs if v.score_a is not None and v.score_b is not None]
    values = [v.score_a or 0.0 for v in scored] + [v.score_b or 0.0 for v in scored]
    values += [c for c in (cut_a, cut_b) if c is not None]
    if not values:
        return Scatter((), None, None, size, size, pad)
    lo, hi = min(values), max(values)
    span = max(hi - lo, 1e-9)
    inner = size - 2 * pad

    def px(v: float) -> float:
        return round(pad + (v - lo) / span * inner, 1)

    def py(v: float) -> float:
        return round(size - pad - (v - lo) / span * inner, 1)

    names = labels or {}
    dots = tuple(
        Dot(px(v.score_a or 0.0), py(v.score_b or 0.0), v.agree, names.get(v.proposal, v.proposal))
        for v in scored
    )
    return Scatter(
        dots,
        px(cut_a) if cut_a is not None else None,
        py(cut_b) if cut_b is not None else None,
        size,
        size,
        pad,
    )


def cut_of(result: scoring.AggregateResult, slots: int) -> float | None:
    ranked = sorted(
        (p for p in result.proposals if p.rank is not None and p.calibrated is not None),
        key=lambda p: p.rank or 0,
    )
    if len(ranked) <= slots:
        return None
    return ((ranked[slots - 1].calibrated or 0.0) + (ranked[slots].calibrated or 0.0)) / 2


__all__ = [
    "Dot",
    "Interval",
    "Report",
    "Scatter",
    "Verdict",
    "cut_of",
    "reading",
    "report",
    "rerun_change",
    "scatter",
    "split_reviews",
    "verdicts",
    "wilson",
]
