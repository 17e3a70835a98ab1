"""Clone an earlier call (issue 19): its settings (``cfp.services.calls``), its decision e-mail
templates, and its reviewers invited again through the ordinary invitation flow and outbox.

All or nothing: the copy, the templates and the invitations are one transaction, so a refused
copy (an address taken, dates out of order) leaves no call, no template and no e-mail behind.
Reviewers are invited, never enrolled: each accepts (or not) with the link like any invitee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.services import calls as call_services
from reviews import models
from reviews.services import invitations


@dataclass(frozen=True, slots=True)
class CloneOutcome:
    call_id: int
    copied: dict[str, int]
    invited: tuple[str, ...]
    refused: tuple[str, ...]  # reviewers' addresses that are not e-mail addresses


@transaction.atomic
def clone_call(
    *,
    source_slug: str,
    data: call_services.CloneData,
    actor_id: int,
    accept_url: str,
    invite_reviewers: bool,
    now: dt.datetime,
) -> CloneOutcome:
    """Copy ``source_slug`` into a new call; ``accept_url`` is the new call's accept page with
    ``TOKEN`` where the token goes (the caller knows the address it asked for)."""
    cloned = call_services.clone_call_config(
        source_slug=source_slug, data=data, actor_id=actor_id, now=now
    )
    templates = [
        models.DecisionTemplate(
            call_id=cloned.call_id,
            status=t.status,
            subject=t.subject,
            body=t.body,
            include_feedback=t.include_feedback,
            updated_by_id=actor_id,
            updated_at=now,
        )
        for t in models.DecisionTemplate.objects.filter(call_id=cloned.source_id).order_by("pk")
    ]
    models.DecisionTemplate.objects.bulk_create(templates)
    copied = {**cloned.copied, "email_templates": len(templates)}
    invited: list[str] = []
    refused: list[str] = []
    if invite_reviewers:
        emails = sorted(
            {
                e.strip().lower()
                for e in get_user_model()
                .objects.filter(
                    pk__in=cfp_queries.member_user_ids(
                        call_id=cloned.source_id, role=cfp_models.Role.REVIEWER
                    ),
                    is_active=True,
                )
                .values_list("email", flat=True)
                if e and e.strip()
            }
        )
        # The invitation service takes a batch at a time; a large committee takes several.
        for start in range(0, len(emails), invitations.MAX_EMAILS):
            batch = emails[start : start + invitations.MAX_EMAILS]
            if not any(invitations.is_email(e) for e in batch):
                refused.extend(batch)
                continue
            outcome = invitations.invite_reviewers(
                call_id=cloned.call_id,
                emails=batch,
                invited_by_id=actor_id,
                accept_url=accept_url,
                now=now,
            )
            invited.extend(outcome.invited)
            refused.extend(outcome.refused)
    copied["reviewers_invited"] = len(invited)
    return CloneOutcome(
        call_id=cloned.call_id, copied=copied, invited=tuple(invited), refused=tuple(refused)
    )
