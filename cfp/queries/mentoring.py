"""Mentoring (issue 25), the read side: a proposal's thread as its speakers and its mentor see
it, a mentor's list, and the chairs' overview (that a request exists and its state, no text).

Who may read what is the policy's (``cfp.domain.visibility``: ``Viewer.MENTOR`` and
``Part.DRAFT_TEXT``); these queries only ever load a thread for a speaker of the proposal or its
current mentor, and never load programme attributes or self-identification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cfp import models
from cfp.domain import markdown, visibility
from cfp.domain.findings import StoredFinding, parse_all
from cfp.domain.visibility import Part, Phase, Viewer
from cfp.queries import membership

# Audit actions written by ``cfp.services.mentoring`` and read back here.
REQUESTED_ACTION = "mentoring.requested"
MATCHED_ACTION = "mentoring.matched"
REMATCH_ACTION = "mentoring.another_mentor"
REPORTED_ACTION = "mentoring.reported"
SETTINGS_ACTION = "mentoring.settings"
VOLUNTEERED_ACTION = "mentoring.volunteered"
SUGGESTION_ACTION = "mentoring.suggestion_accepted"


@dataclass(frozen=True, slots=True)
class Post:
    author_name: str
    mine: bool
    body_html: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    author_name: str
    original: str
    replacement: str
    note: str
    state: str
    created_at: dt.datetime

    @property
    def is_open(self) -> bool:
        return self.state == models.SuggestionState.OPEN


@dataclass(frozen=True, slots=True)
class Thread:
    """One proposal's mentoring, for one of its speakers or its mentor."""

    proposal_id: int
    code: str
    title: str
    abstract: str
    description: str
    state: str
    speaker_names: tuple[str, ...]
    findings: tuple[StoredFinding, ...]
    requested: bool
    mentor_id: int | None
    mentor_name: str
    posts: tuple[Post, ...]
    suggestions: tuple[Suggestion, ...]
    is_owner: bool = False

    @property
    def is_draft(self) -> bool:
        return self.state == models.ProposalState.DRAFT

    @property
    def withdrawn(self) -> bool:
        return self.state == models.ProposalState.WITHDRAWN


def _name(first: str | None, username: str | None) -> str:
    return first or username or ""


def _posts(*, proposal_id: int, viewer_id: int) -> tuple[Post, ...]:
    rows = (
        models.MentoringPost.objects.filter(proposal_id=proposal_id)
        .order_by("created_at", "pk")
        .values_list("author_id", "author__first_name", "author__username", "body", "created_at")
    )
    return tuple(
        Post(
            author_name=_name(first, username),
            mine=author == viewer_id,
            body_html=markdown.render_markdown(text=body),
            created_at=at,
        )
        for author, first, username, body, at in rows
    )


def _suggestions(*, proposal_id: int) -> tuple[Suggestion, ...]:
    rows = (
        models.MentoringSuggestion.objects.filter(proposal_id=proposal_id)
        .order_by("-created_at", "-pk")
        .values_list(
            "pk",
            "author__first_name",
            "author__username",
            "original",
            "replacement",
            "note",
            "state",
            "created_at",
        )
    )
    return tuple(
        Suggestion(
            id=pk,
            author_name=_name(first, username),
            original=original,
            replacement=replacement,
            note=note,
            state=state,
            created_at=at,
        )
        for pk, first, username, original, replacement, note, state, at in rows
    )


def _thread(p: models.Proposal, *, viewer: Viewer, viewer_id: int, phase: Phase) -> Thread | None:
    if not visibility.sees(viewer=viewer, part=Part.DRAFT_TEXT, phase=phase):
        return None
    current = p.mentor_matches.filter(ended_at__isnull=True).select_related("mentor").first()
    names = (
        tuple(link.speaker.name for link in p.speaker_links.all())
        if visibility.sees(viewer=viewer, part=Part.SPEAKER_IDENTITY, phase=phase)
        else ()
    )
    findings = (
        parse_all(p.findings)
        if visibility.sees(viewer=viewer, part=Part.FINDING_TEXT, phase=phase)
        else ()
    )
    request = getattr(p, "mentoring_request", None)
    return Thread(
        proposal_id=p.pk,
        code=p.code,
        title=p.title,
        abstract=p.abstract,
        description=p.description,
        state=p.state,
        speaker_names=names,
        findings=findings,
        requested=request is not None and request.closed_at is None,
        mentor_id=current.mentor_id if current else None,
        mentor_name=_name(current.mentor.first_name, current.mentor.username) if current else "",
        posts=_posts(proposal_id=p.pk, viewer_id=viewer_id),
        suggestions=_suggestions(proposal_id=p.pk),
        is_owner=p.owner_id == viewer_id,
    )


def _with_speakers(rows: models.ProposalQuerySet) -> models.ProposalQuerySet:
    return rows.select_related("call", "mentoring_request").prefetch_related(
        "speaker_links__speaker"
    )


def speaker_thread(*, user_id: int, call_slug: str, code: str) -> Thread | None:
    """The mentoring of a proposal this person speaks on (owner or confirmed co-speaker)."""
    speaking = models.ProposalSpeaker.objects.filter(speaker__user_id=user_id)
    p = (
        _with_speakers(models.Proposal.objects.all())
        .filter(call__slug=call_slug, code=code, call__archived_at__isnull=True)
        .filter(Q(owner_id=user_id) | Q(pk__in=speaking.values("proposal_id")))
        .first()
    )
    if p is None:
        return None
    return _thread(p, viewer=Viewer.SPEAKER, viewer_id=user_id, phase=membership.phase_of(p.call))


def mentor_thread(*, mentor_id: int, call_id: int, code: str, phase: Phase) -> Thread | None:
    """The proposal ``code`` if ``mentor_id`` is its current mentor; None otherwise (404)."""
    current = models.MentorMatch.objects.filter(
        proposal_id=OuterRef("pk"), mentor_id=mentor_id, ended_at__isnull=True
    )
    p = (
        _with_speakers(models.Proposal.objects.all())
        .filter(Exists(current), call_id=call_id, code=code)
        .first()
    )
    if p is None:
        return None
    return _thread(p, viewer=Viewer.MENTOR, viewer_id=mentor_id, phase=phase)


@dataclass(frozen=True, slots=True)
class Mentee:
    code: str
    title: str
    state: str
    speaker_names: str
    posts: int
    open_suggestions: int


def mentees(*, mentor_id: int, call_id: int) -> tuple[Mentee, ...]:
    """The proposals this person mentors now in the call (two queries)."""
    current = models.MentorMatch.objects.filter(
        proposal_id=OuterRef("pk"), mentor_id=mentor_id, ended_at__isnull=True
    )
    rows = list(
        models.Proposal.objects.filter(Exists(current), call_id=call_id)
        .annotate(
            n_posts=Count("mentoring_posts", distinct=True),
            n_open=Count(
                "mentoring_suggestions",
                filter=Q(mentoring_suggestions__state=models.SuggestionState.OPEN),
                distinct=True,
            ),
        )
        .order_by("code")
        .values_list("pk", "code", "title", "state", "n_posts", "n_open")
    )
    names: dict[int, list[str]] = {}
    for pid, name in (
        models.ProposalSpeaker.objects.filter(proposal_id__in=[r[0] for r in rows])
        .order_by("proposal_id", "position", "pk")
        .values_list("proposal_id", "speaker__name")
    ):
        names.setdefault(pid, []).append(name)
    return tuple(
        Mentee(
            code=code,
            title=title,
            state=state,
            speaker_names=", ".join(names.get(pid, ())),
            posts=n_posts,
            open_suggestions=n_open,
        )
        for pid, code, title, state, n_posts, n_open in rows
    )


# --- the chairs' overview ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One request as chairs see it: no title, no text, no speaker (issue 25)."""

    code: str
    state: str
    track: str
    language: str
    asked_at: dt.datetime
    mentor_name: str
    matched_by_hand: bool
    earlier_mentors: int

    @property
    def matched(self) -> bool:
        return bool(self.mentor_name)


@dataclass(frozen=True, slots=True)
class MentorRow:
    id: int
    name: str
    load: int
    reviews_too: bool


@dataclass(frozen=True, slots=True)
class Report:
    code: str
    mentor_name: str
    text: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class MentoringStats:
    requests: int
    matched: int
    unmatched: int
    mentored_submitted: int
    drafts: int


@dataclass(frozen=True, slots=True)
class ChairMentoring:
    rows: tuple[RequestRow, ...]
    mentors: tuple[MentorRow, ...]
    reports: tuple[Report, ...]
    stats: MentoringStats
    reviewers_may_mentor: bool
    mentors_may_review: bool


def _count(rows: QuerySet[models.MentoringRequest]) -> Coalesce:
    return Coalesce(
        Subquery(
            rows.order_by().values("proposal__call_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def stats_annotations() -> dict[str, Coalesce]:
    """The mentoring counts as annotations on a ``Call`` queryset (``OuterRef("pk")`` is the
    call): open requests of proposals not withdrawn; of those, matched now, submitted after a
    mentor was matched (now or earlier), and still drafts.

    The one definition the chairs' mentoring page and the dashboard share: the dashboard adds
    these to a query it runs anyway, so showing them costs it no query (issue 25).
    """
    current = models.MentorMatch.objects.filter(
        proposal_id=OuterRef("proposal_id"), ended_at__isnull=True
    )
    ever = models.MentorMatch.objects.filter(proposal_id=OuterRef("proposal_id"))
    open_requests = models.MentoringRequest.objects.filter(
        proposal__call_id=OuterRef("pk"), closed_at__isnull=True
    ).exclude(proposal__state=models.ProposalState.WITHDRAWN)
    return {
        "mentoring_requests": _count(open_requests),
        "mentoring_matched": _count(open_requests.filter(Exists(current))),
        "mentoring_submitted": _count(
            open_requests.filter(Exists(ever)).filter(models.in_call("proposal__"))
        ),
        "mentoring_drafts": _count(
            open_requests.filter(proposal__state=models.ProposalState.DRAFT)
        ),
    }


def stats_of(values: Mapping[str, int]) -> MentoringStats:
    """``MentoringStats`` from a row annotated with ``stats_annotations``."""
    requests, matched = values["mentoring_requests"], values["mentoring_matched"]
    return MentoringStats(
        requests=requests,
        matched=matched,
        unmatched=requests - matched,
        mentored_submitted=values["mentoring_submitted"],
        drafts=values["mentoring_drafts"],
    )


def mentoring_stats(*, call_id: int) -> MentoringStats:
    """Requests, matches and mentored proposals submitted (one query)."""
    annotations = stats_annotations()
    row = (
        models.Call.objects.filter(pk=call_id).annotate(**annotations).values(*annotations).first()
    )
    return stats_of(row or dict.fromkeys(annotations, 0))


def chair_mentoring(*, call_id: int) -> ChairMentoring:
    """Every open request with its state, the mentors with their loads, and the reports."""
    call = models.Call.objects.values("reviewers_may_mentor", "mentors_may_review").get(pk=call_id)
    requests = (
        models.MentoringRequest.objects.filter(proposal__call_id=call_id, closed_at__isnull=True)
        .exclude(proposal__state=models.ProposalState.WITHDRAWN)
        .order_by("asked_at", "pk")
        .values_list(
            "proposal_id",
            "proposal__code",
            "proposal__state",
            "proposal__track__name",
            "proposal__language",
            "asked_at",
        )
    )
    matches: dict[int, list[tuple[int, str, bool, bool]]] = {}
    for pid, mentor_id, first, username, by, ended in (
        models.MentorMatch.objects.filter(proposal__call_id=call_id)
        .order_by("matched_at", "pk")
        .values_list(
            "proposal_id",
            "mentor_id",
            "mentor__first_name",
            "mentor__username",
            "matched_by_id",
            "ended_at",
        )
    ):
        matches.setdefault(pid, []).append(
            (mentor_id, _name(first, username), by is not None, ended is None)
        )
    rows = []
    for pid, code, state, track, language, asked_at in requests:
        history = matches.get(pid, [])
        current = next((m for m in history if m[3]), None)
        rows.append(
            RequestRow(
                code=code,
                state=state,
                track=track or "",
                language=language,
                asked_at=asked_at,
                mentor_name=current[1] if current else "",
                matched_by_hand=current[2] if current else False,
                earlier_mentors=sum(1 for m in history if not m[3]),
            )
        )
    return ChairMentoring(
        rows=tuple(rows),
        mentors=mentors(call_id=call_id),
        reports=_reports(call_id=call_id),
        stats=mentoring_stats(call_id=call_id),
        reviewers_may_mentor=call["reviewers_may_mentor"],
        mentors_may_review=call["mentors_may_review"],
    )


def mentors(*, call_id: int) -> tuple[MentorRow, ...]:
    """The call's active mentors with their current load, by name (two queries)."""
    reviewer = membership.members(
        role=models.Role.REVIEWER, call_id=call_id, user_id=OuterRef("pk")
    )
    users = (
        get_user_model()
        .objects.filter(
            pk__in=membership.member_user_ids(call_id=call_id, role=models.Role.MENTOR),
            is_active=True,
        )
        .annotate(reviews_too=Exists(reviewer))
        .order_by("first_name", "username", "pk")
        .values_list("pk", "first_name", "username", "reviews_too")
    )
    loads = dict(
        models.MentorMatch.objects.filter(proposal__call_id=call_id, ended_at__isnull=True)
        .order_by()
        .values_list("mentor_id")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "n")
    )
    return tuple(
        MentorRow(id=pk, name=_name(first, username), load=loads.get(pk, 0), reviews_too=rev)
        for pk, first, username, rev in users
    )


def _reports(*, call_id: int) -> tuple[Report, ...]:
    rows = (
        models.AuditEvent.objects.filter(call_id=call_id, action=REPORTED_ACTION)
        .order_by("-created_at", "-pk")
        .values_list("proposal__code", "data", "created_at")
    )
    return tuple(
        Report(
            code=code or "",
            mentor_name=str((data or {}).get("mentor_name", "")),
            text=str((data or {}).get("text", "")),
            created_at=at,
        )
        for code, data, at in rows
    )


def mentor_ids_of(*, proposal_id: int) -> frozenset[int]:
    """Everyone who mentors or mentored the proposal (they never review it)."""
    return frozenset(
        models.MentorMatch.objects.filter(proposal_id=proposal_id).values_list(
            "mentor_id", flat=True
        )
    )
