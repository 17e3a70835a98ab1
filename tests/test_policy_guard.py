"""Blindness and access have one implementation each; a planted second copy is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import policy_guard


def test_only_the_policy_modules_read_blindness_or_memberships() -> None:
    violations = policy_guard.scan()

    assert violations == [], "\n".join(str(v) for v in violations)


def test_every_allowed_module_exists() -> None:
    # A stale entry would let a new file of that name skip the check unnoticed.
    missing = [p for p in policy_guard.ALLOWED if not (policy_guard.ROOT / p).exists()]

    assert missing == []


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for app in (*policy_guard.APPS, "templates"):
        shutil.copytree(
            policy_guard.ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        (
            "reviews/planted.py",
            "def blind(call):\n    return call.chairs_blind and not call.identities_revealed_at\n",
            "blindness",
        ),
        (
            "reviews/planted.py",
            "def titles(qs):\n    return qs.values('call__identities_revealed_at')\n",
            "blindness",
        ),
        (
            "diversity/planted.py",
            "from cfp import models\n"
            "def chairs(call_id):\n"
            "    return models.Membership.objects.filter(call_id=call_id)\n",
            "membership",
        ),
        (
            "reviews/planted.py",
            "def pool(users, call_id):\n"
            "    return users.filter(memberships__call_id=call_id, memberships__role='reviewer')\n",
            "membership",
        ),
        (
            "templates/reviews/planted.html",
            "{% if call.chairs_blind %}hidden{% endif %}\n",
            "blindness",
        ),
    ],
)
def test_a_planted_second_copy_of_a_rule_is_caught(
    tree: Path, path: str, source: str, rule: str
) -> None:
    (tree / path).write_text(source, encoding="utf-8")

    violations = policy_guard.scan(tree)

    assert [(v.path, v.rule) for v in violations] != []
    assert {(v.path, v.rule) for v in violations} == {(path, rule)}


def test_prose_in_a_docstring_is_not_a_read(tree: Path) -> None:
    (tree / "reviews" / "planted.py").write_text(
        '"""Chairs see names once identities_revealed_at is set (see cfp.access)."""\n',
        encoding="utf-8",
    )

    assert policy_guard.scan(tree) == []
