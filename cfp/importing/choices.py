"""Matching a line's format and track to the call's, by slug or name; planning the missing ones.

With ``--create-missing`` a format or track the call does not have is created (equal values share
one new row); without it, the line is refused with the names the call does have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify

from cfp import models
from cfp.importing.lines import LineError, ProposalLine


@dataclass(slots=True)
class Choices:
    """A call's formats (or tracks) by slug and by name, case-insensitively."""

    kind: str
    by_key: dict[str, Any] = field(default_factory=dict)
    planned: dict[str, str] = field(default_factory=dict)  # slug -> name, to create

    def add(self, row: Any) -> None:
        self.by_key.setdefault(row.slug.casefold(), row)
        self.by_key.setdefault(row.name.casefold(), row)

    def find(self, value: str) -> Any | None:
        key = value.casefold()
        return self.by_key.get(key) or self.by_key.get(slugify(value))

    def plan(self, value: str) -> str:
        """The slug a missing choice will get; equal values share one new row."""
        slug = slugify(value)[:60] or f"{self.kind}-{_digest(value.casefold())[:8]}"
        self.planned.setdefault(slug, value[:100])
        return slug


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _names(rows: Iterable[Any]) -> str:
    return ", ".join(sorted(str(r.slug) for r in rows)) or "none yet"


def resolve(
    *,
    call: models.Call,
    lines: Sequence[ProposalLine],
    create_missing: bool,
) -> tuple[list[tuple[ProposalLine, str, str]], list[LineError], Choices, Choices]:
    """Each line's format and track key, or a line error; missing ones planned if allowed."""
    formats = Choices(kind="format")
    tracks = Choices(kind="track")
    for f in models.Format.objects.filter(call=call).order_by("name", "pk"):
        formats.add(f)
    for t in models.Track.objects.filter(call=call).order_by("name", "pk"):
        tracks.add(t)
    known_formats = list(formats.by_key.values())
    known_tracks = list(tracks.by_key.values())
    resolved: list[tuple[ProposalLine, str, str]] = []
    errors: list[LineError] = []
    for line in lines:
        reasons = []
        format_key, refused = _match(formats, line.format, create_missing, known_formats)
        if refused:
            reasons.append(refused)
        track_key = ""
        if line.track:
            track_key, refused = _match(tracks, line.track, create_missing, known_tracks)
            if refused:
                reasons.append(refused)
        if call.languages and line.language not in call.languages:
            reasons.append(
                f'language "{line.language}" is not one of this call\'s languages '
                f"({', '.join(call.languages)})"
            )
        if reasons:
            errors.append(LineError(line=line.line, reason="; ".join(reasons)))
        else:
            resolved.append((line, format_key, track_key))
    return resolved, errors, formats, tracks


def _match(
    choices: Choices, value: str, create_missing: bool, known: Sequence[Any]
) -> tuple[str, str | None]:
    """The slug ``value`` stands for (planned if missing and allowed), or why it is refused."""
    found = choices.find(value)
    if found is not None:
        return str(found.slug), None
    if create_missing:
        return choices.plan(value), None
    return "", (
        f'{choices.kind} "{value}" is not one of this call\'s {choices.kind}s '
        f"({_names(known)}); pass --create-missing to add it"
    )


def create_planned(
    *, call: models.Call, formats: Choices, tracks: Choices
) -> tuple[dict[str, models.Format], dict[str, models.Track]]:
    format_slugs = {r.slug for r in formats.by_key.values()}
    for slug, name in formats.planned.items():
        if slug not in format_slugs:
            formats.add(models.Format.objects.create(call=call, slug=slug, name=name))
    track_slugs = {r.slug for r in tracks.by_key.values()}
    for slug, name in tracks.planned.items():
        if slug not in track_slugs:
            tracks.add(models.Track.objects.create(call=call, slug=slug, name=name))
    return (
        {f.slug: f for f in formats.by_key.values()},
        {t.slug: t for t in tracks.by_key.values()},
    )
