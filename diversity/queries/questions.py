"""The self-identification questions: the defaults every call asks, a call's own, and the ones a
person is asked (the calls they speak at or review for, and any they have answered)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from diversity import models


@dataclass(frozen=True, slots=True)
class OptionRow:
    value: str
    label: str
    free_text: bool = False


@dataclass(frozen=True, slots=True)
class QuestionRow:
    key: str
    label: str
    options: tuple[OptionRow, ...]
    call_name: str = ""
    """The call that asks it; empty for the default questions every call asks."""
    question_id: int | None = None

    @property
    def has_free_text(self) -> bool:
        return any(o.free_text for o in self.options)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


def question_key(question_id: int) -> str:
    """The dimension key of a chair-defined question in answers, targets and reports."""
    return f"q{question_id}"


def default_questions() -> tuple[QuestionRow, ...]:
    return tuple(
        QuestionRow(
            key=spec.key,
            label=str(spec.label),
            options=tuple(
                OptionRow(value=o.value, label=str(o.label), free_text=o.free_text)
                for o in spec.options
            ),
        )
        for spec in models.DEFAULT_QUESTIONS
    )


def _custom_row(q: models.Question, call_name: str) -> QuestionRow:
    return QuestionRow(
        key=question_key(q.pk),
        label=q.label,
        options=tuple(
            OptionRow(
                value=str(o["value"]), label=str(o["label"]), free_text=bool(o.get("free_text"))
            )
            for o in (q.options or [])
        ),
        call_name=call_name,
        question_id=q.pk,
    )


def call_questions(*, call_id: int) -> tuple[QuestionRow, ...]:
    """The chair-defined questions of one call (the defaults are not included)."""
    return tuple(
        _custom_row(q, "") for q in models.Question.objects.filter(call_id=call_id).order_by("id")
    )


def questions_for_person(*, user_id: int) -> tuple[QuestionRow, ...]:
    """Default questions, then the questions of the calls this person speaks at or reviews for,
    and any question they have answered (so they can always see and change what is stored)."""
    speaks = cfp_models.ProposalSpeaker.objects.filter(
        proposal__call_id=OuterRef("call_id"), speaker__user_id=user_id
    )
    owns = cfp_models.Proposal.objects.filter(call_id=OuterRef("call_id"), owner_id=user_id)
    reviews = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=OuterRef("call_id"), user_id=user_id
    )
    answered = models.Answer.objects.filter(question_id=OuterRef("pk"), user_id=user_id)
    rows = (
        models.Question.objects.filter(
            Q(call__archived_at__isnull=True) & (Exists(speaks) | Exists(owns) | Exists(reviews))
            | Exists(answered)
        )
        .select_related("call")
        .order_by("call__name", "call_id", "id")
    )
    return default_questions() + tuple(_custom_row(q, q.call.name) for q in rows)
