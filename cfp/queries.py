"""The read side of calls and proposals. Returns frozen dataclasses, never ORM objects."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from cfp import models


@dataclass(frozen=True, slots=True)
class CallRoleRef:
    slug: str
    name: str
    roles: frozenset[str]


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
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = models.Membership.objects.filter(user_id=user_id, call__archived_at__isnull=True)
    for slug, name, role in rows.values_list("call__slug", "call__name", "role"):
        roles[(slug, name)].add(role)
    return Person(
        is_authenticated=True,
        id=user_id,
        username=username,
        display_name=first_name or username,
        is_staff=is_staff,
        calls=tuple(
            CallRoleRef(slug=slug, name=name, roles=frozenset(r))
            for (slug, name), r in sorted(roles.items())
        ),
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
    chairs_blind: bool
    identities_revealed_at: dt.datetime | None
    languages: tuple[str, ...]
    formats: tuple[FormatRow, ...] = ()
    tracks: tuple[tuple[str, str], ...] = ()
    criteria: tuple[CriterionRow, ...] = ()

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def chairs_see_identities(self) -> bool:
        return not self.chairs_blind or self.identities_revealed_at is not None


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
        chairs_blind=call.chairs_blind,
        identities_revealed_at=call.identities_revealed_at,
        languages=tuple(call.languages or ()),
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
        )
        for link in p.speaker_links.all()
    )


def proposal_detail(p: models.Proposal, *, with_speakers: bool) -> ProposalDetail:
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
    )


def owned_proposal(*, user_id: int, call_slug: str, code: str) -> ProposalDetail | None:
    """The proposal if this person owns it or speaks on it; None otherwise (so views 404)."""
    p = (
        models.Proposal.objects.filter(call__slug=call_slug, code=code)
        .filter(Q(owner_id=user_id) | Q(speaker_links__speaker__user_id=user_id))
        .select_related("call", "format", "track")
        .prefetch_related("speaker_links__speaker")
        .first()
    )
    return proposal_detail(p, with_speakers=True) if p else None


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


def has_role(*, user_id: int, call_slug: str, role: str) -> bool:
    return models.Membership.objects.filter(
        user_id=user_id, call__slug=call_slug, role=role, call__archived_at__isnull=True
    ).exists()
