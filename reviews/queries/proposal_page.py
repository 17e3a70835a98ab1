"""The chair's page of one proposal: its text, scanner findings, speakers, reviews, aggregate.

Returns frozen dataclasses, never ORM objects. Each part is read as the blindness policy shows it
to a chair in the call's phase: the text as written or redacted, the flagged words or not, the
speakers and their programme attributes or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import findings as stored_findings
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.domain import scoring
from reviews.queries import decisions, json_columns, proposal_text, score_scale


@dataclass(frozen=True, slots=True)
class SpeakerCard:
    name: str
    email: str
    bio: str
    affiliation: str
    links: tuple[str, ...]
    # Programme attributes: empty (None) where the policy hides them.
    region: str
    first_time: bool | None
    english_additional: bool | None
    wants_mentor: bool | None


@dataclass(frozen=True, slots=True)
class FindingRow:
    field: str
    kind: str
    start: int
    end: int
    # Empty where the policy hides it: the flagged text is the suspected identity itself.
    text: str
    ignored: bool


@dataclass(frozen=True, slots=True)
class ChairProposal:
    id: int
    code: str
    state: str
    state_label: str
    in_call: bool
    title: str
    abstract: str
    description: str
    notes: str
    format_id: int
    format_name: str
    format_slots: int
    track_name: str
    language: str
    level: str
    version: int
    submitted_at: dt.datetime
    findings: tuple[FindingRow, ...]
    speakers: tuple[SpeakerCard, ...]
    decision: decisions.DecisionState
    # The scale the page shows scores on (the criteria's own, issue 19).
    scale: scoring.DisplayScale = scoring.display.INTERNAL


def _speaker_card(s: cfp_models.Speaker, *, programme: bool) -> SpeakerCard:
    return SpeakerCard(
        name=s.name,
        email=s.email,
        bio=s.bio,
        affiliation=s.affiliation,
        links=tuple(s.links or ()),
        region=s.region if programme else "",
        first_time=None if not programme or s.spoken_before is None else not s.spoken_before,
        english_additional=s.english_additional if programme else None,
        wants_mentor=s.wants_mentor if programme else None,
    )


def chair_proposal(*, call_id: int, code: str, phase: Phase) -> ChairProposal | None:
    """One proposal of the call as a chair sees it in ``phase``."""

    def sees(part: Part) -> bool:
        return visibility.sees(viewer=Viewer.CHAIR, part=part, phase=phase)

    qs = (
        cfp_models.Proposal.objects.filter(cfp_models.committee_sees(), call_id=call_id, code=code)
        .select_related("format", "track", "decision__decided_by")
        .annotate(**score_scale.for_rows())
    )
    if sees(Part.SPEAKER_IDENTITY):
        qs = qs.prefetch_related(
            Prefetch(
                "speaker_links",
                queryset=cfp_models.ProposalSpeaker.objects.select_related("speaker").order_by(
                    "position", "id"
                ),
            )
        )
    p = qs.first()
    if p is None:
        return None
    # A missing row raises RelatedObjectDoesNotExist, an AttributeError: getattr's default applies.
    decision = getattr(p, "decision", None)
    speakers = (
        tuple(
            _speaker_card(link.speaker, programme=sees(Part.PROGRAMME_ATTRIBUTES))
            for link in p.speaker_links.all()
        )
        if sees(Part.SPEAKER_IDENTITY)
        else ()
    )
    text = proposal_text.texts(viewer=Viewer.CHAIR, phase=phase, proposal=p)
    flagged = sees(Part.FINDING_TEXT)
    return ChairProposal(
        id=p.pk,
        code=p.code,
        state=p.state,
        state_label=str(cfp_models.ProposalState(p.state).label),
        in_call=p.state in cfp_models.IN_CALL_STATES,
        format_id=p.format_id,
        format_name=p.format.name,
        format_slots=p.format.slots,
        track_name=p.track.name if p.track else "",
        language=p.language,
        level=p.level,
        version=p.version,
        submitted_at=p.submitted_at,
        findings=tuple(
            FindingRow(
                field=f.field,
                kind=f.kind,
                start=f.start,
                end=f.end,
                text=f.text if flagged else "",
                ignored=f.ignored,
            )
            for f in stored_findings.parse_all(p.findings)
        ),
        speakers=speakers,
        decision=decisions.decision_state_of(decision),
        scale=score_scale.scale_of({f: getattr(p, f) for f in score_scale.FIELDS}),
        **text,
    )


@dataclass(frozen=True, slots=True)
class ScoreCell:
    criterion: str
    value: int | None


@dataclass(frozen=True, slots=True)
class ReviewCard:
    reviewer: str
    scores: tuple[ScoreCell, ...]
    score: float | None
    confidence: int | None
    comment: str
    feedback: str
    abstained: bool
    abstain_reason: str
    scored_version: int
    updated_at: dt.datetime


def proposal_reviews(
    *,
    call_id: int,
    proposal_id: int,
    scale: scoring.DisplayScale = scoring.display.INTERNAL,
) -> tuple[ReviewCard, ...]:
    """Every review with its reviewer's name; scores in the call's criterion order, the
    review's weighted score on ``scale``."""
    criteria = [(c.slug, c.name) for c in cfp_queries.call_criteria(call_id=call_id)]
    rows = (
        models.Review.objects.filter(proposal_id=proposal_id)
        .select_related("reviewer")
        .order_by("created_at", "id")
    )
    return tuple(
        ReviewCard(
            reviewer=decisions.person_name(r.reviewer),
            scores=tuple(
                ScoreCell(
                    criterion=name,
                    value=int(r.scores[slug]) if slug in (r.scores or {}) else None,
                )
                for slug, name in criteria
            ),
            score=scale.point(r.score),
            confidence=r.confidence,
            comment=r.comment,
            feedback=r.feedback,
            abstained=r.abstained,
            abstain_reason=r.abstain_reason,
            scored_version=r.proposal_version,
            updated_at=r.updated_at,
        )
        for r in rows
    )


@dataclass(frozen=True, slots=True)
class Aggregate:
    review_count: int
    mean: float | None
    median: float | None
    calibrated: float | None
    low: float | None
    high: float | None
    rank: int | None
    p_in_slots: float | None
    flags: tuple[str, ...]


def aggregate(
    *,
    proposal_id: int,
    run_id: int | None,
    scale: scoring.DisplayScale = scoring.display.INTERNAL,
) -> Aggregate | None:
    """The proposal's numbers in snapshot ``run_id``, on ``scale`` (interval clipped to it)."""
    if run_id is None:
        return None
    s = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=proposal_id).first()
    if s is None:
        return None
    low, high = scale.interval(s.low, s.high)
    return Aggregate(
        review_count=s.review_count,
        mean=scale.point(s.mean),
        median=scale.point(s.median),
        calibrated=scale.point(s.calibrated),
        low=low,
        high=high,
        rank=s.rank,
        p_in_slots=s.p_in_slots,
        flags=json_columns.strings(s.flags),
    )
