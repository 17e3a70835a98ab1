"""A chair's rulings on one proposal: reopening it after the deadline, and marking a scanner
finding "not a leak" (a false positive)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import editing, findings
from cfp.services import audit, texts


class UnableToReopen(Exception):
    pass


class UnableToMark(Exception):
    """A finding cannot be marked a false positive (it no longer exists, say)."""


def _chair_proposal(*, call_slug: str, code: str, error: type[Exception]) -> models.Proposal:
    proposal = (
        models.Proposal.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            models.committee_sees(), call__slug=call_slug, code=code, call__archived_at__isnull=True
        )
        .select_related("call")
        .first()
    )
    if proposal is None:
        raise error(_("This proposal does not exist."))
    return proposal


@transaction.atomic
def reopen_proposal(
    *, call_slug: str, code: str, until: dt.datetime, actor_id: int, now: dt.datetime
) -> None:
    """Let the speakers of one proposal save again, after the deadline, until ``until``."""
    proposal = _chair_proposal(call_slug=call_slug, code=code, error=UnableToReopen)
    call = proposal.call
    if proposal.state == models.ProposalState.WITHDRAWN:
        raise UnableToReopen(_("A withdrawn proposal cannot be reopened."))
    if until <= now:
        raise UnableToReopen(_("Pick a time in the future."))
    if until <= call.closes_at:
        raise UnableToReopen(
            _("The call is open until %(when)s anyway: pick a later time.")
            % {"when": editing.local_time(when=call.closes_at, zone_name=call.timezone)}
        )
    previous = proposal.reopened_until
    proposal.reopened_until = until
    proposal.save(update_fields=["reopened_until"])
    audit.record(
        call=call,
        proposal=proposal,
        actor_id=actor_id,
        action="proposal.reopened",
        data={
            "until": until.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
        now=now,
    )


@transaction.atomic
def mark_false_positive(
    *,
    call_slug: str,
    code: str,
    field: str,
    start: int,
    end: int,
    actor_id: int,
    now: dt.datetime,
) -> None:
    """Record a chair's ruling that a finding is not a leak and show reviewers that span.

    Marking the same span twice changes nothing. The caller checks that the actor chairs the
    call.
    """
    proposal = _chair_proposal(call_slug=call_slug, code=code, error=UnableToMark)
    finding = next(
        (
            f
            for f in findings.parse_all(proposal.findings)
            if f.at(field=field, start=start, end=end)
        ),
        None,
    )
    if finding is None:
        raise UnableToMark(
            _("This finding is no longer in the text (the speaker may have edited it).")
        )
    if finding.ignored:
        return
    models.FalsePositive.objects.create(
        proposal=proposal,
        field=field,
        start=start,
        end=end,
        text=finding.text[:500],
        marked_by_id=actor_id,
        marked_at=now,
    )
    texts.rescan_proposal(proposal=proposal)
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=actor_id,
        action="finding.false_positive",
        data={"field": field, "start": start, "end": end, "kind": finding.kind},
        now=now,
    )
