"""The reviewer's scoring screen: the proposal as a reviewer sees it, the criteria, my review.

Returns frozen dataclasses, never ORM objects. The proposal's text is the one the blindness
policy gives a reviewer; "what changed since my review" compares redacted texts only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import leaks
from cfp.domain.visibility import Phase, Viewer
from reviews import models
from reviews.domain import scoring, textdiff
from reviews.queries import proposal_text


@dataclass(frozen=True, slots=True)
class ScoringTarget:
    """What the reviewer may see of a proposal: its text as the policy gives it, no speakers."""

    proposal_id: int
    code: str
    version: int
    title: str
    abstract: str
    description: str
    notes: str
    format_name: str
    track_name: str
    language: str
    level: str


def _assignment(*, reviewer_id: int, code: str) -> QuerySet[models.Assignment]:
    """The reviewer's assignment to the live proposal ``code`` (narrowed to a call by callers)."""
    return models.Assignment.objects.filter(
        cfp_models.in_call("proposal__"), reviewer_id=reviewer_id, proposal__code=code
    )


def scoring_target(
    *, call_id: int, reviewer_id: int, code: str, phase: Phase
) -> ScoringTarget | None:
    a = (
        _assignment(reviewer_id=reviewer_id, code=code)
        .filter(proposal__call_id=call_id)
        .select_related("proposal__format", "proposal__track")
        .first()
    )
    if a is None:
        return None
    p = a.proposal
    text = proposal_text.texts(viewer=Viewer.REVIEWER, phase=phase, proposal=p)
    return ScoringTarget(
        proposal_id=p.pk,
        code=p.code,
        version=p.version,
        format_name=p.format.name,
        track_name=p.track.name if p.track else "",
        language=p.language,
        level=p.level,
        **text,
    )


@dataclass(frozen=True, slots=True)
class ScoreTarget:
    """The least a save needs: found in one query joining role, assignment and proposal."""

    call_id: int
    proposal_id: int
    version: int


def score_target(*, slug: str, reviewer_id: int, code: str) -> ScoreTarget | None:
    is_reviewer = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=OuterRef("proposal__call_id"), user_id=reviewer_id
    )
    row = (
        _assignment(reviewer_id=reviewer_id, code=code)
        .filter(proposal__call__slug=slug, proposal__call__archived_at__isnull=True)
        .filter(Exists(is_reviewer))
        .values("proposal_id", "proposal__call_id", "proposal__version")
        .first()
    )
    if row is None:
        return None
    return ScoreTarget(
        call_id=row["proposal__call_id"],
        proposal_id=row["proposal_id"],
        version=row["proposal__version"],
    )


def for_scoring(rows: Iterable[cfp_queries.CriterionRow]) -> tuple[scoring.Criterion, ...]:
    """The criteria as the scoring model takes them."""
    return tuple(
        scoring.Criterion(
            slug=c.slug, weight=c.weight, minimum=float(c.minimum), maximum=float(c.maximum)
        )
        for c in rows
    )


@dataclass(frozen=True, slots=True)
class MyReview:
    scores: dict[str, int]
    confidence: int | None
    comment: str
    feedback: str
    abstained: bool
    abstain_reason: str
    proposal_version: int
    updated_at: dt.datetime


def my_review(*, proposal_id: int, reviewer_id: int) -> MyReview | None:
    r = models.Review.objects.filter(proposal_id=proposal_id, reviewer_id=reviewer_id).first()
    if r is None:
        return None
    return MyReview(
        scores={k: int(v) for k, v in (r.scores or {}).items()},
        confidence=r.confidence,
        comment=r.comment,
        feedback=r.feedback,
        abstained=r.abstained,
        abstain_reason=r.abstain_reason,
        proposal_version=r.proposal_version,
        updated_at=r.updated_at,
    )


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One reviewer-visible field that changed, as a word diff of redacted texts."""

    field: str
    segments: tuple[textdiff.Segment, ...]


def changes_since(
    *, proposal_id: int, number: int, current: dict[str, str]
) -> tuple[FieldChange, ...]:
    """What changed between version `number` and `current` (the proposal's redacted text).

    Old versions are stored as the speaker typed them: they are redacted here, with the
    proposal's speakers, before anything is compared, so the diff never shows an identity.
    A co-speaker taken off the proposal since may be named in the old text: speakers whose
    removal the audit log recorded are redacted too.
    """
    old = cfp_models.ProposalVersion.objects.filter(proposal_id=proposal_id, number=number).first()
    if old is None:
        return ()
    removed = (
        cfp_models.AuditEvent.objects.filter(proposal_id=proposal_id, action="speaker.removed")
        .annotate(speaker_id=Cast(KeyTextTransform("speaker", "data"), IntegerField()))
        .values("speaker_id")
    )
    speakers = [
        leaks.SpeakerIdentity(
            name=name or "",
            email=email or "",
            affiliation=affiliation or "",
            links=tuple(links or ()),
        )
        for name, email, affiliation, links in cfp_models.Speaker.objects.filter(
            Q(proposal_links__proposal_id=proposal_id) | Q(pk__in=Subquery(removed))
        )
        .distinct()
        .values_list("name", "email", "affiliation", "links")
    ]
    stored = old.redacted or {}
    out = []
    for field in proposal_text.FIELDS:
        # Both the redaction made when the version was saved (the speakers as they were then,
        # which catches a later rename) and today's speakers (which catches a name added to a
        # profile after the save): either alone can leave a name in the old text.
        before = leaks.redact_text(
            text=stored[field] if field in stored else getattr(old, field) or "",
            speakers=speakers,
        )
        segments = textdiff.word_diff(old=before, new=current.get(field, "") or "")
        if textdiff.changed(segments):
            out.append(FieldChange(field=field, segments=textdiff.collapse(segments)))
    return tuple(out)
