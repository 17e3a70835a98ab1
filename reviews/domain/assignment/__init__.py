"""Conflict-aware assignment of reviewers to proposals (pure Python).

- ``eligibility``: the hard rules, per pair (``eligible``) and in bulk as bitmasks.
- ``search``: the plan's working state and the passes that fill and balance it.
- ``plan``: ``assign``, its guarantees (coverage, balance, track preference, determinism) and
  the shortfalls it reports. Kept as the greedy baseline of the benchmarks.
- ``engine``: the assignment engine every feature uses (bids, affinity, tracks; total, fair and
  randomised modes; incremental changes; reasons), an exact min-cost flow.
- ``affinity``: TF-IDF text affinity between reviewer profiles and redacted proposals.
- ``rounding``: dependent rounding, the randomised mode's sampler.
"""

from __future__ import annotations

from reviews.domain.assignment.eligibility import (
    PUBLIC_MAIL_DOMAINS,
    ProposalProfile,
    ReviewerProfile,
    eligible,
)
from reviews.domain.assignment.engine import (
    Bid,
    Existing,
    Hold,
    Mode,
    Options,
    Problem,
    Result,
    Short,
    UnableToSolve,
    solve,
)
from reviews.domain.assignment.plan import AssignmentPlan, Shortfall, assign

__all__ = [
    "PUBLIC_MAIL_DOMAINS",
    "AssignmentPlan",
    "Bid",
    "Existing",
    "Hold",
    "Mode",
    "Options",
    "Problem",
    "ProposalProfile",
    "Result",
    "ReviewerProfile",
    "Short",
    "Shortfall",
    "UnableToSolve",
    "assign",
    "eligible",
    "solve",
]
