"""A speaker's own proposals: the list under "my proposals" and one proposal with its speakers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy

from cfp import models
from cfp.domain import leaks
from cfp.domain.findings import StoredFinding, parse_all
from cfp.domain.languages import language_name
from cfp.queries.people import speaker_profile


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


def language_and_level(*, language: str, level: str) -> str:
    """How the speaker's pages name a talk's language and level: "English · intermediate"."""
    try:
        level_word = str(models.Level(level).label).lower()
    except ValueError:
        level_word = level
    return " · ".join(part for part in (language_name(language), level_word) if part)


DECISION_WORDS = {
    "accepted": gettext_lazy("Accepted"),
    "waitlisted": gettext_lazy("On the waiting list"),
    "rejected": gettext_lazy("Not accepted"),
}


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

    @property
    def language_level(self) -> str:
        return language_and_level(language=self.language, level=self.level)

    @property
    def decision_label(self) -> str:
        """The published decision in words a speaker reads ("Accepted"), never its code."""
        return str(DECISION_WORDS.get(self.decision, self.decision))


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
    findings: tuple[StoredFinding, ...] = ()
    speakers: tuple[SpeakerRow, ...] = ()
    id: int = 0
    is_owner: bool = False
    published_decision: str = ""
    published_feedback: tuple[str, ...] = ()
    decision_sent_at: dt.datetime | None = None
    confirmation: str = ""
    confirmation_at: dt.datetime | None = None

    @property
    def decision_published(self) -> bool:
        return self.decision_sent_at is not None and bool(self.published_decision)

    @property
    def language_level(self) -> str:
        return language_and_level(language=self.language, level=self.level)

    @property
    def withdrawn(self) -> bool:
        return self.state == models.ProposalState.WITHDRAWN

    @property
    def is_draft(self) -> bool:
        return self.state == models.ProposalState.DRAFT


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


# The audit actions of a withdrawal and of its undoing (written by ``services.proposals``).
WITHDRAWN_ACTION = "proposal.withdrawn"
UNDONE_ACTION = "proposal.withdrawal_undone"


def owned_count(*, user_id: int) -> int:
    """How many proposals this person has submitted, in every call (withdrawn ones too)."""
    return models.Proposal.objects.filter(owner_id=user_id).count()


def withdrawn_at(*, proposal_id: int) -> dt.datetime | None:
    """When the proposal was last withdrawn, from the audit log."""
    return (
        models.AuditEvent.objects.filter(proposal_id=proposal_id, action=WITHDRAWN_ACTION)
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )


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


def _proposal_detail(
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
        findings=parse_all(p.findings),
        speakers=_speaker_rows(p) if with_speakers else (),
        id=p.pk,
        is_owner=viewer_id is not None and p.owner_id == viewer_id,
        published_decision=p.published_decision,
        published_feedback=tuple(str(f) for f in p.published_feedback or ()),
        decision_sent_at=p.decision_sent_at,
        confirmation=p.confirmation,
        confirmation_at=p.confirmation_at,
    )


def owned_proposal(*, user_id: int, call_slug: str, code: str) -> ProposalDetail | None:
    """The proposal if this person owns it or speaks on it; None otherwise (so views 404)."""
    speaking = models.ProposalSpeaker.objects.filter(speaker__user_id=user_id)
    p = (
        models.Proposal.objects.filter(call__slug=call_slug, code=code)
        .filter(Q(owner_id=user_id) | Q(pk__in=speaking.values("proposal_id")))
        .select_related("call", "format", "track")
        .prefetch_related(
            Prefetch(
                "speaker_links",
                queryset=models.ProposalSpeaker.objects.select_related("speaker").order_by(
                    "position", "pk"
                ),
            )
        )
        .first()
    )
    return _proposal_detail(p, with_speakers=True, viewer_id=user_id) if p else None


def scan_identities(
    *, user_id: int, call_slug: str, code: str, name: str, email: str
) -> tuple[leaks.SpeakerIdentity, ...]:
    """Whose identity the live leak check looks for: every speaker of the proposal being edited
    (``code``), else the person typing (their speaker profile, else ``name`` and ``email``)."""
    if code:
        proposal = owned_proposal(user_id=user_id, call_slug=call_slug, code=code)
        if proposal is not None and proposal.speakers:
            return tuple(
                leaks.SpeakerIdentity(
                    name=s.name, email=s.email, affiliation=s.affiliation, links=s.links
                )
                for s in proposal.speakers
            )
    profile = speaker_profile(user_id=user_id)
    if profile is not None:
        return (
            leaks.SpeakerIdentity(
                name=profile.name,
                email=profile.email,
                affiliation=profile.affiliation,
                links=profile.links,
            ),
        )
    return (leaks.SpeakerIdentity(name=name, email=email),)
