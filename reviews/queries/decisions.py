"""Decisions as chairs read them: labels, a proposal's decision, where it stands in its format.

Returns frozen dataclasses, never ORM objects. ``standing`` feeds both the proposal page and the
decision service's departure check, so the two always agree on what counts as a departure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from reviews import models
from reviews.domain import curation as rules

SENT_STATUSES = (
    models.DecisionStatus.ACCEPTED,
    models.DecisionStatus.WAITLISTED,
    models.DecisionStatus.REJECTED,
)


def reason_label(reason: str) -> str:
    if not reason:
        return ""
    try:
        return str(models.DepartureReason(reason).label)
    except ValueError:
        return reason


def status_label(status: str) -> str:
    try:
        return str(models.DecisionStatus(status).label)
    except ValueError:
        return status


def person_name(user: object | None) -> str:
    """A chair's or reviewer's name as other chairs see it."""
    if user is None:
        return _("a deleted account")
    return str(getattr(user, "first_name", "") or getattr(user, "username", ""))


@dataclass(frozen=True, slots=True)
class DecisionState:
    status: str
    status_label: str
    version: int
    decided_by: str
    decided_at: dt.datetime | None


def decision_state_of(d: models.Decision | None) -> DecisionState:
    """The state of a decision row the caller loaded (no row: undecided, version 0)."""
    if d is None:
        return DecisionState(
            status=models.DecisionStatus.UNDECIDED,
            status_label=status_label(models.DecisionStatus.UNDECIDED),
            version=0,
            decided_by="",
            decided_at=None,
        )
    return DecisionState(
        status=d.status,
        status_label=status_label(d.status),
        version=d.version,
        decided_by=person_name(d.decided_by) if d.decided_at else "",
        decided_at=d.decided_at,
    )


def decision_state(*, proposal_id: int) -> DecisionState:
    d = models.Decision.objects.filter(proposal_id=proposal_id).select_related("decided_by").first()
    return decision_state_of(d)


# --- departures and slots -------------------------------------------------------------------


def _ranked_in_format(*, call_id: int, format_id: int, run_id: int | None) -> list[rules.Ranked]:
    rank = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk"))
    decision = models.Decision.objects.filter(proposal_id=OuterRef("pk"))
    rows = (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id, format_id=format_id)
        .annotate(
            s_rank=Subquery(rank.values("rank")[:1]),
            d_status=Subquery(decision.values("status")[:1]),
        )
        .order_by("submitted_at", "id")
        .values_list("code", "s_rank", "d_status")
    )
    return [
        rules.Ranked(key=code, rank=None if run_id is None else r, status=s or rules.UNDECIDED)
        for code, r, s in rows
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a proposal stands against the others of its format, for departures and slots."""

    code: str
    rank: int | None
    slots: int
    accepted: int  # accepted proposals of the format, this one included
    accept_departs_from: tuple[str, ...]
    reject_departs_from: tuple[str, ...]

    @property
    def slots_left(self) -> int:
        return max(self.slots - self.accepted, 0)


def standing(
    *, call_id: int, code: str, format_id: int, slots: int, run_id: int | None
) -> Standing:
    everyone = _ranked_in_format(call_id=call_id, format_id=format_id, run_id=run_id)
    me = next((r for r in everyone if r.key == code), None) or rules.Ranked(
        key=code, rank=None, status=rules.UNDECIDED
    )
    return Standing(
        code=code,
        rank=me.rank,
        slots=slots,
        accepted=sum(1 for r in everyone if r.status == rules.ACCEPTED),
        accept_departs_from=rules.departure(target=me, to_status=rules.ACCEPTED, others=everyone),
        reject_departs_from=rules.departure(target=me, to_status=rules.REJECTED, others=everyone),
    )


def accepted_in_format(*, format_id: int, excluding_proposal_id: int) -> int:
    return (
        models.Decision.objects.filter(
            cfp_models.in_call("proposal__"),
            proposal__format_id=format_id,
            status=models.DecisionStatus.ACCEPTED,
        )
        .exclude(proposal_id=excluding_proposal_id)
        .count()
    )
