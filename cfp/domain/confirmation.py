"""Whether an accepted speaker may still answer the acceptance (confirm or decline), and when
a change to an accepted proposal must reach the chairs. Pure: the caller passes ``now``."""

from __future__ import annotations

import datetime as dt
import enum

ACCEPTED = "accepted"
CONFIRMED = "confirmed"
DECLINED = "declined"
ANSWERS = (CONFIRMED, DECLINED)


class Refusal(enum.Enum):
    NOT_ACCEPTED = "not_accepted"
    WITHDRAWN = "withdrawn"
    PAST_DEADLINE = "past_deadline"
    ALREADY_DECLINED = "already_declined"
    UNKNOWN_ANSWER = "unknown_answer"


def accepted_and_told(*, published_decision: str, decision_sent_at: dt.datetime | None) -> bool:
    """The speaker was told their proposal is accepted: from then on, chairs hear of changes."""
    return published_decision == ACCEPTED and decision_sent_at is not None


def refusal(
    *,
    answer: str,
    current: str,
    published_decision: str,
    decision_sent_at: dt.datetime | None,
    withdrawn: bool,
    deadline_at: dt.datetime | None,
    now: dt.datetime,
) -> Refusal | None:
    """Why ``answer`` cannot be given now; None when it can.

    A confirmation may turn into a decline until the deadline; a decline is final (chairs may
    have given the slot to the next proposal on the waiting list). No deadline: no time limit.
    """
    if answer not in ANSWERS:
        return Refusal.UNKNOWN_ANSWER
    if withdrawn:
        return Refusal.WITHDRAWN
    if not accepted_and_told(
        published_decision=published_decision, decision_sent_at=decision_sent_at
    ):
        return Refusal.NOT_ACCEPTED
    if current == DECLINED:
        return Refusal.ALREADY_DECLINED
    if deadline_at is not None and now >= deadline_at:
        return Refusal.PAST_DEADLINE
    return None


def may_answer(
    *,
    current: str,
    published_decision: str,
    decision_sent_at: dt.datetime | None,
    withdrawn: bool,
    deadline_at: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    """Whether the proposal page offers the confirm / decline buttons."""
    return (
        refusal(
            answer=DECLINED,
            current=current,
            published_decision=published_decision,
            decision_sent_at=decision_sent_at,
            withdrawn=withdrawn,
            deadline_at=deadline_at,
            now=now,
        )
        is None
    )


# Where a proposal stands with its speakers' answer, as chairs see it (shortlist, exports):
# "" when the speakers were not told of an acceptance.
AWAITING = "awaiting"
STATES = (AWAITING, CONFIRMED, DECLINED)


def state(*, published_decision: str, decision_sent_at: dt.datetime | None, answer: str) -> str:
    """``awaiting``, ``confirmed``, ``declined``, or "" when no acceptance was sent."""
    if answer in ANSWERS:
        return answer
    told = accepted_and_told(
        published_decision=published_decision, decision_sent_at=decision_sent_at
    )
    return AWAITING if told else ""
