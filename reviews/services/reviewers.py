"""Removing a reviewer from a call (issue 19, reviewer management).

Their finished reviews stay (they count, and the committee read them); their open, unstarted
assignments go back to the assignment engine, which hands each seat to someone else and names
the leaver in the new seat's reason ("filled a gap after … left"). A draft they had started
stays held like any started review (the engine never moves one), for the chair to decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews import models
from reviews.services import assignment


class UnableToRemove(Exception):
    """The person cannot be removed; the message is for the chair."""


@dataclass(frozen=True, slots=True)
class RemovalOutcome:
    released: int  # unstarted assignments handed back to the engine
    reassigned: int  # assignments the engine's run created
    kept_reviews: int  # reviews (finished or started) that stay


@transaction.atomic
def remove_reviewer(
    *, call_id: int, reviewer_id: int, actor_id: int, now: dt.datetime
) -> RemovalOutcome:
    cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).first()
    membership = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=reviewer_id
    )
    if not membership.exists():
        raise UnableToRemove(_("This person does not review this call (any more)."))
    started = models.Review.objects.filter(
        proposal_id=OuterRef("proposal_id"), reviewer_id=OuterRef("reviewer_id")
    )
    theirs = models.Assignment.objects.filter(proposal__call_id=call_id, reviewer_id=reviewer_id)
    unstarted = theirs.exclude(Exists(started))
    released = unstarted.count()
    # A chair's pin holds a seat for this person; once they are gone the pin means nothing, and
    # the engine only moves unpinned seats.
    unstarted.filter(manual=True).update(manual=False)
    kept = models.Review.objects.filter(call_id=call_id, reviewer_id=reviewer_id).count()
    membership.delete()
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=actor_id,
        action="reviewer.removed",
        data={"reviewer": reviewer_id, "released": released, "kept_reviews": kept},
        created_at=now,
    )
    outcome = assignment.assign_reviewers(
        call_id=call_id, per_proposal=None, actor_id=actor_id, now=now
    )
    return RemovalOutcome(released=released, reassigned=outcome.created, kept_reviews=kept)
