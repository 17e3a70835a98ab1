"""Import proposals from JSON Lines: the write side behind ``manage.py import_proposals``.

The format is PRODUCT.md's "Import format": one JSON object a line, unknown keys refused. The
import has two phases. First every line is read and checked, and each bad line is reported with
its number and reason; a file with any bad line imports nothing unless ``skip_invalid`` is set.
Then, in one transaction, the valid lines are written with bulk inserts, because the real talk
corpus (about 9,000 proposals) must import in well under a minute.

Rules maintainers should know before changing them:

- A line is the whole truth about its proposal: an absent optional key means the default
  (no description, no track, level "intermediate", language "en"), so re-importing a corrected
  file converges on it. Only ``submitted_at`` keeps the stored value when absent, since it
  records when the proposal first arrived.
- Speakers are shared between proposals and calls, so a line only sets the speaker fields it
  names; the others keep their stored value. When several lines name the same e-mail address,
  the later line wins. Speakers who have an account are never changed by an import: their
  profile is theirs.
- A speaker without an e-mail address gets a placeholder ``speaker-<hash>@speakers.invalid``
  (RFC 2606 reserves ``.invalid``, so nothing is ever delivered to it). The hash covers the
  call, the external id and the name, so a re-import finds the same person again but two
  different people who share a name are never merged on a guess.
- Re-importing is idempotent on ``external_id``: a proposal whose values all match is counted
  unchanged and not written. A change of the reviewer-visible text bumps the version and keeps
  a ``ProposalVersion``, as an edit in the browser does. Redacted text and findings are
  recomputed whenever the text or the speakers' identities change.
- ``duration`` is checked but not stored: proposals have no length of their own, the format
  carries it (and in the real talk data it is the recording's length, not the slot).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from cfp import models
from cfp.services import texts
from common import codes
from common.stats import analyze_after_bulk_load

__all__ = [
    "ImportResult",
    "LineError",
    "ProposalLine",
    "SpeakerLine",
    "UnableToImport",
    "import_proposals",
    "parse_line",
    "placeholder_email",
    "read_lines",
]

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
PLACEHOLDER_DOMAIN = "speakers.invalid"

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
# `__in` lists are cut to this size: SQLite builds may allow only 999 parameters a query.
CHUNK = 500
# A garbage file would otherwise produce one error per line and bury the first useful one.
MAX_ERRORS = 1_000

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


@dataclass(frozen=True, slots=True)
class ImportResult:
    call_slug: str
    created: int
    updated: int
    unchanged: int
    speakers_created: int
    speakers_updated: int
    formats_created: tuple[str, ...] = ()
    tracks_created: tuple[str, ...] = ()
    # The bad lines left out under ``skip_invalid``.
    skipped: tuple[LineError, ...] = ()

    @property
    def proposals(self) -> int:
        return self.created + self.updated + self.unchanged


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
        "external_id": _string(
            data,
            "external_id",
            problems,
            label='"external_id"',
            required=True,
            max_length=MAX_EXTERNAL_ID,
        ),
        "title": _string(
            data, "title", problems, label='"title"', required=True, max_length=MAX_TITLE
        ),
        "abstract": _string(
            data, "abstract", problems, label='"abstract"', required=True, max_length=MAX_TEXT
        ),
        "description": _string(
            data,
            "description",
            problems,
            label='"description"',
            required=False,
            max_length=MAX_TEXT,
        ),
        "notes": _string(
            data, "notes", problems, label='"notes"', required=False, max_length=MAX_TEXT
        ),
        "format": _string(
            data, "format", problems, label='"format"', required=True, max_length=MAX_NAME
        ),
        "track": _string(
            data, "track", problems, label='"track"', required=False, max_length=MAX_NAME
        ),
        "language": _string(
            data,
            "language",
            problems,
            label='"language"',
            required=False,
            max_length=MAX_LANGUAGE,
            blank=False,
        ),
        "level": _string(
            data, "level", problems, label='"level"', required=False, max_length=MAX_NAME
        ),
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


def _parse_file(*, path: Path) -> tuple[list[ProposalLine], list[LineError]]:
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


# --- matching formats and tracks -----------------------------------------------------------


@dataclass(slots=True)
class _Choices:
    """A call's formats (or tracks) by slug and by name, case-insensitively."""

    kind: str
    by_key: dict[str, Any] = field(default_factory=dict)
    planned: dict[str, str] = field(default_factory=dict)  # slug -> name, to create

    def add(self, row: Any) -> None:
        self.by_key.setdefault(row.slug.casefold(), row)
        self.by_key.setdefault(row.name.casefold(), row)

    def find(self, value: str) -> Any | None:
        key = value.casefold()
        return self.by_key.get(key) or self.by_key.get(slugify(value))

    def plan(self, value: str) -> str:
        """The slug a missing choice will get; equal values share one new row."""
        slug = slugify(value)[:60] or f"{self.kind}-{_digest(value.casefold())[:8]}"
        self.planned.setdefault(slug, value[:100])
        return slug


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _names(rows: Iterable[Any]) -> str:
    return ", ".join(sorted(str(r.slug) for r in rows)) or "none yet"


# --- writing -----------------------------------------------------------------------------


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def placeholder_email(*, call_id: int, external_id: str, name: str) -> str:
    key = f"{call_id}\x1f{external_id}\x1f{' '.join(name.casefold().split())}"
    return f"speaker-{_digest(key)[:20]}@{PLACEHOLDER_DOMAIN}"


def _speaker_key(call_id: int, line: ProposalLine, speaker: SpeakerLine) -> str:
    return speaker.email or placeholder_email(
        call_id=call_id, external_id=line.external_id, name=speaker.name
    )


@dataclass(slots=True)
class _SpeakerTarget:
    name: str
    bio: str | None = None
    affiliation: str | None = None
    links: tuple[str, ...] | None = None
    spoken_before: bool | None = None

    def merge(self, s: SpeakerLine) -> None:
        self.name = s.name
        if s.bio is not None:
            self.bio = s.bio
        if s.affiliation is not None:
            self.affiliation = s.affiliation
        if s.links is not None:
            self.links = s.links
        if s.first_time is not None:
            self.spoken_before = not s.first_time


def _apply(speaker: models.Speaker, target: _SpeakerTarget) -> bool:
    """Set the target's values on the row; True if anything changed."""
    wanted: dict[str, object] = {"name": target.name}
    if target.bio is not None:
        wanted["bio"] = target.bio
    if target.affiliation is not None:
        wanted["affiliation"] = target.affiliation
    if target.links is not None:
        wanted["links"] = list(target.links)
    if target.spoken_before is not None:
        wanted["spoken_before"] = target.spoken_before
    changed = False
    for name, value in wanted.items():
        if getattr(speaker, name) != value:
            setattr(speaker, name, value)
            changed = True
    return changed


def _existing_speakers(emails: Sequence[str]) -> dict[str, models.Speaker]:
    """Speaker rows by lower-cased e-mail; an account holder's row wins over an imported one."""
    placeholders = sorted(e for e in emails if e.endswith("@" + PLACEHOLDER_DOMAIN))
    real = sorted(set(emails) - set(placeholders))
    queries: list[Any] = []
    # Placeholders are written lower-case by this module, so the e-mail index finds them.
    queries.extend(models.Speaker.objects.filter(email__in=c) for c in _chunks(placeholders))
    # Real addresses may have been stored with capitals by older code paths.
    queries.extend(
        models.Speaker.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=c)
        for c in _chunks(real)
    )
    found: dict[str, models.Speaker] = {}
    for query in queries:
        for row in query.order_by("pk"):
            key = row.email.lower()
            current = found.get(key)
            if current is None or (current.user_id is None and row.user_id is not None):
                found[key] = row
    return found


def _save_speakers(
    *, call_id: int, lines: Sequence[ProposalLine], now: dt.datetime
) -> tuple[dict[str, models.Speaker], int, int, set[int]]:
    """Every speaker the lines name, created or updated; and which rows changed identity."""
    targets: dict[str, _SpeakerTarget] = {}
    for line in lines:
        for s in line.speakers:
            key = _speaker_key(call_id, line, s)
            targets.setdefault(key, _SpeakerTarget(name=s.name)).merge(s)
    rows = _existing_speakers(list(targets))
    new: list[models.Speaker] = []
    changed: list[models.Speaker] = []
    identity_changed: set[int] = set()
    for key, target in targets.items():
        row = rows.get(key)
        if row is None:
            row = models.Speaker(
                email=key,
                name=target.name,
                bio=target.bio or "",
                affiliation=target.affiliation or "",
                links=list(target.links or ()),
                spoken_before=target.spoken_before,
            )
            new.append(row)
            rows[key] = row
        elif row.user_id is None:
            before = texts.identity(row)
            if _apply(row, target):
                row.updated_at = now
                changed.append(row)
                if texts.identity(row) != before:
                    identity_changed.add(row.pk)
    created = models.Speaker.objects.bulk_create(new, batch_size=CHUNK)
    if created and created[0].pk is None:  # pragma: no cover - databases without RETURNING
        by_email = _existing_speakers([s.email for s in created])
        for s in created:
            s.pk = by_email[s.email].pk
    models.Speaker.objects.bulk_update(
        changed,
        ["name", "bio", "affiliation", "links", "spoken_before", "updated_at"],
        batch_size=CHUNK,
    )
    return rows, len(new), len(changed), identity_changed


def _new_codes(count: int) -> list[str]:
    fresh: set[str] = set()
    while len(fresh) < count:
        candidates = {codes.new_code() for _ in range(count - len(fresh))} - fresh
        taken: set[str] = set()
        for chunk in _chunks(sorted(candidates)):
            taken.update(
                models.Proposal.objects.filter(code__in=chunk).values_list("code", flat=True)
            )
        fresh |= candidates - taken
    return list(fresh)


def _resolve(
    *,
    call: models.Call,
    lines: Sequence[ProposalLine],
    create_missing: bool,
) -> tuple[list[tuple[ProposalLine, str, str]], list[LineError], _Choices, _Choices]:
    """Each line's format and track key, or a line error; missing ones planned if allowed."""
    formats = _Choices(kind="format")
    tracks = _Choices(kind="track")
    for f in models.Format.objects.filter(call=call):
        formats.add(f)
    for t in models.Track.objects.filter(call=call):
        tracks.add(t)
    known_formats = list(formats.by_key.values())
    known_tracks = list(tracks.by_key.values())
    resolved: list[tuple[ProposalLine, str, str]] = []
    errors: list[LineError] = []
    for line in lines:
        reasons = []
        found_format = formats.find(line.format)
        format_key = found_format.slug if found_format else ""
        if found_format is None and create_missing:
            format_key = formats.plan(line.format)
        elif found_format is None:
            reasons.append(
                f'format "{line.format}" is not one of this call\'s formats '
                f"({_names(known_formats)}); pass --create-missing to add it"
            )
        track_key = ""
        if line.track:
            found_track = tracks.find(line.track)
            track_key = found_track.slug if found_track else ""
            if found_track is None and create_missing:
                track_key = tracks.plan(line.track)
            elif found_track is None:
                reasons.append(
                    f'track "{line.track}" is not one of this call\'s tracks '
                    f"({_names(known_tracks)}); pass --create-missing to add it"
                )
        if call.languages and line.language not in call.languages:
            reasons.append(
                f'language "{line.language}" is not one of this call\'s languages '
                f"({', '.join(call.languages)})"
            )
        if reasons:
            errors.append(LineError(line=line.line, reason="; ".join(reasons)))
        else:
            resolved.append((line, format_key, track_key))
    return resolved, errors, formats, tracks


def _create_planned(
    *, call: models.Call, formats: _Choices, tracks: _Choices
) -> tuple[dict[str, models.Format], dict[str, models.Track]]:
    format_slugs = {r.slug for r in formats.by_key.values()}
    for slug, name in formats.planned.items():
        if slug not in format_slugs:
            formats.add(models.Format.objects.create(call=call, slug=slug, name=name))
    track_slugs = {r.slug for r in tracks.by_key.values()}
    for slug, name in tracks.planned.items():
        if slug not in track_slugs:
            tracks.add(models.Track.objects.create(call=call, slug=slug, name=name))
    return (
        {f.slug: f for f in formats.by_key.values()},
        {t.slug: t for t in tracks.by_key.values()},
    )


def _summary_errors(errors: Sequence[LineError]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first}{more}"


def import_proposals(
    *,
    path: Path,
    call_slug: str,
    now: dt.datetime,
    skip_invalid: bool = False,
    create_missing: bool = False,
) -> ImportResult:
    """Import the JSON Lines file at ``path`` into the call ``call_slug``.

    Raises ``UnableToImport`` (and writes nothing) when the call does not exist, the file
    cannot be read, or a line is bad and ``skip_invalid`` is false.
    """
    lines, errors = _parse_file(path=path)
    with transaction.atomic():
        # Locking the call row keeps two imports into one call from racing on external ids.
        call = models.Call.objects.select_for_update(no_key=True).filter(slug=call_slug).first()
        if call is None:
            raise UnableToImport(f'call "{call_slug}" does not exist')
        if call.archived_at is not None:
            raise UnableToImport(f'call "{call_slug}" is archived')
        resolved, choice_errors, formats, tracks = _resolve(
            call=call, lines=lines, create_missing=create_missing
        )
        errors = sorted([*errors, *choice_errors], key=lambda e: e.line)
        if errors and not skip_invalid:
            raise UnableToImport(
                f"{len(errors)} bad line{'s' if len(errors) != 1 else ''}, nothing imported: "
                f"{_summary_errors(errors)}",
                errors=errors,
            )
        return _write(
            call=call,
            resolved=resolved,
            formats=formats,
            tracks=tracks,
            skipped=tuple(errors),
            source=path.name,
            now=now,
        )


@dataclass(slots=True)
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _write(
    *,
    call: models.Call,
    resolved: Sequence[tuple[ProposalLine, str, str]],
    formats: _Choices,
    tracks: _Choices,
    skipped: tuple[LineError, ...],
    source: str,
    now: dt.datetime,
) -> ImportResult:
    formats_before = {r.slug for r in formats.by_key.values()}
    tracks_before = {r.slug for r in tracks.by_key.values()}
    format_rows, track_rows = _create_planned(call=call, formats=formats, tracks=tracks)
    lines = [line for line, _f, _t in resolved]
    existing: dict[str, models.Proposal] = {}
    for chunk in _chunks([line.external_id for line in lines]):
        for p in models.Proposal.objects.filter(call=call, external_id__in=chunk):
            existing[p.external_id or ""] = p
    links: dict[int, list[models.ProposalSpeaker]] = {}
    existing_ids = [p.pk for p in existing.values()]
    for chunk in _chunks(existing_ids):
        rows = models.ProposalSpeaker.objects.filter(proposal_id__in=chunk).select_related(
            "speaker"
        )
        for link in rows.order_by("position", "pk"):
            links.setdefault(link.proposal_id, []).append(link)
    # After reading the links: their speakers must show the identities from before this import.
    speakers, speakers_created, speakers_updated, identity_changed = _save_speakers(
        call_id=call.pk, lines=lines, now=now
    )

    counts = _Counts()
    new_rows: list[tuple[models.Proposal, list[models.Speaker]]] = []
    updates: list[tuple[models.Proposal, list[models.Speaker], bool, bool]] = []
    for line, format_key, track_key in resolved:
        fmt = format_rows[format_key]
        track = track_rows[track_key] if track_key else None
        people = [speakers[_speaker_key(call.pk, line, s)] for s in line.speakers]
        proposal = existing.get(line.external_id)
        if proposal is None:
            proposal = models.Proposal(
                call=call,
                external_id=line.external_id,
                state=models.ProposalState.SUBMITTED,
                format=fmt,
                track=track,
                level=line.level,
                language=line.language,
                submitted_at=line.submitted_at or now,
                updated_at=now,
            )
            _set_text(proposal, line)
            new_rows.append((proposal, people))
            continue
        old_links = links.get(proposal.pk, [])
        old_identities = [texts.identity(link.speaker) for link in old_links]
        speakers_changed = [link.speaker_id for link in old_links] != [s.pk for s in people]
        text_changed = any(
            getattr(proposal, name) != getattr(line, name) for name in texts.REVIEWER_FIELDS
        )
        other_changed = (
            proposal.format_id != fmt.pk
            or proposal.track_id != (track.pk if track else None)
            or proposal.level != line.level
            or proposal.language != line.language
            or (line.submitted_at is not None and proposal.submitted_at != line.submitted_at)
        )
        if not (text_changed or other_changed or speakers_changed):
            counts.unchanged += 1
            # The rows are shared: another line may have renamed a speaker of this proposal.
            if old_identities != [texts.identity(s) for s in people]:
                updates.append((proposal, people, False, True))
            continue
        counts.updated += 1
        proposal.format, proposal.track = fmt, track
        if line.submitted_at is not None:
            proposal.submitted_at = line.submitted_at
        proposal.updated_at = now
        if text_changed:
            _set_text(proposal, line)
            proposal.version += 1
        rescan = text_changed or old_identities != [texts.identity(s) for s in people]
        proposal.level, proposal.language = line.level, line.language
        updates.append((proposal, people, text_changed, rescan))

    _create_new(new_rows=new_rows, now=now)
    counts.created = len(new_rows)
    _update_existing(updates=updates, links=links, now=now)
    _rescan_elsewhere(
        identity_changed=identity_changed,
        done={p.pk for p in existing.values()} | {p.pk for p, _s in new_rows},
    )

    formats_created = tuple(sorted({f.slug for f in format_rows.values()} - formats_before))
    tracks_created = tuple(sorted({t.slug for t in track_rows.values()} - tracks_before))
    if counts.created or counts.updated or speakers_updated or formats_created or tracks_created:
        models.AuditEvent.objects.create(
            call=call,
            action="proposals.imported",
            data={
                "source": source,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "skipped_lines": [e.line for e in skipped],
                "formats_created": list(formats_created),
                "tracks_created": list(tracks_created),
            },
            created_at=now,
        )
    return ImportResult(
        call_slug=call.slug,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        speakers_created=speakers_created,
        speakers_updated=speakers_updated,
        formats_created=formats_created,
        tracks_created=tracks_created,
        skipped=skipped,
    )


def _set_text(proposal: models.Proposal, line: ProposalLine) -> None:
    proposal.title = line.title
    proposal.abstract = line.abstract
    proposal.description = line.description
    proposal.notes = line.notes


def _create_new(
    *, new_rows: Sequence[tuple[models.Proposal, list[models.Speaker]]], now: dt.datetime
) -> None:
    if not new_rows:
        return
    for (proposal, _people), code in zip(new_rows, _new_codes(len(new_rows)), strict=True):
        proposal.code = code
    created = models.Proposal.objects.bulk_create([p for p, _s in new_rows], batch_size=CHUNK)
    if created and created[0].pk is None:  # pragma: no cover - databases without RETURNING
        ids = dict(
            models.Proposal.objects.filter(code__in=[p.code for p in created]).values_list(
                "code", "pk"
            )
        )
        for p in created:
            p.pk = ids[p.code]
    models.ProposalSpeaker.objects.bulk_create(
        [
            models.ProposalSpeaker(proposal=p, speaker=s, position=i)
            for p, people in new_rows
            for i, s in enumerate(people)
        ],
        batch_size=CHUNK,
    )
    proposals = [p for p, _s in new_rows]
    texts.store_texts(
        proposals=proposals,
        versions={p.pk: texts.NewVersion(created_at=p.submitted_at) for p in proposals},
    )
    analyze_after_bulk_load(
        models.Proposal,
        models.ProposalSpeaker,
        models.ProposalVersion,
        models.Speaker,
        rows=len(new_rows),
    )


def _update_existing(
    *,
    updates: Sequence[tuple[models.Proposal, list[models.Speaker], bool, bool]],
    links: dict[int, list[models.ProposalSpeaker]],
    now: dt.datetime,
) -> None:
    if not updates:
        return
    drop: list[int] = []
    move: list[models.ProposalSpeaker] = []
    add: list[models.ProposalSpeaker] = []
    for proposal, people, _text_changed, _rescan in updates:
        kept = {link.speaker_id: link for link in links.get(proposal.pk, [])}
        wanted = [s.pk for s in people]
        drop.extend(link.pk for sid, link in kept.items() if sid not in wanted)
        for position, speaker in enumerate(people):
            link = kept.get(speaker.pk)
            if link is None:
                add.append(
                    models.ProposalSpeaker(proposal=proposal, speaker=speaker, position=position)
                )
            elif link.position != position:
                link.position = position
                move.append(link)
    for chunk in _chunks(drop):
        models.ProposalSpeaker.objects.filter(pk__in=chunk).delete()
    models.ProposalSpeaker.objects.bulk_update(move, ["position"], batch_size=CHUNK)
    models.ProposalSpeaker.objects.bulk_create(add, batch_size=CHUNK)
    models.Proposal.objects.bulk_update(
        [p for p, _s, _t, _r in updates],
        [
            "title",
            "abstract",
            "description",
            "notes",
            "format",
            "track",
            "level",
            "language",
            "version",
            "submitted_at",
            "updated_at",
        ],
        batch_size=CHUNK,
    )
    # The text and the line-up are saved: what reviewers get follows from them.
    texts.store_texts(
        proposals=[p for p, _s, _t, rescan in updates if rescan],
        versions={
            p.pk: texts.NewVersion(created_at=now) for p, _s, changed, _r in updates if changed
        },
    )


def _rescan_elsewhere(*, identity_changed: set[int], done: set[int]) -> None:
    """Proposals outside the file whose speaker this import renamed: redact the new name too."""
    if not identity_changed:
        return
    ids: set[int] = set()
    for chunk in _chunks(sorted(identity_changed)):
        ids.update(
            models.ProposalSpeaker.objects.filter(speaker_id__in=chunk).values_list(
                "proposal_id", flat=True
            )
        )
    texts.rescan_proposals(proposal_ids=ids - done)
