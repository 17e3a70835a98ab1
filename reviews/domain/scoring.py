"""Score aggregation for a call: per-proposal statistics, calibrated scores, reviewer offsets.

Everything here is plain numpy/scipy on in-memory values; the Django layer loads the rows, calls
`aggregate`, and stores the result. The statistical model and its assumptions are written up for
chairs in docs/scoring-model.md; this docstring is the maintainer's summary.

Each review is first reduced to one number on a common 0..10 scale (`review_score`). The model is

    y_i = quality[p] + offset[r] + noise_i,   noise_i ~ N(0, sigma2 / w_i),   w_i = confidence_i / 3
    quality[p] ~ N(mu, tau2),   offset[r] ~ N(0, eta2),   mu flat

The posterior is Gaussian. We never build the joint covariance of all P + R + 1 parameters:
given the "global" block z = (offsets, mu), qualities are independent with closed-form mean and
variance, and the marginal posterior of z is a small dense Gaussian whose precision is the Schur
complement S = D - B^T A^-1 B (A diagonal over proposals, D diagonal over z, B the review
pattern plus the link of every quality to mu). One fit costs O(reviews + sum over proposals of
reviews^2 + R^3) and stays exact.

mu is integrated out rather than plugged in: a plug-in mean pins the committee's overall level
to the average quality and hides that the average reviewer offset is only known to about
eta / sqrt(R); in simulation that made the 90 % intervals cover 87 % instead of 90 %.

The hyperparameters (sigma2, tau2, eta2) maximise the marginal likelihood (L-BFGS with the
exact gradient, started from a method-of-moments guess). Each variance carries a weak
inverse-gamma prior worth two pseudo-observations, which keeps tiny inputs (one proposal, one
reviewer, identical scores) finite and sensible while being negligible for a real committee.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.optimize
import scipy.sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

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
SCALE = 10.0

_RANK_DECIMALS = 9
INTERVAL_LEVEL = 0.90
_Z = NormalDist().inv_cdf(0.5 + INTERVAL_LEVEL / 2)

# Weak priors on the variance components, as (guess, pseudo-observations), on the 0..10 scale.
# They only matter when the data cannot tell the components apart (a handful of reviews).
_SIGMA2_PRIOR = (1.0, 2.0)  # a confidence-3 review is typically within about a point of the truth
_TAU2_PRIOR = (1.5**2, 2.0)  # proposals typically spread over a few points
_ETA2_PRIOR = (0.75**2, 2.0)  # reviewers typically sit within a point of each other

_FIT_MAX_ITERATIONS = 100
_FIT_GTOL = 1e-9  # on the per-review log posterior, gradient in log-variance units
_LOG_VARIANCE_BOUNDS = (math.log(1e-8), math.log(1e8))
# Cap on floats held at once while sampling qualities (samples x proposals), about 16 MB.
_SAMPLE_CHUNK_ELEMENTS = 2_000_000


# --------------------------------------------------------------------------------------------
# BLAS threads


@functools.cache
def _blas_thread_setters() -> tuple[Callable[[int], int], ...]:
    """OpenBLAS's per-calling-thread thread-count setters, one per loaded copy of OpenBLAS.

    Our dense matrices are small (reviewers x reviewers) and called many times. With OpenBLAS's
    default of one thread per core, every call hands work to helper threads; when another
    process holds a core (a busy worker, a parallel test run) each hand-off waits for a scheduler
    slice and a 200 x 200 Cholesky goes from 0.2 ms to 15 ms, which made the fit 20 to 50
    times slower. numpy and scipy wheels each bundle their own OpenBLAS, so both are found
    through the process's memory map. Anything unexpected (another BLAS, another OS) leaves
    threads alone. threadpoolctl would do this portably; it is not a dependency yet.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.split()[-1]})
    except OSError:
        return ()
    setters = []
    for path in paths:
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = ctypes.c_int
        setters.append(setter)
    return tuple(setters)


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    setters = _blas_thread_setters()
    previous = [setter(1) for setter in setters]
    try:
        yield
    finally:
        for setter, count in zip(setters, previous, strict=True):
            setter(count)


# --------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True, slots=True)
class Criterion:
    slug: str
    weight: float
    minimum: float
    maximum: float


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
class Agreement:
    alpha: float | None
    per_track: Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class AggregateResult:
    proposals: tuple[ProposalAggregate, ...]
    reviewers: tuple[ReviewerAggregate, ...]
    agreement: Agreement


# --------------------------------------------------------------------------------------------
# One review


def review_score(*, scores: Mapping[str, float], criteria: Sequence[Criterion]) -> float:
    """One review's score on 0..10: weighted mean of the criteria, each rescaled to 0..1.

    Raises ValueError for missing or unknown criteria and for scores outside a criterion's scale,
    because a silently dropped criterion would change the ranking without anyone noticing.
    """
    _check_criteria(criteria)
    raw = _raw_matrix([scores], criteria)
    return float(_review_scores(raw, criteria)[0])


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


def _check_criteria(criteria: Sequence[Criterion]) -> None:
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


def _raw_matrix(
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


def _review_scores(raw: FloatArray, criteria: Sequence[Criterion]) -> FloatArray:
    lo = np.array([c.minimum for c in criteria])
    hi = np.array([c.maximum for c in criteria])
    weight = np.array([c.weight for c in criteria])
    normalised = (raw - lo) / (hi - lo)
    result: FloatArray = SCALE * (normalised @ weight) / weight.sum()
    return result


# --------------------------------------------------------------------------------------------
# The model, on plain arrays


def _group_sum(group: IntArray, values: FloatArray, n_groups: int) -> FloatArray:
    """Sum of `values` per group index; np.bincount with weights, typed as float."""
    return np.asarray(np.bincount(group, values, n_groups), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    """sigma2: noise variance of a confidence-3 review; tau2: variance of quality between
    proposals; eta2: variance of reviewer offsets. The mean quality mu is not a hyperparameter:
    it has a flat prior and is integrated out with the rest (see ModelFit.level)."""

    sigma2: float
    tau2: float
    eta2: float


@dataclass(frozen=True, slots=True, eq=False)
class ModelFit:
    """Exact Gaussian posterior for fixed hyperparameters, in factorised form.

    The "global" block z holds the R reviewer offsets followed by the mean quality mu. Given z,
    qualities are independent: q = quality_given_global - coupling @ (z - z_mean) + N(0,
    conditional_var). quality_var is the marginal variance: conditional_var + c_p^T cov(z) c_p.
    global_cholesky is the lower Cholesky factor of z's marginal precision.
    """

    hyperparameters: Hyperparameters
    iterations: int
    quality_mean: FloatArray
    quality_var: FloatArray
    offset_mean: FloatArray
    offset_cov: FloatArray
    level: float
    level_var: float
    conditional_var: FloatArray
    coupling: scipy.sparse.csr_matrix
    global_mean: FloatArray
    global_cholesky: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class _Design:
    proposal: IntArray
    reviewer: IntArray
    y: FloatArray
    weight: FloatArray
    n_proposals: int
    n_reviewers: int
    # Every ordered pair (i, j) of reviews of the same proposal, i == j included: the non-zero
    # pattern of B^T A^-1 B and of the coupling between a proposal's offsets.
    pair_i: IntArray
    pair_j: IntArray
    # Derived per pair, fixed while the hyperparameters are fitted: flat (r_i, r_j) cell of the
    # (R+1) x (R+1) global matrix, the pair's proposal, and w_i * w_j.
    pair_cell: IntArray
    pair_proposal: IntArray
    pair_weight: FloatArray


def fit_model(
    *,
    proposal: npt.ArrayLike,
    reviewer: npt.ArrayLike,
    y: npt.ArrayLike,
    weight: npt.ArrayLike,
    hyperparameters: Hyperparameters | None = None,
) -> ModelFit:
    """Fit the additive model to reviews given as parallel arrays.

    proposal and reviewer are dense indices (0..P-1 and 0..R-1, each used at least once), y the
    review scores, weight the confidence weights. With `hyperparameters` None they are estimated
    by maximising the marginal likelihood times the weak priors; otherwise they are used as
    given, which is what the property tests rely on. eta2 must be finite: with flat offsets and
    a flat mean the overall level would not be identified.
    """
    design = _design(proposal, reviewer, y, weight)
    with _one_blas_thread():
        if hyperparameters is not None:
            return _posterior(design, hyperparameters, iterations=0)
        h, iterations = _estimate_hyperparameters(design)
        return _posterior(design, h, iterations=iterations)


def log_marginal_posterior(
    *,
    proposal: npt.ArrayLike,
    reviewer: npt.ArrayLike,
    y: npt.ArrayLike,
    weight: npt.ArrayLike,
    hyperparameters: Hyperparameters,
) -> float:
    """log p(y | hyperparameters) + log prior(hyperparameters), up to a constant.

    This is what `fit_model` maximises; exposed so that tests can check the optimum
    independently of how it was found.
    """
    design = _design(proposal, reviewer, y, weight)
    with _one_blas_thread():
        value, _ = _objective(design, hyperparameters)
    return -value * len(design.y)


def _design(
    proposal: npt.ArrayLike, reviewer: npt.ArrayLike, y: npt.ArrayLike, weight: npt.ArrayLike
) -> _Design:
    p = np.asarray(proposal, dtype=np.intp)
    r = np.asarray(reviewer, dtype=np.intp)
    yy = np.asarray(y, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    if not (p.ndim == r.ndim == yy.ndim == w.ndim == 1 and len(p) == len(r) == len(yy) == len(w)):
        raise ValueError("proposal, reviewer, y and weight must be 1-d arrays of equal length")
    if len(p) == 0:
        raise ValueError("the model needs at least one review")
    if not (np.isfinite(yy).all() and np.isfinite(w).all() and (w > 0).all()):
        raise ValueError("scores must be finite and weights finite and positive")
    if p.min() < 0 or r.min() < 0:
        raise ValueError("indices must be non-negative")
    n_p, n_r = int(p.max()) + 1, int(r.max()) + 1
    if np.bincount(p, minlength=n_p).min() == 0 or np.bincount(r, minlength=n_r).min() == 0:
        raise ValueError("every proposal and reviewer index must have at least one review")
    order = np.argsort(p, kind="stable")
    p, r, yy, w = p[order], r[order], yy[order], w[order]
    counts = np.bincount(p, minlength=n_p)
    starts = np.cumsum(counts) - counts
    per_review = counts[p]
    pair_i = np.repeat(np.arange(len(p), dtype=np.intp), per_review)
    block_start = np.repeat(np.cumsum(per_review) - per_review, per_review)
    pair_j = (np.repeat(starts[p], per_review) + (np.arange(len(pair_i)) - block_start)).astype(
        np.intp
    )
    return _Design(
        proposal=p,
        reviewer=r,
        y=yy,
        weight=w,
        n_proposals=n_p,
        n_reviewers=n_r,
        pair_i=pair_i,
        pair_j=pair_j,
        pair_cell=r[pair_i] * (n_r + 1) + r[pair_j],
        pair_proposal=p[pair_i],
        pair_weight=w[pair_i] * w[pair_j],
    )


@dataclass(frozen=True, slots=True, eq=False)
class _Solution:
    """The posterior without the sampling matrix, plus the covariance terms the fit needs.

    review_cross[i] = -Cov(q_p, o_r) for review i = (p, r); level_cross[p] = -Cov(q_p, mu).
    """

    h: Hyperparameters
    quality_mean: FloatArray
    quality_var: FloatArray
    conditional_var: FloatArray
    global_mean: FloatArray
    global_cov: FloatArray
    global_cholesky: FloatArray
    coupling_reviews: FloatArray
    coupling_level: FloatArray
    review_cross: FloatArray
    level_cross: FloatArray


def _solve(d: _Design, h: Hyperparameters) -> _Solution:
    """Posterior for fixed hyperparameters.

    Joint precision over (q, z), z = (offsets, mu): A = diag(1/tau2 + sum of a_i over the
    proposal's reviews), a_i = w_i / sigma2; B[p, r_i] = a_i and B[p, mu] = -1/tau2; the z block
    is diagonal (1/eta2 + sum of a_i for offsets, P/tau2 for mu, whose prior is flat). The
    marginal precision of z is the Schur complement S = D - B^T A^-1 B, assembled from the
    within-proposal review pairs.
    """
    n_p, n_r = d.n_proposals, d.n_reviewers
    mu = n_r  # index of the mean quality in the global block
    a = d.weight / h.sigma2
    a_sum = _group_sum(d.proposal, a, n_p)
    v = 1.0 / (1.0 / h.tau2 + a_sum)
    b_q = _group_sum(d.proposal, a * d.y, n_p)
    b_o = _group_sum(d.reviewer, a * d.y, n_r)

    pair_weight = v[d.pair_proposal] * d.pair_weight / h.sigma2**2
    schur = -_group_sum(d.pair_cell, pair_weight, (n_r + 1) ** 2).reshape(n_r + 1, n_r + 1)
    schur[np.arange(n_r), np.arange(n_r)] += 1.0 / h.eta2 + _group_sum(d.reviewer, a, n_r)
    offset_level = _group_sum(d.reviewer, a * v[d.proposal], n_r) / h.tau2
    schur[:n_r, mu] = offset_level
    schur[mu, :n_r] = offset_level
    # P/tau2 - sum v/tau2^2 without the cancellation: 1/tau2 - v/tau2^2 = v * a_sum / tau2.
    schur[mu, mu] = float((v * a_sum).sum()) / h.tau2
    rhs = np.empty(n_r + 1)
    rhs[:n_r] = b_o - _group_sum(d.reviewer, a * v[d.proposal] * b_q[d.proposal], n_r)
    rhs[mu] = float((v * b_q).sum()) / h.tau2

    chol = scipy.linalg.cholesky(schur, lower=True, check_finite=False)
    global_mean = scipy.linalg.cho_solve((chol, True), rhs, check_finite=False)
    global_cov = scipy.linalg.cho_solve((chol, True), np.eye(n_r + 1), check_finite=False)

    offsets = global_mean[:n_r]
    quality_mean = v * (
        b_q - _group_sum(d.proposal, a * offsets[d.reviewer], n_p) + global_mean[mu] / h.tau2
    )
    c = v[d.proposal] * a
    c_level = -v / h.tau2
    flat = global_cov.ravel()
    # global_cov is symmetric, so the (r_i, r_j) cell serves for Cov(o_rj, o_ri).
    review_cross = _group_sum(d.pair_i, c[d.pair_j] * flat[d.pair_cell], len(d.y))
    review_cross += c_level[d.proposal] * global_cov[mu, d.reviewer]
    level_cross = _group_sum(d.proposal, c * global_cov[d.reviewer, mu], n_p)
    level_cross += c_level * global_cov[mu, mu]
    quality_var = v + _group_sum(d.proposal, c * review_cross, n_p) + c_level * level_cross
    return _Solution(
        h=h,
        quality_mean=quality_mean,
        quality_var=quality_var,
        conditional_var=v,
        global_mean=global_mean,
        global_cov=global_cov,
        global_cholesky=chol,
        coupling_reviews=c,
        coupling_level=c_level,
        review_cross=review_cross,
        level_cross=level_cross,
    )


def _posterior(d: _Design, h: Hyperparameters, *, iterations: int) -> ModelFit:
    s = _solve(d, h)
    n_p, n_r = d.n_proposals, d.n_reviewers
    coupling = scipy.sparse.csr_matrix(
        (
            np.concatenate([s.coupling_reviews, s.coupling_level]),
            (
                np.concatenate([d.proposal, np.arange(n_p)]),
                np.concatenate([d.reviewer, np.full(n_p, n_r)]),
            ),
        ),
        shape=(n_p, n_r + 1),
    )
    return ModelFit(
        hyperparameters=h,
        iterations=iterations,
        quality_mean=s.quality_mean,
        quality_var=s.quality_var,
        offset_mean=s.global_mean[:n_r],
        offset_cov=s.global_cov[:n_r, :n_r],
        level=float(s.global_mean[n_r]),
        level_var=float(s.global_cov[n_r, n_r]),
        conditional_var=s.conditional_var,
        coupling=coupling,
        global_mean=s.global_mean,
        global_cholesky=s.global_cholesky,
    )


def _moment_guess(d: _Design) -> Hyperparameters:
    """Starting point for the fit from within-proposal, within-reviewer and total variances.

    Within a proposal scores vary by offset + noise, within a reviewer by quality + noise, overall
    by all three; solving those three equations gives a rough split, clipped to stay positive.
    """
    total = float(d.y.var())
    within_p = _pooled_within(d.y, d.proposal, d.n_proposals)
    within_r = _pooled_within(d.y, d.reviewer, d.n_reviewers)
    if within_p is None or within_r is None or len(d.y) < 3:
        return Hyperparameters(_SIGMA2_PRIOR[0], _TAU2_PRIOR[0], _ETA2_PRIOR[0])
    floor = 0.05 * max(total, _SIGMA2_PRIOR[0])
    return Hyperparameters(
        sigma2=max(within_p + within_r - total, floor),
        tau2=max(total - within_p, floor),
        eta2=max(total - within_r, floor),
    )


def _pooled_within(y: FloatArray, group: IntArray, n_groups: int) -> float | None:
    counts = np.bincount(group, minlength=n_groups)
    dof = len(y) - n_groups
    if dof <= 0:
        return None
    means = _group_sum(group, y, n_groups) / counts
    return float(((y - means[group]) ** 2).sum() / dof)


def _estimate_hyperparameters(d: _Design) -> tuple[Hyperparameters, int]:
    """Maximise the penalised marginal likelihood over (log sigma2, log tau2, log eta2).

    Plain EM converges very slowly when a variance component is near zero (a committee whose
    reviewers barely differ took hundreds of iterations), so we hand the exact gradient to
    L-BFGS instead. The gradient comes from Fisher's identity: the derivative of the marginal
    likelihood equals the posterior expectation of the complete-data score, and that
    expectation only needs the posterior means and covariances we compute anyway.
    """
    start = _moment_guess(d)
    x0 = np.log([start.sigma2, start.tau2, start.eta2])

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        return _objective(d, _unpack(x))

    result = scipy.optimize.minimize(
        objective,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=[_LOG_VARIANCE_BOUNDS] * 3,
        options={"maxiter": _FIT_MAX_ITERATIONS, "gtol": _FIT_GTOL, "ftol": 1e-15},
    )
    return _unpack(np.asarray(result.x, dtype=np.float64)), int(result.nfev)


def _unpack(x: FloatArray) -> Hyperparameters:
    return Hyperparameters(sigma2=math.exp(x[0]), tau2=math.exp(x[1]), eta2=math.exp(x[2]))


def _objective(d: _Design, h: Hyperparameters) -> tuple[float, FloatArray]:
    """Negative log posterior of the hyperparameters per review, and its gradient in
    (log sigma2, log tau2, log eta2).

    -2 log p(y) = -sum log(w/sigma2) + log|posterior precision| + P log tau2 + R log eta2
                  + weighted residuals^2 + prior deviations^2, all at the posterior mean,
    up to a constant (the flat prior on mu contributes one). The posterior precision's
    determinant is prod(A_p) * det(S). Each variance v with prior (guess, n) adds
    n * (log v + guess / v), which is where the pseudo-observations of the weak priors come from.
    """
    s = _solve(d, h)
    n, n_p, n_r = len(d.y), d.n_proposals, d.n_reviewers
    a = d.weight / h.sigma2
    offsets, level = s.global_mean[:n_r], s.global_mean[n_r]
    offset_var = np.diag(s.global_cov)[:n_r]
    level_var = s.global_cov[n_r, n_r]
    resid = d.y - s.quality_mean[d.proposal] - offsets[d.reviewer]
    dev = s.quality_mean - level
    log_det = float(-np.log(s.conditional_var).sum() + 2 * np.log(np.diag(s.global_cholesky)).sum())
    minus_2ll = (
        -float(np.log(a).sum())
        + log_det
        + n_p * math.log(h.tau2)
        + n_r * math.log(h.eta2)
        + float((a * resid**2).sum())
        + float((dev**2).sum()) / h.tau2
        + float((offsets**2).sum()) / h.eta2
    )
    # Posterior expectations of the complete-data sums of squares (what an EM step would use);
    # Var(q_p + o_r) and Var(q_p - mu), with Cov(q_p, o_r) = -review_cross and
    # Cov(q_p, mu) = -level_cross.
    review_spread = s.quality_var[d.proposal] + offset_var[d.reviewer] - 2.0 * s.review_cross
    level_spread = s.quality_var + level_var + 2.0 * s.level_cross
    sums = (
        (float((d.weight * (resid**2 + review_spread)).sum()), n, h.sigma2, _SIGMA2_PRIOR),
        (float((dev**2 + level_spread).sum()), n_p, h.tau2, _TAU2_PRIOR),
        (float((offsets**2 + offset_var).sum()), n_r, h.eta2, _ETA2_PRIOR),
    )
    penalty = 0.0
    gradient = np.empty(3)
    for k, (expected, count, variance, (guess, pseudo)) in enumerate(sums):
        penalty += pseudo * (math.log(variance) + guess / variance)
        gradient[k] = 0.5 * ((count + pseudo) - (expected + pseudo * guess) / variance)
    return 0.5 * (minus_2ll + penalty) / n, gradient / n


def top_share(*, fit: ModelFit, slots: int, samples: int, seed: int) -> FloatArray:
    """Share of joint posterior draws in which each proposal ranks within the top `slots`.

    The global block (offsets and mean quality) is drawn from its marginal, then qualities
    conditionally in chunks so that memory stays bounded whatever the number of proposals.
    """
    n_p = len(fit.quality_mean)
    if samples <= 0:
        raise ValueError("samples must be positive")
    if slots >= n_p:
        return np.ones(n_p)
    if slots <= 0:
        return np.zeros(n_p)
    rng = np.random.default_rng(seed)
    n_z = len(fit.global_mean)
    with _one_blas_thread():
        # L^T x = e gives x with covariance (L L^T)^-1, the global block's marginal covariance.
        global_draws = scipy.linalg.solve_triangular(
            fit.global_cholesky, rng.standard_normal((n_z, samples)), lower=True, trans="T"
        )
        sd = np.sqrt(fit.conditional_var)
        hits = np.zeros(n_p, dtype=np.int64)
        chunk = max(1, _SAMPLE_CHUNK_ELEMENTS // n_p)
        cut = n_p - slots
        for start in range(0, samples, chunk):
            block = global_draws[:, start : start + chunk]
            draws = rng.standard_normal((block.shape[1], n_p))
            draws *= sd
            draws += fit.quality_mean
            draws -= (fit.coupling @ block).T
            threshold = np.partition(draws, cut, axis=1)[:, cut]
            hits += (draws >= threshold[:, None]).sum(axis=0)
    result: FloatArray = hits / samples
    return result


def interval_alpha(*, units: npt.ArrayLike, values: npt.ArrayLike) -> float | None:
    """Krippendorff's alpha for interval data from (unit, value) pairs.

    Uses the pairwise-difference form: observed disagreement is the mean squared difference
    within units, expected disagreement the same over all pairable values. Units with a single
    value are not pairable and drop out. None where alpha is undefined: no unit with two values,
    or every pairable value identical.
    """
    u = np.asarray(units, dtype=np.intp)
    x = np.asarray(values, dtype=np.float64)
    if len(u) == 0:
        return None
    _, u = np.unique(u, return_inverse=True)
    keep = np.bincount(u)[u] >= 2
    if not keep.any():
        return None
    x = x[keep]
    if np.ptp(x) == 0:
        return None
    _, u = np.unique(u[keep], return_inverse=True)
    m = np.bincount(u)
    n = len(x)
    unit_mean = np.bincount(u, x) / m
    within = np.bincount(u, (x - unit_mean[u]) ** 2)
    total = float(((x - x.mean()) ** 2).sum())
    observed = float((m * within / (m - 1)).sum())
    return 1.0 - (n - 1) / n * observed / total


# --------------------------------------------------------------------------------------------
# The whole call


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
    _check_criteria(criteria)
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

    raw = _raw_matrix([rv.scores for rv in review_list], criteria)
    y = _review_scores(raw, criteria)
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
    given_sum = _group_sum(r_idx, y, n_r)
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
        mean = _group_sum(p, y, n_p) / count
        total = _group_sum(p, totals, n_p) / count
        mean_confidence = _group_sum(p, confidence, n_p) / count
        squares = _group_sum(p, (y - mean[p]) ** 2, n_p)
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
