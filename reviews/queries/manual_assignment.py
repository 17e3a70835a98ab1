"""What a chair needs to assign by hand: a proposal's reviewers with their reasons, and who else
may review it; a reviewer's assignments and profile.

Returns frozen dataclasses. Eligibility is the engine's own rule
(``reviews.domain.assignment.eligibility.conflict``: languages, own talks, declared conflicts,
affiliation, e-mail domain) applied to the same profiles the engine reads, so a chair is offered
exactly the reviewers the engine could pick, and told why the others are ruled out. Proposal
titles are the ones the blindness policy gives chairs now; no speaker field is returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.domain.visibility import Phase, Viewer
from reviews import models
from reviews.domain.assignment.eligibility import ProposalProfile, ReviewerProfile, conflict
from reviews.queries import proposal_text


@dataclass(frozen=True, slots=True)
class ProposalRef:
    id: int
    code: str
    title: str  # as chairs may see it now
    language: str
    track: str

    @property
    def label(self) -> str:
        return f"{self.code} “{self.title}”"


@dataclass(frozen=True, slots=True)
class AssignedReviewer:
    reviewer_id: int
    name: str
    manual: bool
    pinned_by: str
    reasons: tuple[str, ...]
    started: bool  # a review (draft or finished) exists: unassigning would lose it


@dataclass(frozen=True, slots=True)
class Candidate:
    reviewer_id: int
    name: str
    load: int
    max_load: int | None
    rule: str  # "" when the reviewer may review the proposal, else the engine's rule name

    @property
    def eligible(self) -> bool:
        return not self.rule

    @property
    def full(self) -> bool:
        return self.max_load is not None and self.load >= self.max_load


@dataclass(frozen=True, slots=True)
class ProposalPanel:
    proposal: ProposalRef
    assigned: tuple[AssignedReviewer, ...]
    candidates: tuple[Candidate, ...]  # reviewers not assigned yet, eligible first

    @property
    def eligible(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.eligible)

    @property
    def ruled_out(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if not c.eligible)


def _name(first: str, username: str) -> str:
    return first or username


def proposal_ref(*, call_id: int, code: str, phase: Phase) -> ProposalRef | None:
    row = (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id, code=code)
        .annotate(chair_title=proposal_text.column(viewer=Viewer.CHAIR, phase=phase, field="title"))
        .values_list("pk", "code", "chair_title", "language", "track__slug")
        .first()
    )
    if row is None:
        return None
    pk, code, title, language, track = row
    return ProposalRef(pk, code, str(title or ""), language, track or "")


def _proposal_profile(proposal: ProposalRef) -> ProposalProfile:
    emails: list[str] = []
    affiliations: list[str] = []
    for email, affiliation in (
        cfp_models.ProposalSpeaker.objects.filter(proposal_id=proposal.id)
        .order_by("position", "id")
        .values_list("speaker__email", "speaker__affiliation")
    ):
        emails.append(email or "")
        affiliations.append(affiliation or "")
    return ProposalProfile(
        key=str(proposal.id),
        language=proposal.language,
        track=proposal.track,
        speaker_emails=tuple(emails),
        speaker_affiliations=tuple(affiliations),
    )


@dataclass(frozen=True, slots=True)
class _Reviewer:
    profile: ReviewerProfile
    name: str
    load: int


def _reviewers(
    *, call_id: int, proposal_id: int, only: Iterable[int] | None = None
) -> list[_Reviewer]:
    """The call's active reviewers as the engine sees them (conflicts: with this proposal)."""
    members = cfp_queries.members(role=cfp_models.Role.REVIEWER, call_id=call_id).filter(
        user__is_active=True
    )
    if only is not None:
        members = members.filter(user_id__in=list(only))
    ids = list(members.values_list("user_id", flat=True))
    users = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .annotate(
            load=Count(
                "assignments",
                filter=Q(assignments__proposal__call_id=call_id)
                & cfp_models.in_call("assignments__proposal__"),
            )
        )
        .order_by("first_name", "username", "pk")
        .values_list("pk", "email", "first_name", "username", "load")
    )
    settings = {
        uid: (languages, max_load)
        for uid, languages, max_load in models.ReviewerSettings.objects.filter(
            call_id=call_id, user_id__in=ids
        ).values_list("user_id", "languages", "max_load")
    }
    affiliations = dict(
        cfp_models.Speaker.objects.filter(user_id__in=ids).values_list("user_id", "affiliation")
    )
    declared = set(
        models.Conflict.objects.filter(proposal_id=proposal_id, reviewer_id__in=ids).values_list(
            "reviewer_id", flat=True
        )
    )
    call_languages = frozenset(
        cfp_models.Call.objects.filter(pk=call_id).values_list("languages", flat=True).get()
        or ["en"]
    )
    out = []
    for uid, email, first, username, load in users:
        languages, max_load = settings.get(uid, ([], None))
        out.append(
            _Reviewer(
                profile=ReviewerProfile(
                    key=str(uid),
                    languages=frozenset(languages) if languages else call_languages,
                    max_load=max_load,
                    email=email or "",
                    affiliation=affiliations.get(uid, "") or "",
                    conflicts=frozenset({str(proposal_id)}) if uid in declared else frozenset(),
                ),
                name=_name(first, username),
                load=int(load or 0),
            )
        )
    return out


def pair_rule(*, call_id: int, proposal: ProposalRef, reviewer_id: int) -> str | None:
    """The engine's rule against this pair ("" when allowed); None: not an active reviewer."""
    found = _reviewers(call_id=call_id, proposal_id=proposal.id, only=[reviewer_id])
    if not found:
        return None
    return conflict(reviewer=found[0].profile, proposal=_proposal_profile(proposal)) or ""


def reviewer_name(*, reviewer_id: int) -> str:
    row = get_user_model().objects.filter(pk=reviewer_id).values_list("first_name", "username")
    first, username = row.first() or ("", "")
    return _name(first, username)


def proposal_panel(*, call_id: int, code: str, phase: Phase) -> ProposalPanel | None:
    """The proposal's reviewers with their reasons, and every other reviewer with why they
    may or may not take it (a fixed number of queries, whatever the numbers of reviewers)."""
    proposal = proposal_ref(call_id=call_id, code=code, phase=phase)
    if proposal is None:
        return None
    started = models.Review.objects.filter(
        proposal_id=OuterRef("proposal_id"), reviewer_id=OuterRef("reviewer_id")
    )
    assigned = tuple(
        AssignedReviewer(
            reviewer_id=rid,
            name=_name(first, username),
            manual=manual,
            pinned_by=_name(pin_first or "", pin_user or "") if pin_user else "",
            reasons=tuple(str(r) for r in (reasons or ())),
            started=has_review,
        )
        for rid, first, username, manual, pin_first, pin_user, reasons, has_review in (
            models.Assignment.objects.filter(proposal_id=proposal.id)
            .annotate(has_review=Exists(started))
            .order_by("reviewer__first_name", "reviewer__username", "reviewer_id")
            .values_list(
                "reviewer_id",
                "reviewer__first_name",
                "reviewer__username",
                "manual",
                "pinned_by__first_name",
                "pinned_by__username",
                "reasons",
                "has_review",
            )
        )
    )
    taken = {a.reviewer_id for a in assigned}
    profile = _proposal_profile(proposal)
    candidates = [
        Candidate(
            reviewer_id=int(r.profile.key),
            name=r.name,
            load=r.load,
            max_load=r.profile.max_load,
            rule=conflict(reviewer=r.profile, proposal=profile) or "",
        )
        for r in _reviewers(call_id=call_id, proposal_id=proposal.id)
        if int(r.profile.key) not in taken
    ]
    candidates.sort(key=lambda c: (not c.eligible, c.full, c.load, c.name.casefold()))
    return ProposalPanel(proposal=proposal, assigned=assigned, candidates=tuple(candidates))


# --- one reviewer ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewerAssignment:
    proposal: ProposalRef
    manual: bool
    reasons: tuple[str, ...]
    started: bool


@dataclass(frozen=True, slots=True)
class ReviewerPanel:
    reviewer_id: int
    name: str
    max_load: int | None
    assignments: tuple[ReviewerAssignment, ...]
    topics: str
    statement: str
    past_talks: str
    expertise_updated_at: dt.datetime | None

    @property
    def load(self) -> int:
        return len(self.assignments)


def reviewer_panel(*, call_id: int, reviewer_id: int, phase: Phase) -> ReviewerPanel | None:
    """A reviewer of the call: their live assignments with reasons, and their profile."""
    is_member = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=reviewer_id
    )
    user = (
        get_user_model()
        .objects.filter(pk=reviewer_id)
        .filter(Exists(is_member))
        .values_list("first_name", "username")
        .first()
    )
    if user is None:
        return None
    started = models.Review.objects.filter(
        proposal_id=OuterRef("proposal_id"), reviewer_id=OuterRef("reviewer_id")
    )
    rows = (
        models.Assignment.objects.filter(
            cfp_models.in_call("proposal__"), reviewer_id=reviewer_id, proposal__call_id=call_id
        )
        .annotate(
            has_review=Exists(started),
            chair_title=proposal_text.column(
                viewer=Viewer.CHAIR, phase=phase, field="title", prefix="proposal__"
            ),
        )
        .order_by("proposal__code")
        .values_list(
            "proposal_id",
            "proposal__code",
            "chair_title",
            "proposal__language",
            "proposal__track__slug",
            "manual",
            "reasons",
            "has_review",
        )
    )
    assignments = tuple(
        ReviewerAssignment(
            proposal=ProposalRef(pid, code, str(title or ""), language, track or ""),
            manual=manual,
            reasons=tuple(str(r) for r in (reasons or ())),
            started=has_review,
        )
        for pid, code, title, language, track, manual, reasons, has_review in rows
    )
    max_load = (
        models.ReviewerSettings.objects.filter(call_id=call_id, user_id=reviewer_id)
        .values_list("max_load", flat=True)
        .first()
    )
    profile = (
        models.ReviewerExpertise.objects.filter(call_id=call_id, reviewer_id=reviewer_id)
        .values_list("topics", "statement", "past_talks", "updated_at")
        .first()
    ) or ("", "", "", None)
    return ReviewerPanel(
        reviewer_id=reviewer_id,
        name=_name(*user),
        max_load=max_load,
        assignments=assignments,
        topics=profile[0],
        statement=profile[1],
        past_talks=profile[2],
        expertise_updated_at=profile[3],
    )
