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

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews import models
from reviews.queries import bids as bid_queries

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
    return BidOutcome(
        level=models.BidLevel.CONFLICT, conflict_declared=created, unassigned=bool(unassigned)
    )


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


@dataclass(frozen=True, slots=True)
class PastTalk:
    reviewer_id: int
    title: str
    abstract: str


@transaction.atomic
def import_past_talks(
    *, call_id: int, talks: Sequence[PastTalk], replace: bool, now: dt.datetime
) -> int:
    """Append (or, with ``replace``, set) past talks per reviewer; returns reviewers touched."""
    by_reviewer: dict[int, list[str]] = {}
    for talk in talks:
        by_reviewer.setdefault(talk.reviewer_id, []).append(
            f"{talk.title.strip()}\n{talk.abstract.strip()}".strip()
        )
    current = dict(
        models.ReviewerExpertise.objects.filter(
            call_id=call_id, reviewer_id__in=list(by_reviewer)
        ).values_list("reviewer_id", "past_talks")
    )
    for reviewer_id, blocks in by_reviewer.items():
        kept = [] if replace else [current.get(reviewer_id, "")]
        text = "\n\n".join(b for b in [*kept, *blocks] if b)
        # Re-importing the same file must not add the same talks twice.
        if not replace and all(b in current.get(reviewer_id, "") for b in blocks):
            continue
        models.ReviewerExpertise.objects.update_or_create(
            call_id=call_id,
            reviewer_id=reviewer_id,
            defaults={"past_talks": text[:MAX_PAST_TALKS], "updated_at": now},
        )
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        actor_id=None,
        action="reviewer.past_talks_imported",
        data={"reviewers": len(by_reviewer), "talks": len(talks)},
        created_at=now,
    )
    return len(by_reviewer)
