"""Affiliations: the speakers' employers or institutions named in the text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

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
    return rf"(?<![^\W_]){joined}(?![^\W_]){suffix}"


def _affiliation_candidates(
    folded: _Folded, speakers: Sequence[SpeakerIdentity]
) -> Iterable[tuple[int, int, FindingKind]]:
    patterns = {p for s in speakers if s.affiliation for p in [_affiliation_pattern(s.affiliation)]}
    patterns.discard(None)
    if not patterns:
        return
    pattern = re.compile("|".join(sorted(p for p in patterns if p is not None)))
    work.read(len(folded.text))
    for match in pattern.finditer(folded.text):
        work.checked()
        yield (*folded.span(match.start(), match.end()), FindingKind.AFFILIATION)
