"""The whole call: every review in, each proposal's statistics, calibrated score, interval, rank
and chance to land in the slots out, with each reviewer's offset and the committee's agreement.

Everything here is plain numpy/scipy on in-memory values; the Django layer loads the rows, calls
:func:`aggregate`, and stores the result.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from types import MappingProxyType

import numpy as np

from reviews.domain.scoring.agreement import Agreement, interval_alpha
from reviews.domain.scoring.arrays import FloatArray, IntArray, group_sum
from reviews.domain.scoring.criteria import Criterion, check_criteria, raw_matrix, review_scores
from reviews.domain.scoring.model import fit_model, top_share

UNDER_REVIEWED = "under_reviewed"
HIGH_DISAGREEMENT = "high_disagreement"
LOW_CONFIDENCE = "low_confidence"

# Thresholds on the 0..10 review-score scale; docs/scoring-model.md explains them to chairs.
DISAGREEMENT_SPREAD = 4.0
DISAGREEMENT_STD = 2.0
LOW_CONFIDENCE_MEAN = 2.0

DEFAULT_CONFIDENCE = 3
MIN_CONFIDENCE = 1
MAX_CONFIDENCE = 5

_RANK_DECIMALS = 9
INTERVAL_LEVEL = 0.90
_Z = NormalDist().inv_cdf(0.5 + INTERVAL_LEVEL / 2)


@dataclass(frozen=True, slots=True)
class ProposalInput:
    key: str
    track: str = ""


@dataclass(frozen=True, slots=True)
class ReviewInput:
    proposal: str
    reviewer: str
    scores: Mapping[str, float]
    confidence: int | None = None  # 1..5; None counts as 3


@dataclass(frozen=True, slots=True)
class ProposalAggregate:
    key: str
    review_count: int
    mean: float | None
    median: float | None
    weighted_total: float | None
    std: float | None
    spread: float | None
    calibrated: float | None
    low: float | None
    high: float | None
    rank: int | None
    p_in_slots: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewerAggregate:
    key: str
    review_count: int
    assigned: int
    completion: float
    mean_given: float | None
    offset: float | None
    offset_low: float | None
    offset_high: float | None


@dataclass(frozen=True, slots=True)
class AggregateResult:
    proposals: tuple[ProposalAggregate, ...]
    reviewers: tuple[ReviewerAggregate, ...]
    agreement: Agreement


def aggregate(
    *,
    criteria: Sequence[Criterion],
    proposals: Sequence[ProposalInput],
    reviews: Sequence[ReviewInput],
    slots: int,
    required_reviews: int,
    assigned: Mapping[str, int] | None = None,
    seed: int = 0,
    samples: int = 1000,
) -> AggregateResult:
    """Aggregate every review of a call.

    Deterministic: inputs are sorted by key internally and the sampler is seeded, so the same set
    of reviews in any order gives the identical result. `assigned` maps reviewer key to the number
    of proposals assigned (None: assume each reviewer was assigned what they reviewed).
    `samples=0` skips the simulation behind p_in_slots (left None).
    """
    check_criteria(criteria)
    if slots < 0 or required_reviews < 0 or samples < 0:
        raise ValueError("slots, required_reviews and samples must not be negative")
    proposal_list = sorted(proposals, key=lambda p: p.key)
    keys = [p.key for p in proposal_list]
    if len(set(keys)) != len(keys):
        raise ValueError("proposal keys must be unique")
    index_of = {k: i for i, k in enumerate(keys)}
    review_list = sorted(reviews, key=lambda rv: (rv.proposal, rv.reviewer))
    for before, after in itertools.pairwise(review_list):
        if (before.proposal, before.reviewer) == (after.proposal, after.reviewer):
            raise ValueError(f"{after.reviewer!r} reviewed {after.proposal!r} twice")
    unknown = {rv.proposal for rv in review_list} - index_of.keys()
    if unknown:
        raise ValueError(f"reviews refer to unknown proposals {sorted(unknown)}")

    raw = raw_matrix([rv.scores for rv in review_list], criteria)
    y = review_scores(raw, criteria)
    totals = raw @ np.array([c.weight for c in criteria])
    confidence = np.array([_confidence(rv) for rv in review_list], dtype=np.float64)
    p_idx = np.array([index_of[rv.proposal] for rv in review_list], dtype=np.intp)
    reviewer_keys = sorted({rv.reviewer for rv in review_list} | set(assigned or {}))
    reviewer_of = {k: i for i, k in enumerate(reviewer_keys)}
    r_idx = np.array([reviewer_of[rv.reviewer] for rv in review_list], dtype=np.intp)

    n_p, n_r = len(keys), len(reviewer_keys)
    stats = _proposal_statistics(p_idx, y, totals, confidence, n_p)
    calibrated = np.full(n_p, np.nan)
    calibrated_var = np.full(n_p, np.nan)
    offset = np.full(n_r, np.nan)
    offset_var = np.full(n_r, np.nan)
    p_in_slots = np.full(n_p, np.nan)
    if len(review_list):
        p_used, p_dense = np.unique(p_idx, return_inverse=True)
        r_used, r_dense = np.unique(r_idx, return_inverse=True)
        fit = fit_model(proposal=p_dense, reviewer=r_dense, y=y, weight=confidence / 3.0)
        if samples:
            p_in_slots[p_used] = top_share(fit=fit, slots=slots, samples=samples, seed=seed)
        calibrated[p_used] = fit.quality_mean
        calibrated_var[p_used] = fit.quality_var
        offset[r_used] = fit.offset_mean
        offset_var[r_used] = np.diag(fit.offset_cov)

    # Rounding first makes "equal up to floating-point noise" a tie, so identical evidence is
    # ordered by key rather than by the last bit of a sum.
    rank_score = np.round(calibrated, _RANK_DECIMALS)
    ranked = sorted(
        (i for i in range(n_p) if stats.count[i]), key=lambda i: (-rank_score[i], keys[i])
    )
    rank = {i: position for position, i in enumerate(ranked, start=1)}
    proposal_rows = [
        _proposal_row(
            key=keys[i],
            i=i,
            stats=stats,
            calibrated=calibrated,
            calibrated_var=calibrated_var,
            rank=rank.get(i),
            p_in_slots=p_in_slots,
            required_reviews=required_reviews,
        )
        for i in [*ranked, *(i for i in range(n_p) if not stats.count[i])]
    ]

    given_count = np.bincount(r_idx, minlength=n_r)
    given_sum = group_sum(r_idx, y, n_r)
    reviewer_rows = [
        _reviewer_row(
            key=key,
            count=int(given_count[j]),
            assigned=(int(given_count[j]) if assigned is None else int(assigned.get(key, 0))),
            mean_given=float(given_sum[j] / given_count[j]) if given_count[j] else None,
            offset=float(offset[j]),
            offset_var=float(offset_var[j]),
        )
        for j, key in enumerate(reviewer_keys)
    ]

    tracks = np.array([p.track for p in proposal_list], dtype=object)
    per_track: dict[str, float | None] = {}
    for track in sorted({p.track for p in proposal_list} - {""}):
        in_track = tracks[p_idx] == track
        per_track[track] = interval_alpha(units=p_idx[in_track], values=y[in_track])
    agreement = Agreement(
        alpha=interval_alpha(units=p_idx, values=y), per_track=MappingProxyType(per_track)
    )
    return AggregateResult(
        proposals=tuple(proposal_rows), reviewers=tuple(reviewer_rows), agreement=agreement
    )


def _confidence(review: ReviewInput) -> int:
    value = DEFAULT_CONFIDENCE if review.confidence is None else review.confidence
    if not MIN_CONFIDENCE <= value <= MAX_CONFIDENCE:
        raise ValueError(
            f"confidence {value} of {review.reviewer!r} on {review.proposal!r} is outside "
            f"{MIN_CONFIDENCE}..{MAX_CONFIDENCE}"
        )
    return value


@dataclass(frozen=True, slots=True, eq=False)
class _ProposalStatistics:
    count: IntArray
    mean: FloatArray
    median: FloatArray
    total: FloatArray
    std: FloatArray
    spread: FloatArray
    confidence: FloatArray


def _proposal_statistics(
    p: IntArray, y: FloatArray, totals: FloatArray, confidence: FloatArray, n_p: int
) -> _ProposalStatistics:
    """Per-proposal descriptive statistics of the review scores, grouped without Python loops."""
    count = np.bincount(p, minlength=n_p)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = group_sum(p, y, n_p) / count
        total = group_sum(p, totals, n_p) / count
        mean_confidence = group_sum(p, confidence, n_p) / count
        squares = group_sum(p, (y - mean[p]) ** 2, n_p)
        std = np.where(count >= 2, np.sqrt(squares / (count - 1)), np.nan)
    order = np.lexsort((y, p))
    y_sorted = y[order]
    starts = np.cumsum(count) - count
    has = count > 0
    lower = y_sorted[(starts + (count - 1) // 2)[has]]
    upper = y_sorted[(starts + count // 2)[has]]
    median = np.full(n_p, np.nan)
    median[has] = (lower + upper) / 2
    spread = np.full(n_p, np.nan)
    spread[has] = y_sorted[(starts + count - 1)[has]] - y_sorted[starts[has]]
    return _ProposalStatistics(count, mean, median, total, std, spread, mean_confidence)


def _maybe(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _proposal_row(
    *,
    key: str,
    i: int,
    stats: _ProposalStatistics,
    calibrated: FloatArray,
    calibrated_var: FloatArray,
    rank: int | None,
    p_in_slots: FloatArray,
    required_reviews: int,
) -> ProposalAggregate:
    count = int(stats.count[i])
    flags = []
    if count < required_reviews or count == 0:
        flags.append(UNDER_REVIEWED)
    if count and (
        stats.spread[i] > DISAGREEMENT_SPREAD or (count >= 2 and stats.std[i] > DISAGREEMENT_STD)
    ):
        flags.append(HIGH_DISAGREEMENT)
    if count and stats.confidence[i] <= LOW_CONFIDENCE_MEAN:
        flags.append(LOW_CONFIDENCE)
    centre = _maybe(calibrated[i])
    half = _Z * math.sqrt(calibrated_var[i]) if centre is not None else math.nan
    return ProposalAggregate(
        key=key,
        review_count=count,
        mean=_maybe(stats.mean[i]),
        median=_maybe(stats.median[i]),
        weighted_total=_maybe(stats.total[i]),
        std=_maybe(stats.std[i]),
        spread=_maybe(stats.spread[i]),
        calibrated=centre,
        low=None if centre is None else centre - half,
        high=None if centre is None else centre + half,
        rank=rank,
        p_in_slots=_maybe(p_in_slots[i]),
        flags=tuple(sorted(flags)),
    )


def _reviewer_row(
    *,
    key: str,
    count: int,
    assigned: int,
    mean_given: float | None,
    offset: float,
    offset_var: float,
) -> ReviewerAggregate:
    completion = 1.0 if assigned <= 0 else min(1.0, count / assigned)
    centre = _maybe(offset)
    half = _Z * math.sqrt(offset_var) if centre is not None else math.nan
    return ReviewerAggregate(
        key=key,
        review_count=count,
        assigned=assigned,
        completion=completion,
        mean_given=mean_given,
        offset=centre,
        offset_low=None if centre is None else centre - half,
        offset_high=None if centre is None else centre + half,
    )
