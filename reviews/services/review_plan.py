"""Spending reviewer time where it changes the outcome (issue 22): the writes.

- :func:`update_plan`: the chair switches extra reviews on or off and sets the cap (audited).
- :func:`start_experiment`: the consistency experiment sends a random share of proposals to two
  disjoint reviewer pools (audited; cannot be undone, so the form asks for a confirmation).
- :func:`request_extra_reviews`: after each aggregation (task ``reviews.request_extra_reviews``),
  one more reviewer for every uncertain proposal whose reviews are in and that is under the cap,
  placed by the assignment engine (loads, conflicts, languages, pools) without moving anyone.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from dataclasses import dataclass, replace

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp.services import audit
from reviews import models
from reviews.domain import adaptive
from reviews.domain.assignment import engine, extra
from reviews.queries import assignment_inputs, review_plan
from reviews.services import assignment

MAX_EXPERIMENT_PERCENT = 50


class UnableToChangePlan(Exception):
    pass


def _row(call_id: int) -> models.ReviewPlan:
    row, _created = models.ReviewPlan.objects.get_or_create(call_id=call_id)
    return row


@transaction.atomic
def update_plan(
    *, call_id: int, extra_reviews: bool, extra_cap: int, actor_id: int | None, now: dt.datetime
) -> bool:
    """Store the extra-review settings; returns whether anything changed."""
    call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
    if not 1 <= extra_cap <= 20:
        raise UnableToChangePlan(_("The cap must be between 1 and 20 reviews."))
    if extra_cap < call.reviews_per_proposal and extra_reviews:
        raise UnableToChangePlan(
            _("The cap counts every review of a proposal: it cannot be below %(k)d.")
            % {"k": call.reviews_per_proposal}
        )
    row = _row(call_id)
    before = {"extra_reviews": row.extra_reviews, "extra_cap": row.extra_cap}
    after = {"extra_reviews": extra_reviews, "extra_cap": extra_cap}
    if before == after:
        return False
    row.extra_reviews, row.extra_cap, row.updated_at = extra_reviews, extra_cap, now
    row.save(update_fields=["extra_reviews", "extra_cap", "updated_at"])
    audit.record(
        call=call,
        action="reviews.extra_reviews_settings",
        actor_id=actor_id,
        now=now,
        data={"before": before, "after": after},
    )
    return True


@dataclass(frozen=True, slots=True)
class ExperimentOutcome:
    duplicated: int
    created: int


def start_experiment(
    *, call_id: int, percent: int, actor_id: int, now: dt.datetime
) -> ExperimentOutcome:
    """Pick `percent` % of the live proposals at random for both pools, then assign their seats.

    The pick and the pools come from the system's random source, so nobody can predict them;
    the salt is stored (the engine needs it on every run) and never shown on a reviewer page.
    """
    with transaction.atomic():
        call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
        if not 1 <= percent <= MAX_EXPERIMENT_PERCENT:
            raise UnableToChangePlan(
                _("Choose a share between 1 and %(max)d %% of the proposals.")
                % {"max": MAX_EXPERIMENT_PERCENT}
            )
        row = _row(call_id)
        if row.experiment_salt:
            raise UnableToChangePlan(_("The consistency experiment is already running."))
        live = list(
            cfp_models.Proposal.objects.submitted()
            .filter(call_id=call_id)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if len(live) < 2:
            raise UnableToChangePlan(_("The experiment needs at least two proposals."))
        count = max(1, math.floor(len(live) * percent / 100))
        chosen = random.Random(secrets.randbits(64)).sample(live, count)
        models.DuplicatedProposal.objects.bulk_create(
            [
                models.DuplicatedProposal(call=call, proposal_id=pid, created_at=now)
                for pid in chosen
            ]
        )
        row.experiment_percent = percent
        row.experiment_salt = secrets.token_hex(16)
        row.experiment_started_at = now
        row.updated_at = now
        row.save()
        audit.record(
            call=call,
            action="reviews.consistency_experiment_started",
            actor_id=actor_id,
            now=now,
            data={"percent": percent, "duplicated": len(chosen), "proposals": len(live)},
        )
        begun = models.Assignment.objects.filter(proposal__call_id=call_id).exists()
    created = 0
    if begun:
        # Review has begun: the second pool's seats are filled now, through the one engine.
        created = assignment.assign_reviewers(
            call_id=call_id, per_proposal=None, actor_id=actor_id, now=now
        ).created
    return ExperimentOutcome(duplicated=len(chosen), created=created)


@dataclass(frozen=True, slots=True)
class ExtraOutcome:
    requested: int
    created: int
    short: int


def _problem(inputs: assignment_inputs.AssignmentInputs) -> engine.Problem:
    return engine.Problem(
        proposals=inputs.proposals,
        reviewers=inputs.reviewers,
        per_proposal=inputs.per_proposal,
        existing=inputs.existing,
        bids=inputs.bids,
        proposal_labels=inputs.proposal_labels,
        reviewer_labels=inputs.reviewer_labels,
    )


def _affinity(inputs: assignment_inputs.AssignmentInputs) -> np.ndarray | None:
    # The same text affinity as every assignment run (reviews.services.assignment).
    if not any(t.strip() for t in inputs.profile_texts):
        return None
    from reviews.domain.assignment import affinity

    return affinity.affinity_matrix(
        proposal_texts=inputs.proposal_texts, profile_texts=inputs.profile_texts
    )


@transaction.atomic
def request_extra_reviews(*, call_id: int, now: dt.datetime) -> ExtraOutcome:
    """One more reviewer for each uncertain unit (``reviews.domain.adaptive``). Idempotent: a
    second run finds the new seats unfinished and asks for nothing more."""
    call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
    the_plan = review_plan.plan(call_id=call_id)
    if not the_plan.extra_reviews:
        return ExtraOutcome(0, 0, 0)
    st = review_plan.standings(call_id=call_id)
    if st.run_id is None or not st.seats:
        return ExtraOutcome(0, 0, 0)
    inputs = assignment_inputs.assignment_inputs(call_id=call_id)
    planned = extra.plan_extra(
        replace(
            _problem(inputs),
            affinity=_affinity(inputs),
        ),
        chances={str(pid): extra.Chance(p, low, high) for pid, (p, low, high) in st.chance.items()},
        finished={(str(p), str(r)) for (p, r), done in st.seats.items() if done},
        rule=adaptive.Rule(cap=max(the_plan.extra_cap, 1)),
        cut=adaptive.cut_between(st.calibrated_by_rank, st.slots),
        duplicated=inputs.duplicated,
        salt=inputs.pool_salt,
    )
    result = planned.result
    if result is None:
        return ExtraOutcome(0, 0, 0)
    reason_of = planned.reasons
    asked = planned.requests
    why = {(p.proposal, p.reviewer): p.reasons for p in result.pairs if p.new}
    models.Assignment.objects.bulk_create(
        [
            models.Assignment(
                proposal_id=int(p),
                reviewer_id=int(r),
                created_at=now,
                extra=True,
                reasons=[reason_of.get(p, adaptive.reason(0.5)), *why.get((p, r), ())],
            )
            for p, r in result.added
        ],
        ignore_conflicts=True,
    )
    audit.record(
        call=call,
        action="reviews.extra_reviews_requested",
        actor_id=None,
        now=now,
        data={
            "asked": len(asked),
            "created": len(result.added),
            "short": len(result.shortfalls),
            "run": st.run_id,
            "pairs": [{"proposal": p, "reviewer": r} for p, r in result.added[:200]],
        },
    )
    return ExtraOutcome(
        requested=len(asked), created=len(result.added), short=len(result.shortfalls)
    )
