"""The chair's view of one proposal's scanner findings and the rulings made on them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cfp import models
from cfp.domain import visibility
from cfp.domain.visibility import Part, Phase, Viewer
from cfp.queries.questions import field_label, field_labels, question_row


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
    questions = tuple(question_row(q) for q in models.Question.objects.filter(call_id=call_id))
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
