"""API tokens, read: the look-up behind every API request, and a call's tokens for its chairs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from reviews import models
from reviews.domain import api_tokens


@dataclass(frozen=True, slots=True)
class PresentedToken:
    """A live token someone presented: whose, for which call, allowed to do what."""

    token_id: int
    user_id: int
    call_slug: str
    scopes: tuple[str, ...]
    last_used_at: dt.datetime | None


def presented(*, token: str) -> PresentedToken | None:
    """The live (not revoked) token with this secret, or None; one indexed query."""
    row = (
        models.ApiToken.objects.filter(digest=api_tokens.digest(token), revoked_at__isnull=True)
        .values("pk", "user_id", "call__slug", "scopes", "last_used_at")
        .first()
    )
    if row is None:
        return None
    scopes = row["scopes"] if isinstance(row["scopes"], list) else []
    return PresentedToken(
        token_id=row["pk"],
        user_id=row["user_id"],
        call_slug=row["call__slug"],
        scopes=tuple(str(s) for s in scopes),
        last_used_at=row["last_used_at"],
    )


@dataclass(frozen=True, slots=True)
class TokenRow:
    token_id: int
    prefix: str
    label: str
    owner: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


def call_tokens(*, call_id: int) -> tuple[TokenRow, ...]:
    """Every token of the call, live ones first, newest first; one query."""
    rows = (
        models.ApiToken.objects.filter(call_id=call_id)
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-pk")
        .values(
            "pk",
            "prefix",
            "label",
            "user__username",
            "user__first_name",
            "scopes",
            "created_at",
            "last_used_at",
            "revoked_at",
        )
    )
    return tuple(
        TokenRow(
            token_id=r["pk"],
            prefix=r["prefix"],
            label=r["label"],
            owner=r["user__first_name"] or r["user__username"],
            scopes=tuple(str(s) for s in (r["scopes"] or [])),
            created_at=r["created_at"],
            last_used_at=r["last_used_at"],
            revoked_at=r["revoked_at"],
        )
        for r in rows
    )
