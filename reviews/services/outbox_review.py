"""The chairs' outbox: decision e-mails as drafts, reviewed, then sent per decision group.

``generate_drafts`` composes each speaker's decision e-mail into a ``DecisionDraft`` (nothing is
queued); chairs preview, ``edit_draft`` or ``discard_draft``; ``send_group`` queues every draft of
one decision group through ``cfp.outbox.queue_email`` once the chair confirmed the count;
``resend`` queues one message again under a new key. A group send releases its drafts and asks
the ``reviews.send_decisions`` task to queue them, each under the outbox key of
``reviews.services.decision_emails.outbox_key``, so a retried or doubled request or task queues
nothing new. There is no other way for a decision e-mail to leave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import outbox
from cfp import queries as cfp_queries
from reviews import models
from reviews.domain import curation as rules
from reviews.queries import decision_emails, decisions
from reviews.services import decision_emails as sending
from reviews.services.decision_emails import decision_key, outbox_key


class UnableToReviewOutbox(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Generated:
    created: int
    refreshed: int


@transaction.atomic
def generate_drafts(*, call_id: int, actor_id: int, now: dt.datetime) -> Generated:
    """Compose a draft per speaker of every decided proposal; queue nothing.

    A draft not yet queued and not edited by a chair is refreshed (a template changed); an
    edited or discarded draft is left as the chair left it; a key already in the outbox (sent by
    a previous group send) gets no draft.
    """
    cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
    name = decision_emails.call_name(call_id=call_id)
    templates = {t.status: t for t in decision_emails.decision_templates(call_id=call_id)}
    items = decision_emails.outcomes(call_id=call_id, moderated=True)
    opted_out = cfp_queries.mail_opt_outs(
        user_ids={r.user_id for i in items for r in i.speakers if r.user_id is not None},
        mail=cfp_queries.Mail.DECISION,
    )
    # Each speaker's e-mail in their own language, whatever the chair's (issue 24).
    languages = outbox.recipient_languages(user_ids=(r.user_id for i in items for r in i.speakers))
    wanted: dict[str, models.DecisionDraft] = {}
    for item in items:
        for recipient in item.speakers:
            if not _gets_mail(recipient, opted_out):
                continue
            with outbox.in_language_of(languages.get(recipient.user_id or 0, "")):
                email = decision_emails.compose(
                    template=templates[item.status],
                    outcome=item,
                    recipient=recipient,
                    call_name=name,
                )
            key = outbox_key(code=item.code, status=item.status, email=recipient.email)
            wanted[key] = models.DecisionDraft(
                call_id=call_id,
                proposal_id=item.proposal_id,
                status=item.status,
                key=key,
                to=email.to,
                subject=email.subject,
                body=email.body,
                created_at=now,
                updated_at=now,
            )
    in_outbox = set(
        cfp_models.EmailOutbox.objects.filter(key__in=list(wanted)).values_list("key", flat=True)
    )
    existing = {
        d.key: d for d in models.DecisionDraft.objects.filter(call_id=call_id, key__in=list(wanted))
    }
    new = [d for k, d in wanted.items() if k not in existing and k not in in_outbox]
    stale = [
        d
        for k, d in existing.items()
        if d.state == models.DraftState.DRAFT and not d.edited and k not in in_outbox
    ]
    for d in stale:
        fresh = wanted[d.key]
        d.subject, d.body, d.to, d.updated_at = fresh.subject, fresh.body, fresh.to, now
    models.DecisionDraft.objects.bulk_create(new, batch_size=1000)
    models.DecisionDraft.objects.bulk_update(
        stale, ["subject", "body", "to", "updated_at"], batch_size=1000
    )
    # A decision changed since its draft was made (waitlisted, then accepted): the old draft
    # must not go out.
    models.DecisionDraft.objects.filter(call_id=call_id, state=models.DraftState.DRAFT).exclude(
        key__in=list(wanted)
    ).update(state=models.DraftState.DISCARDED, updated_at=now)
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=actor_id,
        action="outbox.drafts_generated",
        data={"created": len(new), "refreshed": len(stale)},
        created_at=now,
    )
    return Generated(created=len(new), refreshed=len(stale))


def _draft(call_id: int, draft_id: int) -> models.DecisionDraft:
    d = (
        models.DecisionDraft.objects.select_for_update()
        .filter(call_id=call_id, pk=draft_id)
        .first()
    )
    if d is None:
        raise UnableToReviewOutbox(_("This e-mail is not in this call's outbox."))
    return d


@transaction.atomic
def edit_draft(
    *, call_id: int, draft_id: int, subject: str, body: str, actor_id: int, now: dt.datetime
) -> None:
    d = _draft(call_id, draft_id)
    if d.state != models.DraftState.DRAFT:
        raise UnableToReviewOutbox(_("This e-mail is queued or discarded: it cannot be edited."))
    subject = rules.one_line(subject)
    if not subject:
        raise UnableToReviewOutbox(_("Write a subject."), field="subject")
    if not body.strip():
        raise UnableToReviewOutbox(_("Write the message."), field="body")
    d.subject, d.body, d.edited, d.updated_at = subject, body, True, now
    d.save(update_fields=["subject", "body", "edited", "updated_at"])
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=d.proposal_id,
        actor_id=actor_id,
        action="outbox.draft_edited",
        data={"draft": d.pk},
        created_at=now,
    )


@transaction.atomic
def discard_draft(*, call_id: int, draft_id: int, actor_id: int, now: dt.datetime) -> None:
    d = _draft(call_id, draft_id)
    if d.state == models.DraftState.QUEUED:
        raise UnableToReviewOutbox(_("This e-mail is queued already: it cannot be discarded."))
    d.state, d.updated_at = models.DraftState.DISCARDED, now
    d.save(update_fields=["state", "updated_at"])
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=d.proposal_id,
        actor_id=actor_id,
        action="outbox.draft_discarded",
        data={"draft": d.pk},
        created_at=now,
    )


def _gets_mail(recipient: decision_emails.Recipient, opted_out: frozenset[int]) -> bool:
    """Whether a speaker gets the decision by e-mail: not when they turned decision mail off
    (their settings page), nor at an erased account's placeholder address."""
    return recipient.user_id not in opted_out and not recipient.email.lower().endswith(".invalid")


def unmailed(*, call_id: int, status: str) -> frozenset[int]:
    """The proposals of one decision group, not yet published, none of whose speakers gets an
    e-mail: no draft is made for them, so releasing the group is what publishes them."""
    items = [
        i
        for i in decision_emails.outcomes(call_id=call_id, moderated=True)
        if i.status == status and i.published_decision != status
    ]
    opted_out = cfp_queries.mail_opt_outs(
        user_ids={r.user_id for i in items for r in i.speakers if r.user_id is not None},
        mail=cfp_queries.Mail.DECISION,
    )
    return frozenset(
        i.proposal_id for i in items if not any(_gets_mail(r, opted_out) for r in i.speakers)
    )


def group_count(*, call_id: int, status: str) -> int:
    """How many drafts of one decision group a send would queue (the confirmation's number)."""
    return models.DecisionDraft.objects.filter(
        call_id=call_id, status=status, state=models.DraftState.DRAFT
    ).count()


@transaction.atomic
def send_group(*, call_id: int, status: str, expected: int, actor_id: int, now: dt.datetime) -> int:
    """Send every draft of one decision group: ``release_group``, then ask the worker to queue
    them (``reviews.send_decisions``). Returns how many were released."""
    released = release_group(
        call_id=call_id, status=status, expected=expected, actor_id=actor_id, now=now
    )
    # A worker queues each released draft under its outbox key and publishes the decision
    # (reviews.services.decision_emails.send_decisions): retried, duplicated or after a
    # broker restart, nothing is sent twice.
    sending.request_decision_emails(call_id=call_id, actor_id=actor_id, now=now)
    return released


@transaction.atomic
def release_group(
    *, call_id: int, status: str, expected: int, actor_id: int, now: dt.datetime
) -> int:
    """Release every draft of one decision group for sending; refused when the count is not
    what the chair confirmed (someone generated, edited or discarded meanwhile). Returns how
    many were released; a second request finds no draft left and releases nothing."""
    if status not in decisions.SENT_STATUSES:
        raise UnableToReviewOutbox(_("Choose accepted, waitlisted or rejected."))
    cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
    drafts = list(
        models.DecisionDraft.objects.select_for_update()
        .filter(call_id=call_id, status=status, state=models.DraftState.DRAFT)
        .order_by("pk")
    )
    if len(drafts) != expected:
        raise UnableToReviewOutbox(
            _(
                "The outbox changed: %(n)s e-mails of this group are ready now, not %(expected)s. "
                "Nothing was sent: check and confirm again."
            )
            % {"n": len(drafts), "expected": expected}
        )
    if not drafts:
        # A group whose speakers all turned decision mail off has no draft, and its decisions
        # are still published: on the speakers' proposal pages, without an e-mail.
        silent = unmailed(call_id=call_id, status=status)
        if not silent:
            raise UnableToReviewOutbox(_("No draft of this group is waiting."))
        published = sending.publish(
            call_id=call_id, statuses={status}, released_ids=set(), now=now, only=set(silent)
        )
        cfp_models.AuditEvent.objects.create(
            call_id=call_id,
            actor_id=actor_id,
            action="outbox.group_published",
            data={"status": status, "emails": 0, "published": published},
            created_at=now,
        )
        return 0
    for d in drafts:
        decision_key(d)  # a draft under another kind's key is never released
        d.state, d.updated_at = models.DraftState.QUEUED, now
    models.DecisionDraft.objects.bulk_update(drafts, ["state", "updated_at"])
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=actor_id,
        action="outbox.group_sent",
        data={"status": status, "emails": len(drafts)},
        created_at=now,
    )
    return len(drafts)


@transaction.atomic
def resend(*, call_id: int, draft_id: int, actor_id: int, now: dt.datetime) -> None:
    """Queue one queued message again, under a new key (the first stays sent exactly once)."""
    d = _draft(call_id, draft_id)
    if d.state != models.DraftState.QUEUED or d.outbox_id is None:
        raise UnableToReviewOutbox(_("Only an e-mail that was sent can be sent again."))
    d.resends += 1
    key = f"decision-again:{hashlib.sha256(d.key.encode()).hexdigest()}:{d.resends}"
    outbox.queue_email(key=key, to=d.to, subject=d.subject, body=d.body, now=now)
    d.updated_at = now
    d.save(update_fields=["resends", "updated_at"])
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=d.proposal_id,
        actor_id=actor_id,
        action="outbox.resent",
        data={"draft": d.pk, "key": key},
        created_at=now,
    )


# --- feedback moderation --------------------------------------------------------------------

FEEDBACK_ACTIONS = ("approve", "edit", "hide")


@transaction.atomic
def moderate_feedback(
    *, call_id: int, review_id: int, action: str, text: str, actor_id: int, now: dt.datetime
) -> None:
    """Approve, edit (approve in the chair's words) or hide one review's feedback."""
    if action not in FEEDBACK_ACTIONS:
        raise UnableToReviewOutbox(_("Choose approve, edit or hide."))
    review = models.Review.objects.filter(pk=review_id, proposal__call_id=call_id).first()
    if review is None:
        raise UnableToReviewOutbox(_("This feedback is not in this call."))
    text = text.strip()
    if action == "edit" and not text:
        raise UnableToReviewOutbox(_("Write the feedback the speaker will read."), field="text")
    state = models.FeedbackState.HIDDEN if action == "hide" else models.FeedbackState.APPROVED
    models.FeedbackModeration.objects.update_or_create(
        review_id=review_id,
        defaults={
            "state": state,
            "text": text if action == "edit" else "",
            "moderated_by_id": actor_id,
            "moderated_at": now,
        },
    )
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=review.proposal_id,
        actor_id=actor_id,
        action="feedback.moderated",
        data={"review": review_id, "action": action},
        created_at=now,
    )
