"""Scanner findings as people see them: the chair's findings page (with the rulings made) and the
speaker's findings box, each field decided by ``cfp.domain.visibility``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _lazy

from cfp import models
from cfp.domain import leaks, visibility
from cfp.domain.findings import StoredFinding, parse_all
from cfp.domain.visibility import Part, Phase, Viewer
from cfp.queries.questions import QuestionRow, field_label, field_labels, question_row


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
    p = models.Proposal.objects.filter(models.committee_sees(), call_id=call_id, code=code).first()
    return None if p is None else _chair_ref(p, phase=phase)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding on the chair's page. ``text``, ``before`` and ``after`` are empty while the
    chair may not read the flagged words (:attr:`ChairFindings.text_shown`)."""

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
    # Whether the flagged words and their context are on the page (Part.FINDING_TEXT).
    text_shown: bool


CONTEXT_CHARS = 40


def chair_findings(*, call_id: int, code: str, phase: Phase) -> ChairFindings | None:
    """A proposal's scanner findings and the rulings made on them, as a chair may see them now.

    A chair who may read the flagged words (``Part.FINDING_TEXT``) gets each with a little
    context; a blind chair gets where each finding is and its kind, and the answers that give
    the context are not read at all.
    """
    p = (
        models.Proposal.objects.filter(models.committee_sees(), call_id=call_id, code=code)
        .prefetch_related("false_positives__marked_by")
        .first()
    )
    if p is None:
        return None
    text_shown = visibility.sees(viewer=Viewer.CHAIR, part=Part.FINDING_TEXT, phase=phase)
    questions = tuple(question_row(q) for q in models.Question.objects.filter(call_id=call_id))
    labels = field_labels(questions)
    texts: dict[str, str] = {}
    if text_shown:
        texts = {name: getattr(p, name) for name in ("title", "abstract", "description", "notes")}
        for a in p.answers.filter(speaker__isnull=True):
            texts.setdefault(f"q:{a.question_id}", str(a.value))
    rows = []
    for f in parse_all(p.findings):
        text = texts.get(f.field, "")
        rows.append(
            FindingRow(
                field=f.field,
                field_label=field_label(labels, f.field),
                kind=f.kind,
                start=f.start,
                end=f.end,
                text=f.text if text_shown else "",
                before=text[max(0, f.start - CONTEXT_CHARS) : f.start],
                after=text[f.end : f.end + CONTEXT_CHARS],
                ignored=f.ignored,
            )
        )
    rulings = tuple(
        FalsePositiveRow(
            field_label=field_label(labels, fp.field),
            text=fp.text if text_shown else "",
            marked_by=(fp.marked_by.first_name or fp.marked_by.get_username())
            if fp.marked_by
            else "",
            marked_at=fp.marked_at,
        )
        for fp in sorted(p.false_positives.all(), key=lambda fp: (fp.marked_at, fp.pk))
    )
    return ChairFindings(
        proposal=_chair_ref(p, phase=phase),
        findings=tuple(rows),
        rulings=rulings,
        text_shown=text_shown,
    )


# --- the speaker's findings box ---------------------------------------------------------------

KIND_NAMES = {
    leaks.FindingKind.NAME: _lazy("name"),
    leaks.FindingKind.EMAIL: _lazy("e-mail"),
    leaks.FindingKind.HANDLE: _lazy("handle"),
    leaks.FindingKind.LINK: _lazy("link"),
    leaks.FindingKind.AFFILIATION: _lazy("affiliation"),
    leaks.FindingKind.PHRASE: _lazy("about you"),
}


@dataclass(frozen=True, slots=True)
class SpeakerFinding:
    """One finding the speaker should fix, in plain words, with how to fix it."""

    field: str
    kind: str
    text: str
    explanation: str


def speaker_findings(
    *, findings: Iterable[StoredFinding], questions: tuple[QuestionRow, ...], phase: Phase
) -> tuple[SpeakerFinding, ...]:
    """The findings a speaker still has to look at (rulings "not a leak" left out), no query.

    ``findings`` are the stored ones (``ProposalDetail.findings``) or those of a live check
    (``cfp.domain.findings.parse_all`` of what the scan returned).
    """
    labels = field_labels(questions)
    shown = visibility.sees(viewer=Viewer.SPEAKER, part=Part.FINDING_TEXT, phase=phase)
    out = []
    for f in findings:
        kind = f.finding_kind
        if f.ignored or kind is None:
            continue
        out.append(
            SpeakerFinding(
                field=field_label(labels, f.field),
                kind=str(KIND_NAMES.get(kind, kind)),
                text=f.text if shown else "",
                explanation=leaks.explain(kind),
            )
        )
    return tuple(out)
