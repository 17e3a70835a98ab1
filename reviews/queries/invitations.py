"""Reviewer invitations as the chair lists them and as an invitation link finds them.

Returns frozen dataclasses, never ORM objects. The token itself is never read back: a link is
found by its SHA-256.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cfp import models as cfp_models
from reviews import models


@dataclass(frozen=True, slots=True)
class InvitationRow:
    id: int
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    expired: bool


def open_invitations(
    *, call_id: int, now: dt.datetime, limit: int = 200
) -> tuple[InvitationRow, ...]:
    """Invitations nobody accepted yet, newest first; expired ones stay listed, marked."""
    return tuple(
        InvitationRow(
            id=pk,
            email=email,
            created_at=created_at,
            expires_at=expires_at,
            expired=expires_at <= now,
        )
        for pk, email, created_at, expires_at in models.Invitation.objects.filter(
            call_id=call_id, accepted_at__isnull=True
        )
        .order_by("-created_at", "-id")
        .values_list("pk", "email", "created_at", "expires_at")[:limit]
    )


class InvitationStatus:
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True, slots=True)
class InvitationState:
    """What an invitation link leads to."""

    call_slug: str
    call_name: str
    email: str
    may_forward: bool
    status: str
    accepted_by_id: int | None
    languages: tuple[str, ...]
    tracks: tuple[tuple[str, str], ...]


def invitation_state(*, slug: str, token_hash: str, now: dt.datetime) -> InvitationState | None:
    inv = (
        models.Invitation.objects.filter(
            call__slug=slug, call__archived_at__isnull=True, token_hash=token_hash
        )
        .select_related("call")
        .first()
    )
    if inv is None:
        return None
    if inv.accepted_at is not None:
        status = InvitationStatus.USED
    elif inv.expires_at <= now:
        status = InvitationStatus.EXPIRED
    else:
        status = InvitationStatus.VALID
    return InvitationState(
        call_slug=inv.call.slug,
        call_name=inv.call.name,
        email=inv.email,
        may_forward=inv.may_forward,
        status=status,
        accepted_by_id=inv.accepted_by_id,
        languages=tuple(inv.call.languages or ()),
        tracks=tuple(
            cfp_models.Track.objects.filter(call_id=inv.call_id)
            .order_by("name", "id")
            .values_list("slug", "name")
        ),
    )
