"""Building the diversity reports: a chair's request, and the build the task
``diversity.build_report`` (a call id in) runs into ``ReportSnapshot`` rows holding published
figures only, with the ``SnapshotBasis`` the next build must stay consistent with.

Nothing here logs an answer: log lines carry ids and counts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cfp import models as cfp_models
from common.queue import enqueue_on_commit
from diversity import models
from diversity.domain import funnel, gate
from diversity.domain.disclosure import Release
from diversity.queries import releases, report_inputs
from diversity.queries.report_inputs import ReportInputs

log = logging.getLogger(__name__)

BUILD_TASK = "diversity.build_report"
NEAR_CUT_DIMENSIONS = frozenset({"first_time", "wants_mentor", "english_additional"})
"""Programme attributes whose gaps list the group's proposals near the cut (issue 7)."""


def queue_build(*, call_id: int) -> None:
    """Queue the call's build after commit: the one place a build is enqueued."""
    enqueue_on_commit(BUILD_TASK, call_id)


@transaction.atomic
def request_build(*, call_id: int, now: dt.datetime) -> None:
    """Mark the call's snapshots for rebuilding and queue the build after commit (a chair's
    button, or a changed target or question)."""
    models.ReportSnapshot.objects.filter(call_id=call_id).update(rebuild_requested_at=now)
    queue_build(call_id=call_id)


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    built: bool
    """False when the figures could not be published safely (the reason is on the report page)."""
    speakers_held: bool = False
    committee_held: bool = False
    extra_hidden: int = 0
    """Cells hidden beyond small-cell suppression because of earlier releases (the audit)."""


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
    inputs = report_inputs.report_inputs(call_id=call_id)
    try:
        programme = funnel.build_report(
            units=inputs.pairs,
            dimensions=inputs.programme,
            targets={k: v for k, v in inputs.targets.items() if k[0] in _slugs(inputs.programme)},
            k=inputs.k,
        )
        people = _protected(inputs, models.ReportKind.SPEAKERS, inputs.people)
        committee = _protected(inputs, models.ReportKind.COMMITTEE, inputs.reviewers)
        history = releases.history(call_ids=releases.viewer_scope(call_id=call_id))
        people_gate = _gate(
            inputs, models.ReportKind.SPEAKERS, people, inputs.people, history, now=now
        )
        if people_gate.release is not None:
            history.append(people_gate.release)
        committee_gate = _gate(
            inputs, models.ReportKind.COMMITTEE, committee, inputs.reviewers, history, now=now
        )
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
    people, committee = people_gate.report, committee_gate.report
    _publish(
        inputs,
        kind=models.ReportKind.SPEAKERS,
        dimensions=(
            *_figures(inputs, programme, unit="pairs"),
            *_figures(inputs, people, unit="people"),
        ),
        outcome=people_gate,
        units=inputs.people,
        now=now,
    )
    _publish(
        inputs,
        kind=models.ReportKind.COMMITTEE,
        dimensions=tuple(_figures(inputs, committee, unit="reviewers")),
        outcome=committee_gate,
        units=inputs.reviewers,
        now=now,
    )
    models.ReportSettings.objects.filter(call_id=call_id).exclude(error="").update(
        error="", failed_at=None
    )
    log.info("diversity report of call %s built", call_id)
    return BuildOutcome(
        built=True,
        speakers_held=people.held,
        committee_held=committee.held,
        extra_hidden=people_gate.extra_hidden + committee_gate.extra_hidden,
    )


def _slugs(dimensions: Sequence[funnel.Dimension]) -> set[str]:
    return {d.slug for d in dimensions}


def _protected(
    inputs: ReportInputs, kind: str, units: Sequence[funnel.Unit]
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


def _gate(
    inputs: ReportInputs,
    kind: str,
    report: funnel.FunnelReport,
    units: Sequence[funnel.Unit],
    history: Sequence[Release],
    *,
    now: dt.datetime,
) -> gate.Outcome:
    """The release gate over everything this call's chairs have been shown (issue 16)."""
    previous = inputs.previous.get(kind)
    keys = {u.key for u in units}
    return gate.gate(
        report=report,
        previous=previous.report if previous is not None else None,
        units=units,
        person_of=inputs.person_of,
        epochs={q: {u: t for u, t in e.items() if u in keys} for q, e in inputs.epochs.items()},
        history=history,
        label=f"{inputs.slug}/{kind}/{now.isoformat()}",
        k=inputs.k,
        targets=(
            {k: v for k, v in inputs.targets.items() if k[0] in _slugs(inputs.self_id)}
            if kind == models.ReportKind.SPEAKERS
            else {}
        ),
        alpha=funnel.DEFAULT_ALPHA,
    )


def _figures(
    inputs: ReportInputs, report: funnel.FunnelReport, *, unit: str
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
    inputs: ReportInputs,
    *,
    kind: str,
    dimensions: Sequence[dict[str, Any]],
    outcome: gate.Outcome,
    units: Sequence[funnel.Unit],
    now: dt.datetime,
) -> None:
    report = outcome.report
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
        "release": {
            "extra_hidden": outcome.extra_hidden,
            "held_by_audit": outcome.held_by_audit,
        },
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
    basis = report.snapshot.as_dict()
    if report.held:
        if previous is not None and previous.epochs is not None:
            basis[report_inputs.EPOCHS] = previous.epochs
    else:
        keys = {u.key for u in units}
        basis[report_inputs.EPOCHS] = {
            q: {u: t for u, t in e.items() if u in keys} for q, e in inputs.epochs.items()
        }
    models.SnapshotBasis.objects.update_or_create(snapshot=snapshot, defaults={"data": basis})
    if outcome.release is not None:
        data = releases.release_data(outcome.release)
        if data != releases.latest_data(call_id=inputs.call_id, kind=kind):
            models.ReleaseRecord.objects.create(
                call_id=inputs.call_id, kind=kind, published_at=now, data=data
            )
