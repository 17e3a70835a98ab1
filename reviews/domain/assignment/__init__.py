"""Conflict-aware assignment of reviewers to proposals (pure Python).

- ``eligibility``: the hard rules, per pair (``eligible``) and in bulk as bitmasks.
- ``search``: the plan's working state and the passes that fill and balance it.
- ``plan``: ``assign``, its guarantees (coverage, balance, track preference, determinism) and
  the shortfalls it reports.
"""

from __future__ import annotations

from reviews.domain.assignment.eligibility import (
    PUBLIC_MAIL_DOMAINS,
    ProposalProfile,
    ReviewerProfile,
    eligible,
)
from reviews.domain.assignment.plan import AssignmentPlan, Shortfall, assign

__all__ = [
    "PUBLIC_MAIL_DOMAINS",
    "AssignmentPlan",
    "ProposalProfile",
    "ReviewerProfile",
    "Shortfall",
    "assign",
    "eligible",
]
