"""The leak scanner's findings as a proposal stores them: one typed record, parsed in one place.

``Proposal.findings`` is a JSON list. Writers build ``StoredFinding`` rows and store
``to_json()``; every reader (the speaker's form, the chair's findings page, curation, the
false-positive ruling) parses the column with ``parse_all`` instead of picking keys out of dicts.
``parse_all`` tolerates what older code stored: missing ``ignored`` (not ruled on), missing
``field`` or ``text`` (empty), numbers stored as strings, and entries that are not objects at all
(skipped, as is an entry whose span cannot be read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cfp.domain import leaks
from common.numbers import is_whole_number


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """One span of one reviewer-visible field that may reveal who the speakers are.

    ``field`` is ``title``, ``abstract``, ``description``, ``notes`` or an answer key
    (``q:<question id>`` or ``q:<question id>:<speaker number>``); ``kind`` a
    ``leaks.FindingKind`` value; ``start``/``end`` the span in the field's original text;
    ``ignored`` that a chair ruled it not a leak (the redacted text then keeps the words).
    """

    field: str
    kind: str
    start: int
    end: int
    text: str
    ignored: bool = False

    @classmethod
    def of(cls, *, field: str, finding: leaks.Finding, ignored: bool) -> StoredFinding:
        """The stored form of a scanner result in ``field``."""
        return cls(
            field=field,
            kind=str(finding.kind),
            start=finding.start,
            end=finding.end,
            text=finding.text,
            ignored=ignored,
        )

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> StoredFinding:
        """Parse one stored entry; raises ValueError when its span cannot be read."""
        start, end = _offset(value.get("start")), _offset(value.get("end"))
        if end < start:
            raise ValueError(f"finding ends ({end}) before it starts ({start})")
        return cls(
            field=_text(value.get("field")),
            kind=_text(value.get("kind")),
            start=start,
            end=end,
            text=_text(value.get("text")),
            ignored=_flag(value.get("ignored")),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "field": self.field,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "ignored": self.ignored,
        }

    @property
    def finding_kind(self) -> leaks.FindingKind | None:
        """The kind as the scanner's enum; None for a kind this version does not know."""
        try:
            return leaks.FindingKind(self.kind)
        except ValueError:
            return None

    def at(self, *, field: str, start: int, end: int) -> bool:
        """Whether this is the finding at ``start``–``end`` of ``field``."""
        return (self.field, self.start, self.end) == (field, start, end)


def parse_all(value: object) -> tuple[StoredFinding, ...]:
    """Every readable finding in a stored ``findings`` value, in stored order."""
    if not isinstance(value, list | tuple):
        return ()
    out: list[StoredFinding] = []
    for item in value:
        if not isinstance(item, Mapping):
            continue
        try:
            out.append(StoredFinding.from_json(item))
        except ValueError:
            continue
    return tuple(out)


def _offset(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("a finding's offset is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and is_whole_number(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError(f"a finding's offset is not a number: {value!r}")
    if number < 0:
        raise ValueError(f"a finding's offset is negative: {number}")
    return number


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)
