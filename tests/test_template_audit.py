"""An auditor over every template: one date format through Django's localisation, "just now"
rather than "0 minutes ago", and flags named through the one vocabulary (issue 19).

- ``|date`` and ``|time`` take a named format (config/formats/), never a pattern of their own;
  machine-readable patterns are allowed only inside a ``datetime="…"`` attribute.
- ``timesince`` / ``naturaltime`` are refused: ``|ago`` (common_display) says "just now".
- A stored flag code appears only on its way into ``|flag`` / ``|flag_hint`` (or as a form value).

Each rule is shown to fail on a sample, so a broken pattern cannot pass silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from common import vocabulary

NAMED_FORMATS = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
}
_DATETIME_ATTRIBUTE = re.compile(r'datetime="[^"]*"')
_DATE_FILTER = re.compile(r"\|(date|time)\b(?::(\"[^\"]*\"|'[^']*'|[\w.]+))?")
_RELATIVE = re.compile(r"\|(timesince|naturaltime)\b")
_FLAG_CODES = ("under_reviewed", "high_disagreement", "low_confidence")
_FLAG_CODE = re.compile(r"\b(" + "|".join(_FLAG_CODES) + r")\b")
_FLAG_USE = re.compile(r"[\"'](" + "|".join(_FLAG_CODES) + r")[\"']\|flag")


def problems(text: str) -> list[str]:
    """What a template does against the rules above, one line each."""
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        readable = _DATETIME_ATTRIBUTE.sub("", line)
        for kind, argument in _DATE_FILTER.findall(readable):
            name = argument.strip("\"'")
            if name not in NAMED_FORMATS:
                found.append(f"{number}: |{kind}:{argument or '(default)'} is not a named format")
        found.extend(
            f"{number}: |{m} (use |ago, which says 'just now')" for m in _RELATIVE.findall(line)
        )
        unnamed = len(_FLAG_CODE.findall(line)) - len(_FLAG_USE.findall(line))
        if unnamed > 0 and 'value="' not in line:
            found.append(f"{number}: a flag code outside |flag")
    return found


def _templates() -> list[Path]:
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(root.rglob("*.html"))


def test_there_are_templates_to_audit() -> None:
    assert len(_templates()) > 20


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.name))
def test_template_follows_the_date_time_and_flag_rules(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "sample",
    [
        '{{ when|date:"Y-m-d H:i" }}',
        "{{ when|date:'j M Y' }}",
        '{{ when|time:"H:i:s" }}',
        "{{ when|date }}",
        "{% blocktranslate with w=at|timesince %}{{ w }} ago{% endblocktranslate %}",
        "{{ at|naturaltime }}",
        '{% if f == "high_disagreement" %}disagreement{% endif %}',
    ],
)
def test_the_auditor_catches(sample: str) -> None:
    assert problems(sample)


@pytest.mark.parametrize(
    "sample",
    [
        '{{ when|date:"DATETIME_FORMAT" }}',
        '<time datetime="{{ when|date:\'c\' }}">{{ when|date:"SHORT_DATE_FORMAT" }}</time>',
        "{{ at|ago }}",
        '{{ "high_disagreement"|flag }} {{ "low_confidence"|flag_hint }}',
        '<option value="under_reviewed">',
    ],
)
def test_the_auditor_lets_through(sample: str) -> None:
    assert problems(sample) == []


def test_every_flag_code_the_auditor_knows_has_a_label() -> None:
    assert all(code in vocabulary.FLAGS for code in _FLAG_CODES)
