"""Decision e-mails the only way they leave (issue 19): drafts generated into the chairs'
outbox, feedback moderated, each decision group released, then the send task. For tests that
need decisions sent and do not test the outbox itself (tests/test_outbox_review.py does)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reviews import models
from reviews.queries import decisions
from reviews.services import decision_emails, outbox_review


def release_all(
    *, call_id: int, actor_id: int, approve_feedback: bool = False, now: dt.datetime | None = None
) -> int:
    """Generate the drafts and release every decision group (no task asked for); with
    ``approve_feedback`` a chair approves every reviewer's feedback first. Returns how many
    drafts were released."""
    now = now or timezone.now()
    if approve_feedback:
        for review_id in (
            models.Review.objects.filter(call_id=call_id)
            .exclude(feedback="")
            .values_list("pk", flat=True)
        ):
            outbox_review.moderate_feedback(
                call_id=call_id,
                review_id=review_id,
                action="approve",
                text="",
                actor_id=actor_id,
                now=now,
            )
    outbox_review.generate_drafts(call_id=call_id, actor_id=actor_id, now=now)
    released = 0
    for status in decisions.SENT_STATUSES:
        waiting = outbox_review.group_count(call_id=call_id, status=status)
        # A group of speakers who all turned decision mail off has no draft: releasing it
        # publishes their decisions, as the chair's "Publish without e-mail" does.
        if waiting or outbox_review.unmailed(call_id=call_id, status=status):
            released += outbox_review.release_group(
                call_id=call_id, status=status, expected=waiting, actor_id=actor_id, now=now
            )
    return released


def send_all(
    *, call_id: int, actor_id: int, approve_feedback: bool = False, now: dt.datetime | None = None
) -> decision_emails.SendResult:
    """``release_all``, then what the send task does (in this process)."""
    now = now or timezone.now()
    release_all(call_id=call_id, actor_id=actor_id, approve_feedback=approve_feedback, now=now)
    return decision_emails.send_decisions(call_id=call_id, now=now)
