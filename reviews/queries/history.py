"""A proposal's history for its chairs: decision changes and the audit log, oldest first.

Returns frozen dataclasses, never ORM objects. Who acted is named as the blindness policy allows:
a speaker's name is part of their identity, a chair's is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.queries import decisions


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    kind: str  # "decision" or "event"
    from_status: str
    to_status: str
    reason: str
    note: str
    rank: int | None
    departure: bool
    identities_known: bool
    action: str
    details: str


_EVENT_LABELS = {
    "proposal.withdrawn": gettext_lazy("Withdrawn by the speaker"),
    "proposal.withdrawal_undone": gettext_lazy("Withdrawal undone by the speaker"),
    "proposal.reopened": gettext_lazy("Reopened for changes"),
    "speaker.invited": gettext_lazy("Co-speaker invited"),
    "speaker.joined": gettext_lazy("Co-speaker joined"),
    "speaker.removed": gettext_lazy("Speaker removed"),
    "speaker.invite_withdrawn": gettext_lazy("Co-speaker invitation withdrawn"),
    "decision.changed": gettext_lazy("Decision changed"),
    "decision.sent": gettext_lazy("Decision e-mail queued"),
    "finding.false_positive": gettext_lazy("Scanner finding marked as a false positive"),
}


def history(*, proposal_id: int, phase: Phase) -> tuple[HistoryEntry, ...]:
    """Decision changes and the proposal's audit events, oldest first.

    Decision changes are also written as audit events (the call-wide log); here they are shown
    once, from the richer DecisionChange row. Where the policy hides speaker identities from a
    chair, an event's actor is named only when they chair the call: the speaker withdrawing or
    inviting a co-speaker is an actor too, and their name is what blindness hides.
    """
    names_shown = visibility.sees(viewer=Viewer.CHAIR, part=Part.SPEAKER_IDENTITY, phase=phase)
    is_chair = cfp_queries.members(
        role=cfp_models.Role.CHAIR, call_id=OuterRef("call_id"), user_id=OuterRef("actor_id")
    )
    changes = [
        HistoryEntry(
            at=c.created_at,
            actor=decisions.person_name(c.actor),
            kind="decision",
            from_status=decisions.status_label(c.from_status),
            to_status=decisions.status_label(c.to_status),
            reason=decisions.reason_label(c.reason),
            note=c.note,
            rank=c.rank,
            departure=c.departure,
            identities_known=c.identities_known,
            action="",
            details="",
        )
        for c in models.DecisionChange.objects.filter(proposal_id=proposal_id)
        .select_related("actor")
        .order_by("created_at", "id")
    ]
    events = [
        HistoryEntry(
            at=e.created_at,
            actor=(
                ""
                if not e.actor_id
                else decisions.person_name(e.actor)
                if names_shown or getattr(e, "by_chair", False)
                else _("[hidden while blind]")
            ),
            kind="event",
            from_status="",
            to_status="",
            reason="",
            note="",
            rank=None,
            departure=False,
            identities_known=False,
            action=str(_EVENT_LABELS.get(e.action, e.action)),
            details=", ".join(f"{k}: {v}" for k, v in sorted((e.data or {}).items())),
        )
        for e in cfp_models.AuditEvent.objects.filter(proposal_id=proposal_id)
        .exclude(action="decision.changed")
        .annotate(by_chair=Exists(is_chair))
        .select_related("actor")
        .order_by("created_at", "id")
    ]
    return tuple(sorted(changes + events, key=lambda h: h.at))
