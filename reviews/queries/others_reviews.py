"""Reading one proposal as a committee: where a member stands on it, and the others' reviews.

``standing`` is the one read both the others'-reviews section and the discussion start from;
what it allows is decided by ``cfp.domain.visibility`` (``reads_others_reviews``,
``reads_discussion``). Reviewers appear as "Reviewer A", "Reviewer B"… (``reviews.domain.
discussion.pseudonyms``), never by log-in; their notes are checked like a discussion post.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import leaks, visibility
from cfp.domain.visibility import OthersReviews, Phase, ReviewerStanding, Viewer
from reviews import models
from reviews.domain import discussion


@dataclass(frozen=True, slots=True)
class Standing:
    """A committee member's relation to one proposal, now."""

    proposal_id: int
    code: str
    setting: OthersReviews
    reviewer: ReviewerStanding
    thread_open: bool


def _setting(value: str) -> OthersReviews:
    try:
        return OthersReviews(value)
    except ValueError:  # an unknown stored value reads as the strictest
        return OthersReviews.NEVER


def _standing(row: dict[str, object], *, now: dt.datetime) -> Standing:
    deadline = row["proposal__call__review_deadline_at"]
    return Standing(
        proposal_id=int(row["proposal_id"]),  # type: ignore[call-overload]
        code=str(row["proposal__code"]),
        setting=_setting(str(row["proposal__call__others_reviews"])),
        reviewer=ReviewerStanding(
            has_own_review=bool(row["own"]),
            review_phase_over=isinstance(deadline, dt.datetime) and now >= deadline,
        ),
        thread_open=bool(row["thread_open"]),
    )


_COLUMNS = (
    "proposal_id",
    "proposal__code",
    "proposal__call__others_reviews",
    "proposal__call__review_deadline_at",
    "own",
    "thread_open",
)


def standing(
    *, call_id: int, member_id: int, viewer: Viewer, code: str, now: dt.datetime
) -> Standing | None:
    """Where ``member_id`` stands on proposal ``code`` (one query); None when it is not theirs
    to read: a reviewer needs the assignment, a chair the proposal in their call (not a draft)."""
    own = Exists(
        models.Review.objects.filter(proposal_id=OuterRef("proposal_id"), reviewer_id=member_id)
    )
    thread = Exists(models.Thread.objects.filter(proposal_id=OuterRef("proposal_id")))
    if viewer is Viewer.REVIEWER:
        rows = models.Assignment.objects.filter(
            cfp_models.in_call("proposal__"),
            reviewer_id=member_id,
            proposal__code=code,
            proposal__call_id=call_id,
        )
        row = rows.annotate(own=own, thread_open=thread).values(*_COLUMNS).first()
    else:
        chair_row = (
            # Not a draft: a chair learns only that one exists, on the mentoring pages (issue 25).
            cfp_models.Proposal.objects.filter(
                cfp_models.committee_sees(), call_id=call_id, code=code
            )
            .annotate(
                own=Exists(
                    models.Review.objects.filter(proposal_id=OuterRef("pk"), reviewer_id=member_id)
                ),
                thread_open=Exists(models.Thread.objects.filter(proposal_id=OuterRef("pk"))),
            )
            .values(
                "pk",
                "code",
                "call__others_reviews",
                "call__review_deadline_at",
                "own",
                "thread_open",
            )
            .first()
        )
        row = (
            None
            if chair_row is None
            else {
                "proposal_id": chair_row["pk"],
                "proposal__code": chair_row["code"],
                "proposal__call__others_reviews": chair_row["call__others_reviews"],
                "proposal__call__review_deadline_at": chair_row["call__review_deadline_at"],
                "own": chair_row["own"],
                "thread_open": chair_row["thread_open"],
            }
        )
    return None if row is None else _standing(row, now=now)


@dataclass(frozen=True, slots=True)
class ScoreCell:
    criterion: str
    value: int | None


@dataclass(frozen=True, slots=True)
class OtherReview:
    pseudonym: str
    mine: bool
    scores: tuple[ScoreCell, ...]
    score: float | None
    confidence: int | None
    comment: str
    comment_held_back: bool
    abstained: bool
    # The score was changed after its reviewer read others' reviews or the discussion.
    changed_after_reading: bool


def speakers_of(proposal_id: int) -> tuple[leaks.SpeakerIdentity, ...]:
    """The proposal's speakers as the leak check needs them (one query)."""
    return tuple(
        leaks.SpeakerIdentity(
            name=name or "",
            email=email or "",
            affiliation=affiliation or "",
            links=tuple(links or ()),
        )
        for name, email, affiliation, links in cfp_models.Speaker.objects.filter(
            proposal_links__proposal_id=proposal_id
        )
        .order_by("pk")
        .values_list("name", "email", "affiliation", "links")
    )


def reviewer_letters(*, proposal_id: int) -> dict[int, str]:
    """Each reviewer's letter on the proposal, by first-saved review (one query)."""
    ids = (
        models.Review.objects.filter(proposal_id=proposal_id)
        .order_by("created_at", "id")
        .values_list("reviewer_id", flat=True)
    )
    return discussion.pseudonyms(ids)


def reviewer_label(letter: str) -> str:
    return f"Reviewer {letter}"


def others_reviews(
    *,
    call_id: int,
    proposal_id: int,
    viewer: Viewer,
    viewer_id: int,
    phase: Phase,
    speakers: Sequence[leaks.SpeakerIdentity],
) -> tuple[OtherReview, ...]:
    """Every review of the proposal, pseudonymous, the viewer's own first (two queries).

    Notes for the committee pass the same check as discussion posts before another member reads
    them; their author reads what they wrote.
    """
    criteria = [(c.slug, c.name) for c in cfp_queries.call_criteria(call_id=call_id)]
    rows = (
        models.Review.objects.filter(proposal_id=proposal_id)
        .order_by("created_at", "id")
        .values_list(
            "reviewer_id",
            "scores",
            "score",
            "confidence",
            "comment",
            "abstained",
            "seen_others_at",
            "independent_scores",
        )
    )
    letters: dict[int, str] = {}
    out: list[OtherReview] = []
    for rid, scores, score, confidence, comment, abstained, seen_at, first in rows:
        letters[rid] = discussion.letter(len(letters))
        mine = rid == viewer_id
        checked = discussion.check(comment, speakers=speakers) if comment else None
        shown = visibility.committee_text(
            viewer=viewer,
            phase=phase,
            is_author=mine,
            raw=comment,
            shown=checked.shown if checked else "",
        )
        out.append(
            OtherReview(
                pseudonym=reviewer_label(letters[rid]),
                mine=mine,
                scores=tuple(
                    ScoreCell(criterion=name, value=(scores or {}).get(slug))
                    for slug, name in criteria
                ),
                score=score,
                confidence=confidence,
                comment=shown,
                comment_held_back=bool(checked and checked.held_back and shown != comment),
                abstained=abstained,
                changed_after_reading=seen_at is not None and first is not None and first != scores,
            )
        )
    out.sort(key=lambda r: not r.mine)
    return tuple(out)
