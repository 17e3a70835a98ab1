"""A word diff for "what changed since my review", with its work bounded by construction.

Both texts must already be redacted: this module compares strings and knows nothing of speakers.
Tokens are words with the whitespace that follows them; two tokens are the same word when they
differ only in that whitespace, so re-wrapping a paragraph does not mark every line as changed.

The comparison is Myers' O(ND) diff over word tokens, which is fast when little changed (D small)
and is stopped once it has made `max_work // 2` comparisons, however the text changed: a reordered
20,000-word description would otherwise cost seconds (difflib's matcher is superlinear on it).
Past that budget the same algorithm runs over paragraphs, which are few, with what is left of the
budget; past that too, the field is shown as one removal and one insertion. A diff that is not
word by word says so (`Diff.coarse`), and the screen tells the reviewer.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

EQUAL = "equal"
INSERT = "insert"
DELETE = "delete"
GAP = "gap"

# Comparisons allowed for one field: some 20 ms of pure Python on a quiet machine, and room for
# about 300 changed words in a description before the paragraph view takes over.
MAX_WORK = 60_000

_TOKEN = re.compile(r"\s+|\S+\s*")
_PARAGRAPH_END = re.compile(r"\n[^\S\n]*\n")

# An opcode as difflib spells it: (tag, old start, old end, new start, new end).
Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text that is the same in both versions, new, removed, or left out (a gap)."""

    op: str
    text: str


@dataclass(frozen=True, slots=True)
class Diff:
    """The segments, whether they are coarser than word by word, and the comparisons made."""

    segments: tuple[Segment, ...]
    coarse: bool
    work: int


class _OverBudget(Exception):
    """The comparison would go past its budget (internal: the caller falls back)."""


def tokens(text: str) -> list[str]:
    """Words with their trailing whitespace; leading whitespace is a token of its own."""
    return _TOKEN.findall(text)


def _words(text: str, toks: Sequence[str]) -> list[str]:
    """Each token's word (str.split, at C speed; "" for leading whitespace), to compare by."""
    words = text.split()
    if text[:1].isspace():
        words.insert(0, "")
    if len(words) != len(toks):  # pragma: no cover - str.split and re's \s agree on whitespace
        words = [t.strip() for t in toks]
    return words


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


class _Budget:
    """Comparisons left; spending past the limit raises `_OverBudget`."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self.used = 0

    @property
    def left(self) -> int:
        return self.limit - self.used

    def spend(self, n: int) -> None:
        if n > self.left:
            self.used = self.limit
            raise _OverBudget
        self.used += n


def _ids(*sequences: Sequence[str]) -> list[list[int]]:
    """The same keys as small ints, so that comparing two tokens is one int comparison."""
    table: dict[str, int] = {}
    return [[table.setdefault(key, len(table)) for key in seq] for seq in sequences]


Block = tuple[int, int, int]
# Words compare as strings, paragraphs as ids (a paragraph is long: one int comparison each).
Key = TypeVar("Key", str, int)


def _ends(a: Sequence[Key], b: Sequence[Key], budget: _Budget) -> tuple[int, int]:
    """The lengths of the common head and of the common tail (not overlapping the head)."""
    n, m = len(a), len(b)
    head = 0
    while head < n and head < m and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and a[n - 1 - tail] == b[m - 1 - tail]:
        tail += 1
    budget.spend(head + tail + 1)
    return head, tail


def _trimmed(
    a: Sequence[Key],
    b: Sequence[Key],
    budget: _Budget,
    middle: Callable[[Sequence[Key], Sequence[Key], _Budget], list[Block]],
) -> list[Block]:
    """Matching blocks: the common head and tail, and `middle`'s blocks for what lies between."""
    n, m = len(a), len(b)
    head, tail = _ends(a, b, budget)
    blocks: list[Block] = [(0, 0, head)] if head else []
    blocks += [
        (head + i, head + j, size)
        for i, j, size in middle(a[head : n - tail], b[head : m - tail], budget)
    ]
    if tail:
        blocks.append((n - tail, m - tail, tail))
    return blocks


def _myers(a: Sequence[Key], b: Sequence[Key], budget: _Budget) -> list[Block]:
    """(i, j, size) runs of a shortest edit script, by Myers' greedy forward search.

    Every diagonal visited and every pair of tokens compared is one unit of work; the search
    stops with `_OverBudget` before it does more than the budget allows.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return []
    left = budget.left
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    # One frontier a round, for the backtrack: round d reads diagonals -d-1 .. d+1 of round d-1.
    trace: list[list[int]] = []
    found = -1
    for d in range(n + m + 1):
        trace.append(v[offset - d - 1 : offset + d + 2])
        # The d + 1 diagonals of this round are paid for up front, each snake before it runs.
        left -= d + 1
        if left < 0:
            budget.spend(budget.left + 1)
        low, high = offset - d, offset + d
        for at in range(low, high + 1, 2):
            # Down (an insertion) from the diagonal above, or right (a deletion) from below.
            down = at == low or (at != high and v[at - 1] < v[at + 1])
            x = v[at + 1] if down else v[at - 1] + 1
            k = at - offset
            stop = n if n < m + k else m + k
            if x + left < stop:
                stop = x + left
            start = x
            while x < stop and a[x] == b[x - k]:
                x += 1
            left -= x - start
            v[at] = x
            if x >= n and x - k >= m:
                found = d
                break
        if found >= 0:
            break
    budget.spend(budget.left - left)
    blocks: list[Block] = []
    x, y = n, m
    for d in range(found, -1, -1):
        frontier, k = trace[d], x - y
        if d == 0:
            prev_x = prev_y = start_x = 0
        else:
            down = k == -d or (k != d and frontier[k + d] < frontier[k + d + 2])
            prev_k = k + 1 if down else k - 1
            prev_x = frontier[prev_k + d + 1]
            prev_y = prev_x - prev_k
            # Round d's edit (an insertion goes down, a deletion right), then its snake to (x, y).
            start_x = prev_x if down else prev_x + 1
        if x > start_x:
            blocks.append((start_x, start_x - k, x - start_x))
        x, y = prev_x, prev_y
    blocks.reverse()
    return blocks


def _unique_in_order(a: Sequence[int], b: Sequence[int], budget: _Budget) -> list[Block]:
    """Patience matching: keys found once in each side, the longest run of them kept in order.

    O(n log n) in the number of keys whatever the order, so moved paragraphs cost no more than
    paragraphs left in place; every step is spent from the budget all the same.
    """
    n, m = len(a), len(b)
    budget.spend(n + m)
    count: dict[int, int] = {}
    for key in a:
        count[key] = count.get(key, 0) + 1
    where_b: dict[int, int] = {}
    for j, key in enumerate(b):
        if count.get(key) == 1:
            where_b[key] = -1 if key in where_b else j
    pairs = [(i, where_b[key]) for i, key in enumerate(a) if where_b.get(key, -1) >= 0]
    budget.spend(len(pairs) * (len(pairs).bit_length() + 1))
    # Longest increasing subsequence of the b positions, with a back link per pair.
    tops: list[int] = []
    top_at: list[int] = []
    back = [-1] * len(pairs)
    for index, (_i, j) in enumerate(pairs):
        pile = bisect.bisect_left(tops, j)
        back[index] = top_at[pile - 1] if pile else -1
        if pile == len(tops):
            tops.append(j)
            top_at.append(index)
        else:
            tops[pile] = j
            top_at[pile] = index
    chain: list[int] = []
    index = top_at[-1] if top_at else -1
    while index >= 0:
        chain.append(index)
        index = back[index]
    blocks: list[Block] = []
    for i, j in (pairs[c] for c in reversed(chain)):
        if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
            blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + 1)
        else:
            blocks.append((i, j, 1))
    return blocks


def _opcodes(blocks: Sequence[Block], n: int, m: int) -> list[Opcode]:
    """difflib-style opcodes covering a[0:n] and b[0:m] from ordered matching blocks."""
    out: list[Opcode] = []
    i = j = 0
    for bi, bj, size in [*blocks, (n, m, 0)]:
        if i < bi and j < bj:
            out.append(("replace", i, bi, j, bj))
        elif i < bi:
            out.append(("delete", i, bi, j, j))
        elif j < bj:
            out.append(("insert", i, i, j, bj))
        if size:
            out.append(("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    return out


def _segments(a: Sequence[str], b: Sequence[str], opcodes: Sequence[Opcode]) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in opcodes:
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


def _paragraph_starts(toks: Sequence[str]) -> list[int]:
    """Token indices where a paragraph starts: after a word whose whitespace holds a blank line."""
    return [0] + [
        index + 1
        for index, token in enumerate(toks[:-1])
        if "\n" in token and _PARAGRAPH_END.search(token) and token.strip()
    ]


def _paragraph_keys(toks: Sequence[str], starts: Sequence[int]) -> list[str]:
    bounds = [*starts, len(toks)]
    return [" ".join("".join(toks[s:e]).split()) for s, e in itertools.pairwise(bounds)]


def _patience_cost(n: int, m: int) -> int:
    """An upper bound on what `_trimmed(..., _unique_in_order)` spends on n and m keys."""
    return 2 * (n + m) + 1 + min(n, m) * (min(n, m).bit_length() + 1)


def word_diff(*, old: str, new: str, max_work: int = MAX_WORK) -> Diff:
    """Segments that spell `new` through EQUAL and INSERT, and `old`'s words through EQUAL and
    DELETE; a replaced passage is its deletion followed by its insertion.

    At most `max_work` comparisons in all. The word diff may spend all but what the paragraph
    diff could need; past that the diff is by paragraph (`coarse=True`), and if even that would
    not fit, the whole text is one removal and one insertion.
    """
    a, b = tokens(old), tokens(new)
    ka, kb = _words(old, a), _words(new, b)
    # An upper bound on the paragraphs (each break holds two line breaks), counted at C speed.
    reserve = _patience_cost(old.count("\n") // 2 + 1, new.count("\n") // 2 + 1)
    budget = _Budget(max_work - reserve)
    try:
        blocks = _trimmed(ka, kb, budget, _myers)
    except _OverBudget:
        pass
    else:
        opcodes = _opcodes(blocks, len(a), len(b))
        return Diff(segments=_segments(a, b, opcodes), coarse=False, work=budget.used)
    a_starts, b_starts = _paragraph_starts(a), _paragraph_starts(b)
    budget.limit = max_work
    pa, pb = _ids(_paragraph_keys(a, a_starts), _paragraph_keys(b, b_starts))
    try:
        by_paragraph = _trimmed(pa, pb, budget, _unique_in_order)
    except _OverBudget:
        # Only when the paragraphs alone outnumber the budget: one removal, one insertion.
        return Diff(
            segments=_segments(a, b, _opcodes([], len(a), len(b))), coarse=True, work=budget.used
        )
    # Paragraph opcodes in token indices; an equal paragraph is shown as the new text has it.
    a_bounds, b_bounds = [*a_starts, len(a)], [*b_starts, len(b)]
    opcodes = [
        (tag, a_bounds[i1], a_bounds[i2], b_bounds[j1], b_bounds[j2])
        for tag, i1, i2, j1, j2 in _opcodes(by_paragraph, len(pa), len(pb))
    ]
    return Diff(segments=_segments(a, b, opcodes), coarse=True, work=budget.used)


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
