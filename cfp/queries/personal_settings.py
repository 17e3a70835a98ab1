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
    return preferences(user_id=user_id).mail


@dataclass(frozen=True, slots=True)
class Preferences:
    """Everything of the settings row: the page's own sections read it once."""

    mail: MailPreferences = MailPreferences()
    language: str = ""  # "" = never chose: the language cookie, else the browser's


def preferences(*, user_id: int) -> Preferences:
    """The person's settings row, or the defaults when they never saved (one query)."""
    row = (
        models.PersonSettings.objects.filter(user_id=user_id)
        .values("decision_mail", "reviewer_reminders", "language")
        .first()
    )
    if row is None:
        return Preferences()
    return Preferences(
        mail=MailPreferences(
            decision_mail=row["decision_mail"], reviewer_reminders=row["reviewer_reminders"]
        ),
        language=row["language"],
    )


def mail_opt_outs(*, user_ids: Iterable[int], mail: Mail) -> frozenset[int]:
    """Which of these people turned ``mail`` off (one query)."""
    ids = {int(i) for i in user_ids}
    if not ids:
        return frozenset()
    rows = models.PersonSettings.objects.filter(user_id__in=ids, **{str(mail): False})
    return frozenset(rows.values_list("user_id", flat=True))


def language(*, user_id: int) -> str:
    """The interface language the person chose, "" when they never chose one (one query)."""
    row = models.PersonSettings.objects.filter(user_id=user_id).values_list("language").first()
    return row[0] if row else ""


def languages_of(*, user_ids: Iterable[int]) -> dict[int, str]:
    """The chosen language of each of these accounts that chose one (one query); e-mails to
    them are written in it (cfp.outbox)."""
    ids = {int(i) for i in user_ids}
    if not ids:
        return {}
    rows = (
        models.PersonSettings.objects.filter(user_id__in=ids)
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return dict(rows)
