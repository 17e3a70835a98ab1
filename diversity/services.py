"""The write side of self-identification and diversity reports.

Answers are written only with consent on record; withdrawing deletes them, erases the link
between the person and every stored snapshot basis, and marks those snapshots for rebuilding.
Reports are built by the task ``diversity.build_report`` (a call id in) into ``ReportSnapshot``
rows holding published figures only. Nothing here logs an answer: log lines carry ids and counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cfp import models as cfp_models
from common.queue import enqueue_on_commit
from diversity import models, queries
from diversity.domain import funnel, suppression

log = logging.getLogger(__name__)

BUILD_TASK = "diversity.build_report"
NEAR_CUT_DIMENSIONS = frozenset({"first_time", "wants_mentor", "english_additional"})
"""Programme attributes whose gaps list the group's proposals near the cut (issue 7)."""
MAX_QUESTIONS_PER_CALL = 10
MAX_OPTIONS = 12


class UnableToSaveAnswers(Exception):
    """The answers cannot be stored; the message says why, for the person."""


class UnableToChangeReport(Exception):
    """A report setting, target or question cannot be changed; the message says why."""


# --- the person's answers ------------------------------------------------------------------


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
    questions = {q.key: q for q in queries.questions_for_person(user_id=user_id)}
    for key, data in answers.items():
        question = questions.get(key)
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
        question = questions[key]
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
    for unit in queries.units_of_person(user_id=user_id):
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
    for call_id in sorted(calls):
        enqueue_on_commit(BUILD_TASK, call_id)
    log.info(
        "self-identification withdrawn for user %s; reports of %s calls marked for rebuilding",
        user_id,
        len(calls),
    )
    return int(deleted)


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
        data["stage_sets"] = stage_sets
        data["answered"] = {slug: sorted(members) for slug, members in answered.items()}
    return touched


# --- chair settings ------------------------------------------------------------------------


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
    request_report(call_id=call_id, now=now)


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
        call_id=call_id, dimension=queries.question_key(question_id)
    ).delete()
    request_report(call_id=call_id, now=now)


# --- building reports ----------------------------------------------------------------------


def request_report(*, call_id: int, now: dt.datetime) -> None:
    """Mark the call's snapshots for rebuilding and queue the build after commit."""
    models.ReportSnapshot.objects.filter(call_id=call_id).update(rebuild_requested_at=now)
    enqueue_on_commit(BUILD_TASK, call_id)


@transaction.atomic
def request_build(*, call_id: int, now: dt.datetime) -> None:
    """A chair asks for a fresh report."""
    request_report(call_id=call_id, now=now)


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    built: bool
    """False when the figures could not be published safely (the reason is on the report page)."""
    speakers_held: bool = False
    committee_held: bool = False


FAILURE = _(
    "The figures could not be updated without risking that someone's answers could be worked "
    "out, so the previous figures stay. Ask the site staff to look at the server log."
)


@sensitive_variables()
@transaction.atomic
def build_report(*, call_id: int, now: dt.datetime) -> BuildOutcome | None:
    """Compute and publish the call's reports; None when the call does not exist.

    Runs under the call's row lock, so concurrent builds publish one after the other and each
    sees the other's snapshot as its previous one. Running it twice publishes the same figures.
    When the domain refuses (counts inconsistent with the previous snapshot), nothing is
    published and the failure is recorded for the report page; retrying would not help.
    """
    if not cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists():
        return None
    inputs = queries.report_inputs(call_id=call_id)
    try:
        programme = funnel.build_report(
            units=inputs.pairs,
            dimensions=inputs.programme,
            targets={k: v for k, v in inputs.targets.items() if k[0] in _slugs(inputs.programme)},
            k=inputs.k,
        )
        people = _protected(inputs, models.ReportKind.SPEAKERS, inputs.people)
        committee = _protected(inputs, models.ReportKind.COMMITTEE, inputs.reviewers)
    except ValueError as exc:  # suppression.InconsistentSnapshot is a ValueError
        # Never the exception's message in the log: it could describe someone's answer.
        log.error("diversity report of call %s not built: %s", call_id, type(exc).__name__)
        models.ReportSettings.objects.update_or_create(
            call_id=call_id,
            defaults={"error": str(FAILURE), "failed_at": now, "updated_at": now},
            create_defaults={
                "k": inputs.k,
                "error": str(FAILURE),
                "failed_at": now,
                "updated_at": now,
            },
        )
        return BuildOutcome(built=False)
    _publish(
        inputs,
        kind=models.ReportKind.SPEAKERS,
        dimensions=(
            *_figures(inputs, programme, unit="pairs"),
            *_figures(inputs, people, unit="people"),
        ),
        report=people,
        now=now,
    )
    _publish(
        inputs,
        kind=models.ReportKind.COMMITTEE,
        dimensions=tuple(_figures(inputs, committee, unit="reviewers")),
        report=committee,
        now=now,
    )
    models.ReportSettings.objects.filter(call_id=call_id).exclude(error="").update(
        error="", failed_at=None
    )
    log.info("diversity report of call %s built", call_id)
    return BuildOutcome(built=True, speakers_held=people.held, committee_held=committee.held)


def _slugs(dimensions: Sequence[funnel.Dimension]) -> set[str]:
    return {d.slug for d in dimensions}


def _protected(
    inputs: queries.ReportInputs, kind: str, units: Sequence[funnel.Unit]
) -> funnel.FunnelReport:
    previous = inputs.previous.get(kind)
    prev_report = previous.report if previous is not None else None
    if prev_report is not None and prev_report.k != inputs.k:
        prev_report = None  # cannot happen through set_threshold; a new series is the only way
    targets = (
        {k: v for k, v in inputs.targets.items() if k[0] in _slugs(inputs.self_id)}
        if kind == models.ReportKind.SPEAKERS
        else {}
    )
    return funnel.build_report(
        units=units,
        dimensions=inputs.self_id,
        targets=targets,
        k=inputs.k,
        previous=prev_report,
        answers_changed=inputs.changed.get(kind) if prev_report is not None else None,
    )


def _figures(
    inputs: queries.ReportInputs, report: funnel.FunnelReport, *, unit: str
) -> list[dict[str, Any]]:
    """The published figures of each dimension, as JSON: counts, shares, ranges, gaps."""
    out: list[dict[str, Any]] = []
    for d in report.dimensions:
        dim = d.dimension
        rows = []
        for value in dim.rows:
            label = inputs.labels.get((dim.slug, value), value)
            cells = {}
            for stage in funnel.STAGES:
                cell = d.cell(value, stage)
                cells[stage.value] = {
                    "count": cell.count,
                    "share": cell.share,
                    "range": list(cell.range) if cell.range is not None else None,
                }
            rows.append(
                {
                    "value": value,
                    "label": label,
                    "cells": cells,
                    "target": inputs.targets.get((dim.slug, value)),
                }
            )
        gaps = []
        for gap in d.gaps:
            label = inputs.labels.get((dim.slug, gap.value), gap.value)
            explanation = gap.explanation.replace(
                f"“{dim.label}: {gap.value}”", f"“{dim.label}: {label}”"
            )
            gaps.append(
                {
                    "value": gap.value,
                    "label": label,
                    "kind": gap.kind.value,
                    "target": gap.target,
                    "submitted_share": gap.submitted_share,
                    "accepted_share": gap.accepted_share,
                    "p_value": gap.p_value,
                    "explanation": explanation,
                    # Proposal codes only for the programme attributes that mark an under-served
                    # speaker; the domain never gives any for self-identification, and we would
                    # not store them if it did.
                    "near_cut": list(gap.near_cut) if dim.slug in NEAR_CUT_DIMENSIONS else [],
                }
            )
        out.append(
            {
                "slug": dim.slug,
                "label": dim.label,
                "protected": dim.protected,
                "held": d.held,
                "unit": inputs.labels.get(("", unit), unit),
                "totals": {stage.value: int(d.totals.get(stage, 0)) for stage in funnel.STAGES},
                "rows": rows,
                "gaps": gaps,
            }
        )
    return out


def _publish(
    inputs: queries.ReportInputs,
    *,
    kind: str,
    dimensions: Sequence[dict[str, Any]],
    report: funnel.FunnelReport,
    now: dt.datetime,
) -> None:
    previous = inputs.previous.get(kind)
    basis_at = previous.basis_at if report.held and previous is not None else now
    figures = {
        "call": inputs.slug,
        "kind": kind,
        "computed_at": now.isoformat(),
        "basis_at": basis_at.isoformat(),
        "k": inputs.k,
        "held": report.held,
        "slots": inputs.slots,
        "aggregation_run": inputs.run_id,
        "stages": [s.value for s in funnel.STAGES],
        "dimensions": list(dimensions),
    }
    snapshot, _created = models.ReportSnapshot.objects.update_or_create(
        call_id=inputs.call_id,
        kind=kind,
        defaults={
            "computed_at": now,
            "basis_at": basis_at,
            "k": inputs.k,
            "held": report.held,
            "figures": figures,
            "rebuild_requested_at": None,
        },
    )
    models.SnapshotBasis.objects.update_or_create(
        snapshot=snapshot, defaults={"data": report.snapshot.as_dict()}
    )
