"""A planted violation breaks each import-linter contract (so the contracts can fail)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cfp", "reviews", "diversity", "common", "config")


@pytest.fixture(scope="module")
def lint_imports() -> Path:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists():  # pragma: no cover - installed with the dev group
        pytest.fail("lint-imports is not installed in this environment")
    return exe


def _copy(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _run(exe: Path, where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_real_tree_keeps_every_contract(lint_imports: Path, tmp_path: Path) -> None:
    result = _run(lint_imports, _copy(tmp_path))

    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("cfp/planted.py", "import reviews.models\n", "Apps depend one way"),
        ("reviews/planted.py", "import diversity.models\n", "never imports the diversity app"),
        ("reviews/models_planted.py", "", "Layers inside reviews"),
        ("cfp/unplaced.py", "x = 1\n", "Layers inside cfp"),
        ("diversity/unplaced.py", "x = 1\n", "Layers inside diversity"),
        ("reviews/domain/planted.py", "import django.db\n", "Domain packages are plain Python"),
    ],
)
def test_a_planted_violation_breaks_its_contract(
    lint_imports: Path, tmp_path: Path, module: str, line: str, broken: str
) -> None:
    tree = _copy(tmp_path)
    if module == "reviews/models_planted.py":
        # A model module reaching up into services breaks the layer order.
        target = tree / "reviews" / "models.py"
        target.write_text(target.read_text() + "\nfrom reviews import services  # noqa\n")
    else:
        (tree / module).write_text(line)

    result = _run(lint_imports, tree)

    assert result.returncode != 0
    broken_section = result.stdout.split("Broken contracts", 1)[-1]
    assert broken in broken_section, result.stdout
