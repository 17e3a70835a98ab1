"""Bids and expertise profiles: what a reviewer wants to read and what they know.

The assignment engine reads both (``services.assignment``): a bid's level per (reviewer,
proposal), and the profile's topics, statement and past talks as the text its affinity compares
with the redacted proposals. A "conflict" bid is a declared conflict: it is recorded as a
``Conflict`` (the one rule every assignment obeys) and takes the reviewer off the proposal if the
work had not started.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp.importing import LineError, UnableToImport, read_lines
from common.queue import enqueue_on_commit
from reviews import models
from reviews.queries import bids as bid_queries
from reviews.services import assignment, importing, recusal

# The reason a conflict declared by bidding carries: changing the bid again withdraws exactly
# these, never a conflict the reviewer declared on recusal or a chair recorded.
BID_CONFLICT_REASON = "Declared while bidding."
NO_BID = "none"
MAX_TOPICS = 2000
MAX_STATEMENT = 4000
MAX_PAST_TALKS = 50_000


class UnableToBid(Exception):
    """The bid cannot be taken; the message says why and names the proposal."""


class NoSuchProposal(UnableToBid):
    """No live proposal with that code that this reviewer may bid on (their own never is)."""


class UnableToSaveExpertise(Exception):
    """The profile cannot be saved; the message says why."""


@dataclass(frozen=True, slots=True)
class BidOutcome:
    level: str  # "" once the bid is withdrawn
    conflict_declared: bool
    unassigned: bool


def _closed_message(closes_at: dt.datetime | None, tz: str) -> str:
    if closes_at is None:
        return _("Bidding is not open for this call.")
    local = timezone.localtime(closes_at, timezone=_zone(tz))
    return _("Bidding closed on %(when)s; your bids can no longer change.") % {
        "when": formats.date_format(local, "DATETIME_FORMAT")
    }


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def closed_message(*, closes_at: dt.datetime | None, tz: str) -> str:
    """What the screen says when bids cannot change (the same words a refused bid gets)."""
    return _closed_message(closes_at, tz)


@transaction.atomic
def place_bid(
    *, call_id: int, reviewer_id: int, code: str, level: str, now: dt.datetime
) -> BidOutcome:
    """Store (or withdraw, with ``level="none"``) the reviewer's bid on proposal ``code``."""
    found = (
        bid_queries.biddable(call_id=call_id, reviewer_id=reviewer_id)
        .filter(code=code)
        .values_list("pk", "call__bidding_closes_at", "call__timezone")
        .first()
    )
    if found is None:
        raise NoSuchProposal(_("Proposal %(code)s is not open for bids.") % {"code": code})
    proposal_id, closes_at, tz = found
    if level != NO_BID and level not in models.BidLevel.values:
        raise UnableToBid(_("Choose eager, willing, not for me or conflict."))
    if closes_at is None or now >= closes_at:
        raise UnableToBid(_closed_message(closes_at, tz))
    if level == NO_BID:
        models.Bid.objects.filter(proposal_id=proposal_id, reviewer_id=reviewer_id).delete()
    else:
        models.Bid.objects.bulk_create(
            [
                models.Bid(
                    call_id=call_id,
                    reviewer_id=reviewer_id,
                    proposal_id=proposal_id,
                    level=level,
                    updated_at=now,
                )
            ],
            update_conflicts=True,
            unique_fields=["reviewer", "proposal"],
            update_fields=["level", "updated_at"],
        )
    if level != models.BidLevel.CONFLICT:
        # A conflict this screen declared goes when the bid changes; others stay.
        models.Conflict.objects.filter(
            proposal_id=proposal_id, reviewer_id=reviewer_id, reason=BID_CONFLICT_REASON
        ).delete()
        return BidOutcome(
            level="" if level == NO_BID else level, conflict_declared=False, unassigned=False
        )
    return _declare_conflict(
        call_id=call_id, proposal_id=proposal_id, reviewer_id=reviewer_id, now=now
    )


def _declare_conflict(
    *, call_id: int, proposal_id: int, reviewer_id: int, now: dt.datetime
) -> BidOutcome:
    _conflict, created = models.Conflict.objects.get_or_create(
        proposal_id=proposal_id,
        reviewer_id=reviewer_id,
        defaults={"reason": BID_CONFLICT_REASON, "created_at": now},
    )
    # An assignment nobody has started (no review, not pinned by a chair) goes with the
    # conflict; started work stays for the chair to decide.
    started = models.Review.objects.filter(
        proposal_id=OuterRef("proposal_id"), reviewer_id=OuterRef("reviewer_id")
    )
    unassigned, _rows = (
        models.Assignment.objects.filter(
            proposal_id=proposal_id, reviewer_id=reviewer_id, manual=False
        )
        .exclude(Exists(started))
        .delete()
    )
    if created or unassigned:
        cfp_models.AuditEvent.objects.create(
            call_id=call_id,
            proposal_id=proposal_id,
            actor_id=reviewer_id,
            action="reviewer.conflict_bid",
            data={"unassigned": bool(unassigned)},
            created_at=now,
        )
    if unassigned:
        # The proposal lost a seat: the engine fills it after commit (a task, so the bid
        # itself stays fast at conference scale); the run is incremental, so only that seat
        # moves.
        enqueue_on_commit("reviews.refill_after_conflict", call_id, proposal_id, reviewer_id)
    return BidOutcome(
        level=models.BidLevel.CONFLICT, conflict_declared=created, unassigned=bool(unassigned)
    )


@transaction.atomic
def refill_after_conflict(
    *, call_id: int, proposal_id: int, reviewer_id: int, now: dt.datetime
) -> int:
    """Give the proposal back its K reviewers after a conflict bid took one off it.

    The engine's incremental run keeps every held and settled pair, so only the freed seat
    moves; the replacement's reason names who declared the conflict. Safe to run twice: a second
    run finds nothing missing. Returns how many assignments the run created.
    """
    outcome = assignment.assign_reviewers(
        call_id=call_id, per_proposal=None, actor_id=None, now=now, stepped_back=reviewer_id
    )
    name = recusal.display_name(user_id=reviewer_id)
    recusal.name_the_gap(
        proposal_id=proposal_id,
        reason=f"filled a gap after {name} declared a conflict",
        now=now,
    )
    return outcome.created


# --- expertise profiles -----------------------------------------------------------------------


def normalise_topics(text: str) -> str:
    """Topics as one comma-separated line: trimmed, blanks and repeats (any case) dropped."""
    seen: dict[str, str] = {}
    for raw in text.replace("\n", ",").replace(";", ",").split(","):
        topic = " ".join(raw.split())
        if topic and topic.casefold() not in seen:
            seen[topic.casefold()] = topic
    return ", ".join(seen.values())


@transaction.atomic
def save_expertise(
    *, call_id: int, reviewer_id: int, topics: str, statement: str, now: dt.datetime
) -> None:
    """The reviewer's own part of their profile (topics and a few lines)."""
    topics = normalise_topics(topics)
    if len(topics) > MAX_TOPICS or len(statement) > MAX_STATEMENT:
        raise UnableToSaveExpertise(_("The profile is too long; keep it to a few lines."))
    models.ReviewerExpertise.objects.update_or_create(
        call_id=call_id,
        reviewer_id=reviewer_id,
        defaults={"topics": topics, "statement": statement.strip(), "updated_at": now},
    )


@transaction.atomic
def attach_past_talks(
    *, call_id: int, reviewer_id: int, past_talks: str, actor_id: int | None, now: dt.datetime
) -> None:
    """A chair's part of a reviewer's profile: past talk titles and abstracts, as plain text."""
    if len(past_talks) > MAX_PAST_TALKS:
        raise UnableToSaveExpertise(_("Past talks are too long (at most 50,000 characters)."))
    is_reviewer = cfp_queries.members(
        role=cfp_models.Role.REVIEWER, call_id=call_id, user_id=reviewer_id
    ).exists()
    if not is_reviewer:
        raise UnableToSaveExpertise(_("This person does not review this call."))
    models.ReviewerExpertise.objects.update_or_create(
        call_id=call_id,
        reviewer_id=reviewer_id,
        defaults={"past_talks": past_talks.strip(), "updated_at": now},
    )
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=actor_id,
        action="reviewer.past_talks",
        data={"reviewer": reviewer_id, "characters": len(past_talks.strip())},
        created_at=now,
    )


# --- import_expertise: past talks from JSON Lines ---------------------------------------------

EXPERTISE_KEYS = frozenset({"reviewer", "title", "abstract"})
MAX_LINE_ERRORS = 1_000


@dataclass(frozen=True, slots=True)
class PastTalk:
    line: int
    reviewer: str  # log-in
    title: str
    abstract: str


@dataclass(frozen=True, slots=True)
class ExpertiseImportResult:
    reviewers: int
    talks: int
    unchanged: int
    skipped: tuple[LineError, ...] = ()


def _parse_talk(number: int, text: str) -> PastTalk | LineError:
    def fail(reason: str) -> LineError:
        return LineError(line=number, reason=reason)

    data = importing.json_object_line(
        number, text, keys=EXPERTISE_KEYS, required=("reviewer", "title")
    )
    if isinstance(data, LineError):
        return data
    for key in ("reviewer", "title"):
        if not isinstance(data[key], str) or not data[key].strip():
            return fail(f'"{key}" must be a non-empty string')
    abstract = data.get("abstract", "")
    if not isinstance(abstract, str):
        return fail('"abstract" must be a string')
    if any("\x00" in str(v) for v in data.values()):
        return fail("a value contains a NUL character")
    if len(data["title"]) > 300 or len(abstract) > 10_000:
        return fail('"title" is limited to 300 characters and "abstract" to 10,000')
    return PastTalk(
        line=number,
        reviewer=data["reviewer"].strip(),
        title=" ".join(data["title"].split()),
        abstract=abstract.strip(),
    )


def import_expertise(
    *, path: Path, call_slug: str, now: dt.datetime, skip_invalid: bool = False
) -> ExpertiseImportResult:
    """Past talks per reviewer from JSON Lines ``{"reviewer": log-in, "title", "abstract"?}``.

    Checked like ``import_reviews``: every line first, and a file with a bad line imports
    nothing unless ``skip_invalid``. Idempotent: a talk already in a reviewer's profile is not
    added again. The reviewer must already review the call.
    """
    call_id = cfp_models.Call.objects.filter(slug=call_slug).values_list("pk", flat=True).first()
    if call_id is None:
        raise UnableToImport(f"No call with the slug {call_slug!r}.")
    reviewer_ids = dict(
        get_user_model()
        .objects.filter(
            pk__in=cfp_queries.member_user_ids(call_id=call_id, role=cfp_models.Role.REVIEWER),
            is_active=True,
        )
        .values_list("username", "pk")
    )
    good: list[PastTalk] = []
    errors: list[LineError] = []
    for item in read_lines(path=path):
        if len(errors) >= MAX_LINE_ERRORS:
            break
        parsed = item if isinstance(item, LineError) else _parse_talk(*item)
        if isinstance(parsed, PastTalk) and parsed.reviewer not in reviewer_ids:
            parsed = LineError(
                line=parsed.line, reason=f'"{parsed.reviewer}" is not a reviewer of this call'
            )
        if isinstance(parsed, LineError):
            errors.append(parsed)
        else:
            good.append(parsed)
    if errors and not skip_invalid:
        shown = "; ".join(str(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise UnableToImport(
            f"{len(errors)} bad line(s), nothing imported: {shown}{more}", errors=errors
        )
    return _write_talks(
        call_id=call_id,
        talks=[(reviewer_ids[t.reviewer], t) for t in good],
        now=now,
        skipped=tuple(errors),
    )


def _talk_block(talk: PastTalk) -> str:
    return f"{talk.title}\n{talk.abstract}".strip()


@transaction.atomic
def _write_talks(
    *,
    call_id: int,
    talks: Sequence[tuple[int, PastTalk]],
    now: dt.datetime,
    skipped: tuple[LineError, ...],
) -> ExpertiseImportResult:
    current = dict(
        models.ReviewerExpertise.objects.filter(
            call_id=call_id, reviewer_id__in=sorted({rid for rid, _t in talks})
        ).values_list("reviewer_id", "past_talks")
    )
    blocks: dict[int, list[str]] = {}
    added = unchanged = 0
    for rid, talk in talks:
        block = _talk_block(talk)
        have = current.get(rid, "").split("\n\n") + blocks.get(rid, [])
        if block in have:
            unchanged += 1
            continue
        blocks.setdefault(rid, []).append(block)
        added += 1
    for rid, new in blocks.items():
        text = "\n\n".join(b for b in [current.get(rid, ""), *new] if b)
        if len(text) > MAX_PAST_TALKS:
            raise UnableToImport(
                f"past talks of reviewer {rid} would exceed {MAX_PAST_TALKS} characters"
            )
        models.ReviewerExpertise.objects.update_or_create(
            call_id=call_id,
            reviewer_id=rid,
            defaults={"past_talks": text, "updated_at": now},
        )
    if blocks:
        cfp_models.AuditEvent.objects.create(
            call_id=call_id,
            actor_id=None,
            action="reviewer.past_talks_imported",
            data={"reviewers": len(blocks), "talks": added},
            created_at=now,
        )
    return ExpertiseImportResult(
        reviewers=len(blocks), talks=added, unchanged=unchanged, skipped=skipped
    )
