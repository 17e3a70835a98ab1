"""Curation's decisions: revealing identities to the chairs, and deciding each proposal.

Revealing is the one write of the call's blindness phase besides its settings (the policy guard
allows this module to name the phase's columns). Decisions use optimistic concurrency (the form
carries the version it saw; the update is ``UPDATE … WHERE version = seen``) and accepting locks
the format's row while it counts the accepted proposals, so two chairs can neither overwrite
each other nor overfill a format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.queries import decisions, snapshot

STATUSES = tuple(str(s) for s in models.DecisionStatus.values)
REASONS = tuple(str(r) for r in models.DepartureReason.values)


class UnableToDecide(Exception):
    """The decision was not saved; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DecisionConflict(UnableToDecide):
    """Another chair changed the decision since this one was loaded: nothing was overwritten."""

    def __init__(self, message: str, *, current: decisions.DecisionState) -> None:
        super().__init__(message)
        self.current = current


class UnableToReveal(Exception):
    pass


# --- two-phase curation ---------------------------------------------------------------------


class RevealState(StrEnum):
    """Where the reveal stands, for the reveal page: what it says and whether it offers the form."""

    NEVER_BLIND = "never_blind"  # the call's chairs always saw identities
    REVEALED = "revealed"
    BLIND = "blind"


def reveal_state(*, phase: Phase) -> RevealState:
    if not phase.chairs_blind:
        return RevealState.NEVER_BLIND
    if phase.identities_revealed:
        return RevealState.REVEALED
    return RevealState.BLIND


@transaction.atomic
def reveal_identities(*, call_id: int, actor_id: int, now: dt.datetime) -> bool:
    """End the blind phase for the call's chairs; False when it had ended already."""
    call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
    if not call.chairs_blind:
        raise UnableToReveal(_("Chairs of this call see speakers' identities already."))
    if call.identities_revealed_at is not None:
        return False
    call.identities_revealed_at = now
    call.save(update_fields=["identities_revealed_at"])
    cfp_models.AuditEvent.objects.create(
        call=call, actor_id=actor_id, action="identities.revealed", data={}, created_at=now
    )
    return True


# --- decisions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decided:
    status: str
    version: int
    departure: bool


def _conflict_message(current: decisions.DecisionState) -> str:
    if current.decided_at is None:
        return _(
            "Another chair changed this decision while you were looking; it is now "
            "%(status)s. Nothing was saved: check it and choose again."
        ) % {"status": current.status_label}
    return _(
        "%(who)s changed this decision at %(when)s while you were looking; it is now "
        "%(status)s. Nothing was saved: check it and choose again."
    ) % {
        "who": current.decided_by,
        "when": current.decided_at.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "status": current.status_label,
    }


def _departure_message(*, to_status: str, codes: tuple[str, ...]) -> str:
    shown = ", ".join(codes[:5]) + ("…" if len(codes) > 5 else "")
    if to_status == models.DecisionStatus.ACCEPTED:
        return _(
            "Accepting this proposal departs from the calibrated order: %(n)s better-ranked "
            "proposals of this format are undecided or rejected (%(codes)s). Choose a reason."
        ) % {"n": len(codes), "codes": shown}
    return _(
        "Rejecting this proposal departs from the calibrated order: %(n)s lower-ranked "
        "proposals of this format are accepted (%(codes)s). Choose a reason."
    ) % {"n": len(codes), "codes": shown}


@transaction.atomic
def decide(
    *,
    call_id: int,
    code: str,
    to_status: str,
    seen_version: int,
    reason: str,
    note: str,
    actor_id: int,
    now: dt.datetime,
) -> Decided:
    """Change one proposal's decision, keeping the change in its history.

    Refused (with ``UnableToDecide``) when the status or reason is unknown, "other" has no text,
    the proposal is withdrawn, the format has no free slot, or (once chairs know who the
    speakers are) the decision departs from the calibrated order without a reason. Raises
    ``DecisionConflict`` when the decision's version is no longer ``seen_version``.
    """
    note = note.strip()
    if to_status not in STATUSES:
        raise UnableToDecide(_("Choose one of the decisions."), field="status")
    if reason and reason not in REASONS:
        raise UnableToDecide(_("Choose one of the reasons."), field="reason")
    if reason == models.DepartureReason.OTHER and not note:
        raise UnableToDecide(_("Say why in the note when the reason is “other”."), field="note")
    row = (
        cfp_models.Proposal.objects.filter(call_id=call_id, code=code)
        .select_related("call")
        .first()
    )
    if row is None:
        raise UnableToDecide(_("This proposal does not exist."))
    if row.state not in cfp_models.IN_CALL_STATES:
        raise UnableToDecide(_("This proposal was withdrawn; it cannot be decided."))
    proposal_id: int = row.pk
    format_id: int = row.format_id
    # Read in this transaction, not taken from the page: a reveal may have happened since.
    identities_known = visibility.sees(
        viewer=Viewer.CHAIR, part=Part.SPEAKER_IDENTITY, phase=cfp_queries.phase_of(row.call)
    )
    slots = 0
    if to_status == models.DecisionStatus.ACCEPTED:
        # Two chairs filling the last slot at once: the second waits here for the first to
        # commit, then counts its acceptance.
        slots = (
            cfp_models.Format.objects.select_for_update(no_key=True)
            .filter(pk=format_id)
            .values_list("slots", flat=True)
            .get()
        )
    current = decisions.decision_state(proposal_id=proposal_id)
    if current.version == 0 and current.decided_at is None:
        models.Decision.objects.bulk_create(
            [models.Decision(proposal_id=proposal_id)], ignore_conflicts=True
        )
    if current.version != seen_version:
        raise DecisionConflict(_conflict_message(current), current=current)
    if current.status == to_status:
        raise UnableToDecide(
            _("This proposal is %(status)s already.") % {"status": current.status_label},
            field="status",
        )
    if to_status == models.DecisionStatus.ACCEPTED and not slots:
        raise UnableToDecide(
            _(
                "This format has no slots yet: set how many talks it takes in the call's "
                "settings, then accept."
            ),
            field="status",
        )
    if to_status == models.DecisionStatus.ACCEPTED:
        taken = decisions.accepted_in_format(format_id=format_id, excluding_proposal_id=proposal_id)
        if taken >= slots:
            raise UnableToDecide(
                _(
                    "All %(slots)s slots of this format are taken. Move another proposal out "
                    "of the programme first, or waitlist this one."
                )
                % {"slots": slots},
                field="status",
            )
    standing = decisions.standing(
        call_id=call_id,
        code=code,
        format_id=format_id,
        slots=slots,
        run_id=snapshot.current_run_id(call_id=call_id),
    )
    departs_from = (
        standing.accept_departs_from
        if to_status == models.DecisionStatus.ACCEPTED
        else standing.reject_departs_from
        if to_status == models.DecisionStatus.REJECTED
        else ()
    )
    if identities_known and departs_from and not reason:
        raise UnableToDecide(
            _departure_message(to_status=to_status, codes=departs_from), field="reason"
        )
    updated = models.Decision.objects.filter(proposal_id=proposal_id, version=seen_version).update(
        status=to_status, version=F("version") + 1, decided_by_id=actor_id, decided_at=now
    )
    if updated == 0:
        latest = decisions.decision_state(proposal_id=proposal_id)
        raise DecisionConflict(_conflict_message(latest), current=latest)
    models.DecisionChange.objects.create(
        proposal_id=proposal_id,
        from_status=current.status,
        to_status=to_status,
        reason=reason,
        note=note,
        actor_id=actor_id,
        created_at=now,
        rank=standing.rank,
        departure=bool(departs_from),
        identities_known=identities_known,
    )
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=proposal_id,
        actor_id=actor_id,
        action="decision.changed",
        data={
            "from": current.status,
            "to": to_status,
            "reason": reason,
            "departure": bool(departs_from),
        },
        created_at=now,
    )
    return Decided(status=to_status, version=seen_version + 1, departure=bool(departs_from))
