"""Accepted speakers confirm or decline; chairs hear of declines, and of edits and withdrawals
after acceptance, through ``ChairNotice`` rows on their dashboard (issue 19). Every change is
audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import confirmation as rules
from cfp.domain import editing
from cfp.services import audit, notices
from cfp.services.proposals import locked_for_speaker

CONFIRMED_ACTION = "proposal.confirmed"
DECLINED_ACTION = "proposal.declined"


class UnableToAnswer(Exception):
    pass


def refusal_message(refusal: rules.Refusal, *, call: models.Call) -> str:
    if refusal is rules.Refusal.PAST_DEADLINE and call.confirmation_deadline_at is not None:
        return _(
            "The deadline to answer was %(when)s: your answer can no longer be recorded here. "
            "Write to the chairs."
        ) % {
            "when": editing.local_time(when=call.confirmation_deadline_at, zone_name=call.timezone)
        }
    return {
        rules.Refusal.NOT_ACCEPTED: _("Only an accepted proposal can be confirmed or declined."),
        rules.Refusal.WITHDRAWN: _("This proposal was withdrawn."),
        rules.Refusal.ALREADY_DECLINED: _(
            "You declined already; a decline cannot be undone here. Write to the chairs."
        ),
        rules.Refusal.UNKNOWN_ANSWER: _("Choose confirm or decline."),
        rules.Refusal.PAST_DEADLINE: _("The deadline to answer has passed."),
    }[refusal]


@transaction.atomic
def answer_acceptance(
    *, call_slug: str, code: str, user_id: int, answer: str, now: dt.datetime
) -> bool:
    """Record a speaker's confirmation or decline (any speaker of the proposal may answer).

    Returns False when the answer is the one already recorded (a double click changes nothing).
    A decline tells the chairs (a notice on their dashboard, with the next waitlisted proposal of
    the same format suggested there).
    """
    proposal = locked_for_speaker(
        call_slug=call_slug, code=code, user_id=user_id, owner_only=False, error=UnableToAnswer
    )
    if answer == proposal.confirmation and answer in rules.ANSWERS:
        return False
    refused = rules.refusal(
        answer=answer,
        current=proposal.confirmation,
        published_decision=proposal.published_decision,
        decision_sent_at=proposal.decision_sent_at,
        withdrawn=proposal.state == models.ProposalState.WITHDRAWN,
        deadline_at=proposal.call.confirmation_deadline_at,
        now=now,
    )
    if refused is not None:
        raise UnableToAnswer(refusal_message(refused, call=proposal.call))
    previous = proposal.confirmation
    proposal.confirmation, proposal.confirmation_at = answer, now
    proposal.save(update_fields=["confirmation", "confirmation_at"])
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=user_id,
        action=CONFIRMED_ACTION if answer == rules.CONFIRMED else DECLINED_ACTION,
        data={"previous": previous},
        now=now,
    )
    if answer == rules.DECLINED:
        notices.notify_chairs(
            proposal=proposal, kind=models.NoticeKind.DECLINED, actor_id=user_id, now=now
        )
    return True
