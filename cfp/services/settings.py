"""Writes of a person's own settings page (/me/settings/): one keyword-only function per section.

Sections that belong to another app (the reviewing preferences of each call) have their save
function in that app; see ``cfp.forms.settings`` for how a section joins the page.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from cfp import models


class UnableToSaveSettings(Exception):
    """A section could not be saved; the message is for the person on the page."""


@transaction.atomic
def save_mail_preferences(
    *, user_id: int, decision_mail: bool, reviewer_reminders: bool, now: dt.datetime
) -> None:
    """Which e-mails the person wants; the row is made on the first save."""
    models.PersonSettings.objects.update_or_create(
        user_id=user_id,
        defaults={
            "decision_mail": decision_mail,
            "reviewer_reminders": reviewer_reminders,
            "updated_at": now,
        },
    )


@transaction.atomic
def save_language(*, user_id: int, language: str, now: dt.datetime) -> None:
    """The interface language the person chose ("" = their browser's); it also picks the language
    of the e-mails they get."""
    models.PersonSettings.objects.update_or_create(
        user_id=user_id, defaults={"language": language, "updated_at": now}
    )
