"""Answers to a call's own questions: the kinds of answer, how one is checked, stored and read.

Plain Python; refusals carry a ``messages.Message`` that the Django layer translates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from cfp.domain.messages import Message, gettext_noop


class AnswerKind(StrEnum):
    """The kinds of answer a question takes (the values of ``cfp.models.QuestionKind``)."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    URL = "url"
    YES_NO = "yes_no"
    CHOOSE_ONE = "choose_one"
    CHOOSE_MANY = "choose_many"


# Answers in the speaker's own words: reviewers get them only after the leak scanner.
TEXT_KINDS = frozenset({AnswerKind.SHORT_TEXT, AnswerKind.LONG_TEXT, AnswerKind.URL})
CHOICE_KINDS = frozenset({AnswerKind.CHOOSE_ONE, AnswerKind.CHOOSE_MANY})
SHORT_TEXT_LIMIT = 300
LONG_TEXT_LIMIT = 5000


class AnswerProblem(ValueError):
    """An answer is refused; ``message`` (translated) is for the person who typed it."""

    def __init__(self, template: str, params: Mapping[str, object] | None = None) -> None:
        self.message = Message(template, dict(params or {}))
        super().__init__(self.message.text())


def answer_key(question_id: int, speaker_number: int | None = None) -> str:
    """Where a reviewer-visible answer sits in ``Proposal.redacted`` (and in findings).

    ``q:<question id>`` for a per-proposal answer; ``q:<question id>:<n>`` for the n-th
    speaker's answer (1-based, in line-up order).
    """
    if speaker_number is None:
        return f"q:{question_id}"
    return f"q:{question_id}:{speaker_number}"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def answer_text(*, kind: str, value: Any) -> str:
    """A stored answer as one line of text, as reviewers and chairs read it."""
    if value is None or value in ("", [], ()):
        return ""
    if kind == AnswerKind.YES_NO:
        return "yes" if value else "no"
    if kind == AnswerKind.CHOOSE_MANY:
        return ", ".join(str(v) for v in value)
    if kind == AnswerKind.NUMBER:
        return _number_text(float(value))
    return str(value)


def normalise_answer(
    *, kind: str, choices: Sequence[str], value: Any, is_web_address: Callable[[str], bool]
) -> Any:
    """The JSON value to store for one answer, or None when it is empty.

    ``is_web_address`` checks a "web address" answer (the caller passes the web framework's
    validator). Raises ``AnswerProblem`` with a message for the person who typed it.
    """
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return None
    if kind in (AnswerKind.SHORT_TEXT, AnswerKind.LONG_TEXT):
        limit = SHORT_TEXT_LIMIT if kind == AnswerKind.SHORT_TEXT else LONG_TEXT_LIMIT
        if not isinstance(value, str):
            raise AnswerProblem(gettext_noop("Type a text answer."))
        text = value.strip()
        if "\x00" in text:
            raise AnswerProblem(
                gettext_noop("The text contains a NUL character; remove it and try again.")
            )
        if len(text) > limit:
            raise AnswerProblem(gettext_noop("Keep it under %(n)s characters."), {"n": limit})
        return text or None
    if kind == AnswerKind.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise AnswerProblem(gettext_noop("Type a number.")) from exc
        if isinstance(value, bool) or not math.isfinite(number):
            raise AnswerProblem(gettext_noop("Type a number."))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == AnswerKind.URL:
        text = str(value).strip()
        if not is_web_address(text):
            raise AnswerProblem(gettext_noop("Type a web address starting with https://."))
        return text
    if kind == AnswerKind.YES_NO:
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
        raise AnswerProblem(gettext_noop("Answer yes or no."))
    if kind == AnswerKind.CHOOSE_ONE:
        if value not in choices:
            raise AnswerProblem(gettext_noop("Pick one of the choices."))
        return value
    if kind == AnswerKind.CHOOSE_MANY:
        picked = [value] if isinstance(value, str) else list(value)
        if any(v not in choices for v in picked):
            raise AnswerProblem(gettext_noop("Pick from the choices."))
        return [c for c in choices if c in picked]
    raise AnswerProblem(gettext_noop("This question cannot be answered."))  # pragma: no cover
