"""The chairs' outbox page: this call's decision mail (drafts, queued, sent, failed).

Only rows of ``reviews.DecisionDraft`` of the call are listed, joined to their outbox row: mail
that belongs to no draft of this call (another call's, account mail with one-time links) is never
read here, and a key that carries a secret is dropped even if it somehow became a draft.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q

from cfp import models as cfp_models
from cfp import outbox as cfp_outbox
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.queries import decisions

PAGE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    code: str
    status: str
    status_label: str
    to: str
    subject: str
    state: str  # draft, discarded, queued, sent, failed
    edited: bool
    attempts: int
    sent_at: dt.datetime | None
    resends: int


@dataclass(frozen=True, slots=True)
class Group:
    status: str
    label: str
    drafts: int
    queued: int
    discarded: int
    # Decided proposals of the group whose decision is not published yet.
    unpublished: int = 0
    # Of those, the ones none of whose speakers gets an e-mail (decision mail turned off, an
    # erased account's address): releasing the group is what publishes them.
    unmailed: int = 0


@dataclass(frozen=True, slots=True)
class Outbox:
    rows: tuple[OutboxRow, ...]
    groups: tuple[Group, ...]
    total: int
    identities_hidden: bool


def _state(draft_state: str, row: tuple[dt.datetime | None, int, str] | None) -> str:
    if draft_state != models.DraftState.QUEUED:
        return draft_state
    if row is None:
        return "queued"
    sent_at, _attempts, error = row
    if sent_at is not None:
        return "sent"
    return "failed" if error else "queued"


def outbox_page(*, call_id: int, phase: Phase, status: str = "") -> Outbox:
    """Four queries whatever the size: group counts, unpublished decisions per group (and how
    many of them reach no speaker by e-mail), drafts, their outbox rows."""
    hidden = not visibility.sees(viewer=Viewer.CHAIR, part=Part.SPEAKER_IDENTITY, phase=phase)
    counts = {
        r["status"]: r
        for r in models.DecisionDraft.objects.filter(call_id=call_id)
        .values("status")
        .annotate(
            drafts=Count("pk", filter=Q(state=models.DraftState.DRAFT)),
            queued=Count("pk", filter=Q(state=models.DraftState.QUEUED)),
            discarded=Count("pk", filter=Q(state=models.DraftState.DISCARDED)),
        )
        .order_by()
    }
    # The same rule as outbox_review.unmailed (tests/test_outbox_review.py holds them equal):
    # a speaker gets the e-mail unless they turned decision mail off or the address is an
    # erased account's placeholder.
    gets_mail = (
        cfp_models.ProposalSpeaker.objects.filter(proposal_id=OuterRef("pk"))
        .exclude(speaker__email__iendswith=".invalid")
        .exclude(speaker__user__person_settings__decision_mail=False)
    )
    unpublished = {
        status: (n, silent)
        for status, n, silent in cfp_models.Proposal.objects.filter(
            cfp_models.in_call(), call_id=call_id, decision__status__in=decisions.SENT_STATUSES
        )
        .exclude(published_decision=F("decision__status"))
        .values("decision__status")
        .annotate(n=Count("pk"), silent=Count("pk", filter=~Exists(gets_mail)))
        .order_by()
        .values_list("decision__status", "n", "silent")
    }
    groups = tuple(
        Group(
            status=s,
            label=decisions.status_label(s),
            drafts=counts.get(s, {}).get("drafts", 0),
            queued=counts.get(s, {}).get("queued", 0),
            discarded=counts.get(s, {}).get("discarded", 0),
            unpublished=unpublished.get(s, (0, 0))[0],
            unmailed=unpublished.get(s, (0, 0))[1],
        )
        for s in decisions.SENT_STATUSES
    )
    qs = models.DecisionDraft.objects.filter(call_id=call_id)
    if status:
        qs = qs.filter(status=status)
    drafts = [
        d
        for d in qs.order_by("status", "proposal__code", "pk").values(
            "pk",
            "proposal__code",
            "status",
            "key",
            "to",
            "subject",
            "state",
            "edited",
            "outbox_id",
            "resends",
        )[:PAGE_LIMIT]
        if not cfp_outbox.carries_secret(d["key"])
    ]
    sent = {
        pk: (sent_at, attempts, error)
        for pk, sent_at, attempts, error in cfp_models.EmailOutbox.objects.filter(
            pk__in=[d["outbox_id"] for d in drafts if d["outbox_id"]]
        ).values_list("pk", "sent_at", "attempts", "last_error")
    }
    rows = tuple(
        OutboxRow(
            id=d["pk"],
            code=d["proposal__code"],
            status=d["status"],
            status_label=decisions.status_label(d["status"]),
            to="" if hidden else d["to"],
            subject=d["subject"],
            state=_state(d["state"], sent.get(d["outbox_id"] or 0)),
            edited=d["edited"],
            attempts=sent[d["outbox_id"]][1] if d["outbox_id"] in sent else 0,
            sent_at=sent[d["outbox_id"]][0] if d["outbox_id"] in sent else None,
            resends=d["resends"],
        )
        for d in drafts
    )
    return Outbox(
        rows=rows,
        groups=groups,
        total=sum(g.drafts + g.queued + g.discarded for g in groups),
        identities_hidden=hidden,
    )


@dataclass(frozen=True, slots=True)
class Draft:
    id: int
    code: str
    status: str
    status_label: str
    to: str
    subject: str
    body: str
    state: str
    edited: bool


def draft(*, call_id: int, draft_id: int, phase: Phase) -> Draft | None:
    """One draft as the chair previews it; while chairs are blind its address is hidden (the
    body names the speaker, so it is shown only once identities are known)."""
    hidden = not visibility.sees(viewer=Viewer.CHAIR, part=Part.SPEAKER_IDENTITY, phase=phase)
    d = (
        models.DecisionDraft.objects.filter(call_id=call_id, pk=draft_id)
        .values("pk", "proposal__code", "status", "key", "to", "subject", "body", "state", "edited")
        .first()
    )
    if d is None or cfp_outbox.carries_secret(d["key"]):
        return None
    return Draft(
        id=d["pk"],
        code=d["proposal__code"],
        status=d["status"],
        status_label=decisions.status_label(d["status"]),
        to="" if hidden else d["to"],
        subject=d["subject"],
        body="" if hidden else d["body"],
        state=d["state"],
        edited=d["edited"],
    )


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    review_id: int
    code: str
    text: str  # the reviewer's words
    edited: str  # the chair's words, when edited
    state: str
    state_label: str


def feedback_items(*, call_id: int) -> tuple[FeedbackItem, ...]:
    """Every non-empty feedback of the call's live proposals, pending first; one query.

    The reviewer is not named (feedback reaches the speaker anonymously)."""
    rows = (
        models.Review.objects.filter(
            cfp_models.in_call("proposal__"), proposal__call_id=call_id, abstained=False
        )
        .exclude(feedback="")
        .order_by("proposal__code", "pk")
        .values_list("pk", "proposal__code", "feedback", "moderation__text", "moderation__state")
    )
    items = [
        FeedbackItem(
            review_id=pk,
            code=code,
            text=text,
            edited=edited or "",
            state=state or models.FeedbackState.PENDING,
            state_label=str(models.FeedbackState(state or models.FeedbackState.PENDING).label),
        )
        for pk, code, text, edited, state in rows
        if text.strip()
    ]
    items.sort(key=lambda i: i.state != models.FeedbackState.PENDING)
    return tuple(items)
