"""What the extra reviews and the consistency experiment read (issue 22). Chairs only.

Plain values out: the call's plan (its settings or the defaults), where every proposal stands
after the current snapshot, the extra budget used, and what the consistency report needs.
Nothing here is for reviewer pages: which proposals are duplicated, and the pools, are for
chairs (and the assignment engine) alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q

from cfp import models as cfp_models
from reviews import models
from reviews.domain import adaptive
from reviews.queries import snapshot


@dataclass(frozen=True, slots=True)
class Plan:
    extra_reviews: bool
    extra_cap: int
    experiment_percent: int
    experiment_salt: str
    experiment_started_at: dt.datetime | None
    reviews_per_proposal: int

    @property
    def experiment_running(self) -> bool:
        return bool(self.experiment_salt)


def plan(*, call_id: int) -> Plan:
    """The call's plan: its stored settings, or the defaults (extra reviews on, cap 5)."""
    k = cfp_models.Call.objects.values_list("reviews_per_proposal", flat=True).get(pk=call_id)
    row = (
        models.ReviewPlan.objects.filter(call_id=call_id)
        .values_list(
            "extra_reviews",
            "extra_cap",
            "experiment_percent",
            "experiment_salt",
            "experiment_started_at",
        )
        .first()
    )
    if row is None:
        return Plan(True, adaptive.DEFAULT_CAP, 0, "", None, k)
    return Plan(*row, reviews_per_proposal=k)


@dataclass(frozen=True, slots=True)
class Standings:
    """The current snapshot per proposal, and who is on it with which review state."""

    run_id: int | None
    slots: int
    # proposal id -> (chance in slots, low, high)
    chance: Mapping[int, tuple[float | None, float | None, float | None]]
    calibrated_by_rank: tuple[float, ...]
    # (proposal id, reviewer id) -> review finished (submitted or abstained)
    seats: Mapping[tuple[int, int], bool]
    duplicated: frozenset[int]


def standings(*, call_id: int) -> Standings:
    run_id = snapshot.current_run_id(call_id=call_id)
    slots = sum(cfp_models.Format.objects.filter(call_id=call_id).values_list("slots", flat=True))
    chance: dict[int, tuple[float | None, float | None, float | None]] = {}
    ranked: list[float] = []
    if run_id is not None:
        for pid, p, low, high, calibrated, rank in (
            models.ProposalScore.objects.filter(cfp_models.in_call("proposal__"), run_id=run_id)
            .order_by("rank", "proposal_id")
            .values_list("proposal_id", "p_in_slots", "low", "high", "calibrated", "rank")
        ):
            chance[pid] = (p, low, high)
            if rank is not None and calibrated is not None:
                ranked.append(calibrated)
    finished = {
        (pid, rid): score is not None or abstained
        for pid, rid, score, abstained in models.Review.objects.filter(call_id=call_id).values_list(
            "proposal_id", "reviewer_id", "score", "abstained"
        )
    }
    seats = {
        (pid, rid): finished.get((pid, rid), False)
        for pid, rid in models.Assignment.objects.filter(proposal__call_id=call_id).values_list(
            "proposal_id", "reviewer_id"
        )
    }
    duplicated = frozenset(
        models.DuplicatedProposal.objects.filter(call_id=call_id).values_list(
            "proposal_id", flat=True
        )
    )
    return Standings(
        run_id=run_id,
        slots=max(int(slots), 1),
        chance=chance,
        calibrated_by_rank=tuple(ranked),
        seats=seats,
        duplicated=duplicated,
    )


@dataclass(frozen=True, slots=True)
class Budget:
    """The extra reviews a call has spent, for the chairs' page."""

    requested: int
    finished: int
    proposals: int
    # The most the cap allows on top of K for every live proposal (the duplicated ones twice).
    ceiling: int


def budget(*, call_id: int, the_plan: Plan) -> Budget:
    extra = list(
        models.Assignment.objects.filter(
            cfp_models.in_call("proposal__"), proposal__call_id=call_id, extra=True
        ).values_list("proposal_id", "reviewer_id")
    )
    done = set(
        models.Review.objects.filter(call_id=call_id, proposal_id__in={p for p, _ in extra})
        .filter(Q(score__isnull=False) | Q(abstained=True))
        .values_list("proposal_id", "reviewer_id")
    )
    live = cfp_models.Proposal.objects.submitted().filter(call_id=call_id).count()
    dup = models.DuplicatedProposal.objects.filter(
        cfp_models.in_call("proposal__"), call_id=call_id
    ).count()
    per = max(the_plan.extra_cap - the_plan.reviews_per_proposal, 0)
    return Budget(
        requested=len(extra),
        finished=sum(1 for pair in extra if pair in done),
        proposals=len({p for p, _ in extra}),
        ceiling=per * (live + dup),
    )
