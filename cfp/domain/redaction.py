"""What reviewers get of a proposal's text: the scanner's findings, the chairs' rulings, redaction.

Plain Python, the one rule behind every write of ``Proposal.redacted``/``findings`` (the
submission and edit services, a rescan, the importer, the demo seed all reach it through
``cfp.services.texts``). The caller gathers a ``Source`` (the reviewer-visible texts, the
speakers in line-up order, the rulings) and stores the ``Redaction``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cfp.domain import leaks
from cfp.domain.findings import StoredFinding

# The proposal's own reviewer-visible fields, in the order they are scanned and stored.
REVIEWER_FIELDS = ("title", "abstract", "description", "notes")

# Scanner results by what they depend on: the text and the speakers, in line-up order.
Prescanned = Mapping[tuple[str, tuple[leaks.SpeakerIdentity, ...]], tuple[leaks.Finding, ...]]


@dataclass(frozen=True, slots=True)
class Ruling:
    """A chair's ruling that the words ``text`` at ``start``–``end`` of ``field`` are no leak."""

    field: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Source:
    """Everything the redaction of one proposal depends on.

    ``scanned`` holds the texts that go through the scanner, by key (the reviewer fields, then
    the text answers by ``answers.answer_key``); ``plain`` the reviewer-visible answers that are
    plain values or the chair's own words (numbers, yes/no, choices), stored as they are.
    """

    scanned: Mapping[str, str]
    speakers: tuple[leaks.SpeakerIdentity, ...]
    plain: Mapping[str, str] = field(default_factory=dict)
    rulings: tuple[Ruling, ...] = ()


@dataclass(frozen=True, slots=True)
class Redaction:
    """What is stored: the redacted text per key, and every finding (ruled ones marked)."""

    texts: Mapping[str, str]
    findings: tuple[StoredFinding, ...]

    def redacted_json(self) -> dict[str, str]:
        return dict(self.texts)

    def findings_json(self) -> list[dict[str, object]]:
        return [f.to_json() for f in self.findings]


def prescan(
    *, texts: Iterable[str], speakers: Sequence[leaks.SpeakerIdentity]
) -> dict[tuple[str, tuple[leaks.SpeakerIdentity, ...]], tuple[leaks.Finding, ...]]:
    """Scan ahead (before a write transaction opens, so no lock is held while the scanner runs).

    ``redact`` then looks its texts up here and scans only what it does not find (a profile or
    an answer that changed in between), so the stored result is the same either way.
    """
    line_up = tuple(speakers)
    return {
        (text, line_up): leaks.scan_rendered(text=text, speakers=line_up) for text in set(texts)
    }


def standing(
    *, rulings: Iterable[Ruling], scanned: Mapping[str, str]
) -> dict[str, set[tuple[int, int]]]:
    """The spans whose ruling still holds, by key.

    A ruling holds while the same words sit at the same place; after an edit moves them, the
    scanner's finding comes back (hiding too much is the safe side).
    """
    kept: dict[str, set[tuple[int, int]]] = {}
    for ruling in rulings:
        if scanned.get(ruling.field, "")[ruling.start : ruling.end] == ruling.text:
            kept.setdefault(ruling.field, set()).add((ruling.start, ruling.end))
    return kept


def redact(*, source: Source, prescanned: Prescanned | None = None) -> Redaction:
    """Scan every text of ``source`` against its speakers and redact what no ruling clears.

    Every text is also checked as Markdown would show it (``leaks.scan_rendered``): the
    description is rendered as Markdown, and for a plain field the check only hides more.
    """
    texts: dict[str, str] = {}
    findings: list[StoredFinding] = []
    line_up = source.speakers
    cleared = standing(rulings=source.rulings, scanned=source.scanned)
    for key, text in source.scanned.items():
        found = (prescanned or {}).get((text, line_up))
        if found is None:
            found = leaks.scan_rendered(text=text, speakers=line_up)
        skip = cleared.get(key, set())
        texts[key] = leaks.redact(
            text=text, findings=[f for f in found if (f.start, f.end) not in skip]
        )
        findings.extend(
            StoredFinding.of(field=key, finding=f, ignored=(f.start, f.end) in skip) for f in found
        )
    texts.update(source.plain)
    return Redaction(texts=texts, findings=tuple(findings))
