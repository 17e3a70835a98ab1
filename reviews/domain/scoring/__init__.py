"""Score aggregation for a call: review scores, the calibration model, agreement, the snapshot.

Plain numpy/scipy on in-memory values; the Django layer loads the rows and stores the result.

- ``criteria``: the call's criteria, checking one review's scores, its 0..10 review score.
- ``display``: the 0..10 review score mapped back to the criteria's own scale for people.
- ``model``: the calibration model (quality + reviewer offset + noise) and its posterior draws.
- ``agreement``: Krippendorff's alpha for interval data.
- ``aggregation``: the whole call, from reviews to ranked rows with intervals and flags.
- ``arrays``, ``blas``: the array types and the one-BLAS-thread guard the model runs under.

The names below are what the services, the benchmarks and the tests use.
"""

from __future__ import annotations

from reviews.domain.scoring.aggregation import (
    DEFAULT_CONFIDENCE,
    DISAGREEMENT_SPREAD,
    DISAGREEMENT_STD,
    HIGH_DISAGREEMENT,
    INTERVAL_LEVEL,
    LOW_CONFIDENCE,
    LOW_CONFIDENCE_MEAN,
    MAX_CONFIDENCE,
    MIN_CONFIDENCE,
    UNDER_REVIEWED,
    AggregateResult,
    ProposalAggregate,
    ProposalInput,
    ReviewerAggregate,
    ReviewInput,
    aggregate,
)
from reviews.domain.scoring.agreement import Agreement, interval_alpha
from reviews.domain.scoring.criteria import (
    SCALE,
    Criterion,
    ScoreProblem,
    review_score,
    score_problem,
)
from reviews.domain.scoring.display import DisplayScale, display_scale, scale_from_ends
from reviews.domain.scoring.model import (
    Hyperparameters,
    ModelFit,
    fit_model,
    log_marginal_posterior,
    top_share,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DISAGREEMENT_SPREAD",
    "DISAGREEMENT_STD",
    "HIGH_DISAGREEMENT",
    "INTERVAL_LEVEL",
    "LOW_CONFIDENCE",
    "LOW_CONFIDENCE_MEAN",
    "MAX_CONFIDENCE",
    "MIN_CONFIDENCE",
    "SCALE",
    "UNDER_REVIEWED",
    "AggregateResult",
    "Agreement",
    "Criterion",
    "DisplayScale",
    "Hyperparameters",
    "ModelFit",
    "ProposalAggregate",
    "ProposalInput",
    "ReviewInput",
    "ReviewerAggregate",
    "ScoreProblem",
    "aggregate",
    "display_scale",
    "fit_model",
    "interval_alpha",
    "log_marginal_posterior",
    "review_score",
    "scale_from_ends",
    "score_problem",
    "top_share",
]
