"""Speaker names: where a speaker's name, or a distinctive part of it, appears in the text."""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cfp.domain.leaks import work
from cfp.domain.leaks.folding import _TRANSLITERATIONS, _Folded, _is_unspaced_script, fold
from cfp.domain.leaks.kinds import FindingKind
from cfp.domain.leaks.words import _COMMON_GIVEN_NAMES, _COMMON_WORDS, _HONORIFICS, _PARTICLES

_NAME_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_RUN_GAP = re.compile(r"[\s.\-_]{0,4}")
_SURNAME_FIRST_GAP = re.compile(r", ?")
_INTRO = re.compile(
    r"(?:(?:\bmy name is|\bi'm|\bi am|\bcall me|\bme llamo|\bje m'appelle|\bje suis|\bich bin"
    r"|\bmi chiamo|\bsono)\s+|(?:我是|我叫|私は|僕は|저는)\s*)$"
)


@dataclass(frozen=True, slots=True)
class _Part:
    """One name part of one speaker, as it appears folded in text."""

    index: int  # position in the speaker's name, for "in order" checks
    strong: bool  # flagged on its own
    particle: bool  # "van", "de": joins a run only before another part
    initial: bool
    word: bool  # an ordinary word ("Grace", "Miller"), as opposed to a common given name
    surname: bool


def _name_tokens(name: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The name's parts in their original spelling, with their position, and extra spellings.

    Quotes, brackets and punctuation go; honorifics stay (the caller knows them). The extras are
    joined compounds ("Ji-woo" is also written "Jiwoo") and, for a single-token name, which is
    often a handle such as "JaneQDoe", its camel-case pieces.
    """
    tokens: list[tuple[int, str]] = []
    extras: list[tuple[int, str]] = []
    for chunk in name.replace("\u2019", "'").split():
        pieces = _NAME_TOKEN.findall(chunk)
        if len(pieces) > 1 and "-" in chunk:
            extras.append((len(tokens), "".join(pieces)))
        tokens.extend((len(tokens), piece) for piece in pieces)
    if len(tokens) == 1:
        camel = [p for p in _CAMEL_BOUNDARY.split(tokens[0][1]) if p]
        if len(camel) > 1:
            extras.extend(enumerate(camel, start=1))
    return tokens, extras


def _is_unspaced(token: str) -> bool:
    return any(_is_unspaced_script(ch) for ch in token)


def _letter_count(token: str) -> int:
    return sum(1 for ch in token if ch.isalpha())


def _token_variants(token: str) -> set[str]:
    folded = fold(text=token)
    variants = {folded, fold(text=token.lower().translate(_TRANSLITERATIONS))}
    if "'" in folded:
        variants.add(folded.replace("'", ""))
    return {v for v in variants if v}


@lru_cache(maxsize=4096)
def _speaker_parts(name: str) -> dict[str, _Part]:
    """Folded variant -> part, for every part of the speaker's name. Cached: do not mutate."""
    tokens, extras = _name_tokens(name)
    meaningful = [f for f in (fold(text=t) for _, t in tokens) if f not in _HONORIFICS]
    surname = meaningful[-1] if meaningful else ""
    parts: dict[str, _Part] = {}
    for index, token in [*tokens, *extras]:
        folded = fold(text=token)
        if folded in _HONORIFICS and len(tokens) > 1:
            continue
        minimum = 2 if _is_unspaced(folded) else 3
        common = folded in _COMMON_WORDS or (
            folded in _COMMON_GIVEN_NAMES and (folded != surname or len(meaningful) == 1)
        )
        strong = _letter_count(folded) >= minimum and not common
        for variant in _token_variants(token):
            previous = parts.get(variant)
            parts[variant] = _Part(
                index=index,
                strong=strong or (previous is not None and previous.strong),
                particle=folded in _PARTICLES,
                initial=_letter_count(folded) == 1,
                word=folded in _COMMON_WORDS,
                surname=folded == surname,
            )
    return parts


def distinctive_parts(*, name: str) -> tuple[str, ...]:
    """The folded parts of `name` that the scanner flags wherever they stand alone.

    Exposed for tests and benchmarks that check redacted output, so they agree with the scanner
    on which parts count, without re-implementing the rules.
    """
    return tuple(sorted(v for v, part in _speaker_parts(name).items() if part.strong))


# After a name part, these make a contraction of an ordinary word: "Don" is not in "don't".
_CONTRACTIONS = ("t", "ll", "re", "ve", "d", "m")


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a word of its own (letters and digits are word characters).

    Written out rather than compiled per name part: on a corpus every speaker brings new
    parts, and compiling their patterns cost more than all the searching.
    """
    if start > 0 and text[start - 1].isalnum():
        return False
    size = len(text)
    if end == size:
        return True
    if text[end].isalnum():
        return False
    # "Doe" is found in "Doe's", and "D'Arcy" as written.
    if text[end] == "'":
        for ending in _CONTRACTIONS:
            after = end + 1 + len(ending)
            if text.startswith(ending, end + 1) and (after == size or not text[after].isalnum()):
                return False
    return True


@lru_cache(maxsize=16384)
def _is_unspaced_word(word: str) -> bool:
    return _is_unspaced(word)


# A word found this often in one text is looked for by a compiled pattern: one C pass instead
# of a check per occurrence in Python (a text stuffed with a name). Rarer words are not worth
# compiling: on a corpus every speaker brings new ones.
_COMPILE_AT = 32


def _alone_start(word: str) -> str:
    """`word` as a pattern that starts where no letter or digit stands before it.

    The test comes after the word's first character ("v(?<![^\\W_]v)ranckx"), not before it:
    a pattern that starts with a literal character is searched for at memchr speed, one that
    starts with a lookbehind is tried at every position (two to three times slower on prose).
    """
    first = re.escape(word[0])
    return rf"{first}(?<![^\W_]{first}){re.escape(word[1:])}"


@lru_cache(maxsize=1024)
def _standing_alone(word: str) -> re.Pattern[str]:
    """`_stands_alone` as a pattern: `[^\\W_]` is exactly `str.isalnum`."""
    return re.compile(
        rf"{_alone_start(word)}(?![^\W_])(?!'(?:{'|'.join(_CONTRACTIONS)})(?![^\W_]))"
    )


# Between two members of a crowd of name parts: what `_grouped` in `scanning` joins across, but
# for a soft line break (names a line each are found one by one, and grouped there).
_CROWD_GAP = r"(?:[^\w\n]|_){1,3}"


@lru_cache(maxsize=256)
def _crowd_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """Three or more of `words`, each standing alone, with only a short gap between each.

    The first and the last member are groups 1 and 2.
    """
    alternatives = "|".join(map(_alone_start, sorted(words, key=lambda word: (-len(word), word))))
    member = rf"(?:{alternatives})(?![^\W_])(?!'(?:{'|'.join(_CONTRACTIONS)})(?![^\W_]))"
    return re.compile(rf"({member})(?:{_CROWD_GAP}({member})){{2,}}")


def name_crowds(
    folded: _Folded, speakers_parts: Sequence[dict[str, _Part]]
) -> tuple[_Folded, list[tuple[int, int, FindingKind]]]:
    """Crowds of the speakers' distinctive name parts, found at once, and the text to look for
    names in without their insides.

    A text stuffed with names ("Vrаnckх Quаxworth Vrаnckх …") is a run of hits one by one; a
    crowd of three or more distinctive parts with a short gap between each (what the shown
    reading groups into one finding anyway) is found by one pattern in C. Its inside, between
    its first and its last member, is blanked in the returned text, so the name search sees the
    two ends (and joins them with the names beside the crowd, as it would) but not each member.
    Returns the text as given and no crowds when the parts are too rare to be worth a pattern.
    """
    text = folded.text
    words = {
        word
        for parts in speakers_parts
        for word, part in parts.items()
        if part.strong and not _is_unspaced_word(word)
    }
    present = [word for word in words if word in text]
    if not present or sum(map(text.count, present)) < _COMPILE_AT:
        return folded, []
    crowds: list[tuple[int, int, FindingKind]] = []
    pieces: list[str] = []
    position = 0
    for match in _crowd_of(tuple(sorted(present))).finditer(text):
        work.checked()
        inside_start, inside_end = match.end(1), match.start(2)
        pieces.append(text[position:inside_start])
        pieces.append(" " * (inside_end - inside_start))
        position = inside_end
        crowds.append((*folded.span(*match.span()), FindingKind.NAME))
    if not crowds:
        return folded, []
    pieces.append(text[position:])
    return _Folded(folded.original, "".join(pieces), folded.origin), crowds


def _occurrences(text: str, word: str) -> Iterator[tuple[int, int]]:
    """`word` where it stands alone, anywhere for scripts written without spaces; no overlaps."""
    anywhere = _is_unspaced_word(word)
    if not anywhere and text.count(word) >= _COMPILE_AT:
        for match in _standing_alone(word).finditer(text):
            yield match.span()
        return
    length = len(word)
    start = text.find(word)
    while start != -1:
        end = start + length
        if anywhere or _stands_alone(text, start, end):
            yield start, end
            start = text.find(word, end)
        else:
            start = text.find(word, start + 1)


# A name part found in the folded text: start, end and the variant that matched.
_Hit = tuple[int, int, str]
_START_OF, _END_OF = operator.itemgetter(0), operator.itemgetter(1)
# Hits farther apart than this are never one run (`_joins` reads at most this many characters).
_RUN_GAP_MAX = 4


def _word_hits(text: str, words: Iterable[str]) -> list[_Hit]:
    """Where the words occur on their own, sorted, without overlaps (longest first).

    A substring test in C rules out nearly every word before anything else runs; that, not one
    big alternation compiled per speaker, is what keeps a corpus scan within seconds.
    """
    words = list(words)
    work.read(len(text) * len(words))
    present = [word for word in words if word in text]
    if len(present) == 1:
        # One word (a text stuffed with one name part): its occurrences come sorted, disjoint.
        word = present[0]
        hits = [(start, end, word) for start, end in _occurrences(text, word)]
        work.checked(len(hits))
        return hits
    hits = [(start, end, word) for word in present for start, end in _occurrences(text, word)]
    work.checked(len(hits))
    hits.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
    kept: list[_Hit] = []
    for hit in hits:
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def _is_in_order(indices: Sequence[int]) -> bool:
    return len(indices) >= 2 and all(a < b for a, b in itertools.pairwise(indices))


def _name_candidates(
    folded: _Folded, parts: dict[str, _Part]
) -> Iterable[tuple[int, int, FindingKind]]:
    text = folded.text
    hits = _word_hits(text, parts)
    aligned = folded.origin is None
    if (
        len(hits) > 1
        and min(map(operator.sub, map(_START_OF, hits[1:]), map(_END_OF, hits))) > _RUN_GAP_MAX
        and all(parts[word].strong for word in {word for _, _, word in hits})
    ):
        # A text stuffed with distinctive parts, each far from the next: every hit is a run of
        # its own and the name itself (what the loop below finds, without a step per hit).
        if aligned:
            yield from [(start, end, FindingKind.NAME) for start, end, _ in hits]
        else:
            yield from [(*folded.span(start, end), FindingKind.NAME) for start, end, _ in hits]
        return
    runs: list[list[_Hit]] = []
    previous: _Hit | None = None
    for hit in hits:
        # Most hits are far from the one before: the gap is checked before `_joins` is called.
        if (
            previous is not None
            and hit[0] - previous[1] <= _RUN_GAP_MAX
            and _joins(text, parts, previous, hit)
        ):
            runs[-1].append(hit)
        else:
            runs.append([hit])
        previous = hit
    for run in runs:
        if parts[run[0][2]].strong if len(run) == 1 else all(parts[w].strong for _, _, w in run):
            # Distinctive parts only (the usual case, and every case of a text stuffed with
            # the name): the whole run is the name, with no capitalisation to look up.
            span: tuple[int, int] | None = (run[0][0], run[-1][1])
        else:
            span = _run_span(folded, parts, run)
        if span is not None:
            yield (*(span if aligned else folded.span(*span)), FindingKind.NAME)


def _joins(text: str, parts: dict[str, _Part], previous: _Hit, hit: _Hit) -> bool:
    """Whether `hit` continues the run that ends with `previous`."""
    gap = hit[0] - previous[1]
    if gap > _RUN_GAP_MAX:
        return False
    if _RUN_GAP.fullmatch(text, previous[1], hit[0]):
        return True
    # Surname first, as in citations and lists: "Doe, Jane".
    return (
        gap <= 2
        and parts[previous[2]].surname
        and parts[hit[2]].index < parts[previous[2]].index
        and _SURNAME_FIRST_GAP.fullmatch(text, previous[1], hit[0]) is not None
    )


def _run_span(folded: _Folded, parts: dict[str, _Part], run: list[_Hit]) -> tuple[int, int] | None:
    """The folded span of the run to flag, or None when it is not evidence of a name."""
    infos = [parts[word] for _, _, word in run]
    capitalised = [
        not folded.original[folded.span(start, end)[0]].islower() for start, end, _ in run
    ]
    in_order = _is_in_order([info.index for info in infos]) and not all(
        info.initial for info in infos
    )
    included = []
    for position, (info, capital) in enumerate(zip(infos, capitalised, strict=True)):
        if info.strong or in_order:
            included.append(True)
        elif info.particle:
            included.append(position + 1 < len(run))
        else:
            included.append(capital and len(run) > 1)
    chosen = [i for i, keep in enumerate(included) if keep]
    strong = any(infos[i].strong for i in chosen)
    substantial = [i for i in chosen if not infos[i].initial and not infos[i].particle]
    if not substantial or (not strong and not in_order and len(substantial) < 2):
        return _introduced_name(folded, run[0], infos[0], capitalised[0])
    return run[chosen[0]][0], run[chosen[-1]][1]


def _introduced_name(
    folded: _Folded, hit: _Hit, info: _Part, capitalised: bool
) -> tuple[int, int] | None:
    """A lone common name right after "I'm" or "my name is" still names the speaker."""
    start, end, _ = hit
    if info.initial or info.particle or not capitalised:
        return None
    if _INTRO.search(folded.text, max(0, start - 24), start) is None:
        return None
    return start, end
