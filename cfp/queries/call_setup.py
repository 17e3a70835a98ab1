"""Calls as staff see them when setting up a new one or copying an earlier one (issue 19)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cfp import models
from cfp.queries.membership import members


@dataclass(frozen=True, slots=True)
class SetupCall:
    slug: str
    name: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    archived: bool


@dataclass(frozen=True, slots=True)
class CloneSource:
    id: int
    call: SetupCall
    formats: tuple[str, ...]
    tracks: tuple[str, ...]
    criteria: tuple[str, ...]
    questions: int
    reviewers: int
    chairs: int


def _row(c: models.Call) -> SetupCall:
    return SetupCall(
        slug=c.slug,
        name=c.name,
        timezone=c.timezone,
        opens_at=c.opens_at,
        closes_at=c.closes_at,
        review_deadline_at=c.review_deadline_at,
        archived=c.archived_at is not None,
    )


def setup_calls(*, limit: int = 500) -> tuple[SetupCall, ...]:
    """Every call, newest first: the ones staff may copy."""
    return tuple(_row(c) for c in models.Call.objects.order_by("-opens_at", "-pk")[:limit])


def clone_source(*, slug: str) -> CloneSource | None:
    c = models.Call.objects.filter(slug=slug).first()
    if c is None:
        return None
    return CloneSource(
        id=c.pk,
        call=_row(c),
        formats=tuple(
            models.Format.objects.filter(call=c).order_by("name").values_list("name", flat=True)
        ),
        tracks=tuple(
            models.Track.objects.filter(call=c).order_by("name").values_list("name", flat=True)
        ),
        criteria=tuple(
            models.Criterion.objects.filter(call=c)
            .order_by("position", "pk")
            .values_list("name", flat=True)
        ),
        questions=models.Question.objects.filter(call=c).count(),
        reviewers=members(role=models.Role.REVIEWER, call_id=c.pk).count(),
        chairs=members(role=models.Role.CHAIR, call_id=c.pk).count(),
    )
