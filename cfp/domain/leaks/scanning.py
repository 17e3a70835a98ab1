"""Putting it together: scan a text against its speakers, merge overlapping candidates, redact."""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from cfp.domain import markdown
from cfp.domain.leaks import visible, work
from cfp.domain.leaks.affiliations import _affiliation_candidates
from cfp.domain.leaks.folding import _fold_with_map, _Folded
from cfp.domain.leaks.kinds import _SPECIFICITY, Finding, FindingKind, SpeakerIdentity
from cfp.domain.leaks.links import (
    _email_candidates,
    _handle_candidates,
    _link_candidates,
    _link_usernames,
    _username_candidates,
)
from cfp.domain.leaks.names import _name_candidates, _speaker_parts, name_crowds
from cfp.domain.leaks.phrases import _phrase_candidates


def _merge(text: str, candidates: Iterable[tuple[int, int, FindingKind]]) -> tuple[Finding, ...]:
    """Union of overlapping candidates, each named after its longest, most specific member.

    Constant work per candidate: one sort by start (of integers, in C; the passes give their
    candidates in order, so it merges a few sorted runs), one pass. The same span found by two
    passes (as typed and as shown) is two members of one group. Most candidates overlap no
    other: a member's rank is compared only when a group has two.
    """
    specificity = _SPECIFICITY
    ordered = sorted(candidates, key=_START_OF)
    work.checked(len(ordered))
    findings: list[Finding] = []
    group_start = group_end = -1
    best_length = 0
    best_kind: FindingKind | None = None
    for start, end, kind in ordered:
        if start >= end:
            continue
        if start < group_end:
            if end > group_end:
                group_end = end
            length = end - start
            if length > best_length or (
                length == best_length and specificity[kind] < specificity[best_kind]  # type: ignore[index]
            ):
                best_length, best_kind = length, kind
            continue
        if best_kind is not None:
            findings.append(_finding(text, group_start, group_end, best_kind))
        group_start, group_end, best_length, best_kind = start, end, end - start, kind
    if best_kind is not None:
        findings.append(_finding(text, group_start, group_end, best_kind))
    return tuple(findings)


_START_OF = operator.itemgetter(0)
_tuple_new = tuple.__new__


def _finding(text: str, start: int, end: int, kind: FindingKind) -> Finding:
    return _tuple_new(Finding, (kind, start, end, text[start:end]))


def scan(*, text: str, speakers: Sequence[SpeakerIdentity]) -> tuple[Finding, ...]:
    """Every leak of the speakers' identity in `text`, sorted by start and non-overlapping.

    The text is read as typed, then its redaction is read as shown (the shadow that undoes
    entities, invisible and look-alike characters, markup splits and link syntax; see
    `visible`) and as its letters alone: what the typed reading found is not found again, and
    when the shown reading finds nothing more, it has also checked the redaction. Otherwise the
    shadow of the new redaction is read again; a block that still shows a speaker is redacted
    whole (fail closed).

    The scan does not render Markdown: where a text is shown as Markdown, `scan_rendered` also
    reads the rendering of the redaction (what `redact_text` and `cfp.domain.redaction` do).
    """
    if not text:
        return ()
    work.read(len(text))
    folded = _Folded(text, *_fold_with_map(text))
    usernames = _link_usernames(speakers)
    candidates: list[tuple[int, int, FindingKind]] = []
    for speaker in speakers:
        candidates.extend(_name_candidates(folded, _speaker_parts(speaker.name)))
    candidates.extend(_email_candidates(folded))
    handles = list(_handle_candidates(folded))
    candidates.extend(handles)
    candidates.extend(_link_candidates(folded, speakers, usernames))
    candidates.extend(_username_candidates(folded, usernames, handles))
    candidates.extend(_affiliation_candidates(folded, speakers))
    candidates.extend(_phrase_candidates(folded))
    if not candidates:
        shown = _shown_candidates(
            text, speakers, usernames, handles=True, folded=folded, typed_targets_read=True
        )
    else:
        typed = _merge(text, candidates)
        redacted = _Redaction(text, typed)
        found = _shown_candidates(
            redacted.text, speakers, usernames, handles=True, typed_targets_read=True
        )
        if not found:
            # The redaction of what was typed shows no speaker: it has just been read.
            return typed
        # What the shown reading adds is merged into the typed findings, and the redaction is
        # changed only there: a few disguised names cost a few checks, not a pass per finding.
        extra = [(*redacted.source(start, end), kind) for start, end, kind in found]
        findings, changed = _merged_into(text, typed, extra)
        again = redacted.replaced(changed)
        if (
            _still_shown(again, speakers, usernames, rendered=False, typed_targets_read=True)
            is None
        ):
            return findings
        return _fail_closed(text, findings, speakers, usernames, rendered=False, shows=True)
    if not shown:
        return ()
    findings = _merge(text, shown)
    return _fail_closed(text, findings, speakers, usernames, rendered=False)


def _merged_into(
    text: str, findings: tuple[Finding, ...], extra: list[tuple[int, int, FindingKind]]
) -> tuple[tuple[Finding, ...], list[Finding]]:
    """`_merge` of `findings` (sorted, disjoint) and `extra`, and the findings that changed.

    Each group of `extra` is merged with the findings it overlaps, found by bisection; the rest
    are kept as they are, so the work is per group of `extra`, not per finding.
    """
    result = list(findings)
    starts = [f.start for f in result]
    ends = [f.end for f in result]
    for group in _merge(text, extra):
        first = bisect.bisect_right(ends, group.start)  # the first that ends after it starts
        last = bisect.bisect_left(starts, group.end)  # the first that starts after it ends
        members = [(f.start, f.end, f.kind) for f in result[first:last]]
        merged = _merge(text, [(group.start, group.end, group.kind), *members])
        result[first:last] = merged
        starts[first:last] = [f.start for f in merged]
        ends[first:last] = [f.end for f in merged]
    kept = {id(f) for f in findings}
    return tuple(result), [f for f in result if id(f) not in kept]


class _Redaction:
    """`redact(text, findings)`, and where each of its spans came from in `text`."""

    __slots__ = ("ends", "markers", "sources", "starts", "text")

    def __init__(self, text: str, findings: Sequence[Finding]) -> None:
        work.read(len(text))
        work.checked(len(findings))
        pieces: list[str] = []
        starts: list[int] = []  # offset in the redaction of each piece
        sources: list[int] = []  # offset in `text` of each piece
        ends: list[int] = []  # end in `text` of each piece
        markers: list[bool] = []  # whether the piece is a marker (else copied)
        at = position = 0
        for finding in findings:  # sorted, non-overlapping (`_merge`)
            start, end = finding.start, finding.end
            if position < start:
                pieces.append(text[position:start])
                starts.append(at)
                sources.append(position)
                ends.append(start)
                markers.append(False)
                at += start - position
            marker = _MARKERS[finding.kind]
            pieces.append(marker)
            starts.append(at)
            sources.append(start)
            ends.append(end)
            markers.append(True)
            at += len(marker)
            position = end
        pieces.append(text[position:])
        starts.append(at)
        sources.append(position)
        ends.append(len(text))
        markers.append(False)
        self.text = "".join(pieces)
        self.starts, self.sources, self.ends, self.markers = starts, sources, ends, markers

    def replaced(self, findings: list[Finding]) -> str:
        """The redaction with `findings` (sorted, disjoint, new or widened) redacted too."""
        work.read(len(self.text))
        work.checked(len(findings))
        pieces: list[str] = []
        position = 0
        for finding in findings:
            start, end = self._at(finding.start, end=False), self._at(finding.end, end=True)
            pieces.append(self.text[position:start])
            pieces.append(_MARKERS[finding.kind])
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)

    def _at(self, index: int, *, end: bool) -> int:
        """Where offset `index` of `text` falls in the redaction (a marker counts whole)."""
        piece = bisect.bisect_right(self.sources, index - 1 if end else index) - 1
        if self.markers[piece]:
            if not end:
                return self.starts[piece]
            following = piece + 1
            return self.starts[following] if following < len(self.starts) else len(self.text)
        return self.starts[piece] + index - self.sources[piece]

    def source(self, start: int, end: int) -> tuple[int, int]:
        """The span of `text` shown as `self.text[start:end]` (a marker: its whole finding)."""
        first = bisect.bisect_right(self.starts, start) - 1
        last = bisect.bisect_right(self.starts, max(start, end - 1)) - 1
        begin = self.sources[first]
        if not self.markers[first]:
            begin += start - self.starts[first]
        finish = self.ends[last]
        if not self.markers[last]:
            finish = self.sources[last] + end - self.starts[last]
        return begin, finish


def scan_rendered(*, text: str, speakers: Sequence[SpeakerIdentity]) -> tuple[Finding, ...]:
    """`scan`, then widened until the Markdown rendering of the redaction shows no speaker.

    For a text a reader gets as Markdown. The shadow already reads link syntax; rendering is
    what catches a construct it does not model (a link text with nested brackets, say). A text
    without link signs is shown as its shadow, so it is not rendered. Rendering is the cost of
    showing the text anyway; `markdown.render_markdown` keeps its latest results, so the page's
    own rendering of the same redaction is not done twice.
    """
    findings = scan(text=text, speakers=speakers)
    if not speakers or not any(sign in text for sign in _LINK_SIGNS):
        return findings
    usernames = _link_usernames(speakers)
    return _fail_closed(text, findings, speakers, usernames, rendered=True)


def _shown_candidates(
    text: str,
    speakers: Sequence[SpeakerIdentity],
    usernames: set[str],
    *,
    handles: bool,
    folded: _Folded | None = None,
    typed_targets_read: bool = False,
) -> list[tuple[int, int, FindingKind]]:
    """Identity evidence in the shadow of `text`, as spans of `text`.

    `folded` is the caller's folding of `text`, shared when the shadow shows the text as typed.
    The ordinary matchers run on the shadow only when it differs from the text: on the typed
    text they have run already. `typed_targets_read`: `text` is the scanned text, or a
    redaction of it, so the typed reading has judged the links its shadow lists as typed (see
    `_before_typed_targets`); never for a rendering, whose targets no reading has seen typed.
    """
    view = visible.shadow(text)
    if view.text == text:
        if folded is None:
            folded = _Folded(text, *_fold_with_map(text))
        return list(
            visible.token_candidates(view, speakers, usernames, folded=(folded.text, folded.origin))
        )
    shown = _Folded(view.text, *_fold_with_map(view.text))
    parts = [_speaker_parts(speaker.name) for speaker in speakers]
    # Crowds of names are found at once; the name search reads the text without their insides.
    without_crowds, on_view = name_crowds(shown, parts)
    for speaker_parts in parts:
        on_view.extend(_name_candidates(without_crowds, speaker_parts))
    on_view.extend(_email_candidates(shown))
    if handles:
        on_view.extend(_handle_candidates(shown))
    links_read = _before_typed_targets(view, shown) if typed_targets_read else shown
    on_view.extend(_link_candidates(links_read, speakers, usernames))
    on_view.extend(_username_candidates(shown, usernames))
    on_view.extend(_affiliation_candidates(shown, speakers))
    # A token inside what the matchers found on the shadow adds nothing: it is not looked at,
    # and when every letter is inside, the letters are not read at all.
    groups = _grouped(view.text, on_view)
    token_view, token_folded = _token_reading(view, shown, speakers, usernames)
    if _letter_outside(token_view.text, groups):
        tokens = list(
            visible.token_candidates(
                token_view,
                speakers,
                usernames,
                folded=(token_folded.text, token_folded.origin),
                covered=([start for start, _, _ in groups], [end for _, end, _ in groups]),
                in_shadow=True,
            )
        )
        if tokens:
            # The groups are sorted and disjoint already: grouping them again with the tokens
            # is grouping everything.
            groups = _grouped(view.text, [*groups, *tokens])
    return [(*view.span(start, end), kind) for start, end, kind in groups]


def _token_reading(
    view: visible.Shadow,
    shown: _Folded,
    speakers: Sequence[SpeakerIdentity],
    usernames: set[str],
) -> tuple[visible.Shadow, _Folded]:
    """The shadow and its folding that the token search reads: up to the link targets listed
    after the text when no token reaches into them, else all of it.

    A text full of links lists a target per link; their letters ("https", "example") were
    split, mapped and searched for tokens with the rest, often as most of the letters. A few
    searches of the letters in C tell when no token occurrence has a letter there (not even
    one that starts before them): then those letters cannot change what is found.
    """
    cut = view.targets_from
    if cut is None or cut >= len(view.text):
        return view, shown
    folded_cut = cut if shown.origin is None else bisect.bisect_left(shown.origin, cut)
    if visible.tokens_reach(shown.text, folded_cut, speakers, usernames):
        return view, shown
    return (
        replace(view, text=view.text[:cut]),
        _Folded(shown.original, shown.text[:folded_cut], shown.origin),
    )


def _before_typed_targets(view: visible.Shadow, shown: _Folded) -> _Folded:
    """`shown` up to the link targets the shadow lists as typed, when it lists them so.

    Links are judged by what their text is, and such a target's text is what the typed
    reading judged already (in a redaction: the marker of a link it found, or a link it let
    pass); a text full of links is not judged twice. Everything else reads all of `shown`.
    """
    cut = view.typed_targets_from
    if cut is None:
        return shown
    if shown.origin is not None:
        cut = bisect.bisect_left(shown.origin, cut)
    return _Folded(shown.original, shown.text[:cut], shown.origin)


_LETTER = re.compile(r"[^\W\d_]")


def _letter_outside(shown: str, groups: list[tuple[int, int, FindingKind]]) -> bool:
    """Whether a letter of `shown` lies outside the (sorted, disjoint) `groups`."""
    position = 0
    for start, end, _ in groups:
        if _LETTER.search(shown, position, start):
            return True
        position = end
    return _LETTER.search(shown, position) is not None


# Candidates on the shadow this close, with nothing but spaces, punctuation and underscores
# between them as shown (no letter, digit or line break), are one finding. An underscore is
# emphasis markup as often as it is a character ("Quux_worth_ Quux"), never a letter. So are
# two candidates on the two sides of a soft line break (a line break with at most a blank on
# each side, inside a paragraph, where it shows as a space): "Qua&#120;worth" at the end of one
# line and "Vra&#110;ckx" at the start of the next are one name. A blank line, a list marker, a
# quote or a heading mark after the break keeps them apart, so the redaction does not join
# paragraphs or list items; a heading line before the break can end up joined with the line
# after it. Only evidence found on the shadow is grouped (a name typed as it shows is found as
# typed and redacted where it stands), so that happens to text disguised on purpose.
_GROUP_GAP = re.compile(r"(?:[^\w\n]|_){0,3}|[ \t]?\n[ \t]?")


def _grouped(
    shown: str, spans: list[tuple[int, int, FindingKind]]
) -> list[tuple[int, int, FindingKind]]:
    """`spans` of the shadow `shown` as sorted, disjoint groups, each named after its longest.

    Evidence revealed by a display trick comes in crowds when a speaker stuffs a text with it
    ("Vra&#110;ckx, Qua&#120;worth, Vra&#110;ckx …"); a crowd with only spaces and punctuation
    between its members is one finding
    (the reader loses only the punctuation between), so mapping it back to the source, merging
    and redacting happen once per crowd, not once per name.
    """
    groups: list[tuple[int, int, FindingKind]] = []
    longest = 0
    for start, end, kind in sorted(spans):
        if groups:
            first, last, named = groups[-1]
            if start <= last or _GROUP_GAP.fullmatch(shown, last, start):
                if end - start > longest:
                    named, longest = kind, end - start
                groups[-1] = (first, max(last, end), named)
                continue
        groups.append((start, end, kind))
        longest = end - start
    return groups


def _still_shown(
    text: str,
    speakers: Sequence[SpeakerIdentity],
    usernames: set[str],
    *,
    typed: bool = True,
    rendered: bool,
    typed_targets_read: bool = False,
) -> FindingKind | None:
    """The kind of identity evidence a reader still sees in `text`, typed or rendered."""
    if typed:
        for _, _, kind in _shown_candidates(
            text, speakers, usernames, handles=False, typed_targets_read=typed_targets_read
        ):
            return kind
    # Rendering shows more than the shadow of the source only where links, images, reference
    # definitions or autolinks move text around.
    if rendered and any(sign in text for sign in _LINK_SIGNS):
        for _, _, kind in _shown_candidates(_rendered(text), speakers, usernames, handles=False):
            return kind
    return None


_LINK_SIGNS = ("](", "][", "]:", "<")


@lru_cache(maxsize=16)
def _rendered(text: str) -> str:
    """The text of `text`'s rendering as a browser shows it.

    Cached: when a text is one block, the fail-closed re-check asks for the rendering of the
    same redaction twice (whole, then per block), and rendering is most of a re-check's cost.
    """
    work.read(2 * len(text))  # render, then read the page as a browser shows it
    return markdown.visible_text(html_text=markdown.render_markdown(text=text))


def _fail_closed(
    text: str,
    findings: tuple[Finding, ...],
    speakers: Sequence[SpeakerIdentity],
    usernames: set[str],
    *,
    rendered: bool,
    shows: bool = False,
) -> tuple[Finding, ...]:
    """`findings`, plus whole blocks whose redaction still shows a speaker (then the text).

    `rendered`: read the Markdown rendering of each redaction too, not only its shadow. The
    shadow of the first redaction is then not read again: `scan` has just read it. `shows`:
    the caller knows that the redaction of `findings` still shows a speaker.
    """
    if not speakers:
        return findings
    if not shows:
        redacted = redact(text=text, findings=findings)
        if (
            _still_shown(
                redacted,
                speakers,
                usernames,
                typed=not rendered,
                rendered=rendered,
                typed_targets_read=not rendered,
            )
            is None
        ):
            return findings
    extra: list[tuple[int, int, FindingKind]] = []
    work.read(len(text))
    # The findings are sorted by start: each block looks up its own, not all of them.
    starts = [f.start for f in findings]
    for start, end in markdown.blocks(text=text) or [(0, len(text))]:
        inside = [
            Finding(f.kind, f.start - start, f.end - start, f.text)
            for f in findings[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]
            if f.end <= end
        ]
        block = redact(text=text[start:end], findings=inside)
        kind = _still_shown(
            block, speakers, usernames, rendered=rendered, typed_targets_read=not rendered
        )
        if kind is not None:
            extra.append((start, end, kind))
    spans = [(f.start, f.end, f.kind) for f in findings]
    widened = _merge(text, [*spans, *extra])
    kind = _still_shown(
        redact(text=text, findings=widened),
        speakers,
        usernames,
        rendered=rendered,
        typed_targets_read=not rendered,
    )
    if kind is not None:
        return _merge(text, [*spans, (0, len(text), kind)])
    return widened


_START_END = operator.attrgetter("start", "end")
# The marker that replaces a finding of each kind, such as "[name]".
_MARKERS = {kind: f"[{kind.value}]" for kind in FindingKind}


def redact(*, text: str, findings: Sequence[Finding]) -> str:
    """`text` with each finding replaced by a marker naming its kind, such as "[name]"."""
    work.read(len(text))
    work.checked(len(findings))
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=_START_END):
        start = max(finding.start, position)
        end = min(finding.end, len(text))
        if end <= start:
            continue
        pieces.append(text[position:start])
        pieces.append(_MARKERS[finding.kind])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_text(
    *,
    text: str,
    speakers: Sequence[SpeakerIdentity],
    ignored: Collection[tuple[int, int]] = (),
) -> str:
    """Scan (reading the Markdown rendering too) and redact, leaving findings inside a
    chair-ignored (start, end) span untouched."""
    findings = [
        finding
        for finding in scan_rendered(text=text, speakers=speakers)
        if not any(start <= finding.start and finding.end <= end for start, end in ignored)
    ]
    return redact(text=text, findings=findings)
