"""The committee's own words (discussion posts, review notes others read) and the people in them.

Plain Python. Three rules, each one place:

- **Pseudonyms.** Reviewers of a proposal are "Reviewer A", "Reviewer B"… in the order their
  reviews were first saved: stable for the proposal, unrelated to log-ins, different per proposal.
- **Person-like names are held back** from other readers, whoever they are. The check never looks
  at who the speakers are: a post naming an invented person is treated exactly like one naming the
  real speaker, so the warning its writer sees cannot confirm a guess (no oracle). It joins a
  capitalised-name heuristic ("Jane Doe", "Dr Smith", "Guido's") with the leak scanner's
  identity-free findings (e-mails, handles, profile links, "my name is", "I work at").
- **"I know who this is"**: a post in that phrase class offers the writer the recusal flow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cfp.domain import leaks
from reviews.domain.scoring.aggregation import HIGH_DISAGREEMENT

HELD_MARKER = "[name held back]"

# Capitalised words that start sentences or name things other than people often enough that a
# run made only of them is not person-like.
_NOT_NAME_WORDS = """a an the this that these those i i'm i've i'd we you he she they it its my our
your their in on at of for to from by with and or but if when while as so not no yes is are was
were be do does did has have had can could will would should may might must also then there here
what which who whom whose why how all any each every some most more less very just only monday
tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december python django pycon djangocon europython rust java
javascript typescript go ruby php sql postgresql postgres sqlite redis celery docker kubernetes
linux windows macos github gitlab api apis http https html css json yaml ok okay reviewer
reviewers chair chairs speaker speakers talk talks proposal abstract"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_TITLES = frozenset(["mr", "mrs", "ms", "mx", "dr", "prof", "sir", "dame"])

_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’]s)?")

# "I know who this is" and its neighbours: recognising the speaker is a reason to step back.
_KNOWS = re.compile(
    r"\b(?:i|we)\s+(?:(?:think|believe|suspect)\s+(?:i|we)\s+)?"
    r"(?:know|recogni[sz]e|can\s+tell|have\s+guessed|guessed)\s+"
    r"(?:who\s+(?:this\s+is|(?:wrote|submitted|gave|is\s+behind|the\s+speaker\s+is)\b)"
    r"|the\s+(?:speaker|author|submitter|person)\b"
    r"|(?:this|the)\s+(?:talk|proposal|abstract|writing|style)\b)"
    r"|\b(?:this|it)\s+is\s+(?:clearly|obviously|surely|probably|definitely)\s+(?:by|from)\b"
    r"|\b(?:i|we)(?:'ve|\s+have)\s+(?:seen|heard|attended)\s+this\s+(?:talk|speaker)\b"
    r"|\b(?:i|we)\s+(?:work|worked)\s+with\s+(?:the\s+)?(?:speaker|author)\b",
    re.IGNORECASE,
)


def letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA": enough letters for any committee."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def pseudonyms(reviewer_ids: Iterable[int]) -> dict[int, str]:
    """Each reviewer's letter on one proposal, given its reviewers in first-saved order."""
    out: dict[int, str] = {}
    for rid in reviewer_ids:
        if rid not in out:
            out[rid] = letter(len(out))
    return out


def _plain(word: str) -> str:
    return re.sub(r"['’]s$", "", word).casefold()


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper() if len(word) > 1 else False


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;\n\"'“(-–—*#>"


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str


def _words(text: str) -> list[_Word]:
    return [_Word(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _adjacent(text: str, a: _Word, b: _Word) -> bool:
    gap = text[a.end : b.start]
    return gap in (" ", "-", " - ") or gap == "\u00a0"


def person_like_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that look like a person's name, without knowing any speaker.

    Runs of two or more capitalised words ("Jane Doe", "Ana María López") unless every word is
    an ordinary capitalised word; a capitalised word after a title ("Dr Quell"); a possessive
    capitalised word inside a sentence ("Quell's library").
    """
    text = unicodedata.normalize("NFC", text)
    words = _words(text)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        w = words[i]
        if not _capitalised(w.text):
            i += 1
            continue
        run = [w]
        j = i + 1
        while j < len(words) and _capitalised(words[j].text) and _adjacent(text, run[-1], words[j]):
            run.append(words[j])
            j += 1
        plain = [_plain(x.text) for x in run]
        named = [p for p in plain if p not in _NOT_NAMES and p not in _TITLES]
        if len(run) >= 2 and named:
            # "The Jane Doe" → hold back from the first word that is not an ordinary one.
            first = next(k for k, p in enumerate(plain) if p not in _NOT_NAMES)
            spans.append((run[first].start, run[-1].end))
        elif (
            len(run) == 1
            and plain[0] not in _NOT_NAMES
            and (
                (i > 0 and _plain(words[i - 1].text) in _TITLES)
                or (w.text.endswith(("'s", "’s")) and not _sentence_start(text, w.start))
            )
        ):
            spans.append((w.start, w.end))
        i = j
    return spans


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True, slots=True)
class CheckedText:
    """A committee text as others read it, and what its writer is told."""

    shown: str
    held: tuple[str, ...]
    knows_speaker: bool

    @property
    def held_back(self) -> bool:
        return bool(self.held)


def check(text: str, *, speakers: Sequence[leaks.SpeakerIdentity] = ()) -> CheckedText:
    """Hold back every person-like name (and identity-free leak) of ``text`` from other readers.

    ``held`` — what the writer is warned about — never depends on ``speakers``. The speakers'
    own identities are still removed from ``shown`` (the scanner with the speakers, as for
    proposal text), silently: the writer sees the same warning whether or not a guess was right.
    """
    generic = [(f.start, f.end) for f in leaks.scan(text=text, speakers=())]
    generic += person_like_spans(text)
    warned = _merged(generic)
    silent = [(f.start, f.end) for f in leaks.scan(text=text, speakers=speakers)]
    pieces: list[str] = []
    at = 0
    for start, end in _merged(warned + silent):
        pieces.append(text[at:start])
        pieces.append(HELD_MARKER)
        at = end
    pieces.append(text[at:])
    return CheckedText(
        shown="".join(pieces),
        held=tuple(dict.fromkeys(text[s:e] for s, e in warned)),
        knows_speaker=knows_speaker(text),
    )


def knows_speaker(text: str) -> bool:
    """Whether the writer says they recognise the speaker ("I know who this is")."""
    return _KNOWS.search(text) is not None


# "Near the cut": the proposal's chance of a slot is neither clear nor hopeless, or (without the
# simulation) its rank lies within a fifth of the slots (at least two places) of the last slot.
NEAR_CUT_CHANCE = (0.15, 0.85)


def needs_discussion(
    *, flags: Iterable[str], p_in_slots: float | None, rank: int | None, slots: int
) -> bool:
    """Whether a proposal gets a discussion thread automatically: its reviewers disagree and
    the disagreement may decide whether it makes the programme."""
    if HIGH_DISAGREEMENT not in set(flags):
        return False
    if p_in_slots is not None:
        low, high = NEAR_CUT_CHANCE
        return low <= p_in_slots <= high
    if rank is None or slots <= 0:
        return False
    return abs(rank - slots) <= max(2, slots // 5)
