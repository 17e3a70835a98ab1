"""One review's scores: the call's criteria, what a review must score, its 0..10 review score.

The scoring screen and the importer check a review with :func:`score_problem` before recording
it; :func:`review_score` is the weighted number the model and every list work with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reviews.domain.scoring.arrays import FloatArray

SCALE = 10.0


@dataclass(frozen=True, slots=True)
class Criterion:
    slug: str
    weight: float
    minimum: float
    maximum: float


def review_score(*, scores: Mapping[str, float], criteria: Sequence[Criterion]) -> float:
    """One review's score on 0..10: weighted mean of the criteria, each rescaled to 0..1.

    Raises ValueError for missing or unknown criteria and for scores outside a criterion's scale,
    because a silently dropped criterion would change the ranking without anyone noticing.
    """
    check_criteria(criteria)
    raw = raw_matrix([scores], criteria)
    return float(review_scores(raw, criteria)[0])


@dataclass(frozen=True, slots=True)
class ScoreProblem:
    """What is wrong with one review's scores: ``kind`` is "unknown", "missing" or "range"."""

    kind: str
    criterion: str


def score_problem(
    *, scores: Mapping[str, float], criteria: Sequence[Criterion]
) -> ScoreProblem | None:
    """The first thing wrong with a review's scores, or None when it can be recorded.

    Every criterion needs a score and no other key may appear; each score is a whole number
    within its criterion's scale. The scoring screen and the importer word the answer their way.
    """
    known = {c.slug for c in criteria}
    unknown = sorted(set(scores) - known)
    if unknown:
        return ScoreProblem(kind="unknown", criterion=unknown[0])
    missing = sorted(known - set(scores))
    if missing:
        return ScoreProblem(kind="missing", criterion=missing[0])
    for c in criteria:
        value = scores[c.slug]
        if not c.minimum <= value <= c.maximum or value != int(value):
            return ScoreProblem(kind="range", criterion=c.slug)
    return None


def check_criteria(criteria: Sequence[Criterion]) -> None:
    if not criteria:
        raise ValueError("at least one criterion is needed to score a review")
    slugs = [c.slug for c in criteria]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"criterion slugs must be unique, got {sorted(slugs)}")
    for c in criteria:
        if not (math.isfinite(c.minimum) and math.isfinite(c.maximum) and c.maximum > c.minimum):
            raise ValueError(f"criterion {c.slug!r} needs finite minimum < maximum")
        if not (math.isfinite(c.weight) and c.weight >= 0):
            raise ValueError(f"criterion {c.slug!r} needs a finite, non-negative weight")
    if sum(c.weight for c in criteria) <= 0:
        raise ValueError("criterion weights must not all be zero")


def raw_matrix(
    score_maps: Sequence[Mapping[str, float]], criteria: Sequence[Criterion]
) -> FloatArray:
    slugs = [c.slug for c in criteria]
    known = set(slugs)
    try:
        raw = np.array([[s[slug] for slug in slugs] for s in score_maps], dtype=np.float64)
    except KeyError as missing:
        raise ValueError(f"a review has no score for criterion {missing.args[0]!r}") from None
    raw = raw.reshape(len(score_maps), len(slugs))
    for s in score_maps:
        if len(s) != len(slugs) or not known.issuperset(s):
            unknown = sorted(set(s) - known)
            raise ValueError(f"a review scores unknown criteria {unknown}")
    lo = np.array([c.minimum for c in criteria])
    hi = np.array([c.maximum for c in criteria])
    bad = ~((raw >= lo) & (raw <= hi))  # also catches NaN
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        c = criteria[col]
        raise ValueError(
            f"score {raw[row, col]} for {c.slug!r} is outside {c.minimum}..{c.maximum}"
        )
    return raw


def review_scores(raw: FloatArray, criteria: Sequence[Criterion]) -> FloatArray:
    lo = np.array([c.minimum for c in criteria])
    hi = np.array([c.maximum for c in criteria])
    weight = np.array([c.weight for c in criteria])
    normalised = (raw - lo) / (hi - lo)
    result: FloatArray = SCALE * (normalised @ weight) / weight.sum()
    return result
