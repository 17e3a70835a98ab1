"""The consistency experiment's report for chairs and ``consistency_report`` (issue 22).

Reads the call's reviews and the experiment (duplicated proposals, the pools' salt) and fits the
calibrated model three times (all reviews, pool A's view, pool B's view) through
``reviews.domain.consistency``. Computed on request: the fits take about a second per 10,000
reviews, and the page is opened a few times per call, not per review.
"""

from __future__ import annotations

from dataclasses import dataclass

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from reviews import models
from reviews.domain import consistency, scoring
from reviews.domain.assignment import pools
from reviews.queries import review_plan, screen


@dataclass(frozen=True, slots=True)
class VerdictRow:
    code: str
    score_a: float | None
    score_b: float | None
    accepted_a: bool
    accepted_b: bool
    agree: bool


@dataclass(frozen=True, slots=True)
class ConsistencyPage:
    running: bool
    percent: int
    report: consistency.Report | None
    rows: tuple[VerdictRow, ...]
    chart: consistency.Scatter | None


def consistency_page(*, call_id: int) -> ConsistencyPage:
    the_plan = review_plan.plan(call_id=call_id)
    if not the_plan.experiment_running:
        return ConsistencyPage(False, 0, None, (), None)
    salt = the_plan.experiment_salt
    criteria = screen.for_scoring(cfp_queries.call_criteria(call_id=call_id))
    live = {
        str(pk): code
        for pk, code in cfp_models.Proposal.objects.submitted()
        .filter(call_id=call_id)
        .order_by("submitted_at", "id")
        .values_list("pk", "code")
    }
    proposals = [scoring.ProposalInput(key=key) for key in live]
    reviews = [
        scoring.ReviewInput(
            proposal=str(pid),
            reviewer=str(rid),
            scores={k: float(v) for k, v in scores.items()},
            confidence=conf,
        )
        for pid, rid, scores, conf in models.Review.objects.filter(
            call_id=call_id, abstained=False, score__isnull=False
        ).values_list("proposal_id", "reviewer_id", "scores", "confidence")
        if str(pid) in live
    ]
    duplicated = {
        str(pid)
        for pid in models.DuplicatedProposal.objects.filter(call_id=call_id).values_list(
            "proposal_id", flat=True
        )
    } & set(live)
    slots = max(
        sum(cfp_models.Format.objects.filter(call_id=call_id).values_list("slots", flat=True)), 1
    )

    def pool_of(reviewer: str) -> int:
        return pools.pool_of(reviewer, salt=salt)

    def fit(rows: list[scoring.ReviewInput]) -> scoring.AggregateResult:
        return scoring.aggregate(
            criteria=criteria,
            proposals=proposals,
            reviews=rows,
            slots=slots,
            required_reviews=1,
            seed=call_id,
            samples=200,
        )

    view_a, view_b = consistency.split_reviews(reviews, duplicated=duplicated, pool_of=pool_of)
    seen: dict[str, set[int]] = {}
    for r in reviews:
        if r.proposal in duplicated:
            seen.setdefault(r.proposal, set()).add(pool_of(r.reviewer))
    fit_a, fit_b = fit(view_a), fit(view_b)
    report = consistency.report(
        fit_all=fit(reviews),
        fit_a=fit_a,
        fit_b=fit_b,
        duplicated=duplicated,
        reviewed_by_pool={p: frozenset(seen.get(p, set())) for p in duplicated},
        slots=slots,
        seed=call_id,
    )
    chart = consistency.scatter(
        report.verdicts,
        cut_a=consistency.cut_of(fit_a, slots),
        cut_b=consistency.cut_of(fit_b, slots),
        labels=live,
    )
    rows = tuple(
        VerdictRow(
            code=live[v.proposal],
            score_a=v.score_a,
            score_b=v.score_b,
            accepted_a=v.accepted_a,
            accepted_b=v.accepted_b,
            agree=v.agree,
        )
        for v in report.verdicts
    )
    return ConsistencyPage(True, the_plan.experiment_percent, report, rows, chart)
