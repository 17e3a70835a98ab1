"""Everything the chair's settings page shows about the call and its configuration rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch

from cfp import models
from cfp.domain.visibility import Phase
from cfp.queries.calls import (
    CRITERIA_ORDER,
    CriterionRow,
    FormatRow,
    criterion_row,
    format_row,
)
from cfp.queries.membership import phase_of
from cfp.queries.questions import QuestionRow, question_row


@dataclass(frozen=True, slots=True)
class TrackSetting:
    id: int
    slug: str
    name: str
    proposals: int


@dataclass(frozen=True, slots=True)
class QuestionSetting:
    question: QuestionRow
    answers: int

    @property
    def id(self) -> int:
        return self.question.id


@dataclass(frozen=True, slots=True)
class CallSettings:
    id: int
    slug: str
    name: str
    description: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    bidding_closes_at: dt.datetime | None
    languages: tuple[str, ...]
    reviews_per_proposal: int
    phase: Phase
    formats: tuple[FormatRow, ...]
    tracks: tuple[TrackSetting, ...]
    criteria: tuple[CriterionRow, ...]
    questions: tuple[QuestionSetting, ...]
    others_reviews: str = "after_own"
    independent_scores: bool = True
    confirmation_deadline_at: dt.datetime | None = None


def call_settings(*, call_id: int) -> CallSettings:
    """Everything the settings page shows, in five queries whatever the number of rows."""
    c = (
        models.Call.objects.filter(pk=call_id)
        .prefetch_related(
            Prefetch(
                "formats",
                queryset=models.Format.objects.annotate(n=Count("proposals")).order_by("name"),
            ),
            Prefetch(
                "tracks",
                queryset=models.Track.objects.annotate(n=Count("proposals")).order_by("name"),
            ),
            Prefetch("criteria", queryset=models.Criterion.objects.order_by(*CRITERIA_ORDER)),
            Prefetch(
                "questions",
                queryset=models.Question.objects.annotate(n=Count("answers")).order_by(
                    "position", "id"
                ),
            ),
        )
        .get()
    )
    return CallSettings(
        id=c.pk,
        slug=c.slug,
        name=c.name,
        description=c.description,
        timezone=c.timezone,
        opens_at=c.opens_at,
        closes_at=c.closes_at,
        review_deadline_at=c.review_deadline_at,
        bidding_closes_at=c.bidding_closes_at,
        confirmation_deadline_at=c.confirmation_deadline_at,
        languages=tuple(c.languages or ()),
        reviews_per_proposal=c.reviews_per_proposal,
        phase=phase_of(c),
        formats=tuple(
            format_row(f, proposals=f.n)  # type: ignore[attr-defined]
            for f in c.formats.all()
        ),
        tracks=tuple(
            TrackSetting(id=t.pk, slug=t.slug, name=t.name, proposals=t.n)  # type: ignore[attr-defined]
            for t in c.tracks.all()
        ),
        criteria=tuple(criterion_row(k) for k in c.criteria.all()),
        questions=tuple(
            QuestionSetting(question=question_row(q), answers=q.n)  # type: ignore[attr-defined]
            for q in c.questions.all()
        ),
        others_reviews=c.others_reviews,
        independent_scores=c.independent_scores,
    )
