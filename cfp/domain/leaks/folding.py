"""Folding: accent- and case-insensitive matching with offsets back into the original text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cfp.domain.leaks import work

# Letters that NFKD leaves alone but that people type without the diacritic.
_SPECIAL_FOLDS = {
    "\u0131": "i",  # dotless i
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ß": "ss",
    "þ": "th",
    "ħ": "h",
    "ŀ": "l",
    "\u2019": "'",  # right single quotation mark, the usual typographic apostrophe
    "\u2018": "'",
    "\u02bc": "'",  # modifier letter apostrophe
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
}

# German and Scandinavian spellings without the letter: "Gröber" is also written "Groeber".
_TRANSLITERATIONS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae", "ß": "ss"}
)


def _is_unspaced_script(ch: str) -> bool:
    """Scripts written without spaces between words, where word boundaries do not exist."""
    code = ord(ch)
    return (
        0x0E00 <= code <= 0x0E7F  # Thai
        or 0x1100 <= code <= 0x11FF  # Hangul Jamo
        or 0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3130 <= code <= 0x318F  # Hangul compatibility Jamo
        or 0x3400 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= code <= 0x2FA1F  # CJK extensions
    )


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    special = _SPECIAL_FOLDS.get(ch) or _SPECIAL_FOLDS.get(ch.lower())
    if special is not None:
        return special
    if _is_unspaced_script(ch):
        # NFKD would split Hangul into jamo and strip kana voicing marks; neither helps matching.
        return ch
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_SPECIAL_FOLDS.get(c, c) for c in kept)


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds each character the first time it is seen.

    It also remembers which characters fold to other than exactly one character (combining
    marks, "ß", ligatures): only texts containing one of those need an index map.
    """

    def __init__(self) -> None:
        super().__init__((code, chr(code).lower()) for code in range(128))
        self.unaligned: set[str] = set()

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(folded) != 1:
            self.unaligned.add(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


# A long text with few distinct characters beyond ASCII is folded by `str.lower` and a
# replacement per such character (passes in C at memchr speed) rather than a translation that
# looks every character up in the table.
_REPLACED_AT_MOST = 16
_REPLACE_FROM_LENGTH = 256
_CAPITAL_SIGMA = "\u03a3"


@lru_cache(maxsize=256)
def _fold_replacements(chars: frozenset[str]) -> tuple[tuple[str, str], ...] | None:
    """What turns the lower-casing of a text whose characters beyond ASCII are `chars` into its
    fold, one replacement each; None when that cannot be done (then the table translates)."""
    if len(chars) > _REPLACED_AT_MOST or _CAPITAL_SIGMA in chars:
        return None  # `str.lower` writes a capital sigma at a word's end as a final sigma
    replacements: dict[str, str] = {}
    for ch in chars:
        folded, lowered = _FOLD_TABLE[ord(ch)], ch.lower()
        if len(folded) != 1 or len(lowered) != 1:
            return None  # grows or vanishes ("ß", "İ", a combining mark): needs the index map
        if lowered.isascii():
            if folded != lowered:
                return None  # it would have to be told apart from the ASCII letter
            continue
        if replacements.setdefault(lowered, folded) != folded:
            return None  # two characters lower-case alike but fold apart
    # Each replacement must be the last word on what it produces.
    if any(replacements.get(target, target) != target for target in replacements.values()):
        return None
    return tuple((lowered, folded) for lowered, folded in replacements.items() if lowered != folded)


@lru_cache(maxsize=8)
def beyond_ascii(text: str) -> frozenset[str]:
    """The distinct characters of `text` beyond ASCII. Kept for the latest texts: the typed
    reading folds a text and the shown reading builds its shadow, and both ask."""
    return frozenset(ch for ch in set(text) if not ch.isascii())


def _fold_with_map(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, unless it is aligned with `text`, each folded char's origin."""
    if text.isascii():
        return text.lower(), None
    if len(text) >= _REPLACE_FROM_LENGTH:
        replacements = _fold_replacements(beyond_ascii(text))
        if replacements is not None:
            folded = text.lower()
            for lowered, replacement in replacements:
                if lowered in folded:
                    folded = folded.replace(lowered, replacement)
            return folded, None
    return _fold_with_table(text)


def _fold_with_table(text: str) -> tuple[str, list[int] | None]:
    """`_fold_with_map` by the table, character by character."""
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text) and _FOLD_TABLE.unaligned.isdisjoint(set(text)):
        return folded, None
    pieces: list[str] = []
    origin: list[int] = []
    position = 0
    for run in _NON_ASCII_RUN.finditer(text):
        work.checked(run.end() - run.start())  # one step per character, in Python
        run_start, run_end = run.span()
        if run_start > position:
            pieces.append(text[position:run_start].lower())
            origin.extend(range(position, run_start))
        for index in range(run_start, run_end):
            folded = _fold_char(text[index])
            pieces.append(folded)
            origin.extend([index] * len(folded))
        position = run_end
    if position < len(text):
        pieces.append(text[position:].lower())
        origin.extend(range(position, len(text)))
    return "".join(pieces), origin


def fold(*, text: str) -> str:
    """The comparison form used by the scanner: no accents, no case, NFKD-compatible."""
    return _fold_with_map(text)[0]


@dataclass(frozen=True, slots=True)
class _Folded:
    original: str
    text: str
    origin: list[int] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded [start, end) back to the original, keeping trailing combining marks."""
        if self.origin is None:
            return start, end
        original_start = self.origin[start] if start < len(self.origin) else len(self.original)
        original_end = self.origin[end - 1] + 1 if end > start else original_start
        while original_end < len(self.original) and unicodedata.combining(
            self.original[original_end]
        ):
            original_end += 1
        return original_start, original_end
