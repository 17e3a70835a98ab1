"""Affiliations: the speakers' employers or institutions named in the text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cfp.domain.leaks import work
from cfp.domain.leaks.folding import _Folded, fold
from cfp.domain.leaks.kinds import FindingKind, SpeakerIdentity
from cfp.domain.leaks.words import (
    _LEGAL_SUFFIXES,
    _NON_IDENTIFYING_AFFILIATIONS,
    _TEXT_LEGAL_SUFFIXES,
)

_WORD = re.compile(r"[^\W_]+")


def _affiliation_pattern(affiliation: str) -> str | None:
    matcher = _affiliation_matcher(affiliation)
    return None if matcher is None else matcher[1]


@lru_cache(maxsize=4096)
def _affiliation_matcher(affiliation: str) -> tuple[str, str] | None:
    """The affiliation's first word, as folded, and the pattern that finds the affiliation."""
    words = _WORD.findall(fold(text=affiliation.replace("&", " and ")))
    # A dotted suffix ("S.A.", "S.L.", "e.V.") reads as single letters: join them into one word.
    letters = 0
    while letters < len(words) and len(words[-1 - letters]) == 1:
        letters += 1
    if letters >= 2:
        words[-letters:] = ["".join(words[-letters:])]
    while words and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    core = " ".join(words)
    if len(core) < 3 or {core, "".join(words)} & _NON_IDENTIFYING_AFFILIATIONS:
        return None
    joined = r"[\s.,&-]*".join(re.escape(w) for w in words)
    # The suffix, never a period after it: that is more often the end of the sentence.
    suffix = rf"(?:[\s.,]+(?:{'|'.join(sorted(_TEXT_LEGAL_SUFFIXES))})\b)*"
    return words[0], rf"(?<![^\W_]){joined}(?![^\W_]){suffix}"


def _affiliation_candidates(
    folded: _Folded, speakers: Sequence[SpeakerIdentity]
) -> Iterable[tuple[int, int, FindingKind]]:
    matchers = {m for s in speakers if s.affiliation for m in [_affiliation_matcher(s.affiliation)]}
    # Each pattern starts with its first word, as folded: a text without any of those words
    # cannot match, and a substring test in C says so faster than the pattern, whose leading
    # lookbehind keeps the regex engine from searching for the word itself.
    patterns = sorted(m[1] for m in matchers if m is not None and m[0] in folded.text)
    if not patterns:
        return
    pattern = re.compile("|".join(patterns))
    work.read(len(folded.text))
    for match in pattern.finditer(folded.text):
        work.checked()
        yield (*folded.span(match.start(), match.end()), FindingKind.AFFILIATION)
