"""The read side of calls and proposals. Returns frozen dataclasses, never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from cfp import models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from cfp.queries.membership import (
    CallMembership,
    CallRoleRef,
    call_membership,
    call_phase,
    member_user_ids,
    members,
    phase_of,
    roles_by_call,
    viewer_for,
)

# Re-exported for the other apps and the access decorator (the package is being split).
__all__ = [
    "CallMembership",
    "CallRoleRef",
    "call_membership",
    "call_phase",
    "member_user_ids",
    "members",
    "phase_of",
    "roles_by_call",
    "viewer_for",
]


@dataclass(frozen=True, slots=True)
class Person:
    """The current person, as templates and access checks see them."""

    is_authenticated: bool
    id: int | None = None
    username: str = ""
    display_name: str = ""
    is_staff: bool = False
    calls: tuple[CallRoleRef, ...] = ()

    def roles_in(self, slug: str) -> frozenset[str]:
        for call in self.calls:
            if call.slug == slug:
                return call.roles
        return frozenset()

    @property
    def chairs(self) -> tuple[CallRoleRef, ...]:
        return tuple(c for c in self.calls if models.Role.CHAIR in c.roles)

    @property
    def reviews(self) -> tuple[CallRoleRef, ...]:
        return tuple(c for c in self.calls if models.Role.REVIEWER in c.roles)


ANONYMOUS = Person(is_authenticated=False)


def person(*, user_id: int | None, username: str, first_name: str, is_staff: bool) -> Person:
    if user_id is None:
        return ANONYMOUS
    return Person(
        is_authenticated=True,
        id=user_id,
        username=username,
        display_name=first_name or username,
        is_staff=is_staff,
        calls=roles_by_call(user_id=user_id),
    )


@dataclass(frozen=True, slots=True)
class FormatRow:
    slug: str
    name: str
    duration_minutes: int
    slots: int


@dataclass(frozen=True, slots=True)
class CriterionRow:
    slug: str
    name: str
    guidance: str
    minimum: int
    maximum: int
    weight: float

    @property
    def choices(self) -> tuple[int, ...]:
        return tuple(range(self.minimum, self.maximum + 1))


@dataclass(frozen=True, slots=True)
class CallSummary:
    id: int
    slug: str
    name: str
    description: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    review_deadline_at: dt.datetime | None
    reviews_per_proposal: int
    phase: Phase
    languages: tuple[str, ...]
    timezone: str = "UTC"
    formats: tuple[FormatRow, ...] = ()
    tracks: tuple[tuple[str, str], ...] = ()
    criteria: tuple[CriterionRow, ...] = ()

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _summary(call: models.Call, *, full: bool) -> CallSummary:
    return CallSummary(
        id=call.pk,
        slug=call.slug,
        name=call.name,
        description=call.description,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        review_deadline_at=call.review_deadline_at,
        reviews_per_proposal=call.reviews_per_proposal,
        phase=phase_of(call),
        languages=tuple(call.languages or ()),
        timezone=call.timezone,
        formats=tuple(
            FormatRow(slug=f.slug, name=f.name, duration_minutes=f.duration_minutes, slots=f.slots)
            for f in call.formats.all()
        )
        if full
        else (),
        tracks=tuple((t.slug, t.name) for t in call.tracks.all()) if full else (),
        criteria=tuple(
            CriterionRow(
                slug=c.slug,
                name=c.name,
                guidance=c.guidance,
                minimum=c.minimum,
                maximum=c.maximum,
                weight=c.weight,
            )
            for c in call.criteria.all()
        )
        if full
        else (),
    )


def listed_calls(*, now: dt.datetime) -> tuple[CallSummary, ...]:
    """Calls open now or opening soon, for the home page."""
    rows = models.Call.objects.filter(archived_at__isnull=True, closes_at__gt=now).order_by(
        "closes_at"
    )
    return tuple(_summary(c, full=False) for c in rows)


def call_summary(*, slug: str) -> CallSummary | None:
    call = (
        models.Call.objects.filter(slug=slug, archived_at__isnull=True)
        .prefetch_related("formats", "tracks", "criteria")
        .first()
    )
    return _summary(call, full=True) if call else None


@dataclass(frozen=True, slots=True)
class SpeakerRow:
    name: str
    email: str
    bio: str
    affiliation: str
    links: tuple[str, ...]
    first_time: bool | None
    english_additional: bool | None
    wants_mentor: bool | None
    region: str
    confirmed: bool
    link_id: int = 0
    is_owner: bool = False


@dataclass(frozen=True, slots=True)
class ProposalRow:
    code: str
    title: str
    state: str
    format_name: str
    track_name: str
    language: str
    level: str
    submitted_at: dt.datetime
    updated_at: dt.datetime
    decision: str = ""


@dataclass(frozen=True, slots=True)
class ProposalDetail:
    code: str
    external_id: str
    call_slug: str
    title: str
    abstract: str
    description: str
    notes: str
    state: str
    format_slug: str
    format_name: str
    track_slug: str
    track_name: str
    language: str
    level: str
    version: int
    submitted_at: dt.datetime
    updated_at: dt.datetime
    reopened_until: dt.datetime | None
    redacted: dict[str, str] = field(default_factory=dict)
    findings: tuple[dict[str, object], ...] = ()
    speakers: tuple[SpeakerRow, ...] = ()
    id: int = 0
    is_owner: bool = False
    published_decision: str = ""
    published_feedback: tuple[str, ...] = ()
    decision_sent_at: dt.datetime | None = None

    @property
    def decision_published(self) -> bool:
        return self.decision_sent_at is not None and bool(self.published_decision)


def _proposal_row(p: models.Proposal) -> ProposalRow:
    return ProposalRow(
        code=p.code,
        title=p.title,
        state=p.state,
        format_name=p.format.name,
        track_name=p.track.name if p.track else "",
        language=p.language,
        level=p.level,
        submitted_at=p.submitted_at,
        updated_at=p.updated_at,
        decision=p.published_decision if p.decision_sent_at else "",
    )


def my_proposals(*, user_id: int, call_slug: str) -> tuple[ProposalRow, ...]:
    rows = (
        models.Proposal.objects.filter(call__slug=call_slug)
        .filter(Q(owner_id=user_id) | Q(speaker_links__speaker__user_id=user_id))
        .select_related("format", "track")
        .distinct()
        .order_by("-submitted_at")
    )
    return tuple(_proposal_row(p) for p in rows)


def _speaker_rows(p: models.Proposal) -> tuple[SpeakerRow, ...]:
    return tuple(
        SpeakerRow(
            name=link.speaker.name,
            email=link.speaker.email,
            bio=link.speaker.bio,
            affiliation=link.speaker.affiliation,
            links=tuple(link.speaker.links or ()),
            first_time=None
            if link.speaker.spoken_before is None
            else not link.speaker.spoken_before,
            english_additional=link.speaker.english_additional,
            wants_mentor=link.speaker.wants_mentor,
            region=link.speaker.region,
            confirmed=link.confirmed_at is not None,
            link_id=link.pk,
            is_owner=p.owner_id is not None and link.speaker.user_id == p.owner_id,
        )
        for link in p.speaker_links.all()
    )


def proposal_detail(
    p: models.Proposal, *, with_speakers: bool, viewer_id: int | None = None
) -> ProposalDetail:
    return ProposalDetail(
        code=p.code,
        external_id=p.external_id or "",
        call_slug=p.call.slug,
        title=p.title,
        abstract=p.abstract,
        description=p.description,
        notes=p.notes,
        state=p.state,
        format_slug=p.format.slug,
        format_name=p.format.name,
        track_slug=p.track.slug if p.track else "",
        track_name=p.track.name if p.track else "",
        language=p.language,
        level=p.level,
        version=p.version,
        submitted_at=p.submitted_at,
        updated_at=p.updated_at,
        reopened_until=p.reopened_until,
        redacted=dict(p.redacted or {}),
        findings=tuple(p.findings or ()),
        speakers=_speaker_rows(p) if with_speakers else (),
        id=p.pk,
        is_owner=viewer_id is not None and p.owner_id == viewer_id,
        published_decision=p.published_decision,
        published_feedback=tuple(str(f) for f in p.published_feedback or ()),
        decision_sent_at=p.decision_sent_at,
    )


def owned_proposal(*, user_id: int, call_slug: str, code: str) -> ProposalDetail | None:
    """The proposal if this person owns it or speaks on it; None otherwise (so views 404)."""
    speaking = models.ProposalSpeaker.objects.filter(speaker__user_id=user_id)
    p = (
        models.Proposal.objects.filter(call__slug=call_slug, code=code)
        .filter(Q(owner_id=user_id) | Q(pk__in=speaking.values("proposal_id")))
        .select_related("call", "format", "track")
        .prefetch_related("speaker_links__speaker")
        .first()
    )
    return proposal_detail(p, with_speakers=True, viewer_id=user_id) if p else None


@dataclass(frozen=True, slots=True)
class SpeakerProfile:
    name: str
    email: str
    bio: str
    affiliation: str
    links: tuple[str, ...]
    region: str
    spoken_before: bool | None
    english_additional: bool | None
    wants_mentor: bool | None


def speaker_profile(*, user_id: int) -> SpeakerProfile | None:
    s = models.Speaker.objects.filter(user_id=user_id).first()
    if s is None:
        return None
    return SpeakerProfile(
        name=s.name,
        email=s.email,
        bio=s.bio,
        affiliation=s.affiliation,
        links=tuple(s.links or ()),
        region=s.region,
        spoken_before=s.spoken_before,
        english_additional=s.english_additional,
        wants_mentor=s.wants_mentor,
    )


# --- the call's own questions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question as the submission form and the settings page need it."""

    id: int
    label: str
    help_text: str
    kind: str
    choices: tuple[str, ...]
    target: str
    required: bool
    visibility: str
    position: int

    @property
    def per_speaker(self) -> bool:
        return self.target == models.QuestionTarget.SPEAKER

    @property
    def for_reviewers(self) -> bool:
        return self.visibility == models.QuestionVisibility.REVIEWERS

    @property
    def kind_label(self) -> str:
        return str(models.QuestionKind(self.kind).label)

    @property
    def target_label(self) -> str:
        return str(models.QuestionTarget(self.target).label)

    @property
    def visibility_label(self) -> str:
        return str(models.QuestionVisibility(self.visibility).label)


def _question_row(q: models.Question) -> QuestionRow:
    return QuestionRow(
        id=q.pk,
        label=q.label,
        help_text=q.help_text,
        kind=q.kind,
        choices=tuple(str(c) for c in q.choices or ()),
        target=q.target,
        required=q.required,
        visibility=q.visibility,
        position=q.position,
    )


def call_questions(*, call_slug: str) -> tuple[QuestionRow, ...]:
    rows = models.Question.objects.filter(call__slug=call_slug, call__archived_at__isnull=True)
    return tuple(_question_row(q) for q in rows.order_by("position", "id"))


def my_answers(*, proposal_id: int, user_id: int) -> dict[int, object]:
    """This person's answers on a proposal: the per-proposal ones and their own per-speaker ones."""
    rows = models.Answer.objects.filter(proposal_id=proposal_id).filter(
        Q(speaker__isnull=True) | Q(speaker__user_id=user_id)
    )
    return dict(rows.values_list("question_id", "value"))


@dataclass(frozen=True, slots=True)
class ReviewerAnswer:
    label: str
    text: str
    speaker_number: int | None = None


def reviewer_questions(*, call_id: int) -> tuple[QuestionRow, ...]:
    """The questions whose (redacted) answers reviewers may read, in form order."""
    rows = models.Question.objects.filter(
        call_id=call_id, visibility=models.QuestionVisibility.REVIEWERS
    ).order_by("position", "id")
    return tuple(_question_row(q) for q in rows)


def reviewer_answers(
    *, redacted: dict[str, str], questions: tuple[QuestionRow, ...]
) -> tuple[ReviewerAnswer, ...]:
    """The answers a reviewer may read, from ``Proposal.redacted`` (no query).

    ``questions`` comes from :func:`reviewer_questions`; keys are ``q:<id>`` or
    ``q:<id>:<speaker number>`` (see ``services.answer_key``).
    """
    out: list[ReviewerAnswer] = []
    for q in questions:
        prefix = f"q:{q.id}"
        if redacted.get(prefix):
            out.append(ReviewerAnswer(label=q.label, text=redacted[prefix]))
        numbered = sorted(
            (int(key.rsplit(":", 1)[1]), text)
            for key, text in redacted.items()
            if key.startswith(prefix + ":") and key.rsplit(":", 1)[1].isdigit() and text
        )
        out.extend(ReviewerAnswer(label=q.label, text=t, speaker_number=n) for n, t in numbered)
    return tuple(out)


def field_labels(questions: tuple[QuestionRow, ...]) -> dict[str, str]:
    """What to call a findings ``field`` key when showing it to a person."""
    from django.utils.translation import gettext as _

    # Lower case: the label completes a sentence such as "“Ada” in abstract".
    labels = {
        "title": _("title"),
        "abstract": _("abstract"),
        "description": _("description"),
        "notes": _("notes"),
    }
    for q in questions:
        labels[f"q:{q.id}"] = q.label
    return labels


def field_label(labels: dict[str, str], key: str) -> str:
    if key in labels:
        return labels[key]
    base, _sep, number = key.rpartition(":")
    if base in labels and number.isdigit():
        return f"{labels[base]} ({number})"
    return key


# --- accounts -----------------------------------------------------------------------------------


def is_pending_account(user: Any) -> bool:
    """Nobody has confirmed this account: the owner of its address may claim it.

    An inactive account that has logged in before was deactivated on purpose, and staff
    accounts are made by the operators: neither is ever reopened by a sign-up or a reset.
    """
    return not (user.is_active or user.last_login or user.is_staff or user.is_superuser)


@dataclass(frozen=True, slots=True)
class ConfirmationLink:
    """What the address-confirmation page shows about its link (no user id)."""

    email: str
    name: str
    used: bool
    expires_at: dt.datetime


def confirmation_link_of(row: models.EmailVerification) -> ConfirmationLink:
    user: Any = row.user
    return ConfirmationLink(
        email=user.email,
        name=user.first_name,
        used=row.used_at is not None or not is_pending_account(user),
        expires_at=row.expires_at,
    )


def confirmation_link(*, token_hash: str) -> ConfirmationLink | None:
    row = (
        models.EmailVerification.objects.select_related("user")
        .filter(token_hash=token_hash)
        .first()
    )
    return None if row is None else confirmation_link_of(row)


# --- co-speakers --------------------------------------------------------------------------------


class InviteState:
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"


def invite_state(invite: models.CoSpeakerInvite, now: dt.datetime) -> str:
    if invite.accepted_at is not None:
        return InviteState.ACCEPTED
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if now >= invite.expires_at:
        return InviteState.EXPIRED
    return InviteState.PENDING


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    state: str


def proposal_invites(*, proposal_id: int, now: dt.datetime) -> tuple[InviteRow, ...]:
    """Invitations that have not been used: waiting, expired or withdrawn (newest first)."""
    rows = models.CoSpeakerInvite.objects.filter(
        proposal_id=proposal_id, accepted_at__isnull=True
    ).order_by("-created_at", "-id")[:20]
    return tuple(
        InviteRow(
            id=i.pk,
            email=i.email,
            created_at=i.created_at,
            expires_at=i.expires_at,
            state=invite_state(i, now),
        )
        for i in rows
    )


@dataclass(frozen=True, slots=True)
class InvitePreview:
    """What the person who opens an invitation link sees before confirming."""

    call_slug: str
    call_name: str
    timezone: str
    code: str
    title: str
    inviter: str
    state: str
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    accepted_by_viewer: bool


def invite_preview(
    *, call_slug: str, token_hash: str, viewer_id: int, now: dt.datetime
) -> InvitePreview | None:
    invite = (
        models.CoSpeakerInvite.objects.filter(
            token_hash=token_hash,
            proposal__call__slug=call_slug,
            proposal__call__archived_at__isnull=True,
        )
        .select_related("proposal__call", "invited_by")
        .first()
    )
    if invite is None:
        return None
    inviter = invite.invited_by
    return InvitePreview(
        call_slug=invite.proposal.call.slug,
        call_name=invite.proposal.call.name,
        timezone=invite.proposal.call.timezone,
        code=invite.proposal.code,
        title=invite.proposal.title,
        inviter=(inviter.first_name or inviter.get_username()) if inviter else "",
        state=invite_state(invite, now),
        expires_at=invite.expires_at,
        accepted_at=invite.accepted_at,
        accepted_by_viewer=invite.accepted_by_id == viewer_id,
    )


# --- chairs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormatSetting:
    id: int
    slug: str
    name: str
    duration_minutes: int
    slots: int
    proposals: int


@dataclass(frozen=True, slots=True)
class TrackSetting:
    id: int
    slug: str
    name: str
    proposals: int


@dataclass(frozen=True, slots=True)
class CriterionSetting:
    id: int
    slug: str
    name: str
    guidance: str
    minimum: int
    maximum: int
    weight: float
    position: int


@dataclass(frozen=True, slots=True)
class QuestionSetting:
    question: QuestionRow
    answers: int


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
    languages: tuple[str, ...]
    reviews_per_proposal: int
    phase: Phase
    formats: tuple[FormatSetting, ...]
    tracks: tuple[TrackSetting, ...]
    criteria: tuple[CriterionSetting, ...]
    questions: tuple[QuestionSetting, ...]


def call_settings(*, call_id: int) -> CallSettings:
    """Everything the settings page shows, in five queries whatever the number of rows."""
    from django.db.models import Count, Prefetch

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
            Prefetch("criteria", queryset=models.Criterion.objects.order_by("position", "slug")),
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
        languages=tuple(c.languages or ()),
        reviews_per_proposal=c.reviews_per_proposal,
        phase=phase_of(c),
        formats=tuple(
            FormatSetting(
                id=f.pk,
                slug=f.slug,
                name=f.name,
                duration_minutes=f.duration_minutes,
                slots=f.slots,
                proposals=f.n,  # type: ignore[attr-defined]
            )
            for f in c.formats.all()
        ),
        tracks=tuple(
            TrackSetting(id=t.pk, slug=t.slug, name=t.name, proposals=t.n)  # type: ignore[attr-defined]
            for t in c.tracks.all()
        ),
        criteria=tuple(
            CriterionSetting(
                id=k.pk,
                slug=k.slug,
                name=k.name,
                guidance=k.guidance,
                minimum=k.minimum,
                maximum=k.maximum,
                weight=k.weight,
                position=k.position,
            )
            for k in c.criteria.all()
        ),
        questions=tuple(
            QuestionSetting(question=_question_row(q), answers=q.n)  # type: ignore[attr-defined]
            for q in c.questions.all()
        ),
    )


@dataclass(frozen=True, slots=True)
class ChairProposalRef:
    code: str
    title: str
    state: str
    reopened_until: dt.datetime | None


def _chair_ref(p: models.Proposal, *, phase: Phase) -> ChairProposalRef:
    return ChairProposalRef(
        code=p.code,
        title=visibility.pick(
            viewer=Viewer.CHAIR,
            part=Part.CONTENT,
            phase=phase,
            raw=p.title,
            redacted=(p.redacted or {}).get("title", ""),
        ),
        state=p.state,
        reopened_until=p.reopened_until,
    )


def chair_proposal_ref(*, call_id: int, code: str, phase: Phase) -> ChairProposalRef | None:
    """One proposal as a chair names it on the reopen page, its title as the phase allows."""
    p = models.Proposal.objects.filter(call_id=call_id, code=code).first()
    return None if p is None else _chair_ref(p, phase=phase)


@dataclass(frozen=True, slots=True)
class FindingRow:
    field: str
    field_label: str
    kind: str
    start: int
    end: int
    text: str
    before: str
    after: str
    ignored: bool


@dataclass(frozen=True, slots=True)
class FalsePositiveRow:
    field_label: str
    text: str
    marked_by: str
    marked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ChairFindings:
    proposal: ChairProposalRef
    findings: tuple[FindingRow, ...]
    rulings: tuple[FalsePositiveRow, ...]


CONTEXT_CHARS = 40


def chair_findings(*, call_id: int, code: str, phase: Phase) -> ChairFindings | None:
    """A proposal's scanner findings with a little context, and the rulings made on them."""
    p = (
        models.Proposal.objects.filter(call_id=call_id, code=code)
        .prefetch_related("false_positives__marked_by")
        .first()
    )
    if p is None:
        return None
    questions = tuple(_question_row(q) for q in models.Question.objects.filter(call_id=call_id))
    labels = field_labels(questions)
    texts = {name: getattr(p, name) for name in ("title", "abstract", "description", "notes")}
    answers = {f"q:{a.question_id}": str(a.value) for a in p.answers.filter(speaker__isnull=True)}
    rows = []
    for f in p.findings or ():
        key, start, end = str(f["field"]), int(f["start"]), int(f["end"])
        text = texts.get(key) or answers.get(key, "")
        rows.append(
            FindingRow(
                field=key,
                field_label=field_label(labels, key),
                kind=str(f["kind"]),
                start=start,
                end=end,
                text=str(f["text"]),
                before=text[max(0, start - CONTEXT_CHARS) : start],
                after=text[end : end + CONTEXT_CHARS],
                ignored=bool(f.get("ignored")),
            )
        )
    rulings = tuple(
        FalsePositiveRow(
            field_label=field_label(labels, fp.field),
            text=fp.text,
            marked_by=(fp.marked_by.first_name or fp.marked_by.get_username())
            if fp.marked_by
            else "",
            marked_at=fp.marked_at,
        )
        for fp in sorted(p.false_positives.all(), key=lambda fp: fp.marked_at)
    )
    return ChairFindings(
        proposal=_chair_ref(p, phase=phase),
        findings=tuple(rows),
        rulings=rulings,
    )
