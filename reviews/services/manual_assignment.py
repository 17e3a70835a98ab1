"""A chair assigns and unassigns reviewers by hand; the engine keeps those choices.

A manual assignment is pinned (``Assignment.manual``, the engine's ``Hold.MANUAL``): no run
moves it. A manual unassignment is kept the same way, as a conflict with a reason of its own
(the one rule every assignment obeys), so the next run does not hand the proposal straight back;
assigning the pair by hand again lifts exactly that conflict. Every change leaves an audit row,
and every refusal names the proposal and the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp.domain.visibility import Phase
from reviews import models
from reviews.queries import manual_assignment as queries
from reviews.services import aggregation

UNASSIGNED_REASON = "Unassigned by a chair."


class UnableToChangeAssignment(Exception):
    """The change cannot be made; the message names the proposal and says why."""


@dataclass(frozen=True, slots=True)
class ManualOutcome:
    proposal: str  # "K7Q2XM “Title”"
    reviewer: str
    message: str


def rule_message(rule: str, *, language: str) -> str:
    """Why the engine's rule forbids a pair, in a chair's words (names no speaker)."""
    messages = {
        "language": _("does not read %(language)s") % {"language": language},
        "speaker": _("speaks on it"),
        "declared": _("has a conflict with it"),
        "affiliation": _("shares an affiliation with a speaker"),
        "domain": _("shares an e-mail domain with a speaker"),
    }
    return messages.get(rule, rule)


def _proposal(call_id: int, code: str, phase: Phase) -> queries.ProposalRef:
    proposal = queries.proposal_ref(call_id=call_id, code=code, phase=phase)
    if proposal is None:
        raise UnableToChangeAssignment(
            _("Proposal %(code)s is not in this call (or was withdrawn).") % {"code": code}
        )
    return proposal


@transaction.atomic
def assign_manually(
    *,
    call_id: int,
    code: str,
    reviewer_id: int,
    actor_id: int,
    phase: Phase,
    now: dt.datetime,
) -> ManualOutcome:
    """Pin ``reviewer_id`` on proposal ``code`` (an engine's pair becomes pinned)."""
    proposal = _proposal(call_id, code, phase)
    # A conflict this service recorded on an earlier unassignment is the chair's own: lift it.
    models.Conflict.objects.filter(
        proposal_id=proposal.id, reviewer_id=reviewer_id, reason=UNASSIGNED_REASON
    ).delete()
    rule = queries.pair_rule(call_id=call_id, proposal=proposal, reviewer_id=reviewer_id)
    if rule is None:
        raise UnableToChangeAssignment(
            _("%(proposal)s: that person is not an active reviewer of this call.")
            % {"proposal": proposal.label}
        )
    name = queries.reviewer_name(reviewer_id=reviewer_id)
    if rule:
        raise UnableToChangeAssignment(
            _("%(proposal)s: %(name)s cannot review it: %(name)s %(why)s.")
            % {
                "proposal": proposal.label,
                "name": name,
                "why": rule_message(rule, language=proposal.language),
            }
        )
    existing = models.Assignment.objects.filter(proposal_id=proposal.id, reviewer_id=reviewer_id)
    pinned = existing.update(manual=True, pinned_by_id=actor_id)
    if not pinned:
        models.Assignment.objects.create(
            proposal_id=proposal.id,
            reviewer_id=reviewer_id,
            created_at=now,
            manual=True,
            pinned_by_id=actor_id,
            reasons=["manual"],
        )
        aggregation.request_aggregation(call_id=call_id, now=now)
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=proposal.id,
        actor_id=actor_id,
        action="assignment.pinned" if pinned else "assignment.added_by_hand",
        data={"reviewer": reviewer_id},
        created_at=now,
    )
    message = (
        _("%(proposal)s: %(name)s's assignment is now pinned; runs will not move it.")
        if pinned
        else _("%(proposal)s: %(name)s is assigned and pinned.")
    ) % {"proposal": proposal.label, "name": name}
    return ManualOutcome(proposal=proposal.label, reviewer=name, message=message)


@transaction.atomic
def unassign_manually(
    *,
    call_id: int,
    code: str,
    reviewer_id: int,
    actor_id: int,
    phase: Phase,
    now: dt.datetime,
) -> ManualOutcome:
    """Take ``reviewer_id`` off proposal ``code``; refused once they have started a review."""
    proposal = _proposal(call_id, code, phase)
    name = queries.reviewer_name(reviewer_id=reviewer_id)
    row = models.Assignment.objects.filter(proposal_id=proposal.id, reviewer_id=reviewer_id)
    if not row.exists():
        raise UnableToChangeAssignment(
            _("%(proposal)s: %(name)s is not assigned to it.")
            % {"proposal": proposal.label, "name": name}
        )
    if models.Review.objects.filter(proposal_id=proposal.id, reviewer_id=reviewer_id).exists():
        raise UnableToChangeAssignment(
            _(
                "%(proposal)s: %(name)s has started reviewing it; their review would be lost. "
                "Ask them to step back from the proposal instead."
            )
            % {"proposal": proposal.label, "name": name}
        )
    row.delete()
    models.Conflict.objects.get_or_create(
        proposal_id=proposal.id,
        reviewer_id=reviewer_id,
        defaults={"reason": UNASSIGNED_REASON, "created_at": now},
    )
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=proposal.id,
        actor_id=actor_id,
        action="assignment.removed_by_hand",
        data={"reviewer": reviewer_id},
        created_at=now,
    )
    aggregation.request_aggregation(call_id=call_id, now=now)
    return ManualOutcome(
        proposal=proposal.label,
        reviewer=name,
        message=_("%(proposal)s: %(name)s is unassigned; runs will not give it back.")
        % {"proposal": proposal.label, "name": name},
    )
