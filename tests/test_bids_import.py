"""import_expertise: past talks per reviewer from JSON Lines, checked like import_reviews."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cfp import models as cfp_models
from reviews import models as review_models
from tests import factories

pytestmark = pytest.mark.django_db


def _world() -> tuple[cfp_models.Call, Any]:
    c = factories.call("pycon")
    r = factories.user("rita")
    factories.member(c, r, "reviewer")
    factories.member(c, factories.user("chad"), "chair")
    return c, r


def _file(tmp_path: Path, lines: list[Any]) -> Path:
    path = tmp_path / "talks.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8"
    )
    return path


def _run(path: Path, *extra: str) -> str:
    out = StringIO()
    call_command(
        "import_expertise", str(path), "--call", "pycon", *extra, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def test_talks_are_attached_and_a_second_import_adds_nothing(tmp_path: Path) -> None:
    c, r = _world()
    path = _file(
        tmp_path,
        [
            {"reviewer": "rita", "title": "Async  ORM", "abstract": "How it works."},
            {"reviewer": "rita", "title": "Caching"},
        ],
    )

    first = _run(path)
    second = _run(path)

    profile = review_models.ReviewerExpertise.objects.get(call=c, reviewer=r)
    assert profile.past_talks == "Async ORM\nHow it works.\n\nCaching"
    assert first.startswith("2 talks added for 1 reviewers")
    assert second.startswith("0 talks added for 0 reviewers, 2 already there")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "a line must be a JSON object"),
        ({"reviewer": "rita", "title": "x", "slides": "y"}, 'unknown key "slides"'),
        ({"title": "x"}, '"reviewer" is missing'),
        ({"reviewer": "rita"}, '"title" is missing'),
        ({"reviewer": "rita", "title": "  "}, '"title" must be a non-empty string'),
        ({"reviewer": "rita", "title": "x", "abstract": 3}, '"abstract" must be a string'),
        ({"reviewer": "chad", "title": "x"}, '"chad" is not a reviewer of this call'),
        ({"reviewer": "nobody", "title": "x"}, '"nobody" is not a reviewer of this call'),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_imported(
    tmp_path: Path, line: Any, reason: str
) -> None:
    _world()
    path = _file(tmp_path, [{"reviewer": "rita", "title": "Good talk"}, line])

    with pytest.raises(CommandError) as failed:
        _run(path)

    assert "line 2: " + reason in str(failed.value)
    assert not review_models.ReviewerExpertise.objects.exists()


def test_skip_invalid_imports_the_good_lines(tmp_path: Path) -> None:
    _world()
    path = _file(tmp_path, [{"reviewer": "rita", "title": "Good talk"}, "{bad"])

    out = _run(path, "--skip-invalid")

    assert "1 bad lines skipped" in out
    assert review_models.ReviewerExpertise.objects.get().past_talks == "Good talk"


def test_an_unknown_call_fails_with_one_line(tmp_path: Path) -> None:
    path = _file(tmp_path, [{"reviewer": "rita", "title": "x"}])

    with pytest.raises(CommandError, match="No call with the slug 'pycon'"):
        _run(path)


def test_the_profile_form_keeps_topics_tidy_and_the_text_on_errors() -> None:
    from django.test import Client
    from django.urls import reverse

    c, r = _world()
    client = Client()
    client.force_login(r)
    url = reverse("reviews:expertise", args=[c.slug])

    client.post(
        url, {"topics": "Django, django ; testing,\n, Accessibility", "statement": "I teach."}
    )
    too_long = client.post(url, {"topics": "x" * 3000, "statement": "kept words"})

    profile = review_models.ReviewerExpertise.objects.get(call=c, reviewer=r)
    assert (profile.topics, profile.statement) == ("Django, testing, Accessibility", "I teach.")
    assert too_long.status_code == 400
    assert "kept words" in too_long.content.decode()
