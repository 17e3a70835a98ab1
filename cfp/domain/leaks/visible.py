"""What a reader sees, not what the speaker typed: shadow texts that undo display tricks.

A speaker who wants to be recognised can write a name so that the raw text no longer contains
it while the page still shows it: HTML entities (``Quux&#119;orth``), invisible characters
(zero-width space, soft hyphen, bidi controls), look-alike letters from other scripts
(Cyrillic ``у`` for ``y``), Markdown that splits a word (``Quux**worth**``, a backslash or
hyphenated line break), spaced letters (``Q u u x``), percent-escapes, entities and punycode in
link targets. A *shadow* undoes all of these at once, keeping for every shadow character the
source span it came from, so findings on the shadow redact the source.

Two shadows are built:

- the *joined* text: entities, backslash and percent escapes, punycode labels decoded; NFKC;
  format characters (category Cf: zero-width, soft hyphen, bidi controls), the other
  default-ignorable code points (Hangul fillers) and combining marks dropped; look-alike
  letters folded to Latin; emphasis markers and line breaks inside a word removed; a
  right-to-left override run put back in the order it is shown. Case is kept, so the ordinary
  matchers (names in runs, links, addresses) run on it unchanged.
- the *letters*: the joined text lower-cased with everything but letters removed, each letter
  remembering whether a word started before it. A speaker's identity tokens (distinctive name
  parts, initial+surname joins, usernames, distinctive affiliation words) are searched here as
  plain substrings, which is what catches ``Q u u x w o r t h`` or ``ZQUUXWORTH``.

Every loop here is a single pass over the text; the patterns have no nested quantifiers.
"""

from __future__ import annotations

import bisect
import html
import itertools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import unquote

from cfp.domain.leaks import work
from cfp.domain.leaks.affiliations import _affiliation_pattern
from cfp.domain.leaks.folding import _fold_with_map, beyond_ascii, fold
from cfp.domain.leaks.kinds import FindingKind, SpeakerIdentity
from cfp.domain.leaks.names import _name_tokens, _speaker_parts
from cfp.domain.leaks.words import (
    _COMMON_GIVEN_NAMES,
    _COMMON_WORDS,
    _LEGAL_SUFFIXES,
    _NON_IDENTIFYING_AFFILIATIONS,
    _words,
)

# Letters from other scripts (and Latin small capitals, IPA) that look like a Latin letter.
# After Unicode's confusables.txt, limited to one look-alike letter each; NFKC already takes
# care of full-width, mathematical and circled letters.
_LOOK_ALIKES = dict(
    zip(
        # Cyrillic
        "АВЕКМНОРСТУХЅІЇЈԚԜҮҺӀЁаеокрсухѕіїјԁԛԝүһӏёвнмтьԍ"
        # Greek
        "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβγεικνορτυχωϲϳ"
        # Armenian
        "ՕՍԼօսհոցզա"
        # Latin small capitals and IPA
        "ᴀʙᴄᴅᴇɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢɑɡɩȷ"
        # Cherokee
        "ᎪᏴᏟᎠᎬᏀᎻᎫᏦᏞᎷᏢᏚᎢᏙᏔᏃ"
        # Cyrillic and Greek letters that pass for a Latin letter in most fonts
        "пгшицηµμ",
        "ABEKMHOPCTYXSIIJQWYhlEaeokpcyxsiijdqwyhlebhmtbg"
        "ABEZHIKMNOPTYXabyeikvoptuxwcj"
        "OULouhngqw"
        "abcdeghijklmnoprstuvwyzagij"
        "ABCDEGHJKLMPSTVWZ"
        "nrwuunuu",
        strict=True,
    )
)

_LOOK_ALIKE_TABLE = str.maketrans(_LOOK_ALIKES)

# Right-to-left override and embedding controls start a run that ends at PDF / PDI / a line.
_RTL_OVERRIDE = "\u202e"
_RUN_ENDS = "\u202c\u2069\n"

# What the shown text does not show as typed, in ASCII: entities, percent-escapes, punycode host
# labels, backslash escapes and hard breaks, a word hyphenated at the end of a line, emphasis and
# strikethrough markers, control characters. Other scripts are translated in one pass (see
# `_SHOWN_TABLE`); only their characters that vanish or grow are special (`_special_pattern`).
_ASCII_SPECIAL = (
    # A run of entities is decoded at once: "&#81;&#117;&#117;&#120;" is one piece of the map.
    r"(?:&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});?){1,64}"
    r"|(?:%[0-9a-fA-F]{2})+"
    r"|(?<![A-Za-z0-9-])[xX][nN]--[A-Za-z0-9-]{1,59}"
    r"|\\[\n!-/:-@\[-`{-~]"
    r"|(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_])"
    r"|[*~]+"
    r"|[\x00-\x08\x0b-\x1f\x7f]"
)
# The leading class fails fast at the many positions where nothing special starts.
_ASCII_SPECIAL_STARTS = r"&%xX\\*~\x00-\x08\x0b-\x1f\x7f\-"
_SPECIAL = re.compile(f"(?=[{_ASCII_SPECIAL_STARTS}])(?:{_ASCII_SPECIAL})")
# Inline markup that never shows: emphasis and strikethrough markers.
_INLINE_MARKERS = frozenset("*~")
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc", "Zl", "Zp"})
# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): a browser draws
# nothing for them. Most are format characters or marks, dropped by category above; this keeps
# the rest: the Hangul fillers, which are letters (Lo) that show as a blank, and the ranges
# reserved as ignorable that no version of Unicode has assigned yet (Cn).
_DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_IGNORABLE = frozenset(
    chr(code)
    for first, last in _DEFAULT_IGNORABLE_RANGES
    for code in range(first, last + 1)
    if unicodedata.category(chr(code)) not in _DROPPED_CATEGORIES
)
# Stand-ins for a right-to-left override and the end of its run while the shadow is built.
_RUN_OPEN, _RUN_CLOSE = "\ue000", "\ue001"
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_NON_LETTERS = re.compile(r"[\W\d_]+")


_WHOLE, _FORWARD, _BACKWARD = 0, 1, -1
_SOURCE_START, _SOURCE_END = operator.itemgetter(0), operator.itemgetter(1)


@dataclass(frozen=True, slots=True)
class Shadow:
    """A text as shown, and where each of its characters came from in the source.

    The map is kept per segment, not per character: a segment starting at shadow offset
    ``offsets[i]`` either copies the source one to one from ``sources[i][0]`` (``aligned``) or
    shows the whole source span ``sources[i]`` (an entity, an escape, a normalised letter).
    """

    text: str
    offsets: list[int]
    # Source start, source end, and how the segment shows them: `_FORWARD` one to one,
    # `_BACKWARD` one to one from the end (a right-to-left run), `_WHOLE` each shown
    # character stands for the whole span.
    sources: list[tuple[int, int, int]]
    # Where the link targets listed after the text start, when every one of them is copied as
    # typed (nothing in the text needed decoding): a reading that has seen the typed text has
    # seen those targets as they are shown, so it may stop here. None otherwise.
    typed_targets_from: int | None = None
    # Where the link targets listed after the text start (each after a blank line), typed or
    # not; None when there are none or the offset is not known (a run inside a link title).
    targets_from: int | None = None
    # A shadow put in shown order over another one (`_in_shown_order`): the sources above are
    # offsets of `parent.text`, and `parent` maps them on to the source, in order up to this
    # shadow's offset `in_order_until` (the text before its link targets), and again after it.
    parent: Shadow | None = None
    in_order_until: int = 0

    def _source(self, index: int) -> tuple[int, int]:
        segment = bisect.bisect_right(self.offsets, index) - 1
        start, end, direction = self.sources[segment]
        if direction == _FORWARD:
            at = start + index - self.offsets[segment]
            return at, at + 1
        if direction == _BACKWARD:
            at = end - 1 - (index - self.offsets[segment])
            return at, at + 1
        return start, end

    def _piece(self, segment: int, start: int, end: int) -> tuple[int, int]:
        """The source span of what segment `segment` shows of `self.text[start:end]`."""
        begin = self.offsets[segment]
        finish = self.offsets[segment + 1] if segment + 1 < len(self.offsets) else len(self.text)
        low, high = max(start, begin), min(end, finish)
        source_start, source_end, direction = self.sources[segment]
        if direction == _FORWARD:
            return source_start + low - begin, source_start + high - begin
        if direction == _BACKWARD:
            return source_end - (high - begin), source_end - (low - begin)
        return source_start, source_end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The source span of everything `self.text[start:end]` shows.

        Every segment in between counts: across a right-to-left run the ends of the shown span
        are not the ends of its source (the run's first shown character is its last typed one).
        """
        parent = self.parent
        if parent is None:
            return self._own_span(start, end)
        # Up to `in_order_until`, `parent` maps its offsets in order: the hull of the offsets
        # a span covers maps to the hull of their sources. The link targets after it are
        # sources from the middle of the text: a span across is mapped in two parts.
        until = self.in_order_until
        if start < until < end:
            low, high = parent.span(*self._own_span(start, until))
            after_low, after_high = parent.span(*self._own_span(until, end))
            return min(low, after_low), max(high, after_high)
        return parent.span(*self._own_span(start, end))

    def _own_span(self, start: int, end: int) -> tuple[int, int]:
        segment = bisect.bisect_right(self.offsets, start) - 1
        last = bisect.bisect_right(self.offsets, end - 1) - 1
        if segment == last:
            first, final = self._source(start), self._source(end - 1)
            return min(first[0], final[0]), max(first[1], final[1])
        low, high = self._piece(segment, start, end)
        final_low, final_high = self._piece(last, start, end)
        low, high = min(low, final_low), max(high, final_high)
        # The segments in between are shown whole: their sources, compared in C.
        between = self.sources[segment + 1 : last]
        if between:
            low = min(low, min(map(_SOURCE_START, between)))
            high = max(high, max(map(_SOURCE_END, between)))
        return low, high


class _Builder:
    def __init__(self, show: Callable[[str], str] = str) -> None:
        self.out: list[str] = []
        self.offsets: list[int] = []
        self.sources: list[tuple[int, int, int]] = []
        self.length = 0
        # Text whose characters each show as one character, as shown (see `_show_function`).
        self.show = show

    def _add(self, shown: str, start: int, end: int, *, aligned: bool) -> None:
        if shown:
            self.out.append(shown)
            self.offsets.append(self.length)
            self.sources.append((start, end, _FORWARD if aligned else _WHOLE))
            self.length += len(shown)

    def copy(self, text: str, start: int, end: int) -> None:
        self._add(text[start:end], start, end, aligned=True)

    def shown(self, piece: str, start: int, end: int) -> None:
        """`piece` as shown: NFKC, no format characters or accents, look-alikes folded."""
        self._add(_shown_text(piece), start, end, aligned=False)

    def translated(self, shown: str, start: int, end: int) -> None:
        """`shown`, already as shown, standing for the whole source span."""
        self._add(shown, start, end, aligned=False)

    def extend(self, shown: list[str], sources: list[tuple[int, int, int]]) -> None:
        """Add pieces as shown with their sources, in bulk: the empty ones are left out, the
        offsets are summed in C."""
        kept = list(map(bool, shown))
        shown = list(itertools.compress(shown, kept))
        offsets = list(itertools.accumulate(map(len, shown), initial=self.length))
        self.length = offsets.pop()
        self.out += shown
        self.offsets += offsets
        self.sources += itertools.compress(sources, kept)

    def copy_shown(self, text: str, start: int, end: int) -> None:
        """`text[start:end]`, whose characters each show as one character (other scripts)."""
        piece = text[start:end]
        if not piece.isascii():
            piece = self.show(piece)
        self._add(piece, start, end, aligned=True)


def _shown_text(piece: str) -> str:
    """`piece` as shown: NFKC, no format characters or accents, look-alikes folded."""
    kept = []
    for ch in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", piece)):
        if ch == _RTL_OVERRIDE:
            ch = _RUN_OPEN
        elif ch in _RUN_ENDS:
            ch = _RUN_CLOSE if ch != "\n" else ch
        elif (
            ch in _INLINE_MARKERS
            or ch in _IGNORABLE
            or (unicodedata.category(ch) in _DROPPED_CATEGORIES and ch not in "\n\t")
        ):
            continue
        kept.append(_LOOK_ALIKES.get(ch, ch))
    return "".join(kept)


class _ShownTable(dict[int, str]):
    """A `str.translate` table: each character as shown on its own, worked out once.

    It remembers the characters that show as other than exactly one character (those need a
    segment of their own in the shadow's map). A text in another script used to cost two
    normalisations per character; now it is one translation in C, and a segment of the map
    only where a character vanishes or grows.
    """

    _LIMIT = 1 << 16  # distinct characters kept; beyond that they are worked out each time

    def __init__(self) -> None:
        super().__init__()
        self.unaligned: set[str] = set()

    def __missing__(self, code: int) -> str:
        shown = _shown_text(chr(code))
        if len(shown) != 1:
            self.unaligned.add(chr(code))
        if len(self) < self._LIMIT:
            self[code] = shown
        return shown


_SHOWN_TABLE = _ShownTable()


@lru_cache(maxsize=64)
def _special_pattern(unaligned: frozenset[str]) -> re.Pattern[str]:
    """`_SPECIAL`, plus runs of the characters met so far that vanish or grow when shown.

    Single letters between such characters belong to the run, and so does a space between two
    of them ("V\u200br\u200ba\u200bn…" is one piece of the map, shown whole, and so is a line of
    such words): a text written with an invisible character between every letter costs a step
    per line, not per letter or per word, and each run maps back to itself whole (a finding in
    it redacts the run). A word of several letters in a row ends the run: soft hyphens in the
    words of an ordinary paragraph do not make it one piece.
    """
    if not unaligned:
        return _SPECIAL
    chars = "".join(f"\\U{ord(ch):08x}" for ch in sorted(unaligned))
    return re.compile(
        f"(?=[{_ASCII_SPECIAL_STARTS}{chars}])"
        f"(?:{_ASCII_SPECIAL}|[{chars}]++(?:[^\\W\\d_](?: [^\\W\\d_])?[{chars}]++)*+)"
    )


def _decoded(typed: str) -> str | None:
    """What a special sequence shows, or None to keep it as typed."""
    first = typed[0]
    if first == "&":
        decoded = html.unescape(typed)
        return None if decoded == typed else decoded
    if first == "%":
        return unquote(typed, errors="replace")
    if first in "xX":
        try:
            return typed.lower().encode("ascii").decode("idna")
        except UnicodeError:
            return None
    if first == "\\":
        return "" if typed[1] == "\n" else typed[1]
    if first == "-" or first in _INLINE_MARKERS:
        return ""  # a line-end hyphen inside a word, emphasis markers
    return typed


# Special sequences come back (a name spelled with the same entities a thousand times): what
# each short one shows is worked out once. Bounded; cleared when full.
_SHOWN_SPECIALS: dict[str, str | None] = {}
_SHOWN_SPECIALS_LIMIT = 1 << 14
_SHOWN_SPECIAL_LENGTH = 64
_UNKNOWN = object()


def _shown_special(typed: str) -> str | None:
    """What the ASCII special sequence `typed` shows when rendered, or None to keep it."""
    shown = _SHOWN_SPECIALS.get(typed, _UNKNOWN)
    if shown is _UNKNOWN:
        decoded = _decoded(typed)
        shown = None if decoded is None else _shown_text(decoded)
        if len(typed) <= _SHOWN_SPECIAL_LENGTH:
            if len(_SHOWN_SPECIALS) >= _SHOWN_SPECIALS_LIMIT:
                _SHOWN_SPECIALS.clear()
            _SHOWN_SPECIALS[typed] = shown
    return shown  # type: ignore[return-value]


# Markdown link syntax that hides what stands between two pieces of shown text: the tail of an
# inline link or image, `](destination "title")`, and of a reference link, `][label]`. A reader
# sees "[Quux](https://example.org)worth" as "Quuxworth", so the shadow drops the tail from the
# flow and shows the destination and title after the text (where `markdown.visible_text` lists
# link targets), still decoded and still read. Every repetition is bounded and possessive (a
# run of plain destination characters is one step, not one per character); a destination stops
# at a space or an unbalanced parenthesis and every tail starts with one, so each tail is
# matched in time bounded by the distance to the next (a title, by the next quote or
# parenthesis). A destination may hold brackets: the redaction of a profile link inside one
# ("[Quux]([link] "t")worth") is read too. A tail this misses (parentheses nested twice in a
# destination, say) is caught where a Markdown text is redacted: `scanning.scan_rendered`
# reads the rendering.
_LINK_TAIL = re.compile(
    r"\]\(\s*+"
    r"(?P<destination><[^<>\n]{0,2048}+>"
    r"|(?:[^\s()\\]{1,2048}+|\\.|\((?:[^\s()\\]|\\.){0,2048}+\)){0,2048}+)"
    r"(?:\s++(?P<title>\"[^\"]{0,1024}+\"|'[^']{0,1024}+'|\([^()]{0,1024}+\)))?"
    r"\s*+\)"
    r"|\]\[(?P<label>[^\[\]]{0,999}+)\]"
)


def _link_tails(text: str) -> list[re.Match[str]]:
    if "](" not in text and "][" not in text:
        return []
    tails = list(_LINK_TAIL.finditer(text))
    work.checked(len(tails))
    return tails


# Below this many distinct characters that show as another one, a long text is shown by a
# replacement per character (each a pass in C at memchr speed) rather than a translation, which
# looks every character up in a table.
_REPLACED_AT_MOST = 16
_REPLACE_FROM_LENGTH = 256


@lru_cache(maxsize=256)
def _show_function(changed: frozenset[str]) -> Callable[[str], str]:
    """How text made of characters that each show as one is shown, given those that change."""
    pairs = [(ch, _SHOWN_TABLE[ord(ch)]) for ch in sorted(changed)]
    if len(pairs) > _REPLACED_AT_MOST or any(shown in changed for _, shown in pairs):
        return _translated

    def show(piece: str) -> str:
        if len(piece) < _REPLACE_FROM_LENGTH:
            return piece.translate(_SHOWN_TABLE)
        for ch, shown in pairs:
            if ch in piece:
                piece = piece.replace(ch, shown)
        return piece

    return show


def _translated(piece: str) -> str:
    return piece.translate(_SHOWN_TABLE)


@lru_cache(maxsize=256)
def shadow(text: str) -> Shadow:
    """The joined shadow of `text` (see the module docstring)."""
    built = _Builder()
    work.read(len(text))
    special = _SPECIAL
    holds_unaligned = False
    if not text.isascii():
        # The table learns each new character once (whether it vanishes or grows when shown);
        # only those need segments of their own.
        work.read(len(text))
        # Characters in ASCII that vanish when shown (markup, controls) are special sequences
        # of `_SPECIAL` already: only the others need learning.
        distinct = beyond_ascii(text)
        for ch in distinct:
            if ord(ch) not in _SHOWN_TABLE:
                _SHOWN_TABLE[ord(ch)]  # worked out and kept by __missing__
        special = _special_pattern(frozenset(_SHOWN_TABLE.unaligned))
        holds_unaligned = not distinct.isdisjoint(_SHOWN_TABLE.unaligned)
        table = _SHOWN_TABLE
        built.show = _show_function(
            frozenset(
                ch
                for ch in distinct
                if not ch.isascii() and len(table[ord(ch)]) == 1 and table[ord(ch)] != ch
            )
        )
    tails = _link_tails(text)
    targets_from = None
    if tails:
        may_decode = _may_need_decoding(text, holds_unaligned)
        flow_end, targets_from = _pieces_around_tails(
            built, text, tails, special if may_decode else None
        )
    elif _needs_more_than_markup(text, holds_unaligned):
        _decode_into(built, text, 0, len(text), special)
        flow_end = built.length
    elif any(sign in text for sign in _MARKUP_SIGNS):
        _copy_around_markup(built, text)
        flow_end = built.length
    else:
        built.copy_shown(text, 0, len(text))  # nothing to decode (most texts)
        flow_end = built.length
    view = Shadow(
        "".join(built.out),
        built.offsets,
        built.sources,
        targets_from,
        targets_from=flow_end if tails else None,
    )
    if _RUN_OPEN in view.text or _RUN_CLOSE in view.text:
        ordered = _in_shown_order(view, flow_end)
        if tails and not _RUN_MARKS_ONLY.search(view.text, flow_end):
            # No run reaches the targets (each starts after a line break, which ends a run):
            # they are still the end of the shadow, as they were.
            moved = len(ordered.text) - (len(view.text) - flow_end)
            ordered = replace(
                ordered,
                typed_targets_from=None if targets_from is None else moved,
                targets_from=moved,
            )
        return ordered
    return view


def _pieces_around_tails(
    built: _Builder, text: str, tails: list[re.Match[str]], special: re.Pattern[str] | None
) -> tuple[int, int | None]:
    """Add the text without its link tails, then each tail's destination, title and label on a
    line of its own (where `markdown.visible_text` lists link targets).

    A text full of links has a piece or two per link. When nothing in the text needs decoding
    (so nothing in any piece either), the map is built in bulk from the pieces' spans. Returns
    the shadow offset where the flow ends (and the targets start), and that offset again when
    every target is shown exactly as typed, else None. `special` is None when the text is known
    to hold nothing to decode (`_may_need_decoding`).
    """
    # The flow: from the start of the text or the end of a tail to the next tail or the end.
    flow_starts = [0, *map(_END, tails)]
    flow_ends = [*map(_START, tails), len(text)]
    # The spans of each tail's destination, title and label (-1 when absent).
    targets = [span for tail in tails for span in tail.regs[1:4] if span[0] < span[1]]
    if special is not None and special.search(text) is not None:
        for start, end in zip(flow_starts, flow_ends, strict=True):
            if start < end:
                _decode_into(built, text, start, end, special)
        targets_from = built.length
        flow_pieces = len(built.out)
        typed_targets = [text[start:end] for start, end in targets]
        joined = "".join(typed_targets)
        if _may_need_decoding(
            joined, not joined.isascii() and not _SHOWN_TABLE.unaligned.isdisjoint(joined)
        ):
            for start, end in targets:
                built.translated("\n\n", start, end)
                _decode_into(built, text, start, end, special)
        else:
            # The special sequences are all in the text: the targets are added in bulk.
            _add_targets(built, targets, typed_targets)
        typed = "".join(f"\n\n{target}" for target in typed_targets)
        as_typed = "".join(built.out[flow_pieces:]) == typed
        return targets_from, targets_from if as_typed else None
    # Slices in a comprehension: mapping `text.__getitem__` over slice objects costs twice as
    # much per piece.
    flow = [text[start:end] for start, end in zip(flow_starts, flow_ends, strict=True)]
    flow_sources = zip(flow_starts, flow_ends, itertools.repeat(_FORWARD))
    lengths = list(map(len, flow))
    shown = list(itertools.compress(flow, lengths))
    sources = list(itertools.compress(flow_sources, lengths))
    # Each target after a blank line that stands for the whole span.
    blank = len(shown)
    shown += ["\n\n", ""] * len(targets)
    sources += [(0, 0, _WHOLE)] * (2 * len(targets))
    typed_targets = [text[start:end] for start, end in targets]
    shown[blank + 1 :: 2] = typed_targets
    sources[blank::2] = [(start, end, _WHOLE) for start, end in targets]
    sources[blank + 1 :: 2] = [(start, end, _FORWARD) for start, end in targets]
    if not text.isascii():
        # Each character shows as one: the pieces are translated together, cut again.
        joined = built.show("".join(shown))
        cuts = list(itertools.accumulate(map(len, shown), initial=0))
        shown = [joined[start:end] for start, end in itertools.pairwise(cuts)]
    offsets = list(itertools.accumulate(map(len, shown), initial=built.length))
    built.length = offsets.pop()
    built.out += shown
    built.offsets += offsets
    built.sources += sources
    flow_end = offsets[blank] if blank < len(offsets) else built.length
    if not text.isascii() and shown[blank + 1 :: 2] != typed_targets:
        return flow_end, None  # a target shows other than typed (a look-alike letter folded)
    return flow_end, flow_end


def _add_targets(built: _Builder, targets: list[tuple[int, int]], typed_targets: list[str]) -> None:
    """Each target after a blank line that stands for its whole span, when no target holds
    anything to decode: the map is built from their spans and lengths in C."""
    shown = ["\n\n", ""] * len(targets)
    shown[1::2] = typed_targets
    if not all(map(str.isascii, typed_targets)):
        shown[1::2] = [
            target if target.isascii() else built.show(target) for target in typed_targets
        ]
    sources: list[tuple[int, int, int]] = [(0, 0, 0)] * (2 * len(targets))
    sources[0::2] = [(start, end, _WHOLE) for start, end in targets]
    sources[1::2] = [(start, end, _FORWARD) for start, end in targets]
    built.extend(shown, sources)


_START, _END = operator.methodcaller("start"), operator.methodcaller("end")
# The characters that start a special sequence in ASCII, but for "x" and "-" (letters and
# hyphens are everywhere: their sequences are looked for by what follows them).
_MARKUP_SIGNS = "*~"
_DECODED_SIGNS = "&%\\"
_PUNYCODE_SIGNS = ("n--", "N--")
_HYPHEN_BREAK_SIGN = re.compile(r"-[ \t]*\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _may_need_decoding(text: str, holds_unaligned: bool) -> bool:
    """False only when `text` holds no special sequence (`_ASCII_SPECIAL`, or a character that
    vanishes or grows when shown): a few searches at memchr speed, where the pattern tried at
    every position costs 12 ns a character. `holds_unaligned`: whether one of the text's
    characters vanishes or grows when shown."""
    return _needs_more_than_markup(text, holds_unaligned) or any(
        sign in text for sign in _MARKUP_SIGNS
    )


def _needs_more_than_markup(text: str, holds_unaligned: bool) -> bool:
    """False only when the special sequences of `text` are all runs of emphasis and
    strikethrough markers ("**", "~~"), which show as nothing (see `_may_need_decoding`)."""
    return (
        holds_unaligned
        or any(sign in text for sign in _DECODED_SIGNS)
        or any(sign in text for sign in _PUNYCODE_SIGNS)
        or _HYPHEN_BREAK_SIGN.search(text) is not None
        or _CONTROL.search(text) is not None
    )


_MARKUP_RUNS = re.compile(r"([*~]+)")


def _copy_around_markup(built: _Builder, text: str) -> None:
    """`_decode_into` of a whole text whose special sequences are all runs of markers (see
    `_needs_more_than_markup`): one split in C drops the runs, and the pieces between are
    copied as they show, their map built from their lengths. A text with emphasis in every
    sentence was decoded marker by marker."""
    parts = _MARKUP_RUNS.split(text)
    work.checked(len(parts) // 2)
    cuts = list(itertools.accumulate(map(len, parts), initial=0))
    pieces = parts[0::2]
    if not text.isascii():
        pieces = [piece if piece.isascii() else built.show(piece) for piece in pieces]
    # Each piece copies its source one to one (a character shows as one); the runs between
    # are not shown.
    sources = list(zip(cuts[0::2], cuts[1::2], itertools.repeat(_FORWARD), strict=False))
    built.extend(pieces, sources)


def _decode_into(
    built: _Builder, text: str, start: int, end: int, special: re.Pattern[str]
) -> None:
    """Add `text[start:end]` as shown: special sequences decoded, the rest copied.

    The piece is split around its special sequences in C (a piece starts at the start of the
    text or after link syntax, which is no letter, digit or hyphen: the patterns' lookbehinds
    read the same in the piece alone), and the map is built in bulk; only what each sequence
    shows is worked out one by one, mostly as a lookup.
    """
    first = special.search(text, start, end)
    if first is None:
        # Nothing to decode (most pieces between link tails): copied as it shows.
        built.copy_shown(text, start, end)
        return
    if end - start < _SPLIT_FROM:
        _decode_one_by_one(built, text, first.start(), end, special, start)
        return
    parts = _splitting(special).split(text[start:end])
    typed_specials = parts[1::2]
    work.checked(len(typed_specials))
    cuts = list(itertools.accumulate(map(len, parts), initial=start))
    shown: list[str] = parts  # decoded in place: plain pieces as shown, then the sequences
    if not text.isascii():
        shown[0::2] = [piece if piece.isascii() else built.show(piece) for piece in parts[0::2]]
    directions = [_FORWARD] * len(parts)
    decoded: list[str | None] = []
    for typed in typed_specials:
        if not typed.isascii():
            # Characters that vanish (zero-width, marks) or grow (ligatures) when shown.
            decoded.append(typed.translate(_SHOWN_TABLE))
            continue
        known = _SHOWN_SPECIALS.get(typed, _UNKNOWN)
        decoded.append(_shown_special(typed) if known is _UNKNOWN else known)  # type: ignore[arg-type]
    shown[1::2] = [
        typed if value is None else value
        for value, typed in zip(decoded, typed_specials, strict=True)
    ]
    directions[1::2] = [_FORWARD if value is None else _WHOLE for value in decoded]
    built.extend(shown, list(zip(cuts, cuts[1:], directions, strict=False)))


# Pieces this long are split around their special sequences; shorter ones (the pieces between
# the links of a text full of them) are decoded sequence by sequence, which costs less for a
# sequence or two.
_SPLIT_FROM = 256


def _decode_one_by_one(
    built: _Builder, text: str, first: int, end: int, special: re.Pattern[str], start: int
) -> None:
    """`_decode_into` of `text[start:end]`, whose first special sequence starts at `first`,
    one sequence at a time (`_Builder._add` written out: this runs once per sequence)."""
    out, offsets, sources = built.out, built.offsets, built.sources
    length = built.length
    position = start
    count = 0
    for match in special.finditer(text, first, end):
        count += 1
        begin, finish = match.span()
        if position < begin:
            piece = text[position:begin]
            if not piece.isascii():
                piece = built.show(piece)  # each character shows as one
            out.append(piece)
            offsets.append(length)
            sources.append((position, begin, _FORWARD))
            length += len(piece)
        typed = match.group()
        shown: str | None
        if typed.isascii():
            known = _SHOWN_SPECIALS.get(typed, _UNKNOWN)
            shown = _shown_special(typed) if known is _UNKNOWN else known  # type: ignore[assignment]
            direction = _WHOLE
            if shown is None:
                shown, direction = typed, _FORWARD
        else:
            # Characters that vanish (zero-width, marks) or grow (ligatures) when shown.
            shown, direction = typed.translate(_SHOWN_TABLE), _WHOLE
        if shown:
            out.append(shown)
            offsets.append(length)
            sources.append((begin, finish, direction))
            length += len(shown)
        position = finish
    built.length = length
    work.checked(count)
    built.copy_shown(text, position, end)


@lru_cache(maxsize=64)
def _splitting(special: re.Pattern[str]) -> re.Pattern[str]:
    """`special` with the whole match captured, so that `split` keeps the sequences."""
    return re.compile(f"({special.pattern})", special.flags)


_RUN_MARKS = re.compile(f"[{_RUN_OPEN}{_RUN_CLOSE}\n]")
_RUN_MARKS_ONLY = re.compile(f"[{_RUN_OPEN}{_RUN_CLOSE}]")


# A run with no second override inside, ended by its pop, a line break or the end: the marks and
# the run are captured, so one split cuts the text into (outside, open, run, close) pieces.
_SIMPLE_RUN = re.compile(rf"({_RUN_OPEN})([^{_RUN_OPEN}{_RUN_CLOSE}\n]*)({_RUN_CLOSE}|(?=\n)|\Z)")


def _one_segment_in_shown_order(text: str, shift: int) -> Shadow:
    """`_in_shown_order` of a shadow that copies its source one to one from offset `shift`.

    A text full of short right-to-left runs is cut by one split, and the map is built from
    the pieces' lengths in C; only a run with a second override inside or a stray pop needs the
    walk over the marks (`_walked_in_shown_order`).
    """
    parts = _SIMPLE_RUN.split(text)
    outside = parts[0::4]
    joined = "".join(outside)
    if _RUN_OPEN in joined or _RUN_CLOSE in joined:
        return _walked_in_shown_order(Shadow(text, [0], [(shift, shift + len(text), _FORWARD)]))
    work.checked(len(parts))
    ends = list(itertools.accumulate(map(len, parts), initial=shift))
    # Shown: outside, run reversed, outside, ...; each with its source span and direction.
    shown: list[str] = [""] * (2 * len(outside) - 1)
    shown[0::2] = outside
    shown[1::2] = [run[::-1] for run in parts[2::4]]
    sources: list[tuple[int, int, int]] = [(0, 0, 0)] * len(shown)
    sources[0::2] = zip(ends[0::4], ends[1::4], itertools.repeat(_FORWARD), strict=False)
    sources[1::2] = zip(ends[2::4], ends[3::4], itertools.repeat(_BACKWARD), strict=False)
    lengths = list(map(len, shown))
    shown = list(itertools.compress(shown, lengths))
    sources = list(itertools.compress(sources, lengths))
    offsets = list(itertools.accumulate(itertools.compress(lengths, lengths), initial=0))
    offsets.pop()
    return Shadow("".join(shown), offsets, sources)


def _in_shown_order(view: Shadow, flow_end: int) -> Shadow:
    """Reverse the runs that a right-to-left override displays backwards.

    A run starts at an override and ends at its pop, a line break or the end; the marks are not
    shown. Work is per segment of the map, not per character: text outside runs keeps its
    segments (whole ones in bulk), and a run's segments come back in reverse order, each read
    backwards.
    """
    # Most shadows that reach here are one segment copied one to one (a text whose other
    # characters all show as one): then a piece is a slice and its source a shift.
    if len(view.sources) == 1 and view.sources[0][2] == _FORWARD:
        return _one_segment_in_shown_order(view.text, view.sources[0][0] - view.offsets[0])
    # Otherwise the text before the link targets (`flow_end` on; each target starts after a
    # line break, which ends a run) is put in order as if it were its own source, and `view`
    # maps those offsets on: no segment of `view` is cut or copied (a text of runs around
    # links, a piece of the map or two per run, was walked run by run). `view` maps that text
    # in order, so the hull of the offsets a shown span covers maps to the hull of their
    # sources: the span the walk gives. A run inside a link title is walked.
    text = view.text
    if _RUN_MARKS_ONLY.search(text, flow_end):
        return _walked_in_shown_order(view)
    flow = _one_segment_in_shown_order(text[:flow_end], 0)
    if flow_end == len(text):
        return replace(flow, parent=view, in_order_until=len(flow.text))
    return Shadow(
        flow.text + text[flow_end:],
        [*flow.offsets, len(flow.text)],
        [*flow.sources, (flow_end, len(text), _FORWARD)],
        parent=view,
        in_order_until=len(flow.text),
    )


def _walked_in_shown_order(view: Shadow) -> Shadow:
    """`_in_shown_order`, walking over the marks one by one and cutting the segments between."""
    text = view.text
    size = len(text)
    view_offsets, view_sources = view.offsets, view.sources
    segments = len(view_offsets)
    out: list[str] = []
    offsets: list[int] = []
    sources: list[tuple[int, int, int]] = []
    length = 0

    def cut(start: int, end: int, into: list[tuple[int, int, tuple[int, int, int]]]) -> None:
        """The segments of text[start:end]: (start, end, source) of each piece."""
        segment = bisect.bisect_right(view_offsets, start) - 1
        while start < end:
            first = view_offsets[segment]
            last = view_offsets[segment + 1] if segment + 1 < segments else size
            high = end if end < last else last
            source_start, source_end, direction = view_sources[segment]
            if direction == _FORWARD:
                into.append(
                    (
                        start,
                        high,
                        (source_start + start - first, source_start + high - first, _FORWARD),
                    )
                )
            elif direction == _BACKWARD:
                into.append(
                    (
                        start,
                        high,
                        (source_end - (high - first), source_end - (start - first), _BACKWARD),
                    )
                )
            else:
                into.append((start, high, view_sources[segment]))
            start = high
            segment += 1

    def emit(pieces: list[tuple[int, int, tuple[int, int, int]]]) -> None:
        nonlocal length
        work.checked(len(pieces))
        for piece_start, piece_end, source in pieces:
            out.append(text[piece_start:piece_end])
            offsets.append(length)
            sources.append(source)
            length += piece_end - piece_start

    def copy(start: int, end: int) -> None:
        """The shadow's text[start:end], outside any run: its whole segments in bulk."""
        nonlocal length
        if start >= end:
            return
        first = bisect.bisect_right(view_offsets, start) - 1
        last = bisect.bisect_right(view_offsets, end - 1) - 1
        pieces: list[tuple[int, int, tuple[int, int, int]]] = []
        if last - first < 2:
            cut(start, end, pieces)
            emit(pieces)
            return
        middle_start, middle_end = view_offsets[first + 1], view_offsets[last]
        cut(start, middle_start, pieces)
        emit(pieces)
        work.checked(last - first - 1)
        out.append(text[middle_start:middle_end])
        offsets.extend(
            map(
                operator.add,
                view_offsets[first + 1 : last],
                itertools.repeat(length - middle_start),
            )
        )
        sources.extend(view_sources[first + 1 : last])
        length += middle_end - middle_start
        pieces = []
        cut(middle_end, end, pieces)
        emit(pieces)

    def flush(run: list[tuple[int, int]]) -> None:
        nonlocal length
        pieces: list[tuple[int, int, tuple[int, int, int]]] = []
        for start, end in run:
            cut(start, end, pieces)
        work.checked(len(pieces))
        for piece_start, piece_end, (source_start, source_end, direction) in reversed(pieces):
            out.append(text[piece_start:piece_end][::-1])
            offsets.append(length)
            sources.append((source_start, source_end, -direction))
            length += piece_end - piece_start

    position = 0
    run: list[tuple[int, int]] | None = None
    for mark in _RUN_MARKS.finditer(text):
        at = mark.start()
        ch = text[at]
        if run is None:
            if ch == "\n":
                continue  # an ordinary line break outside a run
            copy(position, at)
            position = at + 1
            if ch == _RUN_OPEN:
                run = []
            continue
        if position < at:
            run.append((position, at))
        if ch == _RUN_OPEN:
            position = at + 1  # a second override inside a run: the run goes on
            continue
        flush(run)
        run = None
        # A pop is not shown; a line break ends the run and is shown after it.
        position = at + 1 if ch == _RUN_CLOSE else at
    if run is not None:
        if position < size:
            run.append((position, size))
        flush(run)
    else:
        copy(position, size)
    return Shadow("".join(out), offsets, sources)


# Latin letters that stand in for each other once look-alikes are folded (Cyrillic "у" is
# shaped like "y" but passes for "u" in "Quuxworth"): tokens and text go through the same map.
def _skeleton(word: str) -> str:
    # One replacement, in C at memchr speed (a translation table costs a lookup per character
    # on a text with letters beyond ASCII).
    return word.replace("y", "u")


@dataclass(frozen=True, slots=True)
class Letters:
    """The letters of a shadow, folded and lower-cased, and where each run of them came from.

    Built from one split of the folded shadow into alternating letter runs and gaps, so all
    per-character work happens in C; what a gap means (a word break, a hard break) is read
    only for the few gaps next to a token that was found.
    """

    text: str
    parts: list[str]  # letter run, gap, letter run, ..., letter run (the first and last may be "")
    run_starts: list[int]  # offset in `text` of each letter run
    folded_starts: list[int]  # offset in the folded shadow of each letter run
    origin: list[int] | None  # folded shadow offset -> shadow offset, when they differ

    def _run_at(self, index: int) -> int:
        return bisect.bisect_right(self.run_starts, index) - 1

    def _gap_before(self, run: int) -> str:
        return self.parts[2 * run - 1]

    def starts_word(self, index: int) -> bool:
        """Whether `index` begins a word: the text's edges, or after more than joining markup."""
        if index <= 0 or index >= len(self.text):
            return True
        run = self._run_at(index)
        return self.run_starts[run] == index and bool(self._gap_before(run).strip(_JOINING_MARKUP))

    def hard_break_inside(self, start: int, end: int) -> bool:
        """Whether punctuation (not only spaces and markup) separates letters in (start, end)."""
        run = self._run_at(start) + 1
        while run < len(self.run_starts) and self.run_starts[run] < end:
            if self._gap_before(run).strip(_JOINING_MARKUP + _SOFT_GAPS):
                return True
            run += 1
        return False

    def letters_at(self, shadow_index: int) -> int:
        """The offset in `text` of the first letter at or after `shadow_index` of the shadow."""
        folded = (
            shadow_index if self.origin is None else bisect.bisect_left(self.origin, shadow_index)
        )
        run = bisect.bisect_right(self.folded_starts, folded) - 1
        if run < 0:
            return 0
        return self.run_starts[run] + min(
            folded - self.folded_starts[run], len(self.parts[2 * run])
        )

    def shadow_index(self, index: int) -> int:
        run = self._run_at(index)
        folded = self.folded_starts[run] + index - self.run_starts[run]
        return folded if self.origin is None else self.origin[folded]


# Between two runs of letters these join them into one shown word: the underscores of
# emphasis and the backticks of code spans are not shown, or not read as a space.
_JOINING_MARKUP = "`_*~"
# What may stand inside two joined name parts ("Z quuxworth", "Z.Quuxworth", "Z-Quuxworth").
_SOFT_GAPS = " \t\n\\.-"
_GAP_SPLIT = re.compile(r"([\W\d_]+)")
# The same on ASCII text, where a letter is [a-zA-Z]: a plain class is read faster.
_ASCII_GAP_SPLIT = re.compile(r"([^a-zA-Z]+)")


def letters(view: Shadow, folded: tuple[str, list[int] | None] | None = None) -> Letters:
    """The letters of `view`; `folded` is `_fold_with_map(view.text)` when the caller has it."""
    text, origin = folded if folded is not None else _fold_with_map(view.text)
    parts = (_ASCII_GAP_SPLIT if text.isascii() else _GAP_SPLIT).split(text)
    positions = list(itertools.accumulate(map(len, parts), initial=0))
    runs = parts[0::2]
    run_starts = list(itertools.accumulate(map(len, runs), initial=0))
    run_starts.pop()
    return Letters(_skeleton("".join(runs)), parts, run_starts, positions[0::2], origin)


# Words of an affiliation that say what kind of organisation it is, not which one (in English,
# German, Spanish, French and Portuguese, folded: issue 24).
_GENERIC_ORGANISATION_WORDS = _words(
    """
    systems system solutions technologies technology tech labs lab laboratory laboratories group
    software consulting consultants services service university univ institute institut college
    school research foundation international global digital data analytics networks network
    partners holdings industries industrial engineering enterprises enterprise studio studios
    works agency media ventures capital bank insurance health hospital center centre national
    federal department ministry council society association academy cloud computing computer
    computers sciences science applied interactive innovations innovation products
    corporation company companies the of and for de des la le di del der und et
    datos dados donnees daten sistemas sistema systeme systemes logiciels logiciel soluciones
    solucoes losungen loesungen tecnologia tecnologias technologie technologien informatica
    informatique informatik servicios servicos dienste dienstleistungen consultoria conseil
    beratung analitica analytica analytique analytik digitale numerique laboratorio laboratoire
    labor grupo groupe gruppe universidad universidade universite universitat hochschule
    instituto fundacion fundacao fondation stiftung empresa entreprise unternehmen sociedad
    societe gesellschaft desarrollo desenvolvimento entwicklung ingenieria engenharia
    ingenierie redes reseaux netzwerke nube nuvem medios midia medien estudio estudios atelier
    agencia agence agentur soft
    """
)
_GENERIC_EMAIL_USERS = _words("info contact hello mail admin talks cfp team office support")


@lru_cache(maxsize=16384)  # the same given names and company words come back often
def _letters_only(word: str) -> str:
    return "".join(ch for ch in fold(text=word) if ch.isalpha())


@dataclass(frozen=True, slots=True)
class _Token:
    kind: FindingKind
    joined: bool  # two name parts written as one word ("zquuxworth"): counts only unbroken


@lru_cache(maxsize=1024)
def _tokens(speaker: SpeakerIdentity, usernames: tuple[str, ...]) -> dict[str, _Token]:
    """What gives this speaker away, as skeletons of lower-case letters."""
    tokens: dict[str, _Token] = {}

    def add(word: str, kind: FindingKind, *, joined: bool = False) -> None:
        tokens.setdefault(_skeleton(word), _Token(kind, joined))

    parts = _speaker_parts(speaker.name)
    strong = {_letters_only(v) for v, part in parts.items() if part.strong}
    for word in strong:
        if len(word) >= 4:
            add(word, FindingKind.NAME)
    named, _ = _name_tokens(speaker.name)
    ordered = [
        _letters_only(t)
        for _, t in named
        if fold(text=t) not in _COMMON_WORDS or fold(text=t) in strong
    ]
    ordered = [t for t in ordered if t]
    if len(ordered) >= 2:
        first, last = ordered[0], ordered[-1]
        if last in strong or first in strong:
            for joined in (first + last, first[0] + last, last + first, first + last[0]):
                if len(joined) >= 5:
                    add(joined, FindingKind.NAME, joined=True)
    for user in usernames:
        user = _letters_only(user)
        if len(user) >= 4 and user not in _COMMON_WORDS and user not in _COMMON_GIVEN_NAMES:
            add(user, FindingKind.HANDLE)
    local = _letters_only(speaker.email.partition("@")[0])
    if len(local) >= 4 and local not in _GENERIC_EMAIL_USERS and local not in _COMMON_WORDS:
        add(local, FindingKind.EMAIL)
    for word in distinctive_affiliation_words(speaker.affiliation):
        add(word, FindingKind.AFFILIATION)
    return tokens


def distinctive_affiliation_words(affiliation: str) -> tuple[str, ...]:
    """Words of an affiliation that name it ("initrode" in "Initrode Systems GmbH")."""
    if _affiliation_pattern(affiliation) is None:
        return ()
    words = [_letters_only(w) for w in re.split(r"[\s,.&/()+-]+", affiliation)]
    return tuple(
        w
        for w in words
        if len(w) >= 4
        and w not in _LEGAL_SUFFIXES
        and w not in _GENERIC_ORGANISATION_WORDS
        and w not in _COMMON_WORDS
        and w not in _NON_IDENTIFYING_AFFILIATIONS
    )


# Tokens this long are evidence wherever they occur, even inside a longer word.
_EMBEDDED_MINIMUM = 7
# Occurrences of such tokens in one text from which crowds of them are looked for at once.
_CROWD_AT = 32
# Crowds cut by a break that a search may meet beyond the crowds it finds, before the rest is
# left to the one-by-one check (see `_crowds`).
_CROWD_CUTS = 32


@lru_cache(maxsize=256)
def _crowd_pattern(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """Two or more of `tokens` in a row in the letters: a crowd (longest token tried first)."""
    ordered = sorted(tokens, key=lambda token: (-len(token), token))
    return re.compile(f"(?:{'|'.join(map(re.escape, ordered))}){{2,}}")


# Inside a crowd's shown span, what the grouping of its members would not cross (see
# `scanning._GROUP_GAP`): a digit (any word character that is not a letter, but for the
# underscore), four characters of spaces, punctuation and underscores in a row, or a line break
# that is not a soft one (a letter, at most one blank, the break, at most one blank, a letter:
# a name that goes on on the next line of the same paragraph).
_CROWD_BREAK = re.compile(
    r"[\W\d_](?:(?<=[^\W_])|[\W_]{3})"
    r"|\n(?:(?<![^\W\d_]\n)(?<![^\W\d_][ \t]\n)|(?![ \t]?[^\W\d_]))"
)
# The same on ASCII text, where a plain class is read faster.
_ASCII_CROWD_BREAK = re.compile(
    r"[^a-zA-Z](?:(?<=[0-9])|[^a-zA-Z0-9]{3})"
    r"|\n(?:(?<![a-zA-Z]\n)(?<![a-zA-Z][ \t]\n)|(?![ \t]?[a-zA-Z]))"
)


def _first_break(shown: str, start: int, end: int) -> int:
    """Where `shown[start:end]` first holds what the grouping of a crowd's members would not
    cross (see `_CROWD_BREAK`), or -1. The search stops there: a crowd cut short costs the
    distance to its first break, not its length."""
    stop = (_ASCII_CROWD_BREAK if shown.isascii() else _CROWD_BREAK).search(shown, start, end)
    return -1 if stop is None else stop.start()


@lru_cache(maxsize=1024)
def _all_tokens(
    speakers: tuple[SpeakerIdentity, ...], usernames: tuple[str, ...]
) -> tuple[tuple[str, tuple[_Token, ...]], ...]:
    """Every speaker's tokens, each token once with what it is evidence of, built once per set."""
    found: dict[str, list[_Token]] = {}
    for speaker in speakers:
        for token, what in _tokens(speaker, usernames).items():
            found.setdefault(token, []).append(what)
    return tuple((token, tuple(whats)) for token, whats in found.items())


_ASCII_NON_LETTERS = bytes(code for code in range(128) if not chr(code).isalpha())
_ASCII_SKELETON = bytes.maketrans(b"y", b"u")  # `_skeleton` for bytes


def compact_letters(folded_text: str) -> str:
    """The letters of a folded text run together: a token is in it if a reader can see it."""
    if folded_text.isascii():
        # Most texts: one byte translation drops the non-letters and maps the skeleton in C,
        # ten times faster than the Unicode pattern and the str translation.
        kept = folded_text.encode("ascii").translate(_ASCII_SKELETON, _ASCII_NON_LETTERS)
        return kept.decode("ascii")
    return _skeleton(_NON_LETTERS.sub("", folded_text))


def _crowds(
    shown: str, found: Letters, wanted: list[tuple[str, tuple[_Token, ...]]]
) -> list[tuple[int, int, int, int, FindingKind]]:
    """Runs of two or more tokens that are evidence anywhere, found in one pass over `found`.

    A text stuffed with a speaker's name ("V r a n c k x V r a n c k x …", "Quax_worth_ …")
    would cost a check per occurrence; a crowd whose members the grouping would join anyway
    (see `_CROWD_BREAK`) is one finding, found in C. Each crowd is (letters start, letters end,
    shadow start, shadow end, kind named after its longest token). Every letter of a crowd is
    in an occurrence of a token that counts wherever it is, so the crowd shows exactly what its
    members, grouped, show. A crowd with a break inside is not one: its members are checked
    one by one, as without crowds.
    """
    anywhere = {
        token: whats[0].kind
        for token, whats in wanted
        if len(token) >= _EMBEDDED_MINIMUM and not any(what.joined for what in whats)
    }
    text = found.text
    if not anywhere or sum(map(text.count, anywhere)) < _CROWD_AT:
        return []
    crowds: list[tuple[int, int, int, int, FindingKind]] = []
    ordered = sorted(anywhere, key=len, reverse=True)
    pattern = _crowd_pattern(tuple(sorted(anywhere)))
    # Crowds cut by breaks cost a check each and save nothing: once they outnumber the crowds
    # found by this many, the rest is left to the one-by-one check.
    budget = _CROWD_CUTS
    position = 0
    while budget > 0:
        match = pattern.search(text, position)
        if match is None:
            break
        begin, finish = match.span()
        first, last = found.shadow_index(begin), found.shadow_index(finish - 1) + 1
        work.checked()
        stop = _first_break(shown, first, last)
        if stop != -1:
            # The letters before the break may still be a crowd; the search goes on after it.
            budget -= 1
            finish = found.letters_at(stop)
            match = pattern.search(text, begin, finish)
            position = finish
            if match is None:
                continue
            begin, finish = match.span()
            first, last = found.shadow_index(begin), found.shadow_index(finish - 1) + 1
        else:
            budget += 1
            position = finish
        crowd = match.group()
        kind = next(anywhere[token] for token in ordered if token in crowd)
        crowds.append((begin, finish, first, last, kind))
    return crowds


def tokens_reach(
    folded_text: str, cut: int, speakers: Sequence[SpeakerIdentity], usernames: Iterable[str]
) -> bool:
    """Whether an occurrence of a speaker's token in the letters of `folded_text` may hold a
    letter at or after `cut` (a few searches in C). False means every occurrence lies before
    it: the letters after `cut` need not be read for tokens."""
    tokens = [token for token, _ in _all_tokens(tuple(speakers), tuple(sorted(set(usernames))))]
    if not tokens:
        return False
    tail = compact_letters(folded_text[cut:])
    if not tail:
        return False
    # An occurrence with a letter after `cut` starts less than its length before it: the
    # letters before `cut` are read that far back only (a name just before the targets is not
    # one of them).
    reach = max(map(len, tokens)) - 1
    head = compact_letters(folded_text[:cut])
    before = head[len(head) - reach :] if reach else ""
    edge = before + tail
    return any(edge.find(token, max(0, len(before) - len(token) + 1)) != -1 for token in tokens)


def token_candidates(
    view: Shadow,
    speakers: Sequence[SpeakerIdentity],
    usernames: Iterable[str],
    *,
    folded: tuple[str, list[int] | None] | None = None,
    covered: tuple[list[int], list[int]] = ([], []),
    in_shadow: bool = False,
) -> Iterable[tuple[int, int, FindingKind]]:
    """Each speaker token in the letters of `view`, as source spans.

    A token may be split by anything that is not a letter (spaces, markup, line breaks); it
    must start and end on a word boundary unless it is long enough to be evidence anywhere.
    `folded` is `_fold_with_map(view.text)` when the caller already has it. An occurrence
    inside one of the `covered` intervals of the shadow (sorted, disjoint: starts and ends) is
    skipped: the caller has it already. With `in_shadow` the spans are of the shadow, not of
    the source. Work: a few passes over the text in C, then constant work per occurrence of a
    token.
    """
    if folded is None:
        folded = _fold_with_map(view.text)
    compact = compact_letters(folded[0])
    work.read(len(folded[0]))
    wanted = [
        (token, whats)
        for token, whats in _all_tokens(tuple(speakers), tuple(sorted(set(usernames))))
        if token in compact
    ]
    if not wanted:
        return
    work.read(len(compact) * len(wanted))
    found = letters(view, folded)
    work.read(2 * len(folded[0]))
    text, parts, run_starts = found.text, found.parts, found.run_starts
    folded_starts, origin = found.folded_starts, found.origin
    covered_starts, covered_ends = covered
    # The shadow of a text with nothing to undo is the text: one segment, copied as typed.
    identity = (
        len(view.sources) == 1
        and view.sources[0][2] == _FORWARD
        and view.offsets[0] == 0
        and view.parent is None
    )
    shift = view.sources[0][0] if identity else 0
    size = len(text)
    crowds = _crowds(view.text, found, wanted)
    crowd_starts = [start for start, _, _, _, _ in crowds]
    crowd_ends = [end for _, end, _, _, _ in crowds]
    for _, _, first, last, kind in crowds:
        if in_shadow:
            yield first, last, kind
        elif identity:
            yield first + shift, last + shift, kind
        else:
            yield *view.span(first, last), kind
    for token, whats in wanted:
        length = len(token)
        start = text.find(token)
        while start != -1:
            end = start + length
            if crowd_starts:
                inside = bisect.bisect_right(crowd_starts, start) - 1
                if inside >= 0 and crowd_ends[inside] >= end:
                    # Found with its crowd: look again where an occurrence could reach past it.
                    work.checked()
                    start = text.find(token, max(start + 1, crowd_ends[inside] - length + 1))
                    continue
            # Inlined `found.starts_word` at both ends: this loop runs once per occurrence.
            first_run = bisect.bisect_right(run_starts, start) - 1
            last_run = bisect.bisect_right(run_starts, end - 1) - 1
            first = folded_starts[first_run] + start - run_starts[first_run]
            last = folded_starts[last_run] + end - 1 - run_starts[last_run]
            if origin is not None:
                first, last = origin[first], origin[last]
            if covered_starts:
                inside = bisect.bisect_right(covered_starts, first) - 1
                if inside >= 0 and covered_ends[inside] > last:
                    # Every later occurrence that ends inside this interval is covered too:
                    # look again only where one could reach past it.
                    work.checked()
                    beyond = found.letters_at(covered_ends[inside])
                    start = text.find(token, max(start + 1, beyond - length + 1))
                    continue
            if start == 0:
                bounded = True
            else:
                bounded = run_starts[first_run] == start and bool(
                    parts[2 * first_run - 1].strip(_JOINING_MARKUP)
                )
            if bounded and end < size:
                next_run = last_run + 1
                bounded = (
                    next_run < len(run_starts)
                    and run_starts[next_run] == end
                    and bool(parts[2 * next_run - 1].strip(_JOINING_MARKUP))
                )
            for what in whats:
                if what.joined:
                    # "Z quuxworth" still joins; "@jdoe, jane@…" does not.
                    accepted = bounded and not found.hard_break_inside(start, end)
                else:
                    accepted = bounded or length >= _EMBEDDED_MINIMUM
                if not accepted:
                    continue
                if in_shadow:
                    yield first, last + 1, what.kind
                elif identity:
                    yield first + shift, last + 1 + shift, what.kind
                else:
                    yield *view.span(first, last + 1), what.kind
            work.checked()
            start = text.find(token, start + 1)
