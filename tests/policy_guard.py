"""One rule, one place: only the policy modules read blindness fields and role memberships.

Blindness ("may chairs see who the speakers are now") is decided by ``cfp.domain.visibility``
on a ``Phase`` that ``cfp.queries.membership`` loads; who holds which role in a call is read by
``cfp.queries.membership`` and checked by ``cfp.access``. Any other module that names the call's
blind/reveal columns, or the membership table, is writing a second copy of the rule.

The checker reads Python source (attribute names, keyword arguments, names, and string constants
such as ``"call__chairs_blind"`` or ``"memberships__role"``) and template source, so neither an
ORM lookup nor ``{{ call.chairs_blind }}`` slips past. Writers of the settings themselves (the
settings form and service, the reveal, granting a role) are listed with the reason they may.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("cfp", "reviews", "diversity", "common", "config")

# Identifiers that carry the blindness decision, in any spelling a module could use to read it.
BLINDNESS = re.compile(r"chairs_blind|identities_revealed|chairs_see_identities")
# The membership table, its reverse relation, and the role column through it.
MEMBERSHIP = re.compile(r"\bMembership\b|\bmemberships\b|memberships__|membership__")


@dataclass(frozen=True, slots=True)
class Violation:
    path: str
    line: int
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.text}"


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """ids of docstring constants: prose may name the rule it follows."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def check_python(source: str, path: str, *, allowed: frozenset[str]) -> list[Violation]:
    tree = ast.parse(source)
    docstrings = _docstring_nodes(tree)
    out: list[Violation] = []
    for child in ast.walk(tree):
        if id(child) in docstrings:
            continue
        if isinstance(child, ast.Expr) and id(child.value) in docstrings:
            continue
        for lineno, word in _words_shallow(child):
            for rule, pattern in (("blindness", BLINDNESS), ("membership", MEMBERSHIP)):
                if rule not in allowed and pattern.search(word):
                    out.append(Violation(path, lineno, rule, word))
    return out


def _words_shallow(node: ast.AST) -> Iterator[tuple[int, str]]:
    if isinstance(node, ast.Attribute):
        yield node.lineno, node.attr
    elif isinstance(node, ast.Name):
        yield node.lineno, node.id
    elif isinstance(node, ast.keyword) and node.arg:
        yield node.value.lineno, node.arg
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.alias):
        yield getattr(node, "lineno", 0), node.asname or node.name
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.lineno, node.name
    elif isinstance(node, ast.arg):
        yield node.lineno, node.arg


def check_template(source: str, path: str, *, allowed: frozenset[str]) -> list[Violation]:
    out: list[Violation] = []
    for lineno, line in enumerate(source.splitlines(), start=1):
        for tag in re.findall(r"{[{%].*?[%}]}", line):
            for rule, pattern in (("blindness", BLINDNESS), ("membership", MEMBERSHIP)):
                if rule not in allowed and pattern.search(tag):
                    out.append(Violation(path, lineno, rule, tag))
    return out


def scan(root: Path = ROOT, *, allowed: dict[str, frozenset[str]] | None = None) -> list[Violation]:
    """Every read of a policy field outside the modules ``allowed`` maps to the rules they own."""
    allowed = allowed if allowed is not None else ALLOWED
    out: list[Violation] = []
    for app in APPS:
        for file in sorted((root / app).rglob("*.py")):
            rel = file.relative_to(root).as_posix()
            if "/migrations/" in rel:
                continue
            out.extend(
                check_python(
                    file.read_text(encoding="utf-8"), rel, allowed=allowed.get(rel, frozenset())
                )
            )
    for file in sorted((root / "templates").rglob("*.html")):
        rel = file.relative_to(root).as_posix()
        out.extend(
            check_template(
                file.read_text(encoding="utf-8"), rel, allowed=allowed.get(rel, frozenset())
            )
        )
    return out


BOTH = frozenset({"blindness", "membership"})
BLIND_ONLY = frozenset({"blindness"})
MEMBERS_ONLY = frozenset({"membership"})

# The policy itself, and the writers of the facts it reads (each with why it may name them).
ALLOWED: dict[str, frozenset[str]] = {
    # The tables.
    "cfp/models.py": BOTH,
    # Staff's internal admin lists the raw columns.
    "cfp/admin.py": BOTH,
    # The rule.
    "cfp/domain/visibility.py": BOTH,
    # The decorator.
    "cfp/access.py": BOTH,
    # The one read of memberships and of a call's phase.
    "cfp/queries/membership.py": BOTH,
    # Writers: the chair's call settings (the "blind" switch) and granting roles.
    "cfp/forms/call_settings.py": BLIND_ONLY,
    "cfp/services/call_settings.py": BLIND_ONLY,
    "cfp/services/memberships.py": MEMBERS_ONLY,
    # Writer: revealing identities is the chair's decision that changes the phase.
    "reviews/services/curation.py": BLIND_ONLY,
}
