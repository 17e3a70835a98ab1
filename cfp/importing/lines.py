"""Reading and checking an import file: each line parsed into a ``ProposalLine`` or a ``LineError``.

The format is PRODUCT.md's "Import format": one JSON object a line, unknown keys refused. Every
problem of a line is named in its error, so a person fixes them all in one pass; nothing here
touches the database.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from cfp import models

TOP_KEYS = frozenset(
    {
        "external_id",
        "title",
        "abstract",
        "description",
        "notes",
        "format",
        "duration",
        "track",
        "language",
        "level",
        "speakers",
        "submitted_at",
    }
)
REQUIRED_KEYS = ("external_id", "title", "abstract", "format", "speakers")
SPEAKER_KEYS = frozenset({"name", "email", "bio", "affiliation", "links", "first_time"})
LEVELS = tuple(str(level) for level in models.Level.values)
DEFAULT_LEVEL = str(models.Level.INTERMEDIATE)
DEFAULT_LANGUAGE = "en"

# Database column limits, and a generous cap on free text so one line cannot fill the disk.
MAX_EXTERNAL_ID = 100
MAX_TITLE = 250
MAX_TEXT = 50_000
MAX_NAME = 200
MAX_AFFILIATION = 200
MAX_EMAIL = 254
MAX_LANGUAGE = 10
MAX_LINK = 2_000
MAX_LINKS = 20
# A garbage file would otherwise produce one error per line and bury the first useful one.
MAX_ERRORS = 1_000

# The text keys of a line, in the order their problems are named: the longest value each may
# hold, and whether it may be blank when given.
TEXT_KEYS: dict[str, tuple[int, bool]] = {
    "external_id": (MAX_EXTERNAL_ID, True),
    "title": (MAX_TITLE, True),
    "abstract": (MAX_TEXT, True),
    "description": (MAX_TEXT, True),
    "notes": (MAX_TEXT, True),
    "format": (MAX_NAME, True),
    "track": (MAX_NAME, True),
    "language": (MAX_LANGUAGE, False),
    "level": (MAX_NAME, True),
}

_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_validate_link = URLValidator(schemes=["http", "https"])


class UnableToImport(Exception):
    """Nothing was imported. ``errors`` lists the bad lines, if that is the reason."""

    def __init__(self, message: str, *, errors: Sequence[LineError] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SpeakerLine:
    """One speaker as the line gives it; ``None`` means the key was absent."""

    name: str
    email: str = ""
    bio: str | None = None
    affiliation: str | None = None
    links: tuple[str, ...] | None = None
    first_time: bool | None = None


@dataclass(frozen=True, slots=True)
class ProposalLine:
    line: int
    external_id: str
    title: str
    abstract: str
    format: str
    speakers: tuple[SpeakerLine, ...]
    description: str = ""
    notes: str = ""
    duration: int | None = None
    track: str = ""
    language: str = DEFAULT_LANGUAGE
    level: str = DEFAULT_LEVEL
    submitted_at: dt.datetime | None = None


# --- reading and checking lines -----------------------------------------------------------


class _Problems:
    """Collects every problem of one line, so a person fixes them all in one pass."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, reason: str) -> None:
        self.items.append(reason)


def _unusable_text(value: str) -> str | None:
    # PostgreSQL refuses NUL, and a lone surrogate cannot be encoded for any database.
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (not valid Unicode)"
    return None


def _string(
    data: dict[str, Any],
    key: str,
    problems: _Problems,
    *,
    label: str,
    required: bool,
    max_length: int,
    blank: bool = True,
) -> str | None:
    if key not in data:
        if required:
            problems.add(f"{label} is missing")
        return None
    value = data[key]
    if not isinstance(value, str):
        problems.add(f"{label} must be a string")
        return None
    value = value.strip()
    bad = _unusable_text(value)
    if bad:
        problems.add(f"{label} {bad}")
        return None
    if not value and (required or not blank):
        problems.add(f"{label} is empty")
        return None
    if len(value) > max_length:
        problems.add(f"{label} is longer than {max_length} characters")
        return None
    return value


def _unknown_keys(data: dict[str, Any], allowed: frozenset[str], prefix: str) -> list[str]:
    return [f'{prefix}unknown key "{key}"' for key in data if key not in allowed]


def _speaker(raw: Any, position: int, problems: _Problems) -> SpeakerLine | None:
    label = f"speaker {position}"
    if not isinstance(raw, dict):
        problems.add(f"{label} must be an object")
        return None
    before = len(problems.items)
    for reason in _unknown_keys(raw, SPEAKER_KEYS, f"{label}: "):
        problems.add(reason)
    name = _string(
        raw, "name", problems, label=f'{label}: "name"', required=True, max_length=MAX_NAME
    )
    email = _string(
        raw, "email", problems, label=f'{label}: "email"', required=False, max_length=MAX_EMAIL
    )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add(f'{label}: "email" is not an e-mail address')
        if email.lower().endswith(".invalid"):
            # A placeholder in the input would be matched to someone else's speaker row.
            problems.add(f'{label}: "email" uses the reserved .invalid domain')
    bio = _string(
        raw, "bio", problems, label=f'{label}: "bio"', required=False, max_length=MAX_TEXT
    )
    affiliation = _string(
        raw,
        "affiliation",
        problems,
        label=f'{label}: "affiliation"',
        required=False,
        max_length=MAX_AFFILIATION,
    )
    links: tuple[str, ...] | None = None
    if "links" in raw:
        value = raw["links"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.add(f'{label}: "links" must be a list of strings')
        elif len(value) > MAX_LINKS:
            problems.add(f'{label}: "links" has more than {MAX_LINKS} entries')
        else:
            cleaned = []
            for link in (v.strip() for v in value):
                try:
                    if len(link) > MAX_LINK:
                        raise ValidationError("too long")
                    _validate_link(link)
                except ValidationError:
                    problems.add(f'{label}: link "{link[:80]}" is not an http(s) address')
                else:
                    cleaned.append(link)
            links = tuple(cleaned)
    first_time = raw.get("first_time")
    if first_time is not None and not isinstance(first_time, bool):
        problems.add(f'{label}: "first_time" must be true or false')
    if len(problems.items) > before or name is None:
        return None
    return SpeakerLine(
        name=" ".join(name.split()),
        email=(email or "").lower(),
        bio=bio,
        affiliation=affiliation,
        links=links,
        first_time=first_time,
    )


def _speakers(data: dict[str, Any], problems: _Problems) -> tuple[SpeakerLine, ...]:
    if "speakers" not in data:
        problems.add('"speakers" is missing')
        return ()
    raw = data["speakers"]
    if not isinstance(raw, list):
        problems.add('"speakers" must be a list')
        return ()
    if not raw:
        problems.add('"speakers" must name at least one speaker')
        return ()
    speakers: list[SpeakerLine] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(raw, start=1):
        speaker = _speaker(item, position, problems)
        if speaker is None:
            continue
        key = speaker.email or "name:" + speaker.name.casefold()
        if key in seen:
            problems.add(f"speaker {position} repeats speaker {seen[key]}")
            continue
        seen[key] = position
        speakers.append(speaker)
    return tuple(speakers)


def _duration(data: dict[str, Any], problems: _Problems) -> int | None:
    value = data.get("duration")
    if value is None:
        return None
    # bool is an int subclass: `true` is not a duration.
    if not isinstance(value, int) or isinstance(value, bool):
        problems.add('"duration" must be a whole number of minutes')
        return None
    # No upper bound: the value is not stored, and the real talk data has recording lengths
    # that are plainly seconds (41 lines above 13,000) on otherwise good proposals.
    if value < 1:
        problems.add('"duration" must be a positive number of minutes')
        return None
    return value


def _submitted_at(data: dict[str, Any], problems: _Problems) -> dt.datetime | None:
    value = data.get("submitted_at")
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add('"submitted_at" must be an ISO-8601 string')
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        problems.add('"submitted_at" is not an ISO-8601 date and time')
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        # A naive time is ambiguous by up to a day, which matters next to a deadline.
        problems.add('"submitted_at" needs a time zone, e.g. 2027-01-31T12:00:00+00:00')
        return None
    return when


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_line(*, number: int, text: str) -> ProposalLine | LineError:
    """Check one line of the file; every problem it has is named in the error's reason."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except _DuplicateKey as exc:
        return LineError(line=number, reason=f'key "{exc.key}" appears twice')
    except (ValueError, RecursionError) as exc:
        detail = (
            f" ({exc.msg} at column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        )
        return LineError(line=number, reason=f"not valid JSON{detail}")
    if not isinstance(data, dict):
        return LineError(line=number, reason="not a JSON object")
    problems = _Problems()
    for reason in _unknown_keys(data, TOP_KEYS, ""):
        problems.add(reason)
    values: dict[str, str | None] = {
        key: _string(
            data,
            key,
            problems,
            label=f'"{key}"',
            required=key in REQUIRED_KEYS,
            max_length=limit,
            blank=blank,
        )
        for key, (limit, blank) in TEXT_KEYS.items()
    }
    language = values["language"]
    if language and not _LANGUAGE.fullmatch(language):
        problems.add(f'"language" "{language}" is not a language code such as "en" or "pt-BR"')
    level = values["level"]
    if level is not None and level not in LEVELS:
        problems.add(f'"level" must be one of {", ".join(LEVELS)}')
    duration = _duration(data, problems)
    submitted_at = _submitted_at(data, problems)
    speakers = _speakers(data, problems)
    if problems.items:
        return LineError(line=number, reason="; ".join(problems.items))
    return ProposalLine(
        line=number,
        external_id=values["external_id"] or "",
        title=values["title"] or "",
        abstract=values["abstract"] or "",
        description=values["description"] or "",
        notes=values["notes"] or "",
        format=values["format"] or "",
        duration=duration,
        track=values["track"] or "",
        language=language or DEFAULT_LANGUAGE,
        level=level or DEFAULT_LEVEL,
        speakers=speakers,
        submitted_at=submitted_at,
    )


def _open(path: Path) -> Any:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def read_lines(*, path: Path) -> Iterator[tuple[int, str] | LineError]:
    """The non-blank lines of the file, decoded, with their 1-based numbers.

    Raises ``UnableToImport`` when the file itself cannot be read (missing, not gzip,
    truncated); a line that is not UTF-8 is a line error, not a file error.
    """
    try:
        with _open(path) as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    # A byte-order mark is harmless on the first line, where editors put it.
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    yield LineError(line=number, reason="not valid UTF-8")
                    continue
                if text.strip():
                    yield number, text
    except FileNotFoundError as exc:
        raise UnableToImport(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UnableToImport(f"{path}: is a directory, not a file") from exc
    except PermissionError as exc:
        raise UnableToImport(f"{path}: permission denied") from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise UnableToImport(f"{path}: not a complete gzip file ({exc})") from exc
    except OSError as exc:
        raise UnableToImport(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def parse_file(*, path: Path) -> tuple[list[ProposalLine], list[LineError]]:
    """The good lines and the bad ones; a repeated ``external_id`` is an error on the later line."""
    lines: list[ProposalLine] = []
    errors: list[LineError] = []
    first_seen: dict[str, int] = {}
    for item in read_lines(path=path):
        parsed = item if isinstance(item, LineError) else parse_line(number=item[0], text=item[1])
        if isinstance(parsed, ProposalLine):
            earlier = first_seen.get(parsed.external_id)
            if earlier is not None:
                parsed = LineError(
                    line=parsed.line,
                    reason=f'"external_id" "{parsed.external_id}" repeats line {earlier}',
                )
            else:
                first_seen[parsed.external_id] = parsed.line
        if isinstance(parsed, LineError):
            errors.append(parsed)
            if len(errors) >= MAX_ERRORS:
                raise UnableToImport(
                    f"{path}: more than {MAX_ERRORS} bad lines, stopped reading", errors=errors
                )
        else:
            lines.append(parsed)
    return lines, errors
