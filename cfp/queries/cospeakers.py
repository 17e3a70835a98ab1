"""Co-speaker invitations: their state, the owner's list, and what the invited person sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cfp import models


class InviteState:
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"


def invite_state(invite: models.CoSpeakerInvite, now: dt.datetime) -> str:
    if invite.accepted_at is not None:
        return InviteState.ACCEPTED
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if now >= invite.expires_at:
        return InviteState.EXPIRED
    return InviteState.PENDING


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    state: str


def proposal_invites(*, proposal_id: int, now: dt.datetime) -> tuple[InviteRow, ...]:
    """Invitations that have not been used: waiting, expired or withdrawn (newest first)."""
    rows = models.CoSpeakerInvite.objects.filter(
        proposal_id=proposal_id, accepted_at__isnull=True
    ).order_by("-created_at", "-id")[:20]
    return tuple(
        InviteRow(
            id=i.pk,
            email=i.email,
            created_at=i.created_at,
            expires_at=i.expires_at,
            state=invite_state(i, now),
        )
        for i in rows
    )


@dataclass(frozen=True, slots=True)
class InvitePreview:
    """What the person who opens an invitation link sees before confirming."""

    call_slug: str
    call_name: str
    timezone: str
    code: str
    title: str
    inviter: str
    state: str
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    accepted_by_viewer: bool


def invite_preview(
    *, call_slug: str, token_hash: str, viewer_id: int, now: dt.datetime
) -> InvitePreview | None:
    invite = (
        models.CoSpeakerInvite.objects.filter(
            token_hash=token_hash,
            proposal__call__slug=call_slug,
            proposal__call__archived_at__isnull=True,
        )
        .select_related("proposal__call", "invited_by")
        .first()
    )
    if invite is None:
        return None
    inviter = invite.invited_by
    return InvitePreview(
        call_slug=invite.proposal.call.slug,
        call_name=invite.proposal.call.name,
        timezone=invite.proposal.call.timezone,
        code=invite.proposal.code,
        title=invite.proposal.title,
        inviter=(inviter.first_name or inviter.get_username()) if inviter else "",
        state=invite_state(invite, now),
        expires_at=invite.expires_at,
        accepted_at=invite.accepted_at,
        accepted_by_viewer=invite.accepted_by_id == viewer_id,
    )
