"""The write side's pure rules: when a proposal may change, how an answer is stored, which call
settings are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cfp.domain import answers, call_settings, editing

OPENS = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
CLOSES = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("now", "reopened_until", "editable"),
    [
        (OPENS - HOUR, None, False),
        (OPENS - HOUR, CLOSES + 24 * HOUR, False),
        (OPENS, None, True),
        (CLOSES - HOUR, None, True),
        (CLOSES, None, False),
        (CLOSES + HOUR, CLOSES + 2 * HOUR, True),
        (CLOSES + 2 * HOUR, CLOSES + 2 * HOUR, False),
    ],
    ids=[
        "before opening",
        "a reopening does not open it early",
        "at opening",
        "before closing",
        "at closing",
        "inside a reopening",
        "when the reopening ends",
    ],
)
def test_a_proposal_is_editable_while_the_call_or_its_reopening_is_open(
    now: dt.datetime, reopened_until: dt.datetime | None, editable: bool
) -> None:
    assert (
        editing.is_editable(
            opens_at=OPENS, closes_at=CLOSES, reopened_until=reopened_until, now=now
        )
        is editable
    )


def test_a_moment_is_stated_in_the_call_zone_and_an_unknown_zone_falls_back_to_utc() -> None:
    assert editing.local_time(when=CLOSES, zone_name="Europe/Berlin") == "2027-02-01 01:00 CET"
    assert editing.local_time(when=CLOSES, zone_name="Mars/Olympus") == "2027-02-01 00:00 UTC"


def _never_a_web_address(text: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("short_text", "  Medium  ", "Medium"),
        ("short_text", "   ", None),
        ("number", "3.0", 3),
        ("number", 2.5, 2.5),
        ("yes_no", "no", False),
        ("choose_one", "Beta", "Beta"),
        ("choose_many", ("Beta", "Alpha"), ["Alpha", "Beta"]),
        ("choose_many", (), None),
    ],
)
def test_an_answer_is_stored_in_one_normal_form(kind: str, value: Any, stored: Any) -> None:
    got = answers.normalise_answer(
        kind=kind, choices=["Alpha", "Beta"], value=value, is_web_address=_never_a_web_address
    )
    assert got == stored


def test_a_web_address_is_checked_by_the_check_passed_in() -> None:
    with pytest.raises(answers.AnswerProblem) as refused:
        answers.normalise_answer(
            kind="url", choices=[], value="https://x.org", is_web_address=_never_a_web_address
        )
    assert refused.value.message.text() == "Type a web address starting with https://."
    assert (
        answers.normalise_answer(
            kind="url", choices=[], value=" https://x.org ", is_web_address=lambda text: True
        )
        == "https://x.org"
    )


def test_a_refusal_names_its_limit_and_is_translated_by_the_caller() -> None:
    with pytest.raises(answers.AnswerProblem) as refused:
        answers.normalise_answer(
            kind="short_text",
            choices=[],
            value="x" * (answers.SHORT_TEXT_LIMIT + 1),
            is_web_address=_never_a_web_address,
        )
    message = refused.value.message
    assert message.text() == "Keep it under 300 characters."
    french = {"Keep it under %(n)s characters.": "Moins de %(n)s caractères."}
    assert message.text(french.__getitem__) == "Moins de 300 caractères."


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("yes_no", True, "yes"),
        ("choose_many", ["Alpha", "Beta"], "Alpha, Beta"),
        ("number", 3.0, "3"),
        ("number", 2.5, "2.5"),
        ("long_text", "", ""),
    ],
)
def test_an_answer_reads_as_one_line(kind: str, value: Any, text: str) -> None:
    assert answers.answer_text(kind=kind, value=value) == text


def test_answer_keys_name_the_question_and_the_speaker() -> None:
    assert answers.answer_key(7) == "q:7"
    assert answers.answer_key(7, 2) == "q:7:2"


def fields(problems: list[call_settings.Problem]) -> list[str]:
    return [field for field, _message in problems]


def test_call_settings_problems_name_each_field_in_form_order() -> None:
    problems = call_settings.call_settings_problems(
        opens_at=CLOSES,
        closes_at=OPENS,
        review_deadline_at=OPENS - HOUR,
        reviews_per_proposal=0,
        languages=(),
        timezone="Mars/Olympus",
    )
    assert fields(problems) == [
        "closes_at",
        "review_deadline_at",
        "reviews_per_proposal",
        "languages",
        "timezone",
    ]


def test_good_call_settings_have_no_problem() -> None:
    assert not call_settings.call_settings_problems(
        opens_at=OPENS,
        closes_at=CLOSES,
        review_deadline_at=None,
        reviews_per_proposal=3,
        languages=("en",),
        timezone="UTC",
    )


@pytest.mark.parametrize(
    ("minimum", "maximum", "weight", "refused"),
    [
        (1, 5, 1.0, []),
        (5, 5, 1.0, ["maximum"]),
        (0, call_settings.MAX_SCALE_STEPS, 1.0, ["maximum"]),
        (1, 5, 0.0, ["weight"]),
        (1, 5, float("nan"), ["weight"]),
    ],
)
def test_a_criterion_scale_is_refused_when_it_cannot_be_scored(
    minimum: int, maximum: int, weight: float, refused: list[str]
) -> None:
    problems = call_settings.criterion_problems(minimum=minimum, maximum=maximum, weight=weight)
    assert fields(problems) == refused


@pytest.mark.parametrize(
    ("kind", "choices", "refused"),
    [
        ("choose_one", ("a", "b"), []),
        ("choose_one", ("a",), ["choices"]),
        ("choose_many", ("a", "a", "b"), ["choices"]),
        ("choose_one", tuple(str(n) for n in range(call_settings.MAX_CHOICES + 1)), ["choices"]),
        ("short_text", ("a", "b"), ["choices"]),
        ("essay", (), ["kind"]),
    ],
)
def test_a_question_needs_choices_exactly_when_it_is_a_choice(
    kind: str, choices: tuple[str, ...], refused: list[str]
) -> None:
    assert fields(call_settings.question_problems(kind=kind, choices=choices)) == refused
