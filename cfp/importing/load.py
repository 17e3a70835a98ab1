"""Writing an import in one transaction, with bulk inserts: proposals, line-ups, speakers.

The real talk corpus (about 9,000 proposals) must import in well under a minute. The text and
what reviewers get of it go through ``cfp.services.texts.store_texts``, the one write path a
submission in the browser takes too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from cfp import models
from cfp.importing import choices
from cfp.importing import lines as line_rules
from cfp.importing import speakers as speaker_rows
from cfp.importing.lines import LineError, ProposalLine, UnableToImport
from cfp.services import audit, texts
from common import codes
from common.stats import analyze_after_bulk_load


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


def _new_codes(count: int) -> list[str]:
    fresh: set[str] = set()
    while len(fresh) < count:
        candidates = {codes.new_code() for _ in range(count - len(fresh))} - fresh
        taken: set[str] = set()
        for chunk in texts.chunks(sorted(candidates)):
            taken.update(
                models.Proposal.objects.filter(code__in=chunk).values_list("code", flat=True)
            )
        fresh |= candidates - taken
    return list(fresh)


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
    lines, errors = line_rules.parse_file(path=path)
    with transaction.atomic():
        # Locking the call row keeps two imports into one call from racing on external ids.
        call = models.Call.objects.select_for_update(no_key=True).filter(slug=call_slug).first()
        if call is None:
            raise UnableToImport(f'call "{call_slug}" does not exist')
        if call.archived_at is not None:
            raise UnableToImport(f'call "{call_slug}" is archived')
        resolved, choice_errors, formats, tracks = choices.resolve(
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
    formats: choices.Choices,
    tracks: choices.Choices,
    skipped: tuple[LineError, ...],
    source: str,
    now: dt.datetime,
) -> ImportResult:
    formats_before = {r.slug for r in formats.by_key.values()}
    tracks_before = {r.slug for r in tracks.by_key.values()}
    format_rows, track_rows = choices.create_planned(call=call, formats=formats, tracks=tracks)
    lines = [line for line, _f, _t in resolved]
    existing: dict[str, models.Proposal] = {}
    for chunk in texts.chunks([line.external_id for line in lines]):
        for p in models.Proposal.objects.filter(call=call, external_id__in=chunk):
            existing[p.external_id or ""] = p
    links: dict[int, list[models.ProposalSpeaker]] = {}
    existing_ids = [p.pk for p in existing.values()]
    for id_chunk in texts.chunks(existing_ids):
        rows = models.ProposalSpeaker.objects.filter(proposal_id__in=id_chunk).select_related(
            "speaker"
        )
        for link in rows.order_by("position", "pk"):
            links.setdefault(link.proposal_id, []).append(link)
    # After reading the links: their speakers must show the identities from before this import.
    speakers, speakers_created, speakers_updated, identity_changed = speaker_rows.save_speakers(
        call_id=call.pk, lines=lines, now=now
    )

    counts = _Counts()
    new_rows: list[tuple[models.Proposal, list[models.Speaker]]] = []
    updates: list[tuple[models.Proposal, list[models.Speaker], bool, bool]] = []
    for line, format_key, track_key in resolved:
        fmt = format_rows[format_key]
        track = track_rows[track_key] if track_key else None
        people = [speakers[speaker_rows.speaker_key(call.pk, line, s)] for s in line.speakers]
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
        audit.record(
            call=call,
            action="proposals.imported",
            actor_id=None,
            data={
                "source": source,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "skipped_lines": [e.line for e in skipped],
                "formats_created": list(formats_created),
                "tracks_created": list(tracks_created),
            },
            now=now,
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
    for name in texts.REVIEWER_FIELDS:
        setattr(proposal, name, getattr(line, name))


def _create_new(
    *, new_rows: Sequence[tuple[models.Proposal, list[models.Speaker]]], now: dt.datetime
) -> None:
    if not new_rows:
        return
    for (proposal, _people), code in zip(new_rows, _new_codes(len(new_rows)), strict=True):
        proposal.code = code
    created = models.Proposal.objects.bulk_create([p for p, _s in new_rows], batch_size=texts.CHUNK)
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
        batch_size=texts.CHUNK,
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
    for chunk in texts.chunks(drop):
        models.ProposalSpeaker.objects.filter(pk__in=chunk).delete()
    models.ProposalSpeaker.objects.bulk_update(move, ["position"], batch_size=texts.CHUNK)
    models.ProposalSpeaker.objects.bulk_create(add, batch_size=texts.CHUNK)
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
        batch_size=texts.CHUNK,
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
    for chunk in texts.chunks(sorted(identity_changed)):
        ids.update(
            models.ProposalSpeaker.objects.filter(speaker_id__in=chunk).values_list(
                "proposal_id", flat=True
            )
        )
    texts.rescan_proposals(proposal_ids=ids - done)
