"""Personal data, the read side: what the tool holds about a person, and the registry of the
apps' parts.

cfp holds accounts, profiles, proposals and the outbox; the reviews and diversity apps hold
reviews and self-identification, and cfp must not import them (layer contracts). So each app
registers its part here from its ``AppConfig.ready`` (``register``): an exporter (user id → a
JSON-able section), an eraser (run inside the account deletion, ``cfp.services.personal_data``)
and a call purger (run inside a call's purge). docs/privacy.md says what is kept and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from cfp import models
from cfp.domain import secret_mail
from cfp.queries import membership

PLACEHOLDER_DOMAIN = "erased.invalid"  # .invalid: the outbox never mails it


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    export: Callable[[int], Any] | None = None
    erase: Callable[[int, dt.datetime], dict[str, int]] | None = None
    purge_call: Callable[[int, dt.datetime], dict[str, int]] | None = None


_PARTS: dict[str, Part] = {}


def register(part: Part) -> None:
    """Add an app's part (idempotent by name, so a second ``ready`` changes nothing)."""
    _PARTS[part.name] = part


def parts() -> list[Part]:
    """The registered parts, in a stable order."""
    return [part for _name, part in sorted(_PARTS.items())]


def placeholder_email(user_id: int) -> str:
    return f"erased-{user_id}@{PLACEHOLDER_DOMAIN}"


# --- export ----------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _cfp_export(user_id: int) -> dict[str, Any]:
    user = get_user_model().objects.get(pk=user_id)
    email = (user.email or "").lower()
    speaker = models.Speaker.objects.filter(user_id=user_id).first()
    proposals = (
        models.Proposal.objects.filter(
            Q(owner_id=user_id) | Q(speaker_links__speaker__user_id=user_id)
        )
        .distinct()
        .select_related("call", "format", "track")
        .prefetch_related("versions")
        .order_by("submitted_at", "pk")
    )
    mail = models.EmailOutbox.objects.filter(to__iexact=email).order_by("created_at", "pk")
    return {
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "name": user.first_name,
            "joined_at": _iso(user.date_joined),
            "last_login_at": _iso(user.last_login),
        },
        "profile": None
        if speaker is None
        else {
            "name": speaker.name,
            "email": speaker.email,
            "bio": speaker.bio,
            "affiliation": speaker.affiliation,
            "links": speaker.links,
            "region": speaker.region,
            "spoken_before": speaker.spoken_before,
            "english_additional": speaker.english_additional,
            "wants_mentor": speaker.wants_mentor,
        },
        "proposals": [
            {
                "call": p.call.name,
                "code": p.code,
                "state": p.state,
                "title": p.title,
                "abstract": p.abstract,
                "description": p.description,
                "notes": p.notes,
                "format": p.format.name,
                "track": p.track.name if p.track else None,
                "level": p.level,
                "language": p.language,
                "submitted_at": _iso(p.submitted_at),
                "decision": p.published_decision or None,
                # Their answer to an acceptance (issue 19): confirmed, declined, or none yet.
                "confirmation": p.confirmation or None,
                "confirmation_at": _iso(p.confirmation_at),
                "versions": [
                    {
                        "number": v.number,
                        "title": v.title,
                        "abstract": v.abstract,
                        "description": v.description,
                        "notes": v.notes,
                        "created_at": _iso(v.created_at),
                    }
                    for v in sorted(p.versions.all(), key=lambda v: v.number)
                ],
            }
            for p in proposals
        ],
        "emails": [
            {
                "subject": m.subject,
                # A one-time link is nobody's data to keep, not even its owner's.
                "body": None if secret_mail.carries_secret(m.key) else m.body,
                "queued_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in mail
        ],
    }


def export_personal_data(*, user_id: int) -> dict[str, Any]:
    """Everything the tool holds about the person, one section per part."""
    data: dict[str, Any] = {"format": "talkreview-personal-data/1"}
    data.update(_cfp_export(user_id))
    for part in parts():
        if part.export is not None:
            data[part.name] = part.export(user_id)
    return data


@dataclass(frozen=True, slots=True)
class PurgeableCall:
    slug: str
    name: str
    archived: bool


def chaired_calls(*, user_id: int) -> tuple[PurgeableCall, ...]:
    """Calls this person chairs, archived ones included (their personal data may be purged)."""
    rows = (
        membership.members(role=models.Role.CHAIR, user_id=user_id)
        .order_by("-call__opens_at", "-call_id")
        .values_list("call__slug", "call__name", "call__archived_at")
    )
    return tuple(PurgeableCall(slug=s, name=n, archived=a is not None) for s, n, a in rows)


def chaired_call_id(*, user_id: int, slug: str) -> tuple[int, bool] | None:
    """(call id, archived) of a call this person chairs, archived or not; None otherwise."""
    row = (
        membership.members(role=models.Role.CHAIR, user_id=user_id)
        .filter(call__slug=slug)
        .values_list("call_id", "call__archived_at")
        .first()
    )
    return None if row is None else (row[0], row[1] is not None)
