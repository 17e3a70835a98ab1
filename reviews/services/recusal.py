"""Recusal: a reviewer steps back from a proposal ("I know who wrote this")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
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
        call_id=call_id, per_proposal=None, actor_id=None, now=now, stepped_back=reviewer_id
    )
    name_the_gap(
        proposal_id=proposal_id,
        reason=f"filled a gap after {display_name(user_id=reviewer_id)} recused",
        now=now,
    )
    return RecusalOutcome(removed_review=bool(removed), reassigned=outcome.created)


def display_name(*, user_id: int) -> str:
    """The reviewer as chairs see them in assignment reasons (the engine's reviewer label)."""
    row = get_user_model().objects.filter(pk=user_id).values_list("first_name", "username").first()
    if row is None:
        return "a reviewer"
    return str(row[0] or row[1])


def name_the_gap(*, proposal_id: int, reason: str, now: dt.datetime) -> int:
    """Add ``reason`` to the assignments the run at ``now`` made on the proposal.

    The engine learns of a recusal only as a missing seat (the assignment was deleted before
    the run), so the replacement's stored reason would not say whom it replaces; chairs read it
    on the reviewer's row and in ``assignments --format json``.
    """
    rows = list(
        models.Assignment.objects.filter(proposal_id=proposal_id, created_at=now).values_list(
            "pk", "reasons"
        )
    )
    for pk, reasons in rows:
        kept = [r for r in (reasons or []) if not str(r).startswith("filled a gap after")]
        models.Assignment.objects.filter(pk=pk).update(reasons=[*kept, reason])
    return len(rows)
