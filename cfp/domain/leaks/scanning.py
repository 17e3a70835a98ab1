"""Putting it together: scan a text against its speakers, merge overlapping candidates, redact."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

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
from cfp.domain.leaks.names import _name_candidates, _speaker_parts
from cfp.domain.leaks.phrases import _phrase_candidates


def _merge(text: str, candidates: Iterable[tuple[int, int, FindingKind]]) -> tuple[Finding, ...]:
    """Union of overlapping candidates, each named after its longest, most specific member."""
    ordered = sorted(
        (c for c in candidates if c[0] < c[1]),
        key=lambda c: (c[0], -(c[1] - c[0]), _SPECIFICITY[c[2]]),
    )
    findings: list[Finding] = []
    group_start = group_end = -1
    best: tuple[int, int, FindingKind] | None = None
    for candidate in ordered:
        start, end, _ = candidate
        if best is not None and start < group_end:
            group_end = max(group_end, end)
            if _rank(candidate) < _rank(best):
                best = candidate
            continue
        if best is not None:
            findings.append(_finding(text, group_start, group_end, best[2]))
        group_start, group_end, best = start, end, candidate
    if best is not None:
        findings.append(_finding(text, group_start, group_end, best[2]))
    return tuple(findings)


def _rank(candidate: tuple[int, int, FindingKind]) -> tuple[int, int]:
    start, end, kind = candidate
    return -(end - start), _SPECIFICITY[kind]


def _finding(text: str, start: int, end: int, kind: FindingKind) -> Finding:
    return Finding(kind=kind, start=start, end=end, text=text[start:end])


def scan(*, text: str, speakers: Sequence[SpeakerIdentity]) -> tuple[Finding, ...]:
    """Every leak of the speakers' identity in `text`, sorted by start and non-overlapping."""
    if not text:
        return ()
    folded = _Folded(text, *_fold_with_map(text))
    usernames = _link_usernames(speakers)
    candidates: list[tuple[int, int, FindingKind]] = []
    for speaker in speakers:
        candidates.extend(_name_candidates(folded, _speaker_parts(speaker.name)))
    candidates.extend(_email_candidates(folded))
    candidates.extend(_handle_candidates(folded))
    candidates.extend(_link_candidates(folded, speakers, usernames))
    candidates.extend(_username_candidates(folded, usernames))
    candidates.extend(_affiliation_candidates(folded, speakers))
    candidates.extend(_phrase_candidates(folded))
    return _merge(text, candidates)


def redact(*, text: str, findings: Sequence[Finding]) -> str:
    """`text` with each finding replaced by a marker naming its kind, such as "[name]"."""
    pieces: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, f.end)):
        start = max(finding.start, position)
        end = min(finding.end, len(text))
        if end <= start:
            continue
        pieces.append(text[position:start])
        pieces.append(f"[{finding.kind.value}]")
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_text(
    *,
    text: str,
    speakers: Sequence[SpeakerIdentity],
    ignored: Collection[tuple[int, int]] = (),
) -> str:
    """Scan and redact, leaving findings inside a chair-ignored (start, end) span untouched."""
    findings = [
        finding
        for finding in scan(text=text, speakers=speakers)
        if not any(start <= finding.start and finding.end <= end for start, end in ignored)
    ]
    return redact(text=text, findings=findings)
