"""When a speaker may change a proposal: the call's window, or a chair's reopening of it.

Plain Python: the caller passes the call's dates, the proposal's reopening and ``now``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def is_editable(
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    reopened_until: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    """The text and the speaker line-up change only while the call (or a reopening) is open.

    ``reopened_until`` is None for a proposal not written yet, or one never reopened.
    """
    if now < opens_at:
        return False
    if now < closes_at:
        return True
    return reopened_until is not None and now < reopened_until


def zone(name: str) -> dt.tzinfo:
    """The time zone ``name`` (a call's setting); UTC for a name this system does not know."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_time(*, when: dt.datetime, zone_name: str) -> str:
    """A moment as messages and e-mails state it, in the call's zone: ``2027-01-31 18:00 CET``."""
    return when.astimezone(zone(zone_name)).strftime("%Y-%m-%d %H:%M %Z")
