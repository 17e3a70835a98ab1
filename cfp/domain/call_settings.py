"""What a chair may set on a call: the combinations of settings, scales and questions refused.

Plain Python. Each rule returns its problems as ``(form field, message)`` pairs, in the order a
form shows them; the services translate the messages and refuse with the first.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence

from cfp.domain.answers import CHOICE_KINDS, AnswerKind
from cfp.domain.messages import Message, gettext_noop

Problem = tuple[str, Message]

MAX_SCALE_STEPS = 11
MAX_CHOICES = 30


def call_settings_problems(
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    review_deadline_at: dt.datetime | None,
    reviews_per_proposal: int,
    languages: Sequence[str],
    timezone: str,
) -> list[Problem]:
    """Bad combinations of a call's own settings."""
    problems: list[Problem] = []
    if closes_at <= opens_at:
        problems.append(("closes_at", Message(gettext_noop("The call must close after it opens."))))
    if review_deadline_at is not None and review_deadline_at < closes_at:
        problems.append(
            (
                "review_deadline_at",
                Message(gettext_noop("The review deadline cannot be before the call closes.")),
            )
        )
    if reviews_per_proposal < 1:
        problems.append(
            (
                "reviews_per_proposal",
                Message(gettext_noop("Each proposal needs at least one review.")),
            )
        )
    if not languages:
        problems.append(("languages", Message(gettext_noop("Choose at least one talk language."))))
    if timezone not in zoneinfo.available_timezones() and timezone != "UTC":
        problems.append(("timezone", Message(gettext_noop("Choose a time zone from the list."))))
    return problems


def criterion_problems(*, minimum: int, maximum: int, weight: float) -> list[Problem]:
    """A scoring criterion's scale and weight."""
    problems: list[Problem] = []
    if minimum >= maximum:
        problems.append(
            ("maximum", Message(gettext_noop("The highest score must be above the lowest.")))
        )
    elif maximum - minimum + 1 > MAX_SCALE_STEPS:
        problems.append(
            (
                "maximum",
                Message(gettext_noop("A scale has at most %(n)s steps."), {"n": MAX_SCALE_STEPS}),
            )
        )
    if not (weight > 0 and math.isfinite(weight)):
        problems.append(("weight", Message(gettext_noop("The weight must be a number above 0."))))
    return problems


def question_problems(*, kind: str, choices: Sequence[str]) -> list[Problem]:
    """A question's kind of answer and its list of choices."""
    problems: list[Problem] = []
    if kind not in set(AnswerKind):
        problems.append(("kind", Message(gettext_noop("Choose a kind of answer."))))
    if kind in CHOICE_KINDS:
        if len(set(choices)) < 2:
            problems.append(
                (
                    "choices",
                    Message(gettext_noop("Give at least two different choices, one a line.")),
                )
            )
        elif len(set(choices)) != len(choices):
            problems.append(("choices", Message(gettext_noop("Each choice may appear only once."))))
        elif len(choices) > MAX_CHOICES:
            problems.append(
                ("choices", Message(gettext_noop("At most %(n)s choices."), {"n": MAX_CHOICES}))
            )
    elif choices:
        problems.append(
            ("choices", Message(gettext_noop("Only “choose” questions take a list of choices.")))
        )
    return problems
