"""The audit log: who did what, when (decisions, reveals, reopenings, role and setting changes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from cfp import models


def record(
    *,
    call: models.Call,
    action: str,
    actor_id: int | None,
    now: dt.datetime,
    proposal: models.Proposal | None = None,
    data: Mapping[str, object] | None = None,
) -> None:
    """Add one event to the call's audit log (inside the caller's transaction)."""
    models.AuditEvent.objects.create(
        call=call,
        proposal=proposal,
        actor_id=actor_id,
        action=action,
        data=dict(data or {}),
        created_at=now,
    )
