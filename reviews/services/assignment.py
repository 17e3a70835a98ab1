"""Assigning reviewers: the one writer of assignments made by the engine.

The decision is ``reviews.domain.assignment.engine`` (bids, affinity, tracks, loads, conflicts,
languages; total, fair or randomised; incremental). This module reads the call through
``reviews.queries.assignment_inputs``, computes the text affinity, runs the engine under the
call's row lock, and writes the difference: new rows with their reasons, and the movable rows
the engine handed to someone else (never a started, finished or pinned one).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from common.stats import analyze_after_bulk_load
from reviews import models
from reviews.domain.assignment import engine, pools
from reviews.queries import assignment_inputs
from reviews.services import aggregation

# Above this many proposal x reviewer pairs, each proposal keeps its best candidates only
# (pruning never costs coverage; bench/assignment_scale.py measures the fit it costs).
PRUNE_ABOVE_PAIRS = 200_000


class UnableToAssign(Exception):
    pass


@dataclass(frozen=True, slots=True)
class AssignmentOutcome:
    created: int
    shortfalls: tuple[engine.Short, ...]
    removed: int = 0
    mode: str = engine.Mode.TOTAL.value


def _affinity(inputs: assignment_inputs.AssignmentInputs) -> np.ndarray | None:
    if not any(t.strip() for t in inputs.profile_texts):
        return None
    # Imported here: scikit-learn takes a second to import and most requests never assign.
    from reviews.domain.assignment import affinity

    return affinity.affinity_matrix(
        proposal_texts=inputs.proposal_texts, profile_texts=inputs.profile_texts
    )


@transaction.atomic
def assign_reviewers(
    *,
    call_id: int,
    per_proposal: int | None,
    actor_id: int | None,
    now: dt.datetime,
    recompute: bool = True,
    mode: str = engine.Mode.TOTAL.value,
    q: float = 1.0,
    band: int = 1,
    seed: int | None = None,
    stepped_back: int | None = None,
) -> AssignmentOutcome:
    """Fill every live proposal's seats, keeping what is held and moving only what must move.

    `stepped_back` is a reviewer who has just left a proposal (a recusal, a conflict bid): they
    are not a newcomer, even when that was their only proposal, so they take no one's work.

    `mode` is total, fair or randomised (with `q`, the cap on any new pair's probability; the
    seed is drawn from the system's random source unless given, so a bidder cannot predict it).
    """
    call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
    k = per_proposal or call.reviews_per_proposal
    if k < 1:
        raise UnableToAssign(_("Each proposal needs at least one reviewer."))
    previous_k = call.reviews_per_proposal
    if k != previous_k:
        # A run with another K changes the call's "reviews per proposal": progress, the
        # under-reviewed flags and every later incremental run (a joiner, a recusal) then count
        # against the K the proposals were actually given (issue 19).
        call.reviews_per_proposal = k
        call.save(update_fields=["reviews_per_proposal"])
    try:
        chosen_mode = engine.Mode(mode)
    except ValueError:
        raise UnableToAssign(_("Unknown assignment mode %(mode)r.") % {"mode": mode}) from None
    if not 0.0 < q <= 1.0:
        raise UnableToAssign(_("The probability cap q must be above 0 and at most 1."))
    if band < 0:
        raise UnableToAssign(_("The load band cannot be negative."))
    inputs = assignment_inputs.assignment_inputs(call_id=call_id, per_proposal=k)
    pairs = len(inputs.proposals) * len(inputs.reviewers)
    drawn = secrets.randbits(32) if seed is None else seed
    # Issue 22: duplicated proposals go to two disjoint pools; extra reviews keep their seats.
    result = pools.solve_pooled(
        engine.Problem(
            proposals=inputs.proposals,
            reviewers=inputs.reviewers,
            per_proposal=k,
            existing=inputs.existing,
            bids=inputs.bids,
            affinity=_affinity(inputs),
            proposal_labels=inputs.proposal_labels,
            reviewer_labels=inputs.reviewer_labels,
            settled=frozenset() if stepped_back is None else frozenset({str(stepped_back)}),
        ),
        engine.Options(
            mode=chosen_mode,
            q=q,
            band=band,
            seed=drawn,
            prune=max(10 * k, 30) if pairs > PRUNE_ABOVE_PAIRS else None,
        ),
        duplicated=inputs.duplicated,
        salt=inputs.pool_salt,
        extras=inputs.extras,
    )
    removed = 0
    if result.removed:
        # Only movable rows: the engine never removes a held one, and the filters say so again.
        wanted = {(int(r.proposal), int(r.reviewer)) for r in result.removed}
        proposal_ids = sorted({p for p, _ in wanted})
        reviewed = set(
            models.Review.objects.filter(proposal_id__in=proposal_ids).values_list(
                "proposal_id", "reviewer_id"
            )
        )
        doomed = [
            pk
            for pk, pid, rid in models.Assignment.objects.filter(
                proposal_id__in=proposal_ids, manual=False
            ).values_list("pk", "proposal_id", "reviewer_id")
            if (pid, rid) in wanted and (pid, rid) not in reviewed
        ]
        removed = models.Assignment.objects.filter(pk__in=doomed).delete()[0]
    reasons = {(x.proposal, x.reviewer): list(x.reasons) for x in result.pairs if x.new}
    models.Assignment.objects.bulk_create(
        [
            models.Assignment(
                proposal_id=int(p), reviewer_id=int(r), created_at=now, reasons=reasons[(p, r)]
            )
            for p, r in result.added
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    analyze_after_bulk_load(models.Assignment, rows=len(result.added))
    cfp_models.AuditEvent.objects.create(
        call=call,
        actor_id=actor_id,
        action="reviewers.assigned",
        data={
            "created": len(result.added),
            "removed": removed,
            "short": len(result.shortfalls),
            "per_proposal": k,
            **({"per_proposal_before": previous_k} if k != previous_k else {}),
            "mode": chosen_mode.value,
            "q": q,
            "band": band,
            "seed": drawn,
            "total_fit": round(result.stats.total_fit, 3),
            "worst_fit": round(result.stats.worst_fit, 3),
            # Fair mode: the most the worst-served proposal could get (equal: proven optimal).
            **(
                {"worst_bound": round(result.stats.worst_bound, 3), "exact": result.stats.exact}
                if result.stats.worst_bound is not None
                else {}
            ),
            "moved": [
                {"proposal": r.proposal, "reviewer": r.reviewer, "why": r.reason}
                for r in result.removed[:200]
            ],
        },
        created_at=now,
    )
    if (result.added or removed or k != previous_k) and recompute:
        # The snapshot counts assignments (completion, under-reviewed flags, the dashboard's
        # stored progress): new ones call for a new snapshot. The seed decides for itself.
        aggregation.request_aggregation(call_id=call_id, now=now)
    return AssignmentOutcome(
        created=len(result.added),
        shortfalls=result.shortfalls,
        removed=removed,
        mode=chosen_mode.value,
    )


def reviewer_joined(
    *, call_id: int, reviewer_id: int, now: dt.datetime
) -> AssignmentOutcome | None:
    """A reviewer joined a call: once assignment has begun, they get work straight away.

    Nothing happens before the first assignment run (the chair decides when reviewing starts).
    The engine's band gives a newcomer a fair share, taken only from unstarted work.
    """
    if not models.Assignment.objects.filter(proposal__call_id=call_id).exists():
        return None
    return assign_reviewers(call_id=call_id, per_proposal=None, actor_id=reviewer_id, now=now)
