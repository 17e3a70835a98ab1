"""The read side of curation: the chair's proposal page, decisions, history, displacement, e-mails.

Returns frozen dataclasses, never ORM objects. Speaker identity and programme attributes are read
only when the caller says chairs may see them (``blind=False``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cfp import models as cfp_models
from reviews import models
from reviews.domain import curation as rules

SENT_STATUSES = (
    models.DecisionStatus.ACCEPTED,
    models.DecisionStatus.WAITLISTED,
    models.DecisionStatus.REJECTED,
)


def reason_label(reason: str) -> str:
    if not reason:
        return ""
    try:
        return str(models.DepartureReason(reason).label)
    except ValueError:
        return reason


def status_label(status: str) -> str:
    try:
        return str(models.DecisionStatus(status).label)
    except ValueError:
        return status


def _name(user: object | None) -> str:
    if user is None:
        return _("a deleted account")
    return str(getattr(user, "first_name", "") or getattr(user, "username", ""))


# --- the proposal page ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpeakerCard:
    name: str
    email: str
    bio: str
    affiliation: str
    links: tuple[str, ...]
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
    # Empty while chairs are blind: the flagged text is the suspected identity itself.
    text: str
    ignored: bool


@dataclass(frozen=True, slots=True)
class DecisionState:
    status: str
    status_label: str
    version: int
    decided_by: str
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ChairProposal:
    id: int
    code: str
    state: str
    blind: bool
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
    decision: DecisionState


def _decision_state(d: models.Decision | None) -> DecisionState:
    if d is None:
        return DecisionState(
            status=models.DecisionStatus.UNDECIDED,
            status_label=status_label(models.DecisionStatus.UNDECIDED),
            version=0,
            decided_by="",
            decided_at=None,
        )
    return DecisionState(
        status=d.status,
        status_label=status_label(d.status),
        version=d.version,
        decided_by=_name(d.decided_by) if d.decided_at else "",
        decided_at=d.decided_at,
    )


def chair_proposal(*, call_id: int, code: str, blind: bool) -> ChairProposal | None:
    """One proposal of the call as chairs see it: redacted text and no speakers while blind."""
    qs = cfp_models.Proposal.objects.filter(call_id=call_id, code=code).select_related(
        "format", "track", "decision__decided_by"
    )
    if not blind:
        qs = qs.prefetch_related(
            Prefetch(
                "speaker_links",
                queryset=cfp_models.ProposalSpeaker.objects.select_related("speaker"),
            )
        )
    p = qs.first()
    if p is None:
        return None
    red = p.redacted or {}
    # A missing row raises RelatedObjectDoesNotExist, an AttributeError: getattr's default applies.
    decision = getattr(p, "decision", None)
    speakers = (
        ()
        if blind
        else tuple(
            SpeakerCard(
                name=link.speaker.name,
                email=link.speaker.email,
                bio=link.speaker.bio,
                affiliation=link.speaker.affiliation,
                links=tuple(link.speaker.links or ()),
                region=link.speaker.region,
                first_time=None
                if link.speaker.spoken_before is None
                else not link.speaker.spoken_before,
                english_additional=link.speaker.english_additional,
                wants_mentor=link.speaker.wants_mentor,
            )
            for link in p.speaker_links.all()
        )
    )
    return ChairProposal(
        id=p.pk,
        code=p.code,
        state=p.state,
        blind=blind,
        title=red.get("title", "") if blind else p.title,
        abstract=red.get("abstract", "") if blind else p.abstract,
        description=red.get("description", "") if blind else p.description,
        notes=red.get("notes", "") if blind else p.notes,
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
                field=str(f.get("field", "")),
                kind=str(f.get("kind", "")),
                start=int(f.get("start", 0)),
                end=int(f.get("end", 0)),
                text="" if blind else str(f.get("text", "")),
                ignored=bool(f.get("ignored", False)),
            )
            for f in (p.findings or ())
        ),
        speakers=speakers,
        decision=_decision_state(decision),
    )


def decision_state(*, proposal_id: int) -> DecisionState:
    d = models.Decision.objects.filter(proposal_id=proposal_id).select_related("decided_by").first()
    return _decision_state(d)


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


def proposal_reviews(*, call_id: int, proposal_id: int) -> tuple[ReviewCard, ...]:
    """Every review with its reviewer's name; scores in the call's criterion order."""
    criteria = list(
        cfp_models.Criterion.objects.filter(call_id=call_id).values_list("slug", "name")
    )
    rows = (
        models.Review.objects.filter(proposal_id=proposal_id)
        .select_related("reviewer")
        .order_by("created_at", "id")
    )
    return tuple(
        ReviewCard(
            reviewer=_name(r.reviewer),
            scores=tuple(
                ScoreCell(
                    criterion=name,
                    value=int(r.scores[slug]) if slug in (r.scores or {}) else None,
                )
                for slug, name in criteria
            ),
            score=r.score,
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


def aggregate(*, proposal_id: int, run_id: int | None) -> Aggregate | None:
    if run_id is None:
        return None
    s = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=proposal_id).first()
    if s is None:
        return None
    return Aggregate(
        review_count=s.review_count,
        mean=s.mean,
        median=s.median,
        calibrated=s.calibrated,
        low=s.low,
        high=s.high,
        rank=s.rank,
        p_in_slots=s.p_in_slots,
        flags=tuple(s.flags or ()),
    )


# --- departures and slots -------------------------------------------------------------------


def _ranked_in_format(*, call_id: int, format_id: int, run_id: int | None) -> list[rules.Ranked]:
    rank = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk"))
    decision = models.Decision.objects.filter(proposal_id=OuterRef("pk"))
    rows = (
        cfp_models.Proposal.objects.filter(
            call_id=call_id, format_id=format_id, state=cfp_models.ProposalState.SUBMITTED
        )
        .annotate(
            s_rank=Subquery(rank.values("rank")[:1]),
            d_status=Subquery(decision.values("status")[:1]),
        )
        .values_list("code", "s_rank", "d_status")
    )
    return [
        rules.Ranked(key=code, rank=None if run_id is None else r, status=s or rules.UNDECIDED)
        for code, r, s in rows
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a proposal stands against the others of its format, for departures and slots."""

    code: str
    rank: int | None
    slots: int
    accepted: int  # accepted proposals of the format, this one included
    accept_departs_from: tuple[str, ...]
    reject_departs_from: tuple[str, ...]

    @property
    def slots_left(self) -> int:
        return max(self.slots - self.accepted, 0)


def standing(
    *, call_id: int, code: str, format_id: int, slots: int, run_id: int | None
) -> Standing:
    everyone = _ranked_in_format(call_id=call_id, format_id=format_id, run_id=run_id)
    me = next((r for r in everyone if r.key == code), None) or rules.Ranked(
        key=code, rank=None, status=rules.UNDECIDED
    )
    return Standing(
        code=code,
        rank=me.rank,
        slots=slots,
        accepted=sum(1 for r in everyone if r.status == rules.ACCEPTED),
        accept_departs_from=rules.departure(target=me, to_status=rules.ACCEPTED, others=everyone),
        reject_departs_from=rules.departure(target=me, to_status=rules.REJECTED, others=everyone),
    )


def accepted_in_format(*, format_id: int, excluding_proposal_id: int) -> int:
    return (
        models.Decision.objects.filter(
            proposal__format_id=format_id,
            proposal__state=cfp_models.ProposalState.SUBMITTED,
            status=models.DecisionStatus.ACCEPTED,
        )
        .exclude(proposal_id=excluding_proposal_id)
        .count()
    )


# --- history --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    kind: str  # "decision" or "event"
    from_status: str
    to_status: str
    reason: str
    note: str
    rank: int | None
    departure: bool
    identities_known: bool
    action: str
    details: str


_EVENT_LABELS = {
    "proposal.withdrawn": gettext_lazy("Withdrawn by the speaker"),
    "proposal.reopened": gettext_lazy("Reopened for changes"),
    "speaker.invited": gettext_lazy("Co-speaker invited"),
    "speaker.joined": gettext_lazy("Co-speaker joined"),
    "speaker.removed": gettext_lazy("Speaker removed"),
    "speaker.invite_withdrawn": gettext_lazy("Co-speaker invitation withdrawn"),
    "decision.changed": gettext_lazy("Decision changed"),
    "decision.sent": gettext_lazy("Decision e-mail queued"),
    "finding.false_positive": gettext_lazy("Scanner finding marked as a false positive"),
}


def history(*, proposal_id: int, blind: bool) -> tuple[HistoryEntry, ...]:
    """Decision changes and the proposal's audit events, oldest first.

    Decision changes are also written as audit events (the call-wide log); here they are shown
    once, from the richer DecisionChange row. While chairs are blind, an event's actor is named
    only when they chair the call: the speaker withdrawing or inviting a co-speaker is an actor
    too, and their name is what blindness hides.
    """
    is_chair = cfp_models.Membership.objects.filter(
        call_id=OuterRef("call_id"), user_id=OuterRef("actor_id"), role=cfp_models.Role.CHAIR
    )
    changes = [
        HistoryEntry(
            at=c.created_at,
            actor=_name(c.actor),
            kind="decision",
            from_status=status_label(c.from_status),
            to_status=status_label(c.to_status),
            reason=reason_label(c.reason),
            note=c.note,
            rank=c.rank,
            departure=c.departure,
            identities_known=c.identities_known,
            action="",
            details="",
        )
        for c in models.DecisionChange.objects.filter(proposal_id=proposal_id).select_related(
            "actor"
        )
    ]
    events = [
        HistoryEntry(
            at=e.created_at,
            actor=(
                ""
                if not e.actor_id
                else _name(e.actor)
                if not blind or getattr(e, "by_chair", False)
                else _("[hidden while blind]")
            ),
            kind="event",
            from_status="",
            to_status="",
            reason="",
            note="",
            rank=None,
            departure=False,
            identities_known=False,
            action=str(_EVENT_LABELS.get(e.action, e.action)),
            details=", ".join(f"{k}: {v}" for k, v in sorted((e.data or {}).items())),
        )
        for e in cfp_models.AuditEvent.objects.filter(proposal_id=proposal_id)
        .exclude(action="decision.changed")
        .annotate(by_chair=Exists(is_chair))
        .select_related("actor")
    ]
    return tuple(sorted(changes + events, key=lambda h: h.at))


# --- displacement ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisplacementRow:
    code: str
    title: str
    format_name: str
    rank: int | None
    format_rank: int
    status: str
    status_label: str
    position: int | None
    places: int
    reason: str
    first_time: bool
    english_additional: bool


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    proposals: int
    places: int
    y: int
    width: int
    label_y: int


@dataclass(frozen=True, slots=True)
class AttributeRow:
    label: str
    blind_top: int
    programme: int
    moved_up: int
    pushed_out: int


@dataclass(frozen=True, slots=True)
class DisplacementReport:
    ranked: bool
    with_attributes: bool
    rows: tuple[DisplacementRow, ...]
    accepted: int
    moved_up: int
    pushed_out: int
    places: int
    bars: tuple[Bar, ...]
    chart_height: int
    attributes: tuple[AttributeRow, ...]


BAR_HEIGHT = 24
CHART_WIDTH = 360

_ATTRIBUTE_LABELS = {
    "first_time": gettext_lazy("First-time speakers"),
    "english_additional": gettext_lazy("English as an additional language"),
}


def displacement(*, call_id: int, run_id: int | None, blind: bool) -> DisplacementReport:
    """Blind ranking against the accepted set, per format; attributes only when not blind."""
    score = models.ProposalScore.objects.filter(run_id=run_id, proposal_id=OuterRef("pk"))
    decision = models.Decision.objects.filter(proposal_id=OuterRef("pk"))
    last_reason = models.DecisionChange.objects.filter(proposal_id=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    speakers = cfp_models.ProposalSpeaker.objects.filter(proposal_id=OuterRef("pk"))
    qs = (
        cfp_models.Proposal.objects.filter(
            call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
        )
        .annotate(
            s_rank=Subquery(score.values("rank")[:1]),
            d_status=Subquery(decision.values("status")[:1]),
            d_reason=Subquery(last_reason.values("reason")[:1]),
        )
        .select_related("format")
    )
    if not blind:
        qs = qs.annotate(
            a_first=Exists(speakers.filter(speaker__spoken_before=False)),
            a_english=Exists(speakers.filter(speaker__english_additional=True)),
        )
    titles: dict[str, tuple[str, str]] = {}
    placed: list[rules.Placed] = []
    for p in qs.iterator(chunk_size=2000):
        title = (p.redacted or {}).get("title", "") if blind else p.title
        titles[p.code] = (title, p.format.name)
        placed.append(
            rules.Placed(
                key=p.code,
                group=str(p.format_id),
                rank=getattr(p, "s_rank", None) if run_id is not None else None,
                status=getattr(p, "d_status", None) or rules.UNDECIDED,
                reason=getattr(p, "d_reason", None) or "",
                first_time=bool(getattr(p, "a_first", False)),
                english_additional=bool(getattr(p, "a_english", False)),
            )
        )
    report = rules.displacement(placed)
    widest = max((t.places for t in report.by_reason), default=0) or 1
    bars = tuple(
        Bar(
            label=reason_label(t.label) or _("No reason (blind or in order)"),
            proposals=t.proposals,
            places=t.places,
            y=i * (BAR_HEIGHT + 8),
            width=max(1, round(CHART_WIDTH * t.places / widest)) if t.places else 0,
            label_y=i * (BAR_HEIGHT + 8) + BAR_HEIGHT - 7,
        )
        for i, t in enumerate(report.by_reason)
    )
    return DisplacementReport(
        ranked=run_id is not None,
        with_attributes=not blind,
        rows=tuple(
            DisplacementRow(
                code=m.key,
                title=titles[m.key][0],
                format_name=titles[m.key][1],
                rank=m.rank,
                format_rank=m.group_rank,
                status=m.status,
                status_label=status_label(m.status),
                position=m.position,
                places=m.places,
                reason=reason_label(m.reason),
                first_time=m.first_time and not blind,
                english_additional=m.english_additional and not blind,
            )
            for m in report.moves
            # Proposals that kept their place outside the programme are not part of the story.
            if m.status == rules.ACCEPTED or m.places
        ),
        accepted=report.accepted,
        moved_up=report.moved_up,
        pushed_out=report.pushed_out,
        places=report.places,
        bars=bars,
        chart_height=max(len(bars), 1) * (BAR_HEIGHT + 8),
        attributes=()
        if blind
        else tuple(
            AttributeRow(
                label=str(_ATTRIBUTE_LABELS[a.label]),
                blind_top=a.blind_top,
                programme=a.programme,
                moved_up=a.moved_up,
                pushed_out=a.pushed_out,
            )
            for a in report.by_attribute
        ),
    )


# --- decision e-mails -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateRow:
    status: str
    status_label: str
    subject: str
    body: str
    include_feedback: bool
    saved: bool
    updated_at: dt.datetime | None


def default_template(status: str) -> TemplateRow:
    subjects = {
        models.DecisionStatus.ACCEPTED: _("Your proposal to {call} is accepted"),
        models.DecisionStatus.WAITLISTED: _("Your proposal to {call} is on the waiting list"),
        models.DecisionStatus.REJECTED: _("Your proposal to {call}"),
    }
    bodies = {
        models.DecisionStatus.ACCEPTED: _(
            "Dear {speaker},\n\nWe are happy to tell you that your proposal “{title}” ({code}) "
            "is accepted for {call}. We will write again with the schedule.\n\n{feedback}"
        ),
        models.DecisionStatus.WAITLISTED: _(
            "Dear {speaker},\n\nYour proposal “{title}” ({code}) is on the waiting list for "
            "{call}. If a slot opens, we will write to you.\n\n{feedback}"
        ),
        models.DecisionStatus.REJECTED: _(
            "Dear {speaker},\n\nThank you for proposing “{title}” ({code}) to {call}. We had many "
            "more good proposals than slots and could not include yours this time.\n\n{feedback}"
        ),
    }
    return TemplateRow(
        status=status,
        status_label=status_label(status),
        subject=subjects[models.DecisionStatus(status)],
        body=bodies[models.DecisionStatus(status)],
        include_feedback=True,
        saved=False,
        updated_at=None,
    )


def decision_templates(*, call_id: int) -> tuple[TemplateRow, ...]:
    """The template in effect for each sent outcome: the call's own, or the default."""
    saved = {t.status: t for t in models.DecisionTemplate.objects.filter(call_id=call_id)}
    out = []
    for status in SENT_STATUSES:
        t = saved.get(status)
        out.append(
            default_template(status)
            if t is None
            else TemplateRow(
                status=t.status,
                status_label=status_label(t.status),
                subject=t.subject,
                body=t.body,
                include_feedback=t.include_feedback,
                saved=True,
                updated_at=t.updated_at,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """A live proposal with what its speakers' decision e-mail needs."""

    proposal_id: int
    code: str
    title: str
    redacted_title: str
    format_name: str
    status: str
    speakers: tuple[Recipient, ...]
    feedback: tuple[str, ...]
    published_decision: str
    published_feedback: tuple[str, ...]


def _json_list(value: object) -> list[str]:
    if isinstance(value, str):  # SQLite hands JSON back as text in some paths
        value = json.loads(value)
    return [str(v) for v in (value or [])] if isinstance(value, list) else []


def outcomes(*, call_id: int, code: str = "") -> tuple[Outcome, ...]:
    """Decided, live proposals of the call: three queries whatever the size.

    With ``code``, that one live proposal whether decided or not (for the preview). No prefetch:
    an IN list of every proposal id is refused by SQLite at conference scale.
    """
    live = Q(call_id=call_id, state=cfp_models.ProposalState.SUBMITTED)
    live &= Q(code=code) if code else Q(decision__status__in=SENT_STATUSES)
    of_live = Q(
        proposal__call_id=call_id,
        proposal__state=cfp_models.ProposalState.SUBMITTED,
    )
    of_live &= Q(proposal__code=code) if code else Q(proposal__decision__status__in=SENT_STATUSES)
    speakers: dict[int, list[Recipient]] = {}
    for pid, name, email in (
        cfp_models.ProposalSpeaker.objects.filter(of_live)
        .order_by("proposal_id", "position", "id")
        .values_list("proposal_id", "speaker__name", "speaker__email")
    ):
        speakers.setdefault(pid, []).append(Recipient(name=name, email=email))
    feedback: dict[int, list[str]] = {}
    for pid, text in (
        models.Review.objects.filter(of_live, abstained=False)
        .exclude(feedback="")
        .order_by("proposal_id", "id")
        .values_list("proposal_id", "feedback")
    ):
        if text.strip():
            feedback.setdefault(pid, []).append(text.strip())
    rows = (
        cfp_models.Proposal.objects.filter(live)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "title",
            "redacted__title",
            "format__name",
            "decision__status",
            "published_decision",
            "published_feedback",
        )
    )
    return tuple(
        Outcome(
            proposal_id=pid,
            code=c,
            title=title,
            redacted_title=str(redacted_title or ""),
            format_name=format_name,
            status=status or models.DecisionStatus.UNDECIDED,
            speakers=tuple(speakers.get(pid, ())),
            feedback=tuple(feedback.get(pid, ())),
            published_decision=published,
            published_feedback=tuple(_json_list(published_feedback)),
        )
        for pid, c, title, redacted_title, format_name, status, published, published_feedback in (
            rows
        )
    )


def feedback_block(feedback: tuple[str, ...]) -> str:
    """Reviewers' feedback for the speaker, numbered and anonymous."""
    return "\n\n".join(
        _("Feedback %(n)s:\n%(text)s") % {"n": i, "text": text}
        for i, text in enumerate(feedback, start=1)
    )


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    body: str


def compose(
    *, template: TemplateRow, outcome: Outcome, recipient: Recipient, call_name: str
) -> Email:
    """One speaker's e-mail: placeholders filled safely; the subject kept to one line."""
    values = {
        "title": outcome.title,
        "call": call_name,
        "code": outcome.code,
        "speaker": recipient.name,
        "format": outcome.format_name,
        "feedback": feedback_block(outcome.feedback) if template.include_feedback else "",
    }
    return Email(
        to=recipient.email,
        subject=rules.one_line(rules.render(template.subject, values)),
        body=rules.render(template.body, values).strip() + "\n",
    )


def template_for(*, call_id: int, status: str) -> TemplateRow:
    return next(t for t in decision_templates(call_id=call_id) if t.status == status)


def call_name(*, call_id: int) -> str:
    return str(
        cfp_models.Call.objects.filter(pk=call_id).values_list("name", flat=True).first() or ""
    )


@dataclass(frozen=True, slots=True)
class SendSummary:
    decided: tuple[tuple[str, int], ...]  # (outcome's label, proposals)
    undecided: int
    sent: int


def send_summary(*, call_id: int) -> SendSummary:
    """How many live proposals have each outcome, how many are undecided, how many were sent."""
    counts = cfp_models.Proposal.objects.filter(
        call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
    ).aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(decision_sent_at__isnull=False)),
        **{str(status): Count("pk", filter=Q(decision__status=status)) for status in SENT_STATUSES},
    )
    decided = tuple(
        (status_label(status), int(counts[str(status)] or 0)) for status in SENT_STATUSES
    )
    return SendSummary(
        decided=decided,
        undecided=int(counts["total"] or 0) - sum(n for _label, n in decided),
        sent=int(counts["sent"] or 0),
    )


def first_decided_code(*, call_id: int) -> str:
    return (
        cfp_models.Proposal.objects.filter(
            call_id=call_id,
            state=cfp_models.ProposalState.SUBMITTED,
            decision__status__in=SENT_STATUSES,
        )
        .order_by("code")
        .values_list("code", flat=True)
        .first()
        or ""
    )
