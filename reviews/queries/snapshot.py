"""The call's aggregation snapshot: which run is current, whether it is stale or being computed.

Returns frozen dataclasses, never ORM objects. "The current snapshot" is the newest finished run;
:func:`done_runs` is the one spelling of it, for the dashboard, the shortlist and the exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from cfp import models as cfp_models
from cfp.queries import mentoring as cfp_mentoring
from reviews import models


def done_runs(*, call_id: int) -> QuerySet[models.AggregationRun]:
    """The call's finished runs, the current snapshot first."""
    return models.AggregationRun.objects.filter(
        call_id=call_id, state=models.RunState.DONE
    ).order_by("-finished_at", "-id")


def current_run_id(*, call_id: int) -> int | None:
    return done_runs(call_id=call_id).values_list("pk", flat=True).first()


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    state: str
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    inputs_until: dt.datetime | None
    error: str
    alpha: float | None
    # The dashboard's progress counts as this run read them ({} for older runs).
    progress: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SnapshotState:
    current: RunInfo | None
    latest: RunInfo | None
    stale: bool
    busy: bool
    # The newest change to a review and to a proposal of the call (None: none yet).
    newest_review: dt.datetime | None = None
    newest_proposal: dt.datetime | None = None

    def stored_progress(self, *, now: dt.datetime, max_lag: dt.timedelta) -> Mapping[str, Any]:
        """The current snapshot's progress counts if they may stand for the live ones, else {}.

        They may when nothing changed since they were counted, or, while a recomputation is
        on its way (a save requested one), when they are at most ``max_lag`` old: the dashboard
        then shows them "as of" their time instead of counting every review on every view.
        Changes nobody asked to recompute for (data written by other means) need live counts.
        """
        progress = self.current.progress if self.current else {}
        if not progress or "at" not in progress:
            return {}
        at = dt.datetime.fromisoformat(progress["at"])
        changed = any(t is not None and t > at for t in (self.newest_review, self.newest_proposal))
        if not changed and not self.busy:
            return progress
        if self.busy and now - at <= max_lag:
            return progress
        return {}


def _run_info(r: models.AggregationRun | None) -> RunInfo | None:
    if r is None:
        return None
    return RunInfo(
        id=r.pk,
        state=r.state,
        requested_at=r.requested_at,
        finished_at=r.finished_at,
        inputs_until=r.inputs_until,
        error=r.error,
        alpha=r.alpha,
        progress=r.progress or {},
    )


def snapshot_state(*, call_id: int) -> SnapshotState:
    state, _extra = _snapshot_state(call_id=call_id, extra={})
    return state


def snapshot_state_with_mentoring(
    *, call_id: int
) -> tuple[SnapshotState, cfp_mentoring.MentoringStats]:
    """The snapshot state and the call's mentoring counts (issue 25), in the same two queries:
    the counts ride on the call row the freshness check reads anyway, which keeps the dashboard
    within its query budget."""
    state, extra = _snapshot_state(call_id=call_id, extra=cfp_mentoring.stats_annotations())
    return state, cfp_mentoring.stats_of(extra)


def _snapshot_state(
    *, call_id: int, extra: Mapping[str, Any]
) -> tuple[SnapshotState, dict[str, Any]]:
    runs = list(models.AggregationRun.objects.filter(call_id=call_id).order_by("-id")[:20])
    current = next((r for r in runs if r.state == models.RunState.DONE), None)
    latest = runs[0] if runs else None
    # One query for both: the newest review and the newest proposal change of the call (and
    # whatever ``extra`` annotates on the call's row).
    row = (
        cfp_models.Call.objects.filter(pk=call_id)
        .annotate(
            r=Subquery(
                models.Review.objects.filter(call_id=OuterRef("pk"))
                .order_by("-updated_at")
                .values("updated_at")[:1]
            ),
            p=Subquery(
                cfp_models.Proposal.objects.filter(call_id=OuterRef("pk"))
                .order_by("-updated_at")
                .values("updated_at")[:1]
            ),
            **extra,
        )
        .values_list("r", "p", *extra)
        .first()
    ) or (None, None, *(0 for _ in extra))
    newest_review, newest_proposal = row[0], row[1]
    stale = newest_review is not None and (
        current is None or current.inputs_until is None or newest_review > current.inputs_until
    )
    busy = any(r.state in (models.RunState.PENDING, models.RunState.RUNNING) for r in runs)
    state = SnapshotState(
        current=_run_info(current),
        latest=_run_info(latest),
        stale=stale,
        busy=busy,
        newest_review=newest_review,
        newest_proposal=newest_proposal,
    )
    return state, dict(zip(extra, row[2:], strict=True))
