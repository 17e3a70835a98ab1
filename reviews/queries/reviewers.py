"""The call's reviewers for the chair's reviewers page: what each told us, how far each is.

Returns frozen dataclasses, never ORM objects; four queries whatever the number of reviewers.
"Assigned" and "done" are the dashboard's own counts (``dashboard.reviewer_counts``): one rule,
so the two pages agree after any assignment run.
"""

from __future__ import annotations

from dataclasses import dataclass

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews import models
from reviews.queries import dashboard


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


def call_reviewers(*, call_id: int) -> tuple[ReviewerRow, ...]:
    """The call's reviewers with what they told us and their assigned and finished counts."""
    rows = list(
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id)
        .select_related("user")
        .order_by("user__first_name", "user__username", "user_id")
    )
    counts = dashboard.reviewer_counts(call_id=call_id)
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
                assigned=counts.get(m.user_id, (0, 0))[0],
                done=counts.get(m.user_id, (0, 0))[1],
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class RemovalImpact:
    """What removing a reviewer from the call does, stated before the chair confirms."""

    user_id: int
    name: str
    finished: int  # reviews with a score or an abstention: they stay
    started: int  # drafts without a score: they stay, and their seat stays held
    unstarted: int  # assignments with no review: they go back to the assignment engine


def removal_impact(*, call_id: int, reviewer_id: int) -> RemovalImpact | None:
    """None when the person does not review the call."""
    member = (
        cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=reviewer_id)
        .values_list("user__first_name", "user__username")
        .first()
    )
    if member is None:
        return None
    reviews = {
        pid: score is not None or abstained
        for pid, score, abstained in models.Review.objects.filter(
            call_id=call_id, reviewer_id=reviewer_id
        ).values_list("proposal_id", "score", "abstained")
    }
    assigned = set(
        models.Assignment.objects.filter(
            proposal__call_id=call_id, reviewer_id=reviewer_id
        ).values_list("proposal_id", flat=True)
    )
    finished = sum(1 for done in reviews.values() if done)
    return RemovalImpact(
        user_id=reviewer_id,
        name=member[0] or member[1],
        finished=finished,
        started=len(reviews) - finished,
        unstarted=len(assigned - set(reviews)),
    )
