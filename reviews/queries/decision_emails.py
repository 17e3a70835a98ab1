"""Decision e-mails: the call's templates, the outcomes to send, composing, progress counts.

Returns frozen dataclasses, never ORM objects. The sending service and the chair's preview read
the same outcomes and compose with the same function; the preview shows what the blindness
policy lets a chair see (:func:`shown_to_chair`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from reviews import models
from reviews.domain import curation as rules
from reviews.queries import decisions, json_columns, proposal_text


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
        status_label=decisions.status_label(status),
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
    for status in decisions.SENT_STATUSES:
        t = saved.get(status)
        out.append(
            default_template(status)
            if t is None
            else TemplateRow(
                status=t.status,
                status_label=decisions.status_label(t.status),
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
    # The speaker's account, when they have one (their mail preferences are read by it).
    user_id: int | None = None


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


def outcomes(*, call_id: int, code: str = "", moderated: bool = False) -> tuple[Outcome, ...]:
    """Decided, live proposals of the call: three queries whatever the size.

    With ``code``, that one live proposal whether decided or not (for the preview). No prefetch:
    an IN list of every proposal id is refused by SQLite at conference scale.
    """
    live = cfp_models.in_call() & Q(call_id=call_id)
    live &= Q(code=code) if code else Q(decision__status__in=decisions.SENT_STATUSES)
    of_live = cfp_models.in_call("proposal__") & Q(proposal__call_id=call_id)
    of_live &= (
        Q(proposal__code=code)
        if code
        else Q(proposal__decision__status__in=decisions.SENT_STATUSES)
    )
    speakers: dict[int, list[Recipient]] = {}
    for pid, name, email, user_id in (
        cfp_models.ProposalSpeaker.objects.filter(of_live)
        .order_by("proposal_id", "position", "id")
        .values_list("proposal_id", "speaker__name", "speaker__email", "speaker__user_id")
    ):
        speakers.setdefault(pid, []).append(Recipient(name=name, email=email, user_id=user_id))
    feedback: dict[int, list[str]] = {}
    reviews = models.Review.objects.filter(of_live, abstained=False).exclude(feedback="")
    if moderated:
        # The outbox's drafts: only feedback a chair approved, in the chair's words if edited.
        reviews = reviews.filter(moderation__state=models.FeedbackState.APPROVED)
    for pid, text, approved in reviews.order_by("proposal_id", "id").values_list(
        "proposal_id", "feedback", "moderation__text"
    ):
        if moderated and approved and approved.strip():
            text = approved
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
            published_feedback=json_columns.strings(published_feedback),
        )
        for pid, c, title, redacted_title, format_name, status, published, published_feedback in (
            rows
        )
    )


def shown_to_chair(*, outcome: Outcome, phase: Phase) -> Outcome:
    """The outcome as a chair previews it: its title and speakers as the policy shows them.

    What is hidden keeps its place as a marker, so the preview still shows where it goes.
    """
    names = visibility.sees(viewer=Viewer.CHAIR, part=Part.SPEAKER_IDENTITY, phase=phase)
    return dataclasses.replace(
        outcome,
        title=proposal_text.pick(
            viewer=Viewer.CHAIR,
            phase=phase,
            field="title",
            raw=outcome.title,
            redacted={"title": outcome.redacted_title},
        ),
        speakers=outcome.speakers
        if names
        else tuple(
            Recipient(name=_("[speaker's name]"), email=_("[hidden until the reveal]"))
            for _speaker in outcome.speakers
        ),
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
    """One speaker's e-mail: placeholders filled safely; the subject kept to one line.

    The words the app adds (the default template when the chairs saved none, the feedback
    headings) come out in the active language: callers compose inside
    ``cfp.outbox.in_language_of`` the recipient's (issue 24); a saved template stays as written.
    """
    if not template.saved:
        template = default_template(template.status)
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
    counts = (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(decision_sent_at__isnull=False)),
            **{
                str(status): Count("pk", filter=Q(decision__status=status))
                for status in decisions.SENT_STATUSES
            },
        )
    )
    decided = tuple(
        (decisions.status_label(status), int(counts[str(status)] or 0))
        for status in decisions.SENT_STATUSES
    )
    return SendSummary(
        decided=decided,
        undecided=int(counts["total"] or 0) - sum(n for _label, n in decided),
        sent=int(counts["sent"] or 0),
    )


def first_decided_code(*, call_id: int) -> str:
    return (
        cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id, decision__status__in=decisions.SENT_STATUSES)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
        or ""
    )
