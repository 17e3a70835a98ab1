"""Decision e-mails: the call's templates, and sending each speaker their decision once.

Sending runs in the task ``reviews.send_decisions``: every e-mail has an outbox key per speaker
and decision, so a second run, a retry or a duplicated task queues nothing new. Progress is kept
in the cache for the chair's page to poll.
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
from cfp import queries as cfp_queries
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
    name = decision_emails.call_name(call_id=call_id)
    templates = {t.status: t for t in decision_emails.decision_templates(call_id=call_id)}
    items = decision_emails.outcomes(call_id=call_id)
    # Speakers who turned decision mail off on /me/settings/ read the decision on its page.
    opted_out = cfp_queries.mail_opt_outs(
        user_ids={r.user_id for i in items for r in i.speakers if r.user_id is not None},
        mail=cfp_queries.Mail.DECISION,
    )
    # Each speaker's e-mail in their own language, whatever the chair's (issue 24).
    languages = outbox.recipient_languages(user_ids=(r.user_id for i in items for r in i.speakers))
    _set_progress(call_id, SendProgress(state="running", total=len(items)))
    queued = 0
    changed: list[cfp_models.Proposal] = []
    events: list[cfp_models.AuditEvent] = []
    for index, item in enumerate(items, start=1):
        template = templates[item.status]
        new = 0
        for recipient in item.speakers:
            if recipient.user_id in opted_out:
                continue
            with outbox.in_language_of(languages.get(recipient.user_id or 0, "")):
                email = decision_emails.compose(
                    template=template, outcome=item, recipient=recipient, call_name=name
                )
            if outbox.queue_email(
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
