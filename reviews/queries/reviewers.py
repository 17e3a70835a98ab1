"""The call's reviewers for the chair's reviewers page: what each told us, how far each is.

Returns frozen dataclasses, never ORM objects; four queries whatever the number of reviewers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews import models


@dataclass(frozen=True, slots=True)
class ReviewerRow:
    user_id: int
    name: str
    email: str
    languages: tuple[str, ...]
    tracks: tuple[str, ...]
    max_load: int | None
    assigned: int
    done: int


def _count_of(qs: QuerySet[Any], column: str) -> Any:
    return Coalesce(Subquery(qs.values(column).annotate(n=Count("pk")).values("n")[:1]), 0)


def call_reviewers(*, call_id: int) -> tuple[ReviewerRow, ...]:
    """The call's reviewers with what they told us and their assigned and finished counts."""
    live = cfp_models.in_call("proposal__")
    assigned = models.Assignment.objects.filter(
        live, reviewer_id=OuterRef("user_id"), proposal__call_id=call_id
    )
    done = models.Review.objects.filter(live, reviewer_id=OuterRef("user_id"), call_id=call_id)
    rows = list(
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id)
        .select_related("user")
        .annotate(
            n_assigned=_count_of(assigned, "reviewer_id"), n_done=_count_of(done, "reviewer_id")
        )
        .order_by("user__first_name", "user__username", "user_id")
    )
    chosen = {
        user_id: (languages or [], tracks or [], max_load)
        for user_id, languages, tracks, max_load in models.ReviewerSettings.objects.filter(
            call_id=call_id
        ).values_list("user_id", "languages", "tracks", "max_load")
    }
    track_names = dict(cfp_models.Track.objects.filter(call_id=call_id).values_list("slug", "name"))
    out = []
    for m in rows:
        languages, tracks, max_load = chosen.get(m.user_id, ([], [], None))
        out.append(
            ReviewerRow(
                user_id=m.user_id,
                name=m.user.first_name or m.user.get_username(),
                email=m.user.email,
                languages=tuple(str(x) for x in languages),
                tracks=tuple(track_names.get(str(t), str(t)) for t in tracks),
                max_load=max_load,
                assigned=getattr(m, "n_assigned", 0) or 0,
                done=getattr(m, "n_done", 0) or 0,
            )
        )
    return tuple(out)
