"""The read side of reviewing and curation. Returns frozen dataclasses, never ORM objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain import leaks
from reviews import filters, models
from reviews.domain import scoring, textdiff

# --- access ---------------------------------------------------------------------------------


# Reviewer and chair pages of this app call it by this name.
CallAccess = cfp_queries.CallMembership


def call_access(*, user_id: int, slug: str, role: str) -> CallAccess | None:
    return cfp_queries.call_membership(user_id=user_id, slug=slug, role=role)


# --- reviewer queue -------------------------------------------------------------------------


class QueueStatus:
    TODO = "todo"
    DONE = "done"
    ABSTAINED = "abstained"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class QueueRow:
    code: str
    title: str
    format_name: str
    track_name: str
    language: str
    level: str
    status: str
    score: float | None


@dataclass(frozen=True, slots=True)
class Queue:
    rows: tuple[QueueRow, ...]
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _assigned(*, call_id: int, reviewer_id: int) -> QuerySet[models.Assignment]:
    my_review = models.Review.objects.filter(
        proposal_id=OuterRef("proposal_id"), reviewer_id=reviewer_id
    )
    return (
        models.Assignment.objects.filter(
            reviewer_id=reviewer_id,
            proposal__call_id=call_id,
            proposal__state=cfp_models.ProposalState.SUBMITTED,
        )
        .select_related("proposal__format", "proposal__track")
        .annotate(
            review_version=Subquery(my_review.values("proposal_version")[:1]),
            review_abstained=Subquery(my_review.values("abstained")[:1]),
            review_score=Subquery(my_review.values("score")[:1]),
        )
    )


def _status(a: models.Assignment) -> str:
    version = getattr(a, "review_version", None)
    if version is None:
        return QueueStatus.TODO
    if getattr(a, "review_abstained", False):
        return QueueStatus.ABSTAINED
    if version < a.proposal.version:
        return QueueStatus.CHANGED
    return QueueStatus.DONE


# --- scoring screen -------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class ScoringTarget:
    """What the reviewer may see of a proposal: redacted text only, never speaker data."""

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


def scoring_target(*, call_id: int, reviewer_id: int, code: str) -> ScoringTarget | None:
    a = (
        models.Assignment.objects.filter(
            reviewer_id=reviewer_id,
            proposal__code=code,
            proposal__call_id=call_id,
            proposal__state=cfp_models.ProposalState.SUBMITTED,
        )
        .select_related("proposal__format", "proposal__track")
        .first()
    )
    if a is None:
        return None
    p = a.proposal
    red = p.redacted or {}
    return ScoringTarget(
        proposal_id=p.pk,
        code=p.code,
        version=p.version,
        title=red.get("title", ""),
        abstract=red.get("abstract", ""),
        description=red.get("description", ""),
        notes=red.get("notes", ""),
        format_name=p.format.name,
        track_name=p.track.name if p.track else "",
        language=p.language,
        level=p.level,
    )


@dataclass(frozen=True, slots=True)
class ScoreTarget:
    """The least a save needs: found in one query joining role, assignment and proposal."""

    call_id: int
    proposal_id: int
    version: int


def score_target(*, slug: str, reviewer_id: int, code: str) -> ScoreTarget | None:
    is_reviewer = cfp_models.Membership.objects.filter(
        call_id=OuterRef("proposal__call_id"),
        user_id=reviewer_id,
        role=cfp_models.Role.REVIEWER,
    )
    row = (
        models.Assignment.objects.filter(
            reviewer_id=reviewer_id,
            proposal__code=code,
            proposal__call__slug=slug,
            proposal__call__archived_at__isnull=True,
            proposal__state=cfp_models.ProposalState.SUBMITTED,
        )
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


def criteria(*, call_id: int) -> tuple[cfp_queries.CriterionRow, ...]:
    return tuple(
        cfp_queries.CriterionRow(
            slug=c.slug,
            name=c.name,
            guidance=c.guidance,
            minimum=c.minimum,
            maximum=c.maximum,
            weight=c.weight,
        )
        for c in cfp_models.Criterion.objects.filter(call_id=call_id)
    )


def scoring_criteria(*, call_id: int) -> tuple[scoring.Criterion, ...]:
    return tuple(
        scoring.Criterion(
            slug=c.slug, weight=c.weight, minimum=float(c.minimum), maximum=float(c.maximum)
        )
        for c in criteria(call_id=call_id)
    )


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
class VersionText:
    number: int
    title: str
    abstract: str
    description: str
    notes: str


def version_text(*, proposal_id: int, number: int) -> VersionText | None:
    """An older version's text, for "what changed since my review" (raw: caller redacts)."""
    v = cfp_models.ProposalVersion.objects.filter(proposal_id=proposal_id, number=number).first()
    if v is None:
        return None
    return VersionText(
        number=v.number,
        title=v.title,
        abstract=v.abstract,
        description=v.description,
        notes=v.notes,
    )


# --- aggregation snapshot -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    state: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    inputs_until: dt.datetime | None
    error: str
    alpha: float | None
    # The dashboard's progress counts as this run read them ({} for older runs).
    progress: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SnapshotState:
    current: RunInfo | None
    latest: RunInfo | None
    stale: bool
    busy: bool
    # The newest change to a review and to a proposal of the call (None: none yet).
    newest_review: dt.datetime | None = None
    newest_proposal: dt.datetime | None = None

    def stored_progress(self, *, now: dt.datetime, max_lag: dt.timedelta) -> Mapping[str, Any]:
        """The current snapshot's progress counts if they may stand for the live ones, else {}.

        They may when nothing changed since they were counted, or, while a recomputation is
        on its way (a save requested one), when they are at most ``max_lag`` old: the dashboard
        then shows them "as of" their time instead of counting every review on every view.
        Changes nobody asked to recompute for (data written by other means) need live counts.
        """
        progress = self.current.progress if self.current else {}
        if not progress or "at" not in progress:
            return {}
        at = dt.datetime.fromisoformat(progress["at"])
        changed = any(t is not None and t > at for t in (self.newest_review, self.newest_proposal))
        if not changed and not self.busy:
            return progress
        if self.busy and now - at <= max_lag:
            return progress
        return {}


def _run_info(r: models.AggregationRun | None) -> RunInfo | None:
    if r is None:
        return None
    return RunInfo(
        id=r.pk,
        state=r.state,
        requested_at=r.requested_at,
        finished_at=r.finished_at,
        inputs_until=r.inputs_until,
        error=r.error,
        alpha=r.alpha,
        progress=r.progress or {},
    )


def snapshot_state(*, call_id: int) -> SnapshotState:
    runs = list(models.AggregationRun.objects.filter(call_id=call_id).order_by("-id")[:20])
    current = next((r for r in runs if r.state == models.RunState.DONE), None)
    latest = runs[0] if runs else None
    # One query for both: the newest review and the newest proposal change of the call.
    newest_review, newest_proposal = (
        cfp_models.Call.objects.filter(pk=call_id)
        .annotate(
            r=Subquery(
                models.Review.objects.filter(call_id=OuterRef("pk"))
                .order_by("-updated_at")
                .values("updated_at")[:1]
            ),
            p=Subquery(
                cfp_models.Proposal.objects.filter(call_id=OuterRef("pk"))
                .order_by("-updated_at")
                .values("updated_at")[:1]
            ),
        )
        .values_list("r", "p")
        .first()
    ) or (None, None)
    stale = newest_review is not None and (
        current is None or current.inputs_until is None or newest_review > current.inputs_until
    )
    busy = any(r.state in (models.RunState.PENDING, models.RunState.RUNNING) for r in runs)
    return SnapshotState(
        current=_run_info(current),
        latest=_run_info(latest),
        stale=stale,
        busy=busy,
        newest_review=newest_review,
        newest_proposal=newest_proposal,
    )


def current_run_id(*, call_id: int) -> int | None:
    return (
        models.AggregationRun.objects.filter(call_id=call_id, state=models.RunState.DONE)
        .order_by("-finished_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )


@dataclass(frozen=True, slots=True)
class RankedRow:
    code: str
    external_id: str
    title: str
    format_name: str
    track_name: str
    language: str
    level: str
    decision: str
    review_count: int
    mean: float | None
    median: float | None
    calibrated: float | None
    low: float | None
    high: float | None
    rank: int | None
    p_in_slots: float | None
    flags: tuple[str, ...]


def ranked_queryset(*, call_id: int, run_id: int | None) -> QuerySet[cfp_models.Proposal]:
    score = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk"))
    decision = models.Decision.objects.filter(proposal_id=OuterRef("pk"))
    return (
        cfp_models.Proposal.objects.filter(
            call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
        )
        .select_related("format", "track")
        .annotate(
            s_count=Subquery(score.values("review_count")[:1]),
            s_mean=Subquery(score.values("mean")[:1]),
            s_median=Subquery(score.values("median")[:1]),
            s_cal=Subquery(score.values("calibrated")[:1]),
            s_low=Subquery(score.values("low")[:1]),
            s_high=Subquery(score.values("high")[:1]),
            s_rank=Subquery(score.values("rank")[:1]),
            s_p=Subquery(score.values("p_in_slots")[:1]),
            s_flags=Subquery(score.values("flags")[:1]),
            d_status=Subquery(decision.values("status")[:1]),
        )
        .order_by(F("s_rank").asc(nulls_last=True), "code")
    )


def _ranked_row(p: cfp_models.Proposal, *, blind: bool) -> RankedRow:
    flags = getattr(p, "s_flags", None) or []
    if isinstance(flags, str):  # SQLite returns JSON from a subquery as text
        import json

        flags = json.loads(flags)
    return RankedRow(
        code=p.code,
        external_id=p.external_id or "",
        title=(p.redacted or {}).get("title", "") if blind else p.title,
        format_name=p.format.name,
        track_name=p.track.name if p.track else "",
        language=p.language,
        level=p.level,
        decision=getattr(p, "d_status", None) or models.DecisionStatus.UNDECIDED,
        review_count=getattr(p, "s_count", None) or 0,
        mean=getattr(p, "s_mean", None),
        median=getattr(p, "s_median", None),
        calibrated=getattr(p, "s_cal", None),
        low=getattr(p, "s_low", None),
        high=getattr(p, "s_high", None),
        rank=getattr(p, "s_rank", None),
        p_in_slots=getattr(p, "s_p", None),
        flags=tuple(flags),
    )


def ranking(
    *, call_id: int, blind: bool, offset: int = 0, limit: int = 50
) -> tuple[tuple[RankedRow, ...], int]:
    run_id = current_run_id(call_id=call_id)
    qs = ranked_queryset(call_id=call_id, run_id=run_id)
    total = qs.count()
    rows = tuple(_ranked_row(p, blind=blind) for p in qs[offset : offset + limit])
    return rows, total


def iter_ranking(*, call_id: int, blind: bool) -> Iterator[RankedRow]:
    """Every ranked proposal, streamed in chunks for exports."""
    run_id = current_run_id(call_id=call_id)
    for p in ranked_queryset(call_id=call_id, run_id=run_id).iterator(chunk_size=2000):
        yield _ranked_row(p, blind=blind)


@dataclass(frozen=True, slots=True)
class ChairStats:
    proposals: int
    withdrawn: int
    reviews_done: int
    reviews_required: int
    reviewers: int


def chair_stats(*, call_id: int, reviews_per_proposal: int) -> ChairStats:
    counts = cfp_models.Proposal.objects.filter(call_id=call_id).aggregate(
        live=_count(Q(state=cfp_models.ProposalState.SUBMITTED)),
        withdrawn=_count(Q(state=cfp_models.ProposalState.WITHDRAWN)),
    )
    done = models.Review.objects.filter(
        call_id=call_id, proposal__state=cfp_models.ProposalState.SUBMITTED
    ).count()
    reviewers = cfp_models.Membership.objects.filter(
        call_id=call_id, role=cfp_models.Role.REVIEWER
    ).count()
    return ChairStats(
        proposals=counts["live"] or 0,
        withdrawn=counts["withdrawn"] or 0,
        reviews_done=done,
        reviews_required=(counts["live"] or 0) * reviews_per_proposal,
        reviewers=reviewers,
    )


def _count(condition: Q) -> object:
    from django.db.models import Count

    return Count("id", filter=condition)


def call_id_for_slug(*, slug: str) -> int | None:
    return cfp_models.Call.objects.filter(slug=slug).values_list("pk", flat=True).first()


# --- reviewer side: filtered queue, changes since my review, reviewers and invitations -------

QUEUE_FIELD_NAMES = ("track", "format", "language", "status", "ordering")
QUEUE_COLUMNS = (
    "proposal__code",
    "proposal__version",
    "proposal__language",
    "proposal__level",
    "proposal__format__name",
    "proposal__track__name",
)


def reviewer_queue(
    *,
    call_id: int,
    reviewer_id: int,
    track: str = "",
    format: str = "",
    language: str = "",
    status: str = "",
    ordering: str = "",
) -> Queue:
    """The reviewer's assigned proposals under the queue's filters and ordering.

    Without an ordering, proposals that need work come first. The progress counts ignore the
    filters: they describe the whole queue.
    """
    # Only the columns a row shows: the texts (abstract, description, redacted copies) would be
    # read and thrown away for every one of a reviewer's forty or more proposals.
    qs = (
        _assigned(call_id=call_id, reviewer_id=reviewer_id)
        .annotate(r_title=KeyTextTransform("title", "proposal__redacted"))
        .only(*QUEUE_COLUMNS)
    )
    data = {"track": track, "format": format, "language": language, "ordering": ordering}
    filtered = filters.QueueFilter(data, queryset=qs).qs
    if not ordering:
        filtered = filtered.order_by("proposal__submitted_at", "proposal__code")
    assignments = list(filtered)
    if track or format or language:
        everything = [
            _status(a)
            for a in _assigned(call_id=call_id, reviewer_id=reviewer_id).only(
                "proposal__version", "proposal__format", "proposal__track"
            )
        ]
    else:
        everything = [_status(a) for a in assignments]
    rows = [
        QueueRow(
            code=a.proposal.code,
            title=getattr(a, "r_title", "") or "",
            format_name=a.proposal.format.name,
            track_name=a.proposal.track.name if a.proposal.track else "",
            language=a.proposal.language,
            level=a.proposal.level,
            status=_status(a),
            score=getattr(a, "review_score", None),
        )
        for a in assignments
    ]
    if not ordering:
        order = {QueueStatus.TODO: 0, QueueStatus.CHANGED: 1, QueueStatus.ABSTAINED: 2}
        rows.sort(key=lambda r: order.get(r.status, 3))
    if status:
        rows = [r for r in rows if r.status == status]
    finished = (QueueStatus.DONE, QueueStatus.ABSTAINED)
    return Queue(
        rows=tuple(rows),
        done=sum(1 for s in everything if s in finished),
        total=len(everything),
    )


def next_in_queue(*, queue: Queue, after_code: str, status: str = "") -> str | None:
    """The proposal after `after_code` in the queue as filtered and ordered, wrapping round.

    Only proposals that still need work count, unless the reviewer is walking through the ones
    they finished (a "done" or "abstained" filter).
    """
    rows = list(queue.rows)
    index = next((i for i, r in enumerate(rows) if r.code == after_code), -1)
    ordered = rows[index + 1 :] + rows[:index] if index >= 0 else rows
    if status not in (QueueStatus.DONE, QueueStatus.ABSTAINED):
        ordered = [r for r in ordered if r.status in (QueueStatus.TODO, QueueStatus.CHANGED)]
    return ordered[0].code if ordered else None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One reviewer-visible field that changed, as a word diff of redacted texts."""

    field: str
    segments: tuple[textdiff.Segment, ...]


REDACTED_FIELDS = ("title", "abstract", "description", "notes")


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
    for field in REDACTED_FIELDS:
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


@dataclass(frozen=True, slots=True)
class InvitationRow:
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    expired: bool


def _count_of(qs: QuerySet[Any], column: str) -> Any:
    return Coalesce(Subquery(qs.values(column).annotate(n=Count("pk")).values("n")[:1]), 0)


def call_reviewers(*, call_id: int) -> tuple[ReviewerRow, ...]:
    """The call's reviewers with what they told us and their assigned and finished counts."""
    live = cfp_models.ProposalState.SUBMITTED
    assigned = models.Assignment.objects.filter(
        reviewer_id=OuterRef("user_id"), proposal__call_id=call_id, proposal__state=live
    )
    done = models.Review.objects.filter(
        reviewer_id=OuterRef("user_id"), call_id=call_id, proposal__state=live
    )
    rows = list(
        cfp_models.Membership.objects.filter(call_id=call_id, role=cfp_models.Role.REVIEWER)
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


def open_invitations(
    *, call_id: int, now: dt.datetime, limit: int = 200
) -> tuple[InvitationRow, ...]:
    """Invitations nobody accepted yet, newest first; expired ones stay listed, marked."""
    return tuple(
        InvitationRow(
            email=email, created_at=created_at, expires_at=expires_at, expired=expires_at <= now
        )
        for email, created_at, expires_at in models.Invitation.objects.filter(
            call_id=call_id, accepted_at__isnull=True
        )
        .order_by("-created_at", "-id")
        .values_list("email", "created_at", "expires_at")[:limit]
    )


class InvitationStatus:
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True, slots=True)
class InvitationState:
    """What an invitation link leads to. The token itself is never read back."""

    call_slug: str
    call_name: str
    status: str
    accepted_by_id: int | None
    languages: tuple[str, ...]
    tracks: tuple[tuple[str, str], ...]


def invitation_state(*, slug: str, token_hash: str, now: dt.datetime) -> InvitationState | None:
    inv = (
        models.Invitation.objects.filter(
            call__slug=slug, call__archived_at__isnull=True, token_hash=token_hash
        )
        .select_related("call")
        .first()
    )
    if inv is None:
        return None
    if inv.accepted_at is not None:
        status = InvitationStatus.USED
    elif inv.expires_at <= now:
        status = InvitationStatus.EXPIRED
    else:
        status = InvitationStatus.VALID
    return InvitationState(
        call_slug=inv.call.slug,
        call_name=inv.call.name,
        status=status,
        accepted_by_id=inv.accepted_by_id,
        languages=tuple(inv.call.languages or ()),
        tracks=tuple(
            cfp_models.Track.objects.filter(call_id=inv.call_id).values_list("slug", "name")
        ),
    )
