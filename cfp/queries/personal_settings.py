"""The reads of a person's own settings page (/me/settings/) that belong to no call.

Everything that honours a choice made there reads it here (``mail_opt_outs``), so the page and
the mails cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cfp import models


class Mail(StrEnum):
    """The e-mails a person may turn off on their settings page."""

    DECISION = "decision_mail"
    REVIEWER_REMINDERS = "reviewer_reminders"


@dataclass(frozen=True, slots=True)
class MailPreferences:
    decision_mail: bool = True
    reviewer_reminders: bool = True


def mail_preferences(*, user_id: int) -> MailPreferences:
    """What the person chose; the defaults (everything on) when they never saved (one query)."""
    row = (
        models.PersonSettings.objects.filter(user_id=user_id)
        .values("decision_mail", "reviewer_reminders")
        .first()
    )
    return MailPreferences(**row) if row else MailPreferences()


def mail_opt_outs(*, user_ids: Iterable[int], mail: Mail) -> frozenset[int]:
    """Which of these people turned ``mail`` off (one query)."""
    ids = {int(i) for i in user_ids}
    if not ids:
        return frozenset()
    rows = models.PersonSettings.objects.filter(user_id__in=ids, **{str(mail): False})
    return frozenset(rows.values_list("user_id", flat=True))
