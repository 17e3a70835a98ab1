"""The one write path of what reviewers get: ``Proposal.redacted``/``findings``/``shown_html``
and version rows.

Every writer of a proposal's text ends here: submitting and editing (``services.proposals``),
changes of the line-up, of a profile, of a question or a ruling (``rescan_proposal``), the
importer and the demo seed (``store_texts`` on many proposals at once). The rule itself is
``cfp.domain.redaction``; this module reads what it depends on (speakers in line-up order,
reviewer-visible answers, standing rulings) in a fixed number of queries however many proposals
it is given, and writes the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection

from cfp import models
from cfp.domain import answers, leaks, redaction, shown_html

REVIEWER_FIELDS = redaction.REVIEWER_FIELDS
Prescanned = redaction.Prescanned
# `__in` lists are cut to this size: SQLite builds may allow only 999 parameters a query.
CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A ``ProposalVersion`` row to add for the proposal's current ``version`` number."""

    created_at: dt.datetime
    created_by_id: int | None = None


def identity(speaker: models.Speaker) -> leaks.SpeakerIdentity:
    """What the scanner looks for of one speaker."""
    return leaks.SpeakerIdentity(
        name=speaker.name,
        email=speaker.email,
        affiliation=speaker.affiliation,
        links=tuple(speaker.links or ()),
    )


def prescan(*, texts: Iterable[str], speakers: Sequence[leaks.SpeakerIdentity]) -> Prescanned:
    """Scan before a write transaction opens (see ``redaction.prescan``)."""
    return redaction.prescan(texts=texts, speakers=speakers)


def preview_redaction(
    *, fields: Mapping[str, str], speakers: Sequence[leaks.SpeakerIdentity]
) -> redaction.Redaction:
    """The redaction of texts not stored (the speaker's live check while typing): no rulings."""
    return redaction.redact(source=redaction.Source(scanned=fields, speakers=tuple(speakers)))


def store_texts(
    *,
    proposals: Sequence[models.Proposal],
    versions: Mapping[int, NewVersion] | None = None,
    prescanned: Prescanned | None = None,
) -> None:
    """Recompute and store what reviewers get of saved ``proposals``; add the ``versions`` asked.

    Reads the speakers (in line-up order), the answers to reviewer-visible questions and the
    chairs' rulings as they are in the database now, so callers save the text, the line-up and
    the answers first. ``versions`` maps a proposal's id to the version row to add for its
    current text and redaction. Texts found in ``prescanned`` (with the same speakers) are not
    scanned again.
    """
    if not proposals:
        return
    sources = _sources(proposals)
    for proposal in proposals:
        result = redaction.redact(source=sources[proposal.pk], prescanned=prescanned)
        proposal.redacted = result.redacted_json()
        proposal.findings = result.findings_json()
        # Rendered once here rather than on every load of a review page (issue 18).
        proposal.shown_html = shown_html.render(texts=proposal.redacted)
    if len(proposals) == 1:
        proposals[0].save(update_fields=["redacted", "findings", "shown_html"])
    else:
        _save_redactions(proposals)
    wanted = versions or {}
    rows = [_version(p, wanted[p.pk]) for p in proposals if p.pk in wanted]
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    elif rows:
        models.ProposalVersion.objects.bulk_create(rows, batch_size=CHUNK)


def rescan_proposal(*, proposal: models.Proposal, prescanned: Prescanned | None = None) -> None:
    """Recompute what reviewers get of one proposal (its text, line-up or rulings changed)."""
    store_texts(proposals=[proposal], prescanned=prescanned)


def rescan_proposals(*, proposal_ids: Iterable[int]) -> None:
    """``rescan_proposal`` for many proposals, in a fixed number of queries."""
    ids = sorted(set(proposal_ids))
    rows: list[models.Proposal] = []
    for chunk in chunks(ids):
        rows.extend(models.Proposal.objects.filter(pk__in=chunk).order_by("pk"))
    store_texts(proposals=rows)


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``CHUNK``, for ``__in`` lists and bulk writes."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _save_redactions(proposals: Sequence[models.Proposal]) -> None:
    """One prepared UPDATE run for every row.

    ``bulk_update`` builds a CASE expression per row and field, which for an import of thousands
    of proposals costs more than scanning them; ``executemany`` sends the same statement with
    each row's values.
    """
    meta = models.Proposal._meta
    redacted, findings = meta.get_field("redacted"), meta.get_field("findings")
    shown = meta.get_field("shown_html")
    quote = connection.ops.quote_name
    # Only quoted names from the model's metadata go into the statement; values are parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote(redacted.column)} = %s, "  # noqa: S608  # nosec B608
        f"{quote(findings.column)} = %s, {quote(shown.column)} = %s "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    rows = [
        (
            redacted.get_db_prep_save(p.redacted, connection),
            findings.get_db_prep_save(p.findings, connection),
            shown.get_db_prep_save(p.shown_html, connection),
            p.pk,
        )
        for p in proposals
    ]
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            cursor.executemany(sql, chunk)


def _version(proposal: models.Proposal, stamp: NewVersion) -> models.ProposalVersion:
    return models.ProposalVersion(
        proposal=proposal,
        number=proposal.version,
        title=proposal.title,
        abstract=proposal.abstract,
        description=proposal.description,
        notes=proposal.notes,
        redacted=dict(proposal.redacted or {}),
        created_at=stamp.created_at,
        created_by_id=stamp.created_by_id,
    )


def _sources(proposals: Sequence[models.Proposal]) -> dict[int, redaction.Source]:
    """What each proposal's redaction depends on, read in three queries per chunk of proposals.

    The texts are the proposals' own (as the caller holds them); the speakers, the answers and
    the rulings come from the database.
    """
    ids = [p.pk for p in proposals]
    speakers: dict[int, list[leaks.SpeakerIdentity]] = {pk: [] for pk in ids}
    numbers: dict[int, dict[int, int]] = {pk: {} for pk in ids}  # speaker id -> 1-based position
    scanned = {p.pk: {name: getattr(p, name) for name in REVIEWER_FIELDS} for p in proposals}
    plain: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    rulings: dict[int, list[redaction.Ruling]] = {pk: [] for pk in ids}
    for chunk in chunks(ids):
        links = (
            models.ProposalSpeaker.objects.filter(proposal_id__in=chunk)
            .select_related("speaker")
            .order_by("proposal_id", "position", "pk")
        )
        for link in links:
            speakers[link.proposal_id].append(identity(link.speaker))
            numbers[link.proposal_id][link.speaker_id] = len(speakers[link.proposal_id])
        visible = (
            models.Answer.objects.filter(
                proposal_id__in=chunk, question__visibility=models.QuestionVisibility.REVIEWERS
            )
            .select_related("question")
            .order_by("proposal_id", "question__position", "question_id", "speaker_id")
        )
        for answer in visible:
            line_up = numbers[answer.proposal_id]
            if answer.speaker_id is not None and answer.speaker_id not in line_up:
                continue  # a speaker who left the proposal
            key = answers.answer_key(
                answer.question_id, line_up[answer.speaker_id] if answer.speaker_id else None
            )
            text = answers.answer_text(kind=answer.question.kind, value=answer.value)
            if text:
                kind_is_text = answer.question.kind in answers.TEXT_KINDS
                (scanned if kind_is_text else plain)[answer.proposal_id][key] = text
        for fp in models.FalsePositive.objects.filter(proposal_id__in=chunk).order_by("pk"):
            rulings[fp.proposal_id].append(
                redaction.Ruling(field=fp.field, start=fp.start, end=fp.end, text=fp.text)
            )
    return {
        pk: redaction.Source(
            scanned=scanned[pk],
            speakers=tuple(speakers[pk]),
            plain=plain[pk],
            rulings=tuple(rulings[pk]),
        )
        for pk in ids
    }
