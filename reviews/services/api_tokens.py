"""API tokens: made and revoked by chairs, audited (issue 20, docs/api.md).

A token belongs to one person and one call and may only be made for a chair of that call:
reviewers get no token (their pages hide speaker identities in ways a generic API would not
follow), so the API never needs a reviewer's view. The secret is returned once and never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.services import audit, personal_data
from reviews import models
from reviews.domain import api_tokens

MAX_LABEL = 100


class UnableToCreateToken(Exception):
    """No token was made; the message says why (for a chair or a command line)."""


class UnableToRevokeToken(Exception):
    """The token cannot be revoked (not in this call, or already revoked)."""


@dataclass(frozen=True, slots=True)
class CreatedToken:
    token_id: int
    secret: str
    prefix: str


def create_api_token(
    *,
    call_id: int,
    username: str,
    scopes: tuple[str, ...],
    label: str,
    actor_id: int | None,
    now: dt.datetime,
) -> CreatedToken:
    """A new token for ``username``, a chair of the call; the secret is in the result only."""
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise UnableToCreateToken(_("A label has at most %(n)d characters.") % {"n": MAX_LABEL})
    unknown = sorted(set(scopes) - set(api_tokens.SCOPES))
    if unknown or not scopes:
        raise UnableToCreateToken(
            _("Unknown scope %(scope)s: the API has only %(known)s.")
            % {"scope": ", ".join(unknown) or "(none)", "known": ", ".join(api_tokens.SCOPES)}
        )
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UnableToCreateToken(_("No active account with the log-in %(u)s.") % {"u": username})
    is_chair = cfp_queries.members(
        role=cfp_models.Role.CHAIR, call_id=call_id, user_id=user.pk
    ).exists()
    if not is_chair:
        raise UnableToCreateToken(
            _("%(u)s is not a chair of this call: API tokens are for chairs only.")
            % {"u": username}
        )
    secret = api_tokens.new_secret()
    with transaction.atomic():
        row = models.ApiToken.objects.create(
            call_id=call_id,
            user=user,
            label=label,
            prefix=secret.prefix,
            digest=secret.digest,
            scopes=sorted(set(scopes)),
            created_at=now,
            created_by_id=actor_id,
        )
        audit.record(
            call=cfp_models.Call(pk=call_id),
            action="api_token_created",
            actor_id=actor_id,
            now=now,
            data={"token": row.pk, "prefix": row.prefix, "user": username, "scopes": row.scopes},
        )
    return CreatedToken(token_id=row.pk, secret=secret.token, prefix=secret.prefix)


def revoke_api_token(*, call_id: int, token_id: int, actor_id: int, now: dt.datetime) -> None:
    with transaction.atomic():
        row = (
            models.ApiToken.objects.select_for_update().filter(pk=token_id, call_id=call_id).first()
        )
        if row is None:
            raise UnableToRevokeToken(_("No such token in this call."))
        if row.revoked_at is not None:
            raise UnableToRevokeToken(_("This token was revoked already."))
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        audit.record(
            call=cfp_models.Call(pk=call_id),
            action="api_token_revoked",
            actor_id=actor_id,
            now=now,
            data={"token": row.pk, "prefix": row.prefix},
        )


# Last use is written at most this often per token, so a script's burst of calls costs no writes.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def note_use(*, token_id: int, last_used_at: dt.datetime | None, now: dt.datetime) -> None:
    """Record that the token was used now, unless that was already recorded recently."""
    if last_used_at is not None and now - last_used_at < LAST_USED_GRANULARITY:
        return
    models.ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


# --- personal data (docs/privacy.md) --------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def export_personal_data(user_id: int) -> list[dict[str, object]]:
    """The person's API tokens as they see them in the list (never a secret: none is stored)."""
    rows = models.ApiToken.objects.filter(user_id=user_id).order_by("created_at", "pk")
    return [
        {
            "call": r["call__slug"],
            "token": f"{r['prefix']}…",
            "label": r["label"],
            "scopes": r["scopes"],
            "created_at": _iso(r["created_at"]),
            "last_used_at": _iso(r["last_used_at"]),
            "revoked_at": _iso(r["revoked_at"]),
        }
        for r in rows.values(
            "call__slug", "prefix", "label", "scopes", "created_at", "last_used_at", "revoked_at"
        )
    ]


def erase_personal_data(user_id: int, now: dt.datetime) -> dict[str, int]:
    """A deleted account's tokens go (the audit log keeps that they were made and revoked)."""
    return {"api_tokens_dropped": models.ApiToken.objects.filter(user_id=user_id).delete()[0]}


def purge_call_tokens(call_id: int, now: dt.datetime) -> dict[str, int]:
    return {"api_tokens_dropped": models.ApiToken.objects.filter(call_id=call_id).delete()[0]}


PERSONAL_DATA = personal_data.Part(
    name="api_tokens",
    export=export_personal_data,
    erase=erase_personal_data,
    purge_call=purge_call_tokens,
)
