"""The calibration model: review scores as proposal quality plus reviewer offset plus noise.

The statistical model and its assumptions are written up for chairs in docs/scoring-model.md;
this docstring is the maintainer's summary. Each review is first reduced to one number on a
common 0..10 scale (``criteria.review_score``). The model is

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

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.optimize
import scipy.sparse

from reviews.domain.scoring.arrays import FloatArray, IntArray, group_sum
from reviews.domain.scoring.blas import one_blas_thread

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
    with one_blas_thread():
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
    with one_blas_thread():
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
    a_sum = group_sum(d.proposal, a, n_p)
    v = 1.0 / (1.0 / h.tau2 + a_sum)
    b_q = group_sum(d.proposal, a * d.y, n_p)
    b_o = group_sum(d.reviewer, a * d.y, n_r)

    pair_weight = v[d.pair_proposal] * d.pair_weight / h.sigma2**2
    schur = -group_sum(d.pair_cell, pair_weight, (n_r + 1) ** 2).reshape(n_r + 1, n_r + 1)
    schur[np.arange(n_r), np.arange(n_r)] += 1.0 / h.eta2 + group_sum(d.reviewer, a, n_r)
    offset_level = group_sum(d.reviewer, a * v[d.proposal], n_r) / h.tau2
    schur[:n_r, mu] = offset_level
    schur[mu, :n_r] = offset_level
    # P/tau2 - sum v/tau2^2 without the cancellation: 1/tau2 - v/tau2^2 = v * a_sum / tau2.
    schur[mu, mu] = float((v * a_sum).sum()) / h.tau2
    rhs = np.empty(n_r + 1)
    rhs[:n_r] = b_o - group_sum(d.reviewer, a * v[d.proposal] * b_q[d.proposal], n_r)
    rhs[mu] = float((v * b_q).sum()) / h.tau2

    chol = scipy.linalg.cholesky(schur, lower=True, check_finite=False)
    global_mean = scipy.linalg.cho_solve((chol, True), rhs, check_finite=False)
    global_cov = scipy.linalg.cho_solve((chol, True), np.eye(n_r + 1), check_finite=False)

    offsets = global_mean[:n_r]
    quality_mean = v * (
        b_q - group_sum(d.proposal, a * offsets[d.reviewer], n_p) + global_mean[mu] / h.tau2
    )
    c = v[d.proposal] * a
    c_level = -v / h.tau2
    flat = global_cov.ravel()
    # global_cov is symmetric, so the (r_i, r_j) cell serves for Cov(o_rj, o_ri).
    review_cross = group_sum(d.pair_i, c[d.pair_j] * flat[d.pair_cell], len(d.y))
    review_cross += c_level[d.proposal] * global_cov[mu, d.reviewer]
    level_cross = group_sum(d.proposal, c * global_cov[d.reviewer, mu], n_p)
    level_cross += c_level * global_cov[mu, mu]
    quality_var = v + group_sum(d.proposal, c * review_cross, n_p) + c_level * level_cross
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
    means = group_sum(group, y, n_groups) / counts
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
    with one_blas_thread():
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
