"""The reviewer's scoring screen: the proposal as a reviewer sees it, the criteria, my review.

Returns frozen dataclasses, never ORM objects. The proposal's text is the one the blindness
policy gives a reviewer; "what changed since my review" compares redacted texts only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import languages as talk_languages
from cfp.domain import leaks, shown_html, visibility
from cfp.domain.visibility import Part, Phase, Shown, Viewer
from reviews import models
from reviews.domain import scoring, textdiff
from reviews.queries import prepared, proposal_text, queue


@dataclass(frozen=True, slots=True)
class ScoringTarget:
    """What the reviewer may see of a proposal: its text as the policy gives it, no speakers.

    ``html`` holds the same texts as the HTML the screen shows (``cfp.domain.shown_html``: the
    stored rendering when there is one, else rendered here), by field name.
    """

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
    html: dict[str, str]

    @property
    def language_name(self) -> str:
        return talk_languages.language_name(self.language)

    @property
    def level_name(self) -> str:
        return queue.level_name(self.level)


def _assignment(*, reviewer_id: int, code: str) -> QuerySet[models.Assignment]:
    """The reviewer's assignment to the live proposal ``code`` (narrowed to a call by callers).

    Never one of a proposal they mentor or mentored (issue 25), even if a row slipped in, nor
    any while they mentor in a call that bars its mentors from reviewing.
    """
    mentor_here = cfp_queries.members(
        role=cfp_models.Role.MENTOR, call_id=OuterRef("proposal__call_id"), user_id=reviewer_id
    )
    return (
        models.Assignment.objects.filter(
            cfp_models.in_call("proposal__"), reviewer_id=reviewer_id, proposal__code=code
        )
        .exclude(proposal__mentor_matches__mentor_id=reviewer_id)
        .exclude(Q(proposal__call__mentors_may_review=False) & Exists(mentor_here))
    )


_TARGET_COLUMNS = (
    "proposal_id",
    "proposal__code",
    "proposal__version",
    "proposal__format__name",
    "proposal__track__name",
    "proposal__language",
    "proposal__level",
    "proposal__redacted",
)


def _target_columns(shown: Shown) -> tuple[str, ...]:
    if shown is Shown.REDACTED:
        return (*_TARGET_COLUMNS, "proposal__shown_html")
    return (*_TARGET_COLUMNS, *(f"proposal__{field}" for field in proposal_text.FIELDS))


def _target_row(*, shown: Shown) -> prepared.Prepared:
    def build(*, reviewer_id: int, call_id: int, code: str) -> QuerySet[models.Assignment]:
        return (
            _assignment(reviewer_id=reviewer_id, code=code)
            .filter(proposal__call_id=call_id)
            .order_by("pk")
            .values_list(*_target_columns(shown))[:1]
        )

    return prepared.Prepared(
        build, model=models.Assignment, ints=("reviewer_id", "call_id"), texts=("code",)
    )


# Built by the ORM once per process (``queries.prepared``): the mentor exclusions make this the
# screen's most expensive query to build, and the screen is the page reviewers load most.
_TARGET_ROWS = {shown: _target_row(shown=shown) for shown in Shown}


def scoring_target(
    *, call_id: int, reviewer_id: int, code: str, phase: Phase
) -> ScoringTarget | None:
    """The proposal ``code`` as the reviewer may see it, in one query of only what it shows.

    When the policy gives reviewers the redacted text (it does in every phase today), the raw
    texts are not even read, and the HTML comes from the copy stored with the redaction.
    """
    shown = visibility.shown(viewer=Viewer.REVIEWER, part=Part.CONTENT, phase=phase)
    found = _TARGET_ROWS[shown].rows(reviewer_id=reviewer_id, call_id=call_id, code=code)
    if not found:
        return None
    row: dict[str, Any] = dict(zip(_target_columns(shown), found[0], strict=True))
    redacted = row["proposal__redacted"]
    text = {
        field: proposal_text.pick(
            viewer=Viewer.REVIEWER,
            phase=phase,
            field=field,
            raw=str(row.get(f"proposal__{field}") or ""),
            redacted=redacted,
        )
        for field in proposal_text.FIELDS
    }
    stored = row.get("proposal__shown_html")
    rendered = stored if shown is Shown.REDACTED and shown_html.usable(stored) else None
    if rendered is None:
        rendered = shown_html.render(texts=text)
    return ScoringTarget(
        proposal_id=row["proposal_id"],
        code=row["proposal__code"],
        version=row["proposal__version"],
        format_name=row["proposal__format__name"],
        track_name=row["proposal__track__name"] or "",
        language=row["proposal__language"],
        level=row["proposal__level"],
        html={field: str(rendered.get(field, "") or "") for field in shown_html.FIELDS},
        **text,
    )


@dataclass(frozen=True, slots=True)
class ScoreTarget:
    """The least a save needs: found in one query joining role, assignment and proposal.

    ``done`` and ``total`` are the reviewer's progress before the save (as the queue counts
    it), ``finished`` whether this proposal already counted as done: the screen's progress bar
    after the save is ``done_after``, without another query.
    """

    call_id: int
    proposal_id: int
    version: int
    done: int = 0
    total: int = 0
    finished: bool = False

    @property
    def done_after(self) -> int:
        return self.done if self.finished else self.done + 1


def _finished_review(*, reviewer_id: int, proposal: Any, version: Any) -> QuerySet[models.Review]:
    """The reviewer's review of ``proposal`` that counts as done in the queue: abstained, or
    saved for the current ``version`` (``queue._status`` is the same rule)."""
    return models.Review.objects.filter(proposal_id=proposal, reviewer_id=reviewer_id).filter(
        Q(abstained=True) | Q(proposal_version__gte=version)
    )


def score_target(*, slug: str, reviewer_id: int, code: str) -> ScoreTarget | None:
    is_reviewer = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=OuterRef("proposal__call_id"), user_id=reviewer_id
    )
    mine = models.Assignment.objects.filter(
        cfp_models.in_call("proposal__"),
        reviewer_id=reviewer_id,
        proposal__call_id=OuterRef("proposal__call_id"),
    ).order_by()
    counted = mine.annotate(
        done=Exists(
            _finished_review(
                reviewer_id=reviewer_id,
                proposal=OuterRef("proposal_id"),
                version=OuterRef("proposal__version"),
            )
        )
    )
    row = (
        _assignment(reviewer_id=reviewer_id, code=code)
        .filter(proposal__call__slug=slug, proposal__call__archived_at__isnull=True)
        .filter(Exists(is_reviewer))
        .annotate(
            # The progress bar's numbers travel with the one read a save makes.
            n_total=Subquery(
                mine.values("reviewer_id").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            n_done=Subquery(
                counted.filter(done=True)
                .values("reviewer_id")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            is_done=Exists(
                _finished_review(
                    reviewer_id=reviewer_id,
                    proposal=OuterRef("proposal_id"),
                    version=OuterRef("proposal__version"),
                )
            ),
        )
        .values(
            "proposal_id", "proposal__call_id", "proposal__version", "n_total", "n_done", "is_done"
        )
        .first()
    )
    if row is None:
        return None
    return ScoreTarget(
        call_id=row["proposal__call_id"],
        proposal_id=row["proposal_id"],
        version=row["proposal__version"],
        done=row["n_done"] or 0,
        total=row["n_total"] or 0,
        finished=bool(row["is_done"]),
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


def _my_review_row(*, proposal_id: int, reviewer_id: int) -> QuerySet[Any]:
    return (
        models.Review.objects.filter(proposal_id=proposal_id, reviewer_id=reviewer_id)
        .order_by("pk")
        .values_list(
            "scores",
            "confidence",
            "comment",
            "feedback",
            "abstained",
            "abstain_reason",
            "proposal_version",
            "updated_at",
        )[:1]
    )


_MY_REVIEW = prepared.Prepared(
    _my_review_row, model=models.Review, ints=("proposal_id", "reviewer_id")
)


def my_review(*, proposal_id: int, reviewer_id: int) -> MyReview | None:
    found = _MY_REVIEW.rows(proposal_id=proposal_id, reviewer_id=reviewer_id)
    if not found:
        return None
    scores, confidence, comment, feedback, abstained, reason, version, updated_at = found[0]
    return MyReview(
        scores={k: int(v) for k, v in (scores or {}).items()},
        confidence=confidence,
        comment=comment,
        feedback=feedback,
        abstained=bool(abstained),
        abstain_reason=reason,
        proposal_version=version,
        updated_at=updated_at,
    )


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One reviewer-visible field that changed, as a word diff of redacted texts.

    `coarse`: the text changed too much for a word-by-word comparison within its budget, so
    the segments are whole paragraphs (the screen says so).
    """

    field: str
    segments: tuple[textdiff.Segment, ...]
    coarse: bool = False


# A diff depends only on its inputs, which the key hashes, so it never goes stale; the timeout
# only lets the cache forget pairs nobody opens any more.
DIFF_CACHE_SECONDS = 7 * 24 * 3600
_DIFF_CACHE_FORMAT = 1


def _diff_key(
    *,
    proposal_id: int,
    number: int,
    version: int,
    inputs: Sequence[object],
) -> str:
    """(proposal, old version, new version) and a digest of every input of the comparison.

    The digest covers the old version's texts, the speakers it is redacted with and the text the
    reviewer sees now: a speaker who adds a name to their profile, or a phase that changes the
    text shown, makes a new key rather than serving a diff made before the change.
    """
    digest = hashlib.sha256(
        json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return f"reviews:diff:{_DIFF_CACHE_FORMAT}:{proposal_id}:{number}:{version}:{digest}"


def _diffs(
    *, old_texts: dict[str, str], speakers: Sequence[leaks.SpeakerIdentity], current: dict[str, str]
) -> tuple[FieldChange, ...]:
    out = []
    for field in proposal_text.FIELDS:
        # Both the redaction made when the version was saved (the speakers as they were then,
        # which catches a later rename) and today's speakers (which catches a name added to a
        # profile after the save): either alone can leave a name in the old text.
        before = leaks.redact_text(text=old_texts[field], speakers=speakers)
        diff = textdiff.word_diff(old=before, new=current.get(field, "") or "")
        if textdiff.changed(diff.segments):
            out.append(
                FieldChange(
                    field=field, segments=textdiff.collapse(diff.segments), coarse=diff.coarse
                )
            )
    return tuple(out)


def changes_since(
    *, proposal_id: int, number: int, version: int, current: dict[str, str]
) -> tuple[FieldChange, ...]:
    """What changed between version `number` and `current`, version `version` of the proposal
    as the reviewer sees it (redacted or not, as the policy says).

    Old versions are stored as the speaker typed them: they are redacted here, with the
    proposal's speakers, before anything is compared, so the diff never shows an identity.
    A co-speaker taken off the proposal since may be named in the old text: speakers whose
    removal the audit log recorded are redacted too.

    Redacting and comparing long texts is the expensive part of the screen, so the result is
    computed once per version pair and kept in the cache (no query: the budget stays the same).
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
        .order_by("pk")
        .values_list("name", "email", "affiliation", "links")
    ]
    stored = old.redacted or {}
    old_texts = {
        field: str(stored[field] or "") if field in stored else getattr(old, field) or ""
        for field in proposal_text.FIELDS
    }
    key = _diff_key(
        proposal_id=proposal_id,
        number=number,
        version=version,
        inputs=[
            old_texts,
            [[s.name, s.email, s.affiliation, list(s.links)] for s in speakers],
            {field: current.get(field, "") or "" for field in proposal_text.FIELDS},
        ],
    )
    kept = cache.get(key)
    if kept is not None:
        return tuple(
            FieldChange(
                field=field,
                segments=tuple(textdiff.Segment(op=op, text=text) for op, text in segments),
                coarse=coarse,
            )
            for field, coarse, segments in kept
        )
    changes = _diffs(old_texts=old_texts, speakers=speakers, current=current)
    cache.set(
        key,
        [[c.field, c.coarse, [[s.op, s.text] for s in c.segments]] for c in changes],
        DIFF_CACHE_SECONDS,
    )
    return changes
