"""A word diff for "what changed since my review".

Both texts must already be redacted: this module compares strings and knows nothing of speakers.
Tokens are words with the whitespace that follows them; two tokens are the same word when they
differ only in that whitespace, so re-wrapping a paragraph does not mark every line as changed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

EQUAL = "equal"
INSERT = "insert"
DELETE = "delete"
GAP = "gap"

_TOKEN = re.compile(r"\s+|\S+\s*")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text that is the same in both versions, new, removed, or left out (a gap)."""

    op: str
    text: str


def tokens(text: str) -> list[str]:
    """Words with their trailing whitespace; leading whitespace is a token of its own."""
    return _TOKEN.findall(text)


def _merged(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for s in segments:
        if not s.text:
            continue
        if out and out[-1].op == s.op:
            out[-1] = Segment(op=s.op, text=out[-1].text + s.text)
        else:
            out.append(s)
    return tuple(out)


def word_diff(*, old: str, new: str) -> tuple[Segment, ...]:
    """Segments that spell `new` through EQUAL and INSERT, and `old`'s words through EQUAL and
    DELETE; a replaced passage is its deletion followed by its insertion."""
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(
        a=[t.strip() for t in a], b=[t.strip() for t in b], autojunk=False
    )
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment(op=EQUAL, text="".join(b[j1:j2])))
            continue
        if tag in ("delete", "replace"):
            removed = "".join(a[i1:i2])
            if segments and not segments[-1].text[-1:].isspace():
                # The new text may end a word where the old one went on: keep the words apart.
                removed = " " + removed
            segments.append(Segment(op=DELETE, text=removed))
        if tag in ("insert", "replace"):
            segments.append(Segment(op=INSERT, text="".join(b[j1:j2])))
    return _merged(segments)


def changed(segments: Sequence[Segment]) -> bool:
    return any(s.op in (INSERT, DELETE) for s in segments)


def collapse(segments: Sequence[Segment], *, context: int = 12) -> tuple[Segment, ...]:
    """Shorten long unchanged runs to `context` words either side of a change, with a GAP marker
    where words were left out, so a reviewer reads the changes rather than the whole text."""
    out: list[Segment] = []
    last = len(segments) - 1
    for index, s in enumerate(segments):
        if s.op != EQUAL:
            out.append(s)
            continue
        words = tokens(s.text)
        keep_head = context if index > 0 else 0
        keep_tail = context if index < last else 0
        if len(words) <= keep_head + keep_tail + 1:
            out.append(s)
            continue
        head = "".join(words[:keep_head])
        tail = "".join(words[len(words) - keep_tail :]) if keep_tail else ""
        out.extend(
            (Segment(op=EQUAL, text=head), Segment(op=GAP, text="…"), Segment(op=EQUAL, text=tail))
        )
    return _merged(out)
