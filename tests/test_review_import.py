"""import_reviews: line errors with numbers, all-or-nothing, idempotent re-runs."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reviews import models as review_models
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_with_reviewer() -> tuple[Any, Any, Any]:
    c = factories.call("pycon")
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    p = factories.proposal(c, factories.user("sam"))
    p.external_id = "ext-1"
    p.save(update_fields=["external_id"])
    return c, reviewer, p


def _file(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "reviews.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    return path


def _run(path: Path, *extra: str) -> str:
    out = StringIO()
    call_command("import_reviews", str(path), "--call", "pycon", *extra, stdout=out, stderr=out)
    return out.getvalue()


GOOD = {"proposal": "ext-1", "reviewer": "rita", "scores": {"relevance": 4, "clarity": 2}}


def test_a_good_file_creates_reviews_keyed_by_external_id_or_code(
    call_with_reviewer: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    _c, _r, p = call_with_reviewer
    path = _file(tmp_path, [{**GOOD, "confidence": 4, "comment": "Good fit"}])

    output = _run(path)

    assert output.strip() == "1 created, 0 updated, 0 unchanged."
    review = review_models.Review.objects.get(proposal=p)
    assert review.scores == {"relevance": 4, "clarity": 2}
    assert review.confidence == 4
    assert review.score is not None


@pytest.mark.parametrize("line", [GOOD, {**GOOD, "confidence": None}])
def test_a_line_without_confidence_imports_as_not_set_and_a_rerun_keeps_it(
    call_with_reviewer: tuple[Any, Any, Any], tmp_path: Path, line: dict[str, object]
) -> None:
    """Never "1 — guessing" by default: no confidence is NULL, which the model counts as 3."""
    path = _file(tmp_path, [line])
    _run(path)

    rerun = _run(path)

    assert rerun.strip() == "0 created, 0 updated, 1 unchanged."
    assert review_models.Review.objects.get().confidence is None


def test_a_second_run_of_the_same_file_changes_nothing(
    call_with_reviewer: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    path = _file(tmp_path, [GOOD])
    _run(path)
    before = list(review_models.Review.objects.values())

    output = _run(path)

    assert output.strip() == "0 created, 0 updated, 1 unchanged."
    assert list(review_models.Review.objects.values()) == before


def test_a_changed_score_updates_the_one_review(
    call_with_reviewer: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    _run(_file(tmp_path, [GOOD]))
    code = call_with_reviewer[2].code

    output = _run(
        _file(tmp_path, [{**GOOD, "proposal": code, "scores": {"relevance": 5, "clarity": 2}}])
    )

    assert output.strip() == "0 created, 1 updated, 0 unchanged."
    assert review_models.Review.objects.get().scores["relevance"] == 5


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "line 2: not valid JSON"),
        ([1, 2], "line 2: a line must be a JSON object"),
        ({**GOOD, "speeker": 1}, 'line 2: unknown key "speeker"'),
        ({"reviewer": "rita", "scores": {}}, 'line 2: "proposal" is missing'),
        ({**GOOD, "proposal": "nope"}, 'line 2: no proposal "nope" in this call'),
        ({**GOOD, "reviewer": "sam"}, 'line 2: "sam" is not a reviewer of this call'),
        ({**GOOD, "scores": {"relevance": 4}}, 'line 2: criterion "clarity" has no score'),
        ({**GOOD, "scores": {"relevance": 4, "clarity": 2, "x": 1}}, 'unknown criterion "x"'),
        ({**GOOD, "scores": {"relevance": 9, "clarity": 2}}, "from 1 to 5"),
        ({**GOOD, "scores": {"relevance": "4", "clarity": 2}}, "must be a number"),
        ({**GOOD, "confidence": 7}, '"confidence" must be a whole number from 1 to 5'),
        (GOOD, "line 2: the same proposal and reviewer as line 1"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_nothing_is_imported(
    call_with_reviewer: tuple[Any, Any, Any], tmp_path: Path, line: object, reason: str
) -> None:
    path = _file(tmp_path, [GOOD, line])

    with pytest.raises(CommandError, match="nothing imported") as info:
        _run(path)

    assert reason in str(info.value)
    assert not review_models.Review.objects.exists()


def test_skip_invalid_imports_the_good_lines(
    call_with_reviewer: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    path = _file(tmp_path, [GOOD, {**GOOD, "proposal": "nope"}])

    output = _run(path, "--skip-invalid")

    assert "1 created" in output
    assert "skipped line 2" in output
    assert review_models.Review.objects.count() == 1


def test_an_unknown_call_is_one_line(tmp_path: Path) -> None:
    path = _file(tmp_path, [GOOD])

    with pytest.raises(CommandError, match="No call with the slug 'pycon'"):
        _run(path)
