"""The call's own questions: the form's fields, a person's answers, what reviewers may read, and
what to call each field a finding points at."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import languages as talk_languages
from common.numbers import is_whole_number


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


def question_row(q: models.Question, *, language: str = "") -> QuestionRow:
    """``language``: the reader's, for the label and help in it when the chairs translated them
    (issue 24); empty for the chairs' own settings page, which edits the originals."""
    label, help_text = q.label, q.help_text
    main = getattr(q, "main_language", "")
    if language and main:
        label = talk_languages.translated(
            original=q.label,
            main_language=main,
            translations=q.translations or {},
            field="label",
            wanted=language,
        ).text
        help_text = talk_languages.translated(
            original=q.help_text,
            main_language=main,
            translations=q.translations or {},
            field="help_text",
            wanted=language,
        ).text
    return QuestionRow(
        id=q.pk,
        label=label,
        help_text=help_text,
        kind=q.kind,
        choices=tuple(str(c) for c in q.choices or ()),
        target=q.target,
        required=q.required,
        visibility=q.visibility,
        position=q.position,
    )


def call_questions(*, call_slug: str, language: str = "") -> tuple[QuestionRow, ...]:
    """The call's questions; with ``language``, labels and help in it where translated."""
    rows = models.Question.objects.filter(
        call__slug=call_slug, call__archived_at__isnull=True
    ).annotate(main_language=F("call__main_language"))
    return tuple(question_row(q, language=language) for q in rows.order_by("position", "id"))


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
    return tuple(question_row(q) for q in rows)


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
            if key.startswith(prefix + ":") and is_whole_number(key.rsplit(":", 1)[1]) and text
        )
        out.extend(ReviewerAnswer(label=q.label, text=t, speaker_number=n) for n, t in numbered)
    return tuple(out)


def field_labels(questions: tuple[QuestionRow, ...]) -> dict[str, str]:
    """What to call a findings ``field`` key when showing it to a person."""
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
    if base in labels and is_whole_number(number):
        return f"{labels[base]} ({number})"
    return key
