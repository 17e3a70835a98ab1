"""The write side of reviewing, aggregation and curation, one module per use case.

Keyword-only functions, atomic, raising ``UnableTo…`` errors defined beside them. Inside this
app, import the module you need (``from reviews.services import curation``); scripts and other
apps use the names below.
"""

from __future__ import annotations

from reviews.services.aggregation import (
    aggregation_progress,
    request_aggregation,
    run_aggregation,
    wake_waiting_aggregations,
)
from reviews.services.assignment import AssignmentOutcome, UnableToAssign, assign_reviewers
from reviews.services.recusal import RecusalOutcome, UnableToRecuse, recuse_reviewer
from reviews.services.reminders import (
    ReminderOutcome,
    UnableToRemind,
    request_reminder,
    send_reminder,
)
from reviews.services.reviews import (
    ReviewData,
    ReviewEntry,
    UnableToScore,
    record_reviews,
    score_proposal,
)

__all__ = [
    "AssignmentOutcome",
    "RecusalOutcome",
    "ReminderOutcome",
    "ReviewData",
    "ReviewEntry",
    "UnableToAssign",
    "UnableToRecuse",
    "UnableToRemind",
    "UnableToScore",
    "aggregation_progress",
    "assign_reviewers",
    "record_reviews",
    "recuse_reviewer",
    "request_aggregation",
    "request_reminder",
    "run_aggregation",
    "score_proposal",
    "send_reminder",
    "wake_waiting_aggregations",
]
