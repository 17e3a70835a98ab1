"""The speakers an import names: matched by e-mail address (or a placeholder), created or updated.

Speakers are shared between proposals and calls, so a line only sets the fields it names; when
several lines name the same address the later wins; an account holder's profile is never changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models.functions import Lower

from cfp import models
from cfp.importing.lines import ProposalLine, SpeakerLine
from cfp.services import texts

PLACEHOLDER_DOMAIN = "speakers.invalid"


def placeholder_email(*, call_id: int, external_id: str, name: str) -> str:
    key = f"{call_id}\x1f{external_id}\x1f{' '.join(name.casefold().split())}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"speaker-{digest[:20]}@{PLACEHOLDER_DOMAIN}"


def speaker_key(call_id: int, line: ProposalLine, speaker: SpeakerLine) -> str:
    return speaker.email or placeholder_email(
        call_id=call_id, external_id=line.external_id, name=speaker.name
    )


@dataclass(slots=True)
class _SpeakerTarget:
    name: str
    bio: str | None = None
    affiliation: str | None = None
    links: tuple[str, ...] | None = None
    spoken_before: bool | None = None

    def merge(self, s: SpeakerLine) -> None:
        self.name = s.name
        if s.bio is not None:
            self.bio = s.bio
        if s.affiliation is not None:
            self.affiliation = s.affiliation
        if s.links is not None:
            self.links = s.links
        if s.first_time is not None:
            self.spoken_before = not s.first_time


def _apply(speaker: models.Speaker, target: _SpeakerTarget) -> bool:
    """Set the target's values on the row; True if anything changed."""
    wanted: dict[str, object] = {"name": target.name}
    if target.bio is not None:
        wanted["bio"] = target.bio
    if target.affiliation is not None:
        wanted["affiliation"] = target.affiliation
    if target.links is not None:
        wanted["links"] = list(target.links)
    if target.spoken_before is not None:
        wanted["spoken_before"] = target.spoken_before
    changed = False
    for name, value in wanted.items():
        if getattr(speaker, name) != value:
            setattr(speaker, name, value)
            changed = True
    return changed


def _existing_speakers(emails: Sequence[str]) -> dict[str, models.Speaker]:
    """Speaker rows by lower-cased e-mail; an account holder's row wins over an imported one."""
    placeholders = sorted(e for e in emails if e.endswith("@" + PLACEHOLDER_DOMAIN))
    real = sorted(set(emails) - set(placeholders))
    queries: list[Any] = []
    # Placeholders are written lower-case by this module, so the e-mail index finds them.
    queries.extend(models.Speaker.objects.filter(email__in=c) for c in texts.chunks(placeholders))
    # Real addresses may have been stored with capitals by older code paths.
    queries.extend(
        models.Speaker.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=c)
        for c in texts.chunks(real)
    )
    found: dict[str, models.Speaker] = {}
    for query in queries:
        for row in query.order_by("pk"):
            key = row.email.lower()
            current = found.get(key)
            if current is None or (current.user_id is None and row.user_id is not None):
                found[key] = row
    return found


def save_speakers(
    *, call_id: int, lines: Sequence[ProposalLine], now: dt.datetime
) -> tuple[dict[str, models.Speaker], int, int, set[int]]:
    """Every speaker the lines name, created or updated; and which rows changed identity."""
    targets: dict[str, _SpeakerTarget] = {}
    for line in lines:
        for s in line.speakers:
            key = speaker_key(call_id, line, s)
            targets.setdefault(key, _SpeakerTarget(name=s.name)).merge(s)
    rows = _existing_speakers(list(targets))
    new: list[models.Speaker] = []
    changed: list[models.Speaker] = []
    identity_changed: set[int] = set()
    for key, target in targets.items():
        row = rows.get(key)
        if row is None:
            row = models.Speaker(
                email=key,
                name=target.name,
                bio=target.bio or "",
                affiliation=target.affiliation or "",
                links=list(target.links or ()),
                spoken_before=target.spoken_before,
            )
            new.append(row)
            rows[key] = row
        elif row.user_id is None:
            before = texts.identity(row)
            if _apply(row, target):
                row.updated_at = now
                changed.append(row)
                if texts.identity(row) != before:
                    identity_changed.add(row.pk)
    created = models.Speaker.objects.bulk_create(new, batch_size=texts.CHUNK)
    if created and created[0].pk is None:  # pragma: no cover - databases without RETURNING
        by_email = _existing_speakers([s.email for s in created])
        for s in created:
            s.pk = by_email[s.email].pk
    models.Speaker.objects.bulk_update(
        changed,
        ["name", "bio", "affiliation", "links", "spoken_before", "updated_at"],
        batch_size=texts.CHUNK,
    )
    return rows, len(new), len(changed), identity_changed
