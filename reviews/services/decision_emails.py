"""Decision e-mails: the call's templates, and sending each speaker their decision once.

Sending runs in the task ``reviews.send_decisions`` and sends only what chairs released from
their outbox (``reviews.services.outbox_review``): every e-mail has an outbox key per speaker
and decision, so a second run, a retry or a duplicated task queues nothing new. Progress is kept
in the cache for the chair's pages to poll.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import outbox
from common.queue import enqueue_on_commit
from reviews import models
from reviews.domain import curation as rules
from reviews.queries import decision_emails, decisions

log = logging.getLogger(__name__)


class UnableToSaveTemplate(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def problem_message(problem: rules.TemplateProblem) -> str:
    """A chair-facing sentence for one refused piece of a template."""
    allowed = ", ".join("{" + p + "}" for p in rules.PLACEHOLDERS)
    if problem.kind == "syntax":
        return _("A brace is not closed or not opened. Write {{ and }} for a literal brace.")
    if problem.kind in ("positional", "unknown"):
        return _("“{%(field)s}” is not a placeholder. Use one of %(allowed)s.") % {
            "field": problem.field,
            "allowed": allowed,
        }
    if problem.kind == "access":
        return _(
            "“{%(field)s}”: placeholders cannot use dots or brackets. Use one of %(allowed)s."
        ) % {"field": problem.field, "allowed": allowed}
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
    if status not in decisions.SENT_STATUSES:
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
    """Ask a worker to send the drafts chairs released from the outbox; safe to ask twice."""
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


# A draft's outbox key only ever names a decision mail (no one-time link), so a draft can
# never queue under another kind's key; tests/test_outbox_secrets.py reads the literal prefix.
def decision_key(d: models.DecisionDraft) -> str:
    rest = d.key.removeprefix("decision:")
    if rest == d.key:
        raise ValueError(f"a decision draft with a key of another kind: {d.key.split(':')[0]}")
    return f"decision:{rest}"


@dataclass(frozen=True, slots=True)
class SendResult:
    proposals: int
    queued: int


def send_decisions(*, call_id: int, now: dt.datetime) -> SendResult:
    """Queue the decision e-mails chairs released from the outbox, once, and publish them.

    Only drafts reach a speaker: generated into the chairs' outbox, previewed, edited or
    discarded there, their feedback approved by a chair, then released per decision group
    (``outbox_review.send_group``, which asks for this task). Each draft is queued under its
    outbox key ``decision:<code>:<status>:<email>``, so a second run, a retry or a duplicated
    task queues nothing new. The run holds the call's row lock, so two runs at once take
    turns. A failure rolls everything back.
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
    released = list(
        models.DecisionDraft.objects.select_for_update()
        .filter(call_id=call_id, state=models.DraftState.QUEUED, outbox_id__isnull=True)
        .order_by("pk")
    )
    statuses = {d.status for d in released}
    _set_progress(call_id, SendProgress(state="running", total=len(released)))
    queued = 0
    sent: dict[int, int] = {}
    for d in released:
        if outbox.queue_email(
            key=decision_key(d), to=d.to, subject=d.subject, body=d.body, now=now
        ):
            queued += 1
            sent[d.proposal_id] = sent.get(d.proposal_id, 0) + 1
    ids = dict(
        cfp_models.EmailOutbox.objects.filter(key__in=[d.key for d in released]).values_list(
            "key", "pk"
        )
    )
    for d in released:
        d.outbox_id, d.updated_at = ids.get(d.key), now
    models.DecisionDraft.objects.bulk_update(released, ["outbox_id", "updated_at"])
    # Publish the released groups' decisions (with the feedback chairs approved, when the
    # template includes it), also for speakers who get no e-mail (decision mail turned off, a
    # placeholder address): they read the decision on the proposal's page.
    publish(
        call_id=call_id, statuses=statuses, released_ids={d.proposal_id for d in released}, now=now
    )
    cfp_models.AuditEvent.objects.bulk_create(
        [
            cfp_models.AuditEvent(
                call_id=call_id,
                proposal_id=pid,
                action="decision.sent",
                data={"emails": n},
                created_at=now,
            )
            for pid, n in sent.items()
        ],
        batch_size=1000,
    )
    return SendResult(proposals=len({d.proposal_id for d in released}), queued=queued)


def publish(
    *,
    call_id: int,
    statuses: set[str],
    released_ids: set[int],
    now: dt.datetime,
    only: set[int] | None = None,
) -> int:
    """Publish the decisions of the given groups on the speakers' proposal pages, with the
    feedback chairs approved when the group's template includes it.

    A proposal whose draft still waits in the outbox (or was discarded) stays unpublished until
    that draft is released; one with no draft at all (its speakers get no e-mail) is published
    with its group. ``only`` narrows it to those proposals. Returns how many changed.
    """
    templates = {t.status: t for t in decision_emails.decision_templates(call_id=call_id)}
    has_draft = set(
        models.DecisionDraft.objects.filter(call_id=call_id, status__in=statuses).values_list(
            "proposal_id", "status"
        )
    )
    changed: list[cfp_models.Proposal] = []
    for item in decision_emails.outcomes(call_id=call_id, moderated=True):
        if item.status not in statuses or (only is not None and item.proposal_id not in only):
            continue
        if item.proposal_id not in released_ids and (item.proposal_id, item.status) in has_draft:
            continue  # its draft still waits in the outbox, or a chair discarded it
        feedback = list(item.feedback) if templates[item.status].include_feedback else []
        if (item.published_decision, list(item.published_feedback)) != (item.status, feedback):
            changed.append(
                cfp_models.Proposal(
                    pk=item.proposal_id,
                    published_decision=item.status,
                    published_feedback=feedback,
                    decision_sent_at=now,
                )
            )
    cfp_models.Proposal.objects.bulk_update(
        changed,
        ["published_decision", "published_feedback", "decision_sent_at"],
        batch_size=500,
    )
    return len(changed)


def wake_released_decisions(*, now: dt.datetime) -> int:
    """Ask for the send task again for every call with drafts a chair released over a minute
    ago that are still not in the e-mail outbox: the task was lost with the broker's queue.
    Celery beat runs this every minute; returns how many calls were woken."""
    call_ids = list(
        models.DecisionDraft.objects.filter(
            state=models.DraftState.QUEUED,
            outbox_id__isnull=True,
            updated_at__lte=now - dt.timedelta(minutes=1),
        )
        .order_by("call_id")
        .values_list("call_id", flat=True)
        .distinct()
    )
    for call_id in call_ids:
        enqueue_on_commit("reviews.send_decisions", call_id)
    return len(call_ids)
