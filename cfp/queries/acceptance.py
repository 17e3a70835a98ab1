"""What a speaker's proposal page says about answering an acceptance (confirm or decline)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cfp.domain import confirmation as rules
from cfp.queries import calls
from cfp.queries import proposals as proposal_queries


@dataclass(frozen=True, slots=True)
class Acceptance:
    """What the proposal page says about answering an acceptance."""

    asked: bool  # accepted and told: the page shows the confirmation box
    answer: str  # "", "confirmed", "declined"
    answered_at: dt.datetime | None
    deadline_at: dt.datetime | None
    may_answer: bool
    past_deadline: bool


def acceptance(
    *, call: calls.CallSummary, proposal: proposal_queries.ProposalDetail, now: dt.datetime
) -> Acceptance:
    deadline = call.confirmation_deadline_at
    return Acceptance(
        asked=rules.accepted_and_told(
            published_decision=proposal.published_decision,
            decision_sent_at=proposal.decision_sent_at,
        )
        and not proposal.withdrawn,
        answer=proposal.confirmation,
        answered_at=proposal.confirmation_at,
        deadline_at=deadline,
        may_answer=rules.may_answer(
            current=proposal.confirmation,
            published_decision=proposal.published_decision,
            decision_sent_at=proposal.decision_sent_at,
            withdrawn=proposal.withdrawn,
            deadline_at=deadline,
            now=now,
        ),
        past_deadline=deadline is not None and now >= deadline,
    )
