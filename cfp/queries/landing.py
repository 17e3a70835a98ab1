"""Where a person lands after logging in, when no explicit page was asked for (issue 17).

One function decides for every role: a chair lands on a call's dashboard, a reviewer on their
queue, a speaker on their own proposals, anyone else on the list of calls. Someone with several
roles gets the most demanding one first (chair, then reviewer, then speaker); among several calls,
the most recent call that is open now, else the most recent one.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.db.models import Q

from cfp import models
from cfp.queries import membership


class Destination(enum.StrEnum):
    CHAIR_DASHBOARD = "chair"
    REVIEWER_QUEUE = "reviewer"
    SPEAKER_PROPOSALS = "speaker"
    HOME = "home"


@dataclass(frozen=True, slots=True)
class Landing:
    destination: Destination
    slug: str = ""


def _most_recent(slugs: set[str], *, now: dt.datetime) -> str:
    """Of these calls: the most recently opened one that is open now, else the most recent."""
    rows = list(
        models.Call.objects.filter(slug__in=slugs)
        .order_by("-opens_at", "-id")
        .values_list("slug", "opens_at", "closes_at")
    )
    open_now = [slug for slug, opens, closes in rows if opens <= now < closes]
    return (open_now or [slug for slug, _o, _c in rows])[0]


def landing(*, user_id: int, now: dt.datetime) -> Landing:
    """The page that is this person's own work (at most three queries)."""
    calls = membership.roles_by_call(user_id=user_id)
    for role, destination in (
        (models.Role.CHAIR, Destination.CHAIR_DASHBOARD),
        (models.Role.REVIEWER, Destination.REVIEWER_QUEUE),
    ):
        slugs = {c.slug for c in calls if role in c.roles}
        if slugs:
            return Landing(destination=destination, slug=_most_recent(slugs, now=now))
    slug = (
        models.Proposal.objects.filter(
            Q(owner_id=user_id) | Q(speaker_links__speaker__user_id=user_id),
            call__archived_at__isnull=True,
        )
        .order_by("-call__opens_at", "-submitted_at", "-id")
        .values_list("call__slug", flat=True)
        .first()
    )
    if slug is not None:
        return Landing(destination=Destination.SPEAKER_PROPOSALS, slug=slug)
    return Landing(destination=Destination.HOME)
