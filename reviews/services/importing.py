"""Import reviews from JSON Lines: the write side behind ``manage.py import_reviews``.

For chairs who bring scores from a spreadsheet or an earlier round. One JSON object a line:
``{"proposal": external_id or code, "reviewer": log-in, "scores": {criterion slug: number},
"confidence": int?, "comment": str?}``; unknown keys are refused. Like the proposal import, every
line is checked first and a file with any bad line imports nothing (unless ``skip_invalid``);
the writes happen in one transaction, through ``services.reviews.record_reviews`` like a save on
the scoring screen. Re-importing the same file changes nothing: a review is keyed by (proposal,
reviewer), and a line whose values equal the stored review is not written.

An imported reviewer must already be a reviewer of the call (invite them first): a log-in alone
grants nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.importing import LineError, UnableToImport, read_lines
from reviews import models
from reviews.domain import scoring
from reviews.queries import screen
from reviews.services import aggregation, reviews

KEYS = frozenset({"proposal", "reviewer", "scores", "confidence", "comment"})
MAX_ERRORS = 1_000

__all__ = ["ReviewImportResult", "UnableToImport", "import_reviews"]


@dataclass(frozen=True, slots=True)
class ReviewLine:
    line: int
    proposal: str
    reviewer: str
    scores: dict[str, int | float]
    confidence: int | None
    comment: str


@dataclass(frozen=True, slots=True)
class ReviewImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: tuple[LineError, ...] = ()


def json_object_line(
    number: int, text: str, *, keys: frozenset[str] | set[str], required: tuple[str, ...]
) -> dict[str, Any] | LineError:
    """One JSON Lines line as an object with only ``keys`` and every ``required`` key, or the
    line's error: the first checks every import of this app makes (reviews, past talks)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return LineError(line=number, reason=f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(data, dict):
        return LineError(line=number, reason="a line must be a JSON object")
    unknown = sorted(set(data) - set(keys))
    if unknown:
        return LineError(line=number, reason=f'unknown key "{unknown[0]}"')
    for key in required:
        if key not in data:
            return LineError(line=number, reason=f'"{key}" is missing')
    return data


def _parse(number: int, text: str) -> ReviewLine | LineError:
    def fail(reason: str) -> LineError:
        return LineError(line=number, reason=reason)

    data = json_object_line(number, text, keys=KEYS, required=("proposal", "reviewer", "scores"))
    if isinstance(data, LineError):
        return data
    if not isinstance(data["proposal"], str) or not data["proposal"].strip():
        return fail('"proposal" must be a non-empty string (an external id or a code)')
    if not isinstance(data["reviewer"], str) or not data["reviewer"].strip():
        return fail('"reviewer" must be a non-empty string (a log-in)')
    scores = data["scores"]
    if not isinstance(scores, dict) or not scores:
        return fail('"scores" must be an object of criterion slug to number')
    for slug, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            return fail(f'score "{slug}" must be a number')
    confidence = data.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= 5
    ):
        return fail('"confidence" must be a whole number from 1 to 5')
    comment = data.get("comment", "")
    if not isinstance(comment, str):
        return fail('"comment" must be a string')
    if "\x00" in comment:
        return fail('"comment" contains a NUL character')
    return ReviewLine(
        line=number,
        proposal=data["proposal"].strip(),
        reviewer=data["reviewer"].strip(),
        scores=dict(scores),
        confidence=confidence,
        # Stripped as the scoring screen's form strips it: the same review, the same row.
        comment=comment.strip(),
    )


def import_reviews(
    *, path: Path, call_slug: str, now: dt.datetime, skip_invalid: bool = False
) -> ReviewImportResult:
    call = cfp_models.Call.objects.filter(slug=call_slug).first()
    if call is None:
        raise UnableToImport(f"No call with the slug {call_slug!r}.")
    criteria = screen.for_scoring(cfp_queries.call_criteria(call_id=call.pk))
    proposals: dict[str, tuple[int, int]] = {}
    for pk, code, external_id, version in cfp_models.Proposal.objects.filter(
        cfp_models.committee_sees(), call=call
    ).values_list("pk", "code", "external_id", "version"):
        proposals[code] = (pk, version)
        if external_id:
            proposals[external_id] = (pk, version)
    reviewer_ids = dict(
        get_user_model()
        .objects.filter(
            pk__in=cfp_queries.member_user_ids(call_id=call.pk, role=cfp_models.Role.REVIEWER),
            is_active=True,
        )
        .values_list("username", "pk")
    )

    good: list[ReviewLine] = []
    errors: list[LineError] = []
    seen: dict[tuple[str, str], int] = {}
    for item in read_lines(path=path):
        if len(errors) >= MAX_ERRORS:
            break
        if isinstance(item, LineError):
            errors.append(item)
            continue
        parsed = _parse(*item)
        if isinstance(parsed, LineError):
            errors.append(parsed)
            continue
        problem = _check(parsed, proposals, reviewer_ids, criteria)
        key = (parsed.proposal, parsed.reviewer)
        if problem is None and key in seen:
            problem = f"the same proposal and reviewer as line {seen[key]}"
        if problem is not None:
            errors.append(LineError(line=parsed.line, reason=problem))
            continue
        seen[key] = parsed.line
        good.append(parsed)
    if errors and not skip_invalid:
        shown = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise UnableToImport(
            f"{len(errors)} bad line(s), nothing imported: {shown}{more}", errors=errors
        )
    return _write(
        call_id=call.pk,
        lines=good,
        proposals=proposals,
        reviewer_ids=reviewer_ids,
        criteria=criteria,
        now=now,
        skipped=tuple(errors),
    )


def _check(
    line: ReviewLine,
    proposals: dict[str, tuple[int, int]],
    reviewer_ids: dict[str, int],
    criteria: tuple[scoring.Criterion, ...],
) -> str | None:
    if line.proposal not in proposals:
        return f'no proposal "{line.proposal}" in this call (use its external id or code)'
    if line.reviewer not in reviewer_ids:
        return f'"{line.reviewer}" is not a reviewer of this call'
    problem = scoring.score_problem(scores=line.scores, criteria=criteria)
    if problem is None:
        return None
    if problem.kind == "unknown":
        slugs = ", ".join(sorted(c.slug for c in criteria))
        return f'unknown criterion "{problem.criterion}" (this call has: {slugs})'
    if problem.kind == "missing":
        return f'criterion "{problem.criterion}" has no score'
    c = next(c for c in criteria if c.slug == problem.criterion)
    return f'score "{c.slug}" must be a whole number from {int(c.minimum)} to {int(c.maximum)}'


@transaction.atomic
def _write(
    *,
    call_id: int,
    lines: Sequence[ReviewLine],
    proposals: dict[str, tuple[int, int]],
    reviewer_ids: dict[str, int],
    criteria: tuple[scoring.Criterion, ...],
    now: dt.datetime,
    skipped: tuple[LineError, ...],
) -> ReviewImportResult:
    existing: dict[tuple[int, int], tuple[dict[str, Any], int | None, str, bool]] = {
        (pid, rid): (scores or {}, confidence, comment, abstained)
        for pid, rid, scores, confidence, comment, abstained in models.Review.objects.filter(
            call_id=call_id
        ).values_list("proposal_id", "reviewer_id", "scores", "confidence", "comment", "abstained")
    }
    entries: list[reviews.ReviewEntry] = []
    created: list[reviews.ReviewEntry] = []
    unchanged = 0
    for line in lines:
        proposal_id, version = proposals[line.proposal]
        reviewer_id = reviewer_ids[line.reviewer]
        scores = {k: int(v) for k, v in line.scores.items()}
        current = existing.get((proposal_id, reviewer_id))
        if current == (scores, line.confidence, line.comment, False):
            unchanged += 1
            continue
        entry = reviews.ReviewEntry(
            proposal_id=proposal_id,
            reviewer_id=reviewer_id,
            proposal_version=version,
            data=reviews.ReviewData(
                scores=scores, confidence=line.confidence, comment=line.comment
            ),
            at=now,
        )
        entries.append(entry)
        if current is None:
            created.append(entry)
    # The feedback a reviewer wrote for the speaker stays: an imported line brings none.
    reviews.record_reviews(call_id=call_id, entries=entries, criteria=criteria, keep_feedback=True)
    # Imported reviews count as assigned work, so progress and completion read right.
    models.Assignment.objects.bulk_create(
        [
            models.Assignment(proposal_id=e.proposal_id, reviewer_id=e.reviewer_id, created_at=now)
            for e in created
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    if entries:
        cfp_models.AuditEvent.objects.create(
            call_id=call_id,
            action="reviews.imported",
            data={"created": len(created), "updated": len(entries) - len(created)},
            created_at=now,
        )
        aggregation.request_aggregation(call_id=call_id, now=now)
    return ReviewImportResult(
        created=len(created),
        updated=len(entries) - len(created),
        unchanged=unchanged,
        skipped=skipped,
    )
