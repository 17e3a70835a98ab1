"""The chairs' translations of their call (issue 24): the call's main language, and its
description, criteria and questions in the other languages it accepts. Audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from cfp import models
from cfp.domain import languages as talk_languages
from cfp.services import audit

# {owner: {language: {field: text}}}; owner is "description", "criterion-<id>", "question-<id>".
Typed = Mapping[str, Mapping[str, Mapping[str, str]]]


class UnableToSaveTranslations(Exception):
    """The message is for the chair on the page."""


@transaction.atomic
def save_translations(
    *, call_slug: str, main_language: str, typed: Typed, actor_id: int, now: dt.datetime
) -> None:
    """Replace the call's translations with what the chairs typed (unknown languages, fields and
    rows are dropped, never stored)."""
    call = models.Call.objects.select_for_update().filter(slug=call_slug).first()
    if call is None or call.archived_at is not None:
        raise UnableToSaveTranslations(_("This call cannot be changed any more."))
    accepted = tuple(call.languages or ("en",))
    if main_language not in accepted:
        raise UnableToSaveTranslations(_("Choose one of the languages the call accepts."))

    def clean(owner: str, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
        return talk_languages.clean_translations(
            typed.get(owner, {}), accepted=accepted, fields=fields, main_language=main_language
        )

    before = {"main_language": call.main_language, "languages": sorted(call.translations or {})}
    call.main_language = main_language
    call.translations = clean("description", ("description",))
    call.save(update_fields=["main_language", "translations"])
    criteria = list(models.Criterion.objects.filter(call=call))
    for c in criteria:
        c.translations = clean(f"criterion-{c.pk}", ("name", "guidance"))
    models.Criterion.objects.bulk_update(criteria, ["translations"])
    questions = list(models.Question.objects.filter(call=call))
    for q in questions:
        q.translations = clean(f"question-{q.pk}", ("label", "help_text"))
    models.Question.objects.bulk_update(questions, ["translations"])
    translated = sorted(
        {code for c in criteria for code in c.translations}
        | {code for q in questions for code in q.translations}
        | set(call.translations)
    )
    audit.record(
        call=call,
        action="call.translations_saved",
        actor_id=actor_id,
        now=now,
        data={
            "before": before,
            "after": {"main_language": main_language, "languages": translated},
        },
    )
