"""Personal data, the write side: erasing an account and purging an archived call.

The apps' parts (reviews, self-identification) are registered in ``cfp.queries.personal_data``
from their ``AppConfig.ready``; each part's eraser and purger run inside these transactions.

Decisions (docs/privacy.md):
- The account row stays as an anonymised placeholder (no name, no address, no password, not
  active), so reviews the person wrote keep counting in aggregates and decisions keep their
  actor, while nothing in them names the person.
- Proposals in a call still open are withdrawn; decided or closed-call proposals keep their
  speaker line, anonymised ("Anonymised speaker"), for the programme record.
- Self-identification answers and consent go at once (the diversity app's eraser).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cfp import models
from cfp.queries.personal_data import Part, parts, placeholder_email, register
from cfp.services import audit

__all__ = [
    "ANONYMISED_SPEAKER",
    "Part",
    "UnableToErase",
    "delete_account",
    "placeholder_email",
    "purge_call",
    "register",
]

ANONYMISED_SPEAKER = "Anonymised speaker"


class UnableToErase(Exception):
    pass


# --- erasure ---------------------------------------------------------------------------------


@transaction.atomic
def delete_account(*, user_id: int, now: dt.datetime) -> dict[str, int]:
    """Erase the person: withdraw what is still in an open call, anonymise the rest, let every
    registered part erase its own, and scrub the account into a placeholder. One audit row per
    call the person took part in (the audit log is per call)."""
    user_model = get_user_model()
    user = user_model.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise UnableToErase(_("This account is not active."))
    email = (user.email or "").lower()
    counts: dict[str, int] = {}
    mine = models.Proposal.objects.filter(
        Q(owner_id=user_id) | Q(speaker_links__speaker__user_id=user_id)
    ).distinct()
    open_now = Q(call__closes_at__gt=now, call__archived_at__isnull=True, published_decision="")
    withdrawn = list(
        mine.filter(open_now).exclude(state=models.ProposalState.WITHDRAWN).select_related("call")
    )
    for proposal in withdrawn:
        previous = proposal.state
        proposal.state = models.ProposalState.WITHDRAWN
        proposal.updated_at = now
        proposal.save(update_fields=["state", "updated_at"])
        audit.record(
            call=proposal.call,
            proposal=proposal,
            actor_id=user_id,
            action="proposal.withdrawn",
            data={"previous_state": previous, "reason": "account deleted"},
            now=now,
        )
    counts["proposals_withdrawn"] = len(withdrawn)
    call_ids = set(mine.values_list("call_id", flat=True))
    counts["speaker_profiles_anonymised"] = models.Speaker.objects.filter(user_id=user_id).update(
        name=ANONYMISED_SPEAKER,
        email=placeholder_email(user_id),
        bio="",
        affiliation="",
        links=[],
        region="",
        spoken_before=None,
        english_additional=None,
        wants_mentor=None,
    )
    counts["links_dropped"] = models.EmailVerification.objects.filter(user_id=user_id).delete()[0]
    counts["cospeaker_invites_dropped"] = models.CoSpeakerInvite.objects.filter(
        email__iexact=email, accepted_at__isnull=True
    ).delete()[0]
    counts["emails_anonymised"] = models.EmailOutbox.objects.filter(to__iexact=email).update(
        to=placeholder_email(user_id), body=""
    )
    models.PersonSettings.objects.filter(user_id=user_id).delete()
    for part in parts():
        if part.erase is not None:
            counts.update(part.erase(user_id, now))
    user.username = f"erased-{user_id}-{secrets.token_hex(4)}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    for call in models.Call.objects.filter(pk__in=call_ids):
        audit.record(
            call=call, action="account.deleted", actor_id=user_id, data=dict(counts), now=now
        )
    return counts


@transaction.atomic
def purge_call(*, call_id: int, actor_id: int, now: dt.datetime) -> dict[str, int]:
    """Drop a finished (archived) call's personal data: pending co-speaker invitations, the
    speakers' answers to its questions, the proposals' private notes and submission tokens, and
    what every registered part holds for the call (reviewer invitations, self-identification
    answers to its questions). Proposals, scores and decisions stay for the programme record."""
    call = models.Call.objects.select_for_update().get(pk=call_id)
    if call.archived_at is None:
        raise UnableToErase(_("Archive the call first: its data is still in use."))
    proposals = models.Proposal.objects.filter(call_id=call_id)
    counts = {
        "cospeaker_invites_dropped": models.CoSpeakerInvite.objects.filter(
            proposal__call_id=call_id
        ).delete()[0],
        "answers_dropped": models.Answer.objects.filter(question__call_id=call_id).delete()[0],
        "notes_cleared": proposals.exclude(notes="").update(notes=""),
        "tokens_cleared": proposals.filter(submission_token__isnull=False).update(
            submission_token=None
        ),
        "versions_notes_cleared": models.ProposalVersion.objects.filter(proposal__call_id=call_id)
        .exclude(notes="")
        .update(notes=""),
    }
    for part in parts():
        if part.purge_call is not None:
            counts.update(part.purge_call(call_id, now))
    audit.record(
        call=call, action="call.personal_data_purged", actor_id=actor_id, data=counts, now=now
    )
    return counts
