"""The reviewing preferences on a person's settings page: one entry per call they review for."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews import models


@dataclass(frozen=True, slots=True)
class ReviewingPreferences:
    """What one reviewer chose for one call, beside what the call offers."""

    call_id: int
    call_slug: str
    call_name: str
    offered_languages: tuple[str, ...]
    offered_tracks: tuple[tuple[str, str], ...]  # (slug, name)
    languages: tuple[str, ...]
    tracks: tuple[str, ...]
    max_load: int | None


def reviewing_preferences(*, user_id: int) -> tuple[ReviewingPreferences, ...]:
    """Every live call the person reviews for, by name (three queries, whatever the count)."""
    calls = {
        m.call_id: m.call
        for m in cfp_queries.members(role=cfp_models.Role.REVIEWER, user_id=user_id)
        .filter(call__archived_at__isnull=True)
        .select_related("call")
    }
    if not calls:
        return ()
    chosen = {
        s.call_id: s
        for s in models.ReviewerSettings.objects.filter(user_id=user_id, call_id__in=calls)
    }
    tracks: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for call_id, slug, name in (
        cfp_models.Track.objects.filter(call_id__in=calls)
        .order_by("call_id", "name", "pk")
        .values_list("call_id", "slug", "name")
    ):
        tracks[call_id].append((slug, name))
    out = []
    for call_id, call in sorted(calls.items(), key=lambda item: (item[1].name, item[0])):
        row = chosen.get(call_id)
        out.append(
            ReviewingPreferences(
                call_id=call_id,
                call_slug=call.slug,
                call_name=call.name,
                offered_languages=tuple(call.languages or ("en",)),
                offered_tracks=tuple(tracks[call_id]),
                languages=tuple(row.languages or ()) if row else (),
                tracks=tuple(row.tracks or ()) if row else (),
                max_load=row.max_load if row else None,
            )
        )
    return tuple(out)
