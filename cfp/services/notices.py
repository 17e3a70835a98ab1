"""Notices to a call's chairs about what speakers did after acceptance (a decline, an edit, a
withdrawal): shown on the chair dashboard until a chair dismisses one; both steps audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import confirmation as rules
from cfp.services import audit

NOTICE_ACTION = "notice.created"
DISMISSED_ACTION = "notice.dismissed"


class UnableToDismiss(Exception):
    pass


def notify_chairs(
    *, proposal: models.Proposal, kind: str, actor_id: int | None, now: dt.datetime
) -> bool:
    """Leave the chairs a notice about ``proposal`` if its speakers were told it is accepted
    (inside the caller's transaction). Returns whether a notice was left."""
    if not rules.accepted_and_told(
        published_decision=proposal.published_decision, decision_sent_at=proposal.decision_sent_at
    ):
        return False
    notice = models.ChairNotice.objects.create(
        call_id=proposal.call_id, proposal=proposal, kind=kind, created_at=now
    )
    audit.record(
        call=proposal.call,
        proposal=proposal,
        actor_id=actor_id,
        action=NOTICE_ACTION,
        data={"notice": notice.pk, "kind": kind},
        now=now,
    )
    return True


@transaction.atomic
def dismiss_notice(*, call_id: int, notice_id: int, actor_id: int, now: dt.datetime) -> None:
    """A chair has dealt with a notice: it leaves the dashboard (the audit log keeps it)."""
    notice = (
        models.ChairNotice.objects.select_for_update().filter(call_id=call_id, pk=notice_id).first()
    )
    if notice is None:
        raise UnableToDismiss(_("This notice is not in this call."))
    if notice.dismissed_at is not None:
        return
    notice.dismissed_at, notice.dismissed_by_id = now, actor_id
    notice.save(update_fields=["dismissed_at", "dismissed_by"])
    models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=notice.proposal_id,
        actor_id=actor_id,
        action=DISMISSED_ACTION,
        data={"notice": notice.pk, "kind": notice.kind},
        created_at=now,
    )
