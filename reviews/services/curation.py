"""The write side of curation: reveal identities, decide, edit decision e-mails, send them.

Decisions use optimistic concurrency (the form carries the version it saw; the update is
``UPDATE … WHERE version = seen``) and accepting locks the format's row while it counts the
accepted proposals, so two chairs can neither overwrite each other nor overfill a format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import services as cfp_services
from common.queue import enqueue_on_commit
from reviews import curation_queries, models, queries
from reviews.domain import curation as rules

log = logging.getLogger(__name__)

STATUSES = tuple(str(s) for s in models.DecisionStatus.values)
REASONS = tuple(str(r) for r in models.DepartureReason.values)


class UnableToDecide(Exception):
    """The decision was not saved; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DecisionConflict(UnableToDecide):
    """Another chair changed the decision since this one was loaded: nothing was overwritten."""

    def __init__(self, message: str, *, current: curation_queries.DecisionState) -> None:
        super().__init__(message)
        self.current = current


class UnableToReveal(Exception):
    pass


class UnableToSaveTemplate(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- two-phase curation ---------------------------------------------------------------------


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


def _conflict_message(current: curation_queries.DecisionState) -> str:
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
        .values("pk", "state", "format_id", "call__chairs_blind", "call__identities_revealed_at")
        .first()
    )
    if row is None:
        raise UnableToDecide(_("This proposal does not exist."))
    if row["state"] != cfp_models.ProposalState.SUBMITTED:
        raise UnableToDecide(_("This proposal was withdrawn; it cannot be decided."))
    proposal_id: int = row["pk"]
    format_id: int = row["format_id"]
    identities_known = (
        not row["call__chairs_blind"] or row["call__identities_revealed_at"] is not None
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
    current = curation_queries.decision_state(proposal_id=proposal_id)
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
        taken = curation_queries.accepted_in_format(
            format_id=format_id, excluding_proposal_id=proposal_id
        )
        if taken >= slots:
            raise UnableToDecide(
                _(
                    "All %(slots)s slots of this format are taken. Move another proposal out "
                    "of the programme first, or waitlist this one."
                )
                % {"slots": slots},
                field="status",
            )
    standing = curation_queries.standing(
        call_id=call_id,
        code=code,
        format_id=format_id,
        slots=slots,
        run_id=queries.current_run_id(call_id=call_id),
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
        latest = curation_queries.decision_state(proposal_id=proposal_id)
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


# --- decision e-mails -----------------------------------------------------------------------


def problem_message(problem: rules.TemplateProblem) -> str:
    """A chair-facing sentence for one refused piece of a template."""
    allowed = ", ".join("{" + p + "}" for p in rules.PLACEHOLDERS)
    if problem.kind == "syntax":
        return _("A brace is not closed or not opened. Write {{ and }} for a literal brace.")
    if problem.kind == "positional":
        return _("“{%(field)s}” is not a placeholder. Use one of %(allowed)s.") % {
            "field": problem.field,
            "allowed": allowed,
        }
    if problem.kind == "access":
        return _(
            "“{%(field)s}”: placeholders cannot use dots or brackets. Use one of %(allowed)s."
        ) % {"field": problem.field, "allowed": allowed}
    if problem.kind == "unknown":
        return _("“{%(field)s}” is not a placeholder. Use one of %(allowed)s.") % {
            "field": problem.field,
            "allowed": allowed,
        }
    if problem.kind == "conversion":
        return _("“{%(field)s}”: conversions such as !r are not allowed.") % {
            "field": problem.field
        }
    return _("“{%(field)s}”: formatting after a colon is not allowed.") % {"field": problem.field}


def template_errors(text: str) -> list[str]:
    return [problem_message(p) for p in rules.template_problems(text)]


@transaction.atomic
def save_decision_template(
    *,
    call_id: int,
    status: str,
    subject: str,
    body: str,
    include_feedback: bool,
    actor_id: int,
    now: dt.datetime,
) -> None:
    if status not in curation_queries.SENT_STATUSES:
        raise UnableToSaveTemplate(_("Choose accepted, waitlisted or rejected."), field="status")
    subject = rules.one_line(subject)
    if not subject:
        raise UnableToSaveTemplate(_("Write a subject."), field="subject")
    if not body.strip():
        raise UnableToSaveTemplate(_("Write the message."), field="body")
    for field, text in (("subject", subject), ("body", body)):
        errors = template_errors(text)
        if errors:
            raise UnableToSaveTemplate(errors[0], field=field)
    models.DecisionTemplate.objects.update_or_create(
        call_id=call_id,
        status=status,
        defaults={
            "subject": subject,
            "body": body,
            "include_feedback": include_feedback,
            "updated_by_id": actor_id,
            "updated_at": now,
        },
    )
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=actor_id,
        action="decision_template.saved",
        data={"status": status},
        created_at=now,
    )


@dataclass(frozen=True, slots=True)
class SendProgress:
    state: str  # "", "queued", "running", "done", "failed"
    done: int = 0
    total: int = 0
    queued: int = 0

    @property
    def busy(self) -> bool:
        return self.state in ("queued", "running")


def _progress_key(call_id: int) -> str:
    return f"decision-progress:{call_id}"


def _set_progress(call_id: int, progress: SendProgress) -> None:
    cache.set(
        _progress_key(call_id),
        {
            "state": progress.state,
            "done": progress.done,
            "total": progress.total,
            "queued": progress.queued,
        },
        3600,
    )


def send_progress(*, call_id: int) -> SendProgress:
    value = cache.get(_progress_key(call_id))
    if not isinstance(value, dict):
        return SendProgress(state="")
    return SendProgress(
        state=str(value.get("state", "")),
        done=int(value.get("done", 0)),
        total=int(value.get("total", 0)),
        queued=int(value.get("queued", 0)),
    )


@transaction.atomic
def request_decision_emails(*, call_id: int, actor_id: int, now: dt.datetime) -> None:
    """Ask a worker to send every decided proposal's e-mails; safe to ask twice."""
    cfp_models.AuditEvent.objects.create(
        call_id=call_id, actor_id=actor_id, action="decisions.send_requested", created_at=now
    )
    _set_progress(call_id, SendProgress(state="queued"))
    enqueue_on_commit("reviews.send_decisions", call_id)


def outbox_key(*, code: str, status: str, email: str) -> str:
    """The promise "this speaker hears this decision once"; long addresses are hashed to fit."""
    key = f"decision:{code}:{status}:{email}"
    if len(key) > 200:
        key = f"decision:{code}:{status}:sha256:{hashlib.sha256(email.encode()).hexdigest()}"
    return key


@dataclass(frozen=True, slots=True)
class SendResult:
    proposals: int
    queued: int


def send_decisions(*, call_id: int, now: dt.datetime) -> SendResult:
    """Queue each speaker's e-mail for each decided proposal, once, and publish the decision.

    Exactly once per speaker and decision: each e-mail has the outbox key
    ``decision:<code>:<status>:<email>``, so a second run, a retry or a duplicated task queues
    nothing new; a changed decision (waitlisted, then accepted) is a new message. The run holds
    the call's row lock, so two runs at once take turns. A failure rolls everything back.
    """
    try:
        result = _send_decisions(call_id=call_id, now=now)
    except Exception:
        log.exception("sending the decisions of call %s failed", call_id)
        _set_progress(call_id, SendProgress(state="failed"))
        raise
    _set_progress(
        call_id,
        SendProgress(
            state="done", done=result.proposals, total=result.proposals, queued=result.queued
        ),
    )
    return result


@transaction.atomic
def _send_decisions(*, call_id: int, now: dt.datetime) -> SendResult:
    cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
    name = curation_queries.call_name(call_id=call_id)
    templates = {t.status: t for t in curation_queries.decision_templates(call_id=call_id)}
    items = curation_queries.outcomes(call_id=call_id)
    _set_progress(call_id, SendProgress(state="running", total=len(items)))
    queued = 0
    changed: list[cfp_models.Proposal] = []
    events: list[cfp_models.AuditEvent] = []
    for index, item in enumerate(items, start=1):
        template = templates[item.status]
        new = 0
        for recipient in item.speakers:
            email = curation_queries.compose(
                template=template, outcome=item, recipient=recipient, call_name=name
            )
            if cfp_services.queue_email(
                key=outbox_key(code=item.code, status=item.status, email=recipient.email),
                to=email.to,
                subject=email.subject,
                body=email.body,
                now=now,
            ):
                new += 1
        queued += new
        feedback = list(item.feedback) if template.include_feedback else []
        if new or item.published_decision != item.status:
            changed.append(
                cfp_models.Proposal(
                    pk=item.proposal_id,
                    published_decision=item.status,
                    published_feedback=feedback,
                    decision_sent_at=now,
                )
            )
        if new:
            events.append(
                cfp_models.AuditEvent(
                    call_id=call_id,
                    proposal_id=item.proposal_id,
                    action="decision.sent",
                    data={"decision": item.status, "emails": new},
                    created_at=now,
                )
            )
        if index % 50 == 0:
            _set_progress(
                call_id,
                SendProgress(state="running", done=index, total=len(items), queued=queued),
            )
    cfp_models.Proposal.objects.bulk_update(
        changed,
        ["published_decision", "published_feedback", "decision_sent_at"],
        batch_size=500,
    )
    cfp_models.AuditEvent.objects.bulk_create(events, batch_size=1000)
    return SendResult(proposals=len(items), queued=queued)
