"""Recusal: a reviewer steps back from a proposal ("I know who wrote this")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from reviews import models
from reviews.services import aggregation, assignment


class UnableToRecuse(Exception):
    """The reviewer cannot step back from this proposal; the message says why."""


@dataclass(frozen=True, slots=True)
class RecusalOutcome:
    removed_review: bool
    reassigned: int


@transaction.atomic
def recuse_reviewer(
    *, call_id: int, proposal_id: int, reviewer_id: int, reason: str, now: dt.datetime
) -> RecusalOutcome:
    """Step back after "I know who wrote this": record the conflict, drop the assignment and
    any review, and assign the call again so the proposal gets another reviewer (never this
    one)."""
    deleted, _rows = models.Assignment.objects.filter(
        proposal_id=proposal_id, reviewer_id=reviewer_id, proposal__call_id=call_id
    ).delete()
    if not deleted:
        raise UnableToRecuse(_("This proposal is not in your queue."))
    models.Conflict.objects.get_or_create(
        proposal_id=proposal_id,
        reviewer_id=reviewer_id,
        defaults={"reason": reason[:200], "created_at": now},
    )
    removed, _rows = models.Review.objects.filter(
        proposal_id=proposal_id, reviewer_id=reviewer_id
    ).delete()
    if removed:
        # The snapshot counted this review: the next aggregation must not.
        aggregation.request_aggregation(call_id=call_id, now=now)
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=proposal_id,
        actor_id=reviewer_id,
        action="reviewer.recused",
        data={"removed_review": bool(removed)},
        created_at=now,
    )
    outcome = assignment.assign_reviewers(
        call_id=call_id, per_proposal=None, actor_id=None, now=now
    )
    return RecusalOutcome(removed_review=bool(removed), reassigned=outcome.created)
