"""The write side of reviewing, aggregation and curation."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cfp import models as cfp_models
from cfp import services as cfp_services
from common.queue import enqueue_on_commit
from common.stats import analyze_after_bulk_load
from reviews import chair_queries, models
from reviews.domain import assignment as assignment_domain
from reviews.domain import scoring

log = logging.getLogger(__name__)


class UnableToScore(Exception):
    """The review cannot be saved; the message says why, for the reviewer."""


class UnableToAssign(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ReviewData:
    scores: Mapping[str, int]
    confidence: int | None = None
    comment: str = ""
    feedback: str = ""
    abstained: bool = False
    abstain_reason: str = ""


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


@transaction.atomic
def score_proposal(
    *,
    call_id: int,
    proposal_id: int,
    proposal_version: int,
    reviewer_id: int,
    criteria: tuple[scoring.Criterion, ...],
    data: ReviewData,
    now: dt.datetime,
) -> None:
    """Upsert the one review of (reviewer, proposal): double clicks and retries leave one row."""
    if not data.abstained:
        expected = {c.slug for c in criteria}
        if set(data.scores) != expected:
            raise UnableToScore(_("Give a score for every criterion, or abstain."))
        for c in criteria:
            if not c.minimum <= data.scores[c.slug] <= c.maximum:
                raise UnableToScore(
                    _("%(name)s must be between %(lo)s and %(hi)s.")
                    % {"name": c.slug, "lo": int(c.minimum), "hi": int(c.maximum)}
                )
    score = (
        None
        if data.abstained
        else scoring.review_score(
            scores={k: float(v) for k, v in data.scores.items()}, criteria=criteria
        )
    )
    models.Review.objects.bulk_create(
        [
            models.Review(
                call_id=call_id,
                proposal_id=proposal_id,
                reviewer_id=reviewer_id,
                scores={} if data.abstained else dict(data.scores),
                score=score,
                confidence=None if data.abstained else data.confidence,
                comment=data.comment,
                feedback=data.feedback,
                abstained=data.abstained,
                abstain_reason=data.abstain_reason if data.abstained else "",
                proposal_version=proposal_version,
                created_at=now,
                updated_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["proposal", "reviewer"],
        update_fields=[
            "scores",
            "score",
            "confidence",
            "comment",
            "feedback",
            "abstained",
            "abstain_reason",
            "proposal_version",
            "updated_at",
        ],
    )
    request_aggregation(call_id=call_id, now=now)


# --- aggregation ----------------------------------------------------------------------------


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
    criteria = tuple(
        scoring.Criterion(
            slug=c.slug, weight=c.weight, minimum=float(c.minimum), maximum=float(c.maximum)
        )
        for c in cfp_models.Criterion.objects.filter(call_id=call_id)
    )
    proposals = [
        scoring.ProposalInput(key=str(pk), track=str(track or ""))
        for pk, track in cfp_models.Proposal.objects.filter(
            call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
        ).values_list("pk", "track_id")
    ]
    live = {p.key for p in proposals}
    reviews = [
        scoring.ReviewInput(
            proposal=str(pid),
            reviewer=str(rid),
            scores={k: float(v) for k, v in scores.items()},
            confidence=conf,
        )
        for pid, rid, scores, conf in models.Review.objects.filter(
            call_id=call_id, abstained=False
        ).values_list("proposal_id", "reviewer_id", "scores", "confidence")
        if str(pid) in live
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
        ).values_list("call_id", flat=True)
    )
    for call_id in call_ids:
        enqueue_on_commit("reviews.aggregate_call", call_id)
    return len(call_ids)


def _compute_run(*, call_id: int, run_id: int, now: dt.datetime) -> None:
    cache.set(_progress_key(call_id), _("Reading reviews…"), 600)
    try:
        call, criteria, proposals, reviews, assigned, until = _inputs(call_id)
        progress = chair_queries.progress_counts(call_id=call_id, now=timezone.now())
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
        # Keep the two newest snapshots' rows; older runs stay as history without rows.
        older = list(
            models.AggregationRun.objects.filter(call_id=call_id, state=models.RunState.DONE)
            .order_by("-finished_at", "-id")
            .values_list("pk", flat=True)[2:]
        )
        if older:
            models.ProposalScore.objects.filter(run_id__in=older).delete()
            models.ReviewerScore.objects.filter(run_id__in=older).delete()
            models.AggregationRun.objects.filter(pk__in=older).exclude(progress={}).update(
                progress={}
            )
    cache.delete(_progress_key(call_id))


# --- assignment -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignmentOutcome:
    created: int
    shortfalls: tuple[assignment_domain.Shortfall, ...]


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower() if "@" in email else ""


@transaction.atomic
def assign_reviewers(
    *,
    call_id: int,
    per_proposal: int | None,
    actor_id: int | None,
    now: dt.datetime,
    recompute: bool = True,
) -> AssignmentOutcome:
    call = cfp_models.Call.objects.select_for_update(no_key=True).get(pk=call_id)
    k = per_proposal or call.reviews_per_proposal
    if k < 1:
        raise UnableToAssign(_("Each proposal needs at least one reviewer."))
    reviewer_ids = list(
        cfp_models.Membership.objects.filter(
            call_id=call_id, role=cfp_models.Role.REVIEWER, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    settings_by_user = {
        s.user_id: s for s in models.ReviewerSettings.objects.filter(call_id=call_id)
    }
    from django.contrib.auth import get_user_model

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=reviewer_ids)}
    speakers = {
        s.user_id: s
        for s in cfp_models.Speaker.objects.filter(user_id__in=reviewer_ids)
        if s.user_id is not None
    }
    conflicts: dict[int, set[str]] = {}
    for pid, rid in models.Conflict.objects.filter(proposal__call_id=call_id).values_list(
        "proposal_id", "reviewer_id"
    ):
        conflicts.setdefault(rid, set()).add(str(pid))
    all_languages = frozenset(call.languages or ["en"])
    reviewers = []
    for uid in reviewer_ids:
        st = settings_by_user.get(uid)
        user = users[uid]
        sp = speakers.get(uid)
        reviewers.append(
            assignment_domain.ReviewerProfile(
                key=str(uid),
                languages=frozenset(st.languages) if st and st.languages else all_languages,
                tracks=frozenset(st.tracks) if st and st.tracks else frozenset(),
                max_load=st.max_load if st else None,
                email=getattr(user, "email", "") or "",
                affiliation=sp.affiliation if sp else "",
                conflicts=frozenset(conflicts.get(uid, set())),
            )
        )
    # One query for every speaker of the call (a prefetch would build an IN list of every
    # proposal id, which SQLite refuses at conference scale).
    emails: dict[int, list[str]] = {}
    affiliations: dict[int, list[str]] = {}
    for pid, email, affiliation in cfp_models.ProposalSpeaker.objects.filter(
        proposal__call_id=call_id
    ).values_list("proposal_id", "speaker__email", "speaker__affiliation"):
        emails.setdefault(pid, []).append(email)
        affiliations.setdefault(pid, []).append(affiliation)
    proposals = [
        assignment_domain.ProposalProfile(
            key=str(pid),
            language=language,
            track=track or "",
            speaker_emails=tuple(emails.get(pid, ())),
            speaker_affiliations=tuple(affiliations.get(pid, ())),
        )
        for pid, language, track in cfp_models.Proposal.objects.filter(
            call_id=call_id, state=cfp_models.ProposalState.SUBMITTED
        ).values_list("pk", "language", "track__slug")
    ]
    existing = [
        (str(pid), str(rid))
        for pid, rid in models.Assignment.objects.filter(proposal__call_id=call_id).values_list(
            "proposal_id", "reviewer_id"
        )
    ]
    plan = assignment_domain.assign(
        proposals=proposals, reviewers=reviewers, per_proposal=k, existing=existing
    )
    models.Assignment.objects.bulk_create(
        [
            models.Assignment(proposal_id=int(p), reviewer_id=int(r), created_at=now)
            for p, r in plan.new
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    analyze_after_bulk_load(models.Assignment, rows=len(plan.new))
    cfp_models.AuditEvent.objects.create(
        call=call,
        actor_id=actor_id,
        action="reviewers.assigned",
        data={"created": len(plan.new), "short": len(plan.shortfalls), "per_proposal": k},
        created_at=now,
    )
    if plan.new and recompute:
        # The snapshot counts assignments (completion, under-reviewed flags, the dashboard's
        # stored progress): new ones call for a new snapshot. The seed decides for itself.
        request_aggregation(call_id=call_id, now=now)
    return AssignmentOutcome(created=len(plan.new), shortfalls=plan.shortfalls)


# --- recusal --------------------------------------------------------------------------------


class UnableToRecuse(Exception):
    """The reviewer cannot step back from this proposal; the message says why."""


@dataclass(frozen=True, slots=True)
class RecusalOutcome:
    removed_review: bool
    reassigned: int


@transaction.atomic
def recuse_reviewer(
    *, call_id: int, proposal_id: int, reviewer_id: int, reason: str, now: dt.datetime
) -> RecusalOutcome:
    """Step back after "I know who wrote this": record the conflict, drop the assignment and
    any review, and assign the call again so the proposal gets another reviewer (never this
    one)."""
    deleted, _rows = models.Assignment.objects.filter(
        proposal_id=proposal_id, reviewer_id=reviewer_id, proposal__call_id=call_id
    ).delete()
    if not deleted:
        raise UnableToRecuse(_("This proposal is not in your queue."))
    models.Conflict.objects.get_or_create(
        proposal_id=proposal_id,
        reviewer_id=reviewer_id,
        defaults={"reason": reason[:200], "created_at": now},
    )
    removed, _rows = models.Review.objects.filter(
        proposal_id=proposal_id, reviewer_id=reviewer_id
    ).delete()
    if removed:
        # The snapshot counted this review: the next aggregation must not.
        request_aggregation(call_id=call_id, now=now)
    cfp_models.AuditEvent.objects.create(
        call_id=call_id,
        proposal_id=proposal_id,
        actor_id=reviewer_id,
        action="reviewer.recused",
        data={"removed_review": bool(removed)},
        created_at=now,
    )
    outcome = assign_reviewers(call_id=call_id, per_proposal=None, actor_id=None, now=now)
    return RecusalOutcome(removed_review=bool(removed), reassigned=outcome.created)


# --- reminders ------------------------------------------------------------------------------


class UnableToRemind(Exception):
    """No reminder goes out; the message says why, for the chair."""


@dataclass(frozen=True, slots=True)
class ReminderOutcome:
    name: str
    open: int


def _review_counts(*, call_id: int, reviewer_id: int) -> tuple[int, int]:
    """(assigned, done) on live proposals; "done" as in the reviewer's queue."""
    live = cfp_models.ProposalState.SUBMITTED
    assigned = models.Assignment.objects.filter(
        reviewer_id=reviewer_id, proposal__call_id=call_id, proposal__state=live
    ).count()
    done = (
        models.Review.objects.filter(reviewer_id=reviewer_id, call_id=call_id, proposal__state=live)
        .filter(Q(abstained=True) | Q(proposal_version__gte=F("proposal__version")))
        .count()
    )
    return assigned, done


@transaction.atomic
def request_reminder(
    *, call_id: int, reviewer_id: int, queue_url: str, now: dt.datetime
) -> ReminderOutcome:
    """Stamp the reviewer's reminder and send the e-mail after commit: at most one a day.

    The stamp (``ReviewerSettings.last_reminded_at``) refuses a second request on the same day
    under a row lock; the e-mail's outbox key carries the reviewer and the day as well, so a
    retried task never sends twice.
    """
    member = (
        cfp_models.Membership.objects.filter(
            call_id=call_id, user_id=reviewer_id, role=cfp_models.Role.REVIEWER
        )
        .select_related("user")
        .first()
    )
    if member is None:
        raise UnableToRemind(_("This person is not a reviewer of this call."))
    name = member.user.first_name or member.user.get_username()
    row, _created = models.ReviewerSettings.objects.select_for_update().get_or_create(
        call_id=call_id, user_id=reviewer_id
    )
    if row.last_reminded_at and timezone.localdate(row.last_reminded_at) == timezone.localdate(now):
        raise UnableToRemind(
            _("%(name)s was reminded today already; one reminder a day is enough.") % {"name": name}
        )
    if not member.user.email:
        raise UnableToRemind(_("%(name)s has no e-mail address.") % {"name": name})
    assigned, done = _review_counts(call_id=call_id, reviewer_id=reviewer_id)
    if assigned <= done:
        raise UnableToRemind(_("%(name)s has no open reviews.") % {"name": name})
    row.last_reminded_at = now
    row.save(update_fields=["last_reminded_at"])
    enqueue_on_commit("reviews.send_reminder", call_id, reviewer_id, queue_url)
    return ReminderOutcome(name=name, open=assigned - done)


@transaction.atomic
def send_reminder(*, call_id: int, reviewer_id: int, queue_url: str, now: dt.datetime) -> bool:
    """Queue the reminder e-mail; False when it was queued already or nothing is open."""
    from django.contrib.auth import get_user_model

    call = cfp_models.Call.objects.filter(pk=call_id).values("name", "review_deadline_at").first()
    user = (
        get_user_model()
        .objects.filter(pk=reviewer_id)
        .values("email", "first_name", "username")
        .first()
    )
    if call is None or user is None or not user["email"]:
        return False
    stamped = (
        models.ReviewerSettings.objects.filter(call_id=call_id, user_id=reviewer_id)
        .values_list("last_reminded_at", flat=True)
        .first()
    )
    # The day of the chair's request, not of the task: a task retried after midnight keeps it.
    day = timezone.localdate(stamped or now)
    assigned, done = _review_counts(call_id=call_id, reviewer_id=reviewer_id)
    if assigned <= done:
        return False
    deadline = call["review_deadline_at"]
    body = _(
        "Hello %(name)s,\n\n"
        "The chairs of %(call)s send a friendly reminder: %(open)s of the %(assigned)s "
        "proposals assigned to you still wait for your review."
    ) % {
        "name": user["first_name"] or user["username"],
        "call": call["name"],
        "open": assigned - done,
        "assigned": assigned,
    }
    if deadline is not None:
        body += " " + _("The review deadline is %(day)s.") % {
            "day": timezone.localdate(deadline).isoformat()
        }
    body += "\n\n" + _("Your review queue: %(url)s") % {"url": queue_url}
    body += "\n\n" + _("Thank you for reviewing.")
    return cfp_services.queue_email(
        key=f"reviews.reminder:{call_id}:{reviewer_id}:{day.isoformat()}",
        to=user["email"],
        subject=_("Reminder: reviews for %(call)s") % {"call": call["name"]},
        body=body,
        now=now,
    )
