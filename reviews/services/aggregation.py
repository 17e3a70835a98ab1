"""Aggregation: asking for a snapshot of the call's scores, computing it, waking lost runs.

A save, an assignment, a recusal or an import asks with :func:`request_aggregation`; the task
``reviews.aggregate_call`` runs :func:`run_aggregation`, which fits the model outside any
transaction and writes the snapshot under the call's row lock (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from common.queue import enqueue_on_commit
from reviews import models
from reviews.domain import scoring
from reviews.queries import dashboard, screen, snapshot

log = logging.getLogger(__name__)


def request_aggregation(
    *, call_id: int, now: dt.datetime, enqueue: bool = True, soon: bool = False
) -> None:
    """Make sure one run is waiting for this call, and wake a worker after commit.

    Saves in a burst coalesce twice: the partial unique index admits one pending run per call,
    so the insert is a no-op while one waits; and a save wakes a worker only once per
    AGGREGATION_COALESCE_SECONDS, so forty reviewers saving at once cost one computation, not
    forty back to back. ``soon`` (a chair's button) skips the wait.
    """
    models.AggregationRun.objects.bulk_create(
        [models.AggregationRun(call_id=call_id, requested_at=now)], ignore_conflicts=True
    )
    if enqueue:
        enqueue_on_commit(
            "reviews.aggregate_call",
            call_id,
            coalesce_seconds=0 if soon else settings.AGGREGATION_COALESCE_SECONDS,
        )


def _progress_key(call_id: int) -> str:
    return f"aggregation-progress:{call_id}"


def aggregation_progress(*, call_id: int) -> str:
    value = cache.get(_progress_key(call_id))
    return str(value) if value else ""


def _claim_run(*, call_id: int, now: dt.datetime) -> int | None:
    """Take the oldest waiting run, or one left running by a worker that died."""
    with transaction.atomic():
        cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
        run = (
            models.AggregationRun.objects.filter(
                call_id=call_id, state__in=[models.RunState.PENDING, models.RunState.RUNNING]
            )
            # Waiting runs first: a running one may belong to a live worker on another machine.
            .order_by("state", "requested_at", "id")  # "pending" sorts before "running"
            .first()
        )
        if run is None:
            return None
        if run.state == models.RunState.PENDING:
            run.state = models.RunState.RUNNING
            run.started_at = now
            run.save(update_fields=["state", "started_at"])
        return run.pk


def _inputs(
    call_id: int,
) -> tuple[
    cfp_models.Call,
    tuple[scoring.Criterion, ...],
    list[scoring.ProposalInput],
    list[scoring.ReviewInput],
    dict[str, int],
    dt.datetime | None,
]:
    call = cfp_models.Call.objects.get(pk=call_id)
    criteria = screen.for_scoring(cfp_queries.call_criteria(call_id=call_id))
    proposals = [
        scoring.ProposalInput(key=str(pk), track=str(track or ""))
        for pk, track in cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .order_by("submitted_at", "id")
        .values_list("pk", "track_id")
    ]
    live = {p.key for p in proposals}
    # Issue 21: by default a review counts with its scores as they stood when its reviewer first
    # read others' reviews or the discussion (docs/scoring-model.md, "Independent scores").
    independent = call.independent_scores
    reviews = [
        scoring.ReviewInput(
            proposal=str(pid),
            reviewer=str(rid),
            scores={k: float(v) for k, v in used.items()},
            confidence=conf,
        )
        for pid, rid, used, conf in (
            (pid, rid, first if independent and first is not None else scores, conf)
            for pid, rid, scores, conf, first in models.Review.objects.filter(
                call_id=call_id, abstained=False
            ).values_list(
                "proposal_id", "reviewer_id", "scores", "confidence", "independent_scores"
            )
        )
        # A review that was an abstention when its reviewer read the others has no independent
        # score: it is left out while the switch is on.
        if str(pid) in live and used
    ]
    assigned = {
        str(row["reviewer_id"]): row["n"]
        for row in models.Assignment.objects.filter(proposal__call_id=call_id)
        .values("reviewer_id")
        .annotate(n=Count("id"))
    }
    until = models.Review.objects.filter(call_id=call_id).aggregate(m=Max("updated_at"))["m"]
    return call, criteria, proposals, reviews, assigned, until


def _total_slots(call_id: int) -> int:
    slots = sum(cfp_models.Format.objects.filter(call_id=call_id).values_list("slots", flat=True))
    return max(int(slots), 1)


def run_aggregation(*, call_id: int, now: dt.datetime) -> int | None:
    """Compute the call's waiting snapshot; returns the run id, or None if nothing waited.

    Safe to run twice or concurrently: the writing step re-checks the run under the call's row
    lock, so one snapshot is written per run, and the same inputs give the same numbers.

    Saves made during the computation leave a new run waiting, and its task may have been taken
    by this worker; that run must not be left waiting. With a worker, it gets a wake-up through
    the same coalescing path as a save, so a steady stream of saves costs one computation per
    AGGREGATION_COALESCE_SECONDS instead of keeping a core busy; in-process (no broker), it is
    computed here and now.
    """
    last: int | None = None
    while (run_id := _claim_run(call_id=call_id, now=now)) is not None:
        _compute_run(call_id=call_id, run_id=run_id, now=now)
        last = run_id
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            if models.AggregationRun.objects.filter(
                call_id=call_id, state=models.RunState.PENDING
            ).exists():
                enqueue_on_commit(
                    "reviews.aggregate_call",
                    call_id,
                    coalesce_seconds=settings.AGGREGATION_COALESCE_SECONDS,
                )
            break
    return last


def wake_waiting_aggregations(*, now: dt.datetime) -> int:
    """Send a task for every call whose run has waited longer than a wake-up should take.

    A save's wake-up can be lost with the broker's queue, or held by a worker that lost its
    connection until the visibility timeout; a periodic sweep bounds that delay to a minute or
    two. Returns how many calls were woken.
    """
    overdue = now - dt.timedelta(seconds=3 * settings.AGGREGATION_COALESCE_SECONDS + 60)
    call_ids = list(
        models.AggregationRun.objects.filter(
            state=models.RunState.PENDING, requested_at__lte=overdue
        )
        .order_by("requested_at", "id")
        .values_list("call_id", flat=True)
    )
    for call_id in call_ids:
        enqueue_on_commit("reviews.aggregate_call", call_id)
    return len(call_ids)


def _compute_run(*, call_id: int, run_id: int, now: dt.datetime) -> None:
    cache.set(_progress_key(call_id), _("Reading reviews…"), 600)
    try:
        call, criteria, proposals, reviews, assigned, until = _inputs(call_id)
        progress = dashboard.progress_counts(call_id=call_id, now=timezone.now())
        cache.set(_progress_key(call_id), _("Fitting the reviewer model…"), 600)
        result = scoring.aggregate(
            criteria=criteria,
            proposals=proposals,
            reviews=reviews,
            slots=_total_slots(call_id),
            required_reviews=call.reviews_per_proposal,
            assigned=assigned,
            seed=call_id,
        )
    except Exception as exc:
        log.exception("aggregation of call %s failed", call_id)
        models.AggregationRun.objects.filter(pk=run_id).update(
            state=models.RunState.FAILED, finished_at=now, error=f"{type(exc).__name__}: {exc}"
        )
        cache.delete(_progress_key(call_id))
        raise
    cache.set(_progress_key(call_id), _("Saving the snapshot…"), 600)
    with transaction.atomic():
        cfp_models.Call.objects.select_for_update(no_key=True).filter(pk=call_id).exists()
        run = models.AggregationRun.objects.filter(pk=run_id).first()
        if run is None or run.state != models.RunState.RUNNING:
            return
        models.ProposalScore.objects.filter(run=run).delete()
        models.ProposalScore.objects.bulk_create(
            [
                models.ProposalScore(
                    run=run,
                    proposal_id=int(p.key),
                    review_count=p.review_count,
                    mean=p.mean,
                    median=p.median,
                    weighted_total=p.weighted_total,
                    std=p.std,
                    spread=p.spread,
                    calibrated=p.calibrated,
                    low=p.low,
                    high=p.high,
                    rank=p.rank,
                    p_in_slots=p.p_in_slots,
                    flags=list(p.flags),
                )
                for p in result.proposals
            ],
            batch_size=2000,
        )
        models.ReviewerScore.objects.bulk_create(
            [
                models.ReviewerScore(
                    run=run,
                    reviewer_id=int(r.key),
                    review_count=r.review_count,
                    assigned=r.assigned,
                    mean_given=r.mean_given,
                    offset=r.offset,
                    offset_low=r.offset_low,
                    offset_high=r.offset_high,
                )
                for r in result.reviewers
            ],
            batch_size=2000,
        )
        run.state = models.RunState.DONE
        run.finished_at = now
        run.inputs_until = until
        run.review_count = len(reviews)
        run.alpha = result.agreement.alpha
        run.alpha_per_track = dict(result.agreement.per_track)
        run.progress = progress
        run.save()
        # Issue 22: with the new chances in slots, ask for extra reviews where they matter.
        enqueue_on_commit("reviews.request_extra_reviews", call_id)
        # Issue 21: reviewers who disagree near the cut get a discussion thread.
        enqueue_on_commit("reviews.open_disagreement_threads", call_id)
        # Keep the two newest snapshots' rows; older runs stay as history without rows.
        older = list(snapshot.done_runs(call_id=call_id).values_list("pk", flat=True)[2:])
        if older:
            models.ProposalScore.objects.filter(run_id__in=older).delete()
            models.ReviewerScore.objects.filter(run_id__in=older).delete()
            models.AggregationRun.objects.filter(pk__in=older).exclude(progress={}).update(
                progress={}
            )
    cache.delete(_progress_key(call_id))
