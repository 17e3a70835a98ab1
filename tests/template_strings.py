"""Visible text in templates that is not marked for translation (issue 24).

A template is read with Django's own lexer: ``{% translate %}``, ``{% blocktranslate %}…
{% endblocktranslate %}``, variables and other tags become a placeholder, comments vanish, and
what is left is parsed as HTML. Text between tags, and the attributes people read or hear (alt,
title, aria-label, placeholder…), must then hold no letters: punctuation, numbers, entities and
the short allowlist below are all that may stay unmarked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Invisible separator (category Cf): where a tag or a variable stood; never a letter.
HOLE = "\u2063"

# Attributes whose value a person reads or hears.
READ_ATTRIBUTES = frozenset(
    {
        "alt",
        "title",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "placeholder",
        "aria-placeholder",
        "aria-valuetext",
        "label",
    }
)
# Elements whose content nobody reads as text.
SILENT_ELEMENTS = frozenset({"script", "style", "code", "kbd", "pre"})

# Blocks of base.html that fill an attribute (a class name), not text.
ATTRIBUTE_BLOCKS = frozenset({"main_class"})

# Words that stay the same in every language (product and format names, units).
ALLOWLIST = frozenset(
    {"OK", "CSV", "JSON", "XLSX", "htmx", "Markdown", "GitHub", "URL", "PDF", "ID", "pretalx"}
)


@dataclass(frozen=True)
class Unmarked:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def _skeleton(source: str) -> str:
    """The template with every tag and variable replaced by HOLE (newlines kept for line
    numbers) and blocktranslate bodies and comments blanked."""
    out: list[str] = []
    depth = {"blocktranslate": 0, "comment": 0, "attribute": 0}
    blocks: list[str] = []
    for token in Lexer(source).tokenize():
        newlines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split()
            name = bits[0] if bits else ""
            if name == "block":
                blocks.append(bits[1] if len(bits) > 1 else "")
                # A block that fills an attribute of base.html (main_class): not read as text.
                depth["attribute"] += blocks[-1] in ATTRIBUTE_BLOCKS
            elif name == "endblock" and blocks:
                depth["attribute"] -= blocks.pop() in ATTRIBUTE_BLOCKS
            elif name in ("blocktranslate", "blocktrans"):
                depth["blocktranslate"] += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                depth["blocktranslate"] -= 1
            elif name == "comment":
                depth["comment"] += 1
            elif name == "endcomment":
                depth["comment"] -= 1
            out.append(HOLE + newlines)
            continue
        if token.token_type in (TokenType.VAR,):
            out.append(HOLE + newlines)
            continue
        if token.token_type == TokenType.COMMENT:
            out.append(newlines)
            continue
        if depth["blocktranslate"] or depth["comment"] or depth["attribute"]:
            out.append(HOLE + newlines if depth["blocktranslate"] else newlines)
            continue
        out.append(token.contents)
    return "".join(out)


_WORDISH = re.compile(r"[^\W\d_]", re.UNICODE)
# A file name or an address shown as such ("openapi.json", "/api/v1/"): not words to translate.
_FILE_OR_PATH = re.compile(r"^(?:[\w-]+\.(?:json|csv|xlsx|txt|md|py|html|yaml|yml)|/[\w/.-]*)$")


def _visible(text: str) -> str:
    """What is left of ``text`` once holes, allowlisted words and non-letters are taken out."""
    text = text.replace(HOLE, " ")
    words = [w for w in re.split(r"\s+", text) if w]
    left = [
        w
        for w in words
        if w.strip(".,:;!?()[]{}\"'«»…·–—-/|") not in ALLOWLIST
        and not _FILE_OR_PATH.match(w.strip(",:;!?()[]{}\"'«»…·–—|"))
    ]
    joined = " ".join(left)
    return joined if _WORDISH.search(joined) else ""


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SILENT_ELEMENTS:
            self.silent += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and _visible(value):
                self.found.append((self.getpos()[0], f"{name}={value.strip()}"))
            # A button's value is read only for <input type=submit|button>.
        kinds = dict(attrs)
        if tag == "input" and (kinds.get("type") or "") in ("submit", "button", "reset"):
            value = kinds.get("value") or ""
            if _visible(value):
                self.found.append((self.getpos()[0], f"value={value.strip()}"))

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT_ELEMENTS and self.silent:
            self.silent -= 1

    def handle_data(self, data: str) -> None:
        if self.silent:
            return
        if _visible(data):
            self.found.append((self.getpos()[0], " ".join(data.replace(HOLE, " ").split())))


def unmarked_in(path: Path, *, root: Path) -> list[Unmarked]:
    source = path.read_text(encoding="utf-8")
    skeleton = _skeleton(source)
    name = str(path.relative_to(root))
    if path.suffix == ".txt":
        lines = skeleton.splitlines()
        return [
            Unmarked(name, i + 1, line.strip()) for i, line in enumerate(lines) if _visible(line)
        ]
    finder = _Finder()
    finder.feed(skeleton)
    finder.close()
    return [Unmarked(name, line, text) for line, text in finder.found]


def unmarked(root: Path) -> list[Unmarked]:
    found: list[Unmarked] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt"):
            found.extend(unmarked_in(path, root=root))
    return found
