"""A chair's report settings: the small-cell threshold, targets, and the call's own questions.

Changing a target or a question asks for a rebuilt report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from diversity import models
from diversity.domain import funnel, suppression
from diversity.queries import questions
from diversity.services import reports

MAX_QUESTIONS_PER_CALL = 10
MAX_OPTIONS = 12


class UnableToChangeReport(Exception):
    """A report setting, target or question cannot be changed; the message says why."""


@transaction.atomic
def set_threshold(*, call_id: int, k: int, now: dt.datetime) -> None:
    """Set the small-cell threshold. Only before the first report of the call is built: two
    series with different thresholds could be combined to uncover hidden cells."""
    try:
        suppression.check_k(k)
    except ValueError as exc:
        raise UnableToChangeReport(
            _("The threshold must be a whole number of at least %(min)s.") % {"min": funnel.MIN_K}
        ) from exc
    cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
    if models.ReportSnapshot.objects.filter(call_id=call_id).exists():
        current = (
            models.ReportSettings.objects.filter(call_id=call_id)
            .values_list("k", flat=True)
            .first()
        )
        if (current or funnel.DEFAULT_K) == k:
            return
        raise UnableToChangeReport(
            _(
                "The threshold is fixed once the first report is built: figures published under "
                "two thresholds could be combined to uncover hidden groups."
            )
        )
    models.ReportSettings.objects.update_or_create(
        call_id=call_id, defaults={"k": k, "updated_at": now}
    )


@transaction.atomic
def set_target(
    *, call_id: int, dimension: str, value: str, share: float | None, now: dt.datetime
) -> None:
    """Set (or with None, remove) a target share of accepted units; the report is rebuilt."""
    if share is None:
        models.Target.objects.filter(call_id=call_id, dimension=dimension, value=value).delete()
    else:
        if not 0.0 <= share <= 1.0:
            raise UnableToChangeReport(_("A target is a share between 0 % and 100 %."))
        models.Target.objects.update_or_create(
            call_id=call_id,
            dimension=dimension,
            value=value,
            defaults={"share": share, "updated_at": now},
        )
    reports.request_build(call_id=call_id, now=now)


@transaction.atomic
def add_question(
    *,
    call_id: int,
    label: str,
    options: Sequence[str],
    self_describe: bool,
    now: dt.datetime,
) -> int:
    """Add a chair-defined question; "prefer not to say" is added as its last answer."""
    label = " ".join(label.split())
    names = [" ".join(o.split()) for o in options if o.strip()]
    if not label:
        raise UnableToChangeReport(_("Write the question."))
    if not names:
        raise UnableToChangeReport(_("Give at least one answer, one a line."))
    if len(names) > MAX_OPTIONS:
        raise UnableToChangeReport(
            _("Offer at most %(n)s answers: small groups are hidden anyway.") % {"n": MAX_OPTIONS}
        )
    cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
    if models.Question.objects.filter(call_id=call_id).count() >= MAX_QUESTIONS_PER_CALL:
        raise UnableToChangeReport(
            _("A call asks at most %(n)s questions of its own.") % {"n": MAX_QUESTIONS_PER_CALL}
        )
    values: list[dict[str, Any]] = []
    seen: set[str] = set()
    reserved = {models.PREFER_NOT_TO_SAY, models.SELF_DESCRIBE}
    for name in names:
        value = slugify(name)[:50].replace("-", "_") or f"answer_{len(values) + 1}"
        if (
            value in seen
            or value in reserved
            or name.casefold() == _("prefer not to say").casefold()
        ):
            raise UnableToChangeReport(
                _("“%(answer)s” is offered twice, or is one we add for you.") % {"answer": name}
            )
        seen.add(value)
        values.append({"value": value, "label": name[:200], "free_text": False})
    if self_describe:
        values.append(
            {"value": models.SELF_DESCRIBE, "label": _("I describe myself as…"), "free_text": True}
        )
    values.append(
        {"value": models.PREFER_NOT_TO_SAY, "label": _("Prefer not to say"), "free_text": False}
    )
    position = models.Question.objects.filter(call_id=call_id).count()
    question = models.Question.objects.create(
        call_id=call_id, label=label[:200], options=values, position=position, created_at=now
    )
    return question.pk


@transaction.atomic
def remove_question(*, call_id: int, question_id: int, now: dt.datetime) -> None:
    """Remove a chair-defined question and every answer to it; the report is rebuilt."""
    deleted, _per_model = models.Question.objects.filter(pk=question_id, call_id=call_id).delete()
    if not deleted:
        raise UnableToChangeReport(_("This question does not exist any more."))
    models.Target.objects.filter(
        call_id=call_id, dimension=questions.question_key(question_id)
    ).delete()
    reports.request_build(call_id=call_id, now=now)
