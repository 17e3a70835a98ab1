"""The person's own answers: saved only with consent on record; withdrawing consent deletes them,
erases the link between the person and every stored snapshot basis, and asks for rebuilt reports.

Nothing here logs an answer: log lines carry ids and counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cfp import models as cfp_models
from diversity import models
from diversity.queries import pseudonyms, questions, report_inputs
from diversity.services import reports

log = logging.getLogger(__name__)


class UnableToSaveAnswers(Exception):
    """The answers cannot be stored; the message says why, for the person."""


@dataclass(frozen=True, slots=True)
class AnswerData:
    value: str
    """An option's value; "" for no answer (nothing stored)."""
    text: str = ""
    """The person's own words, for an option that asks for them."""


@sensitive_variables()
@transaction.atomic
def save_answers(
    *,
    user_id: int,
    answers: Mapping[str, AnswerData],
    consent_version: int | None,
    now: dt.datetime,
) -> None:
    """Store this person's answers; questions not in ``answers`` are left as they are.

    ``consent_version`` is the consent text the person ticked on this very form, or None when
    they did not tick it: then only a consent already on record for the current wording allows
    saving. An empty value deletes that answer.
    """
    consent = models.Consent.objects.select_for_update().filter(user_id=user_id).first()
    if consent_version is not None:
        if consent_version != models.CONSENT_VERSION:
            raise UnableToSaveAnswers(
                _("The consent text changed while you were reading it. Read it again and tick it.")
            )
        if consent is None:
            consent = models.Consent(user_id=user_id)
        consent.version = consent_version
        consent.given_at = now
        consent.withdrawn_at = None
        consent.save()
    elif (
        consent is None
        or consent.withdrawn_at is not None
        or consent.version != models.CONSENT_VERSION
    ):
        raise UnableToSaveAnswers(_("Tick the consent box first: without it we store no answers."))
    asked = {q.key: q for q in questions.questions_for_person(user_id=user_id)}
    for key, data in answers.items():
        question = asked.get(key)
        if question is None:
            raise UnableToSaveAnswers(_("One of the questions no longer exists. Reload the page."))
        if data.value and data.value not in question.values:
            raise UnableToSaveAnswers(
                _("Choose one of the answers offered for “%(question)s”.")
                % {"question": question.label}
            )
    existing = {a.key: a for a in models.Answer.objects.filter(user_id=user_id)}
    deleted = [existing[k].pk for k, d in answers.items() if not d.value and k in existing]
    if deleted:
        models.Answer.objects.filter(pk__in=deleted).delete()
    for key, data in answers.items():
        if not data.value:
            continue
        question = asked[key]
        free = any(o.free_text and o.value == data.value for o in question.options)
        text = data.text.strip()[:200] if free else ""
        row = existing.get(key)
        if row is None:
            models.Answer.objects.create(
                user_id=user_id,
                key=key,
                question_id=question.question_id,
                value=data.value,
                text=text,
                answered_at=now,
                value_changed_at=now,
            )
        elif row.value != data.value or row.text != text:
            if row.value != data.value:
                row.value_changed_at = now
            row.value = data.value
            row.text = text
            row.answered_at = now
            row.save(update_fields=["value", "text", "answered_at", "value_changed_at"])
    log.info("self-identification saved for user %s", user_id)


@transaction.atomic
def withdraw_consent(*, user_id: int, now: dt.datetime) -> int:
    """Delete every answer of this person and take them out of every report.

    From now on the person is left out of self-identification tables (until they consent
    again). Each stored snapshot basis that holds their unit key gets it replaced by a fresh
    random one, so nothing stored ties them to having answered: to the next build that unit
    simply left, one change for the release rule, as the withdrawal itself is. Those snapshots
    are marked for rebuilding and a build is queued per call. Returns the answers deleted.
    """
    by_snapshot: dict[tuple[int, str], list[str]] = {}
    for unit in pseudonyms.units_of_person(user_id=user_id):
        by_snapshot.setdefault((unit.call_id, unit.kind), []).append(unit.key)
    # The calls' row locks first, in the order builds take them: a build running now finishes
    # before we re-key its basis, and one starting now reads the answers after they are gone.
    list(
        cfp_models.Call.objects.select_for_update(no_key=True)
        .filter(pk__in={call for call, _kind in by_snapshot})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deleted, _per_model = models.Answer.objects.filter(user_id=user_id).delete()
    models.Consent.objects.filter(user_id=user_id, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    calls: set[int] = set()
    if by_snapshot:
        bases = models.SnapshotBasis.objects.select_for_update().filter(
            snapshot__call_id__in={call for call, _kind in by_snapshot}
        )
        for basis in bases.select_related("snapshot"):
            keys = by_snapshot.get((basis.snapshot.call_id, basis.snapshot.kind), [])
            data = dict(basis.data)
            if not _unlink(data, keys):
                continue
            basis.data = data
            basis.save(update_fields=["data"])
            models.ReportSnapshot.objects.filter(pk=basis.snapshot_id).update(
                rebuild_requested_at=now
            )
            calls.add(basis.snapshot.call_id)
    _unlink_releases(
        call_ids={call for call, _kind in by_snapshot},
        person=pseudonyms.person_key(user_id=user_id),
    )
    for call_id in sorted(calls):
        reports.queue_build(call_id=call_id)
    log.info(
        "self-identification withdrawn for user %s; reports of %s calls marked for rebuilding",
        user_id,
        len(calls),
    )
    return int(deleted)


def _unlink_releases(*, call_ids: set[int], person: str) -> None:
    """Re-key the person in the release history: one fresh key and fresh epoch tokens for every
    record, so the audit still sees one person leaving (and their earlier answers counted
    together across calls) while nothing stored leads back to them."""
    fresh = f"w{secrets.token_hex(10)}"
    tokens: dict[str, str] = {}
    records = models.ReleaseRecord.objects.select_for_update().filter(call_id__in=call_ids)
    for record in records.order_by("pk"):
        data = dict(record.data)
        members = dict(data.get("members") or {})
        if person not in members:
            continue
        members[fresh] = members.pop(person)
        epochs: dict[str, dict[str, str]] = {}
        for question, keys in (data.get("epochs") or {}).items():
            keys = dict(keys)
            if person in keys:
                old = keys.pop(person)
                keys[fresh] = tokens.setdefault(old, secrets.token_hex(8))
            epochs[question] = keys
        data["members"] = members
        data["epochs"] = epochs
        record.data = data
        record.save(update_fields=["data"])


def _unlink(data: dict[str, Any], keys: Sequence[str]) -> bool:
    """Replace each of ``keys`` found in the basis by a random key; True when one was found."""
    answered: dict[str, list[str]] = {
        slug: list(members) for slug, members in (data.get("answered") or {}).items()
    }
    stage_sets: dict[str, list[str]] = dict(data.get("stage_sets") or {})
    touched = False
    for key in keys:
        if key not in stage_sets:
            continue
        fresh = f"w{secrets.token_hex(10)}"
        stage_sets[fresh] = stage_sets.pop(key)
        for members in answered.values():
            if key in members:
                members[members.index(key)] = fresh
        touched = True
    if touched:
        # The answer epochs of the stored basis: the person is gone from the next build anyway.
        data[report_inputs.EPOCHS] = {
            q: {key: token for key, token in tokens.items() if key not in keys}
            for q, tokens in (data.get(report_inputs.EPOCHS) or {}).items()
        }
        data["stage_sets"] = stage_sets
        data["answered"] = {slug: sorted(members) for slug, members in answered.items()}
    return touched
