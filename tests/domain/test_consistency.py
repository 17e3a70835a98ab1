"""The consistency experiment's figures (issue 22): pools' views, verdicts, intervals, re-runs."""

from __future__ import annotations

import numpy as np
import pytest

from reviews.domain import consistency, scoring

CRITERIA = (scoring.Criterion(slug="overall", weight=1.0, minimum=0, maximum=10),)


def test_wilson_matches_the_published_interval() -> None:
    # 8 of 10 at 95 %: 0.490 to 0.943 (Wilson 1927; Newcombe 1998, table I).
    i = consistency.wilson(8, 10, level=0.95)
    assert i.estimate == 0.8
    assert i.low == pytest.approx(0.4902, abs=1e-4)
    assert i.high == pytest.approx(0.9433, abs=1e-4)


def test_the_90_percent_interval_covers_the_true_share_about_90_percent_of_the_time() -> None:
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(2000):
        n = 40
        k = int(rng.binomial(n, 0.75))
        i = consistency.wilson(k, n)
        covered += i.low <= 0.75 <= i.high
    assert 0.86 <= covered / 2000 <= 0.95


def test_each_pool_sees_every_review_but_the_other_pools_on_duplicated_proposals() -> None:
    reviews = [
        scoring.ReviewInput(proposal=p, reviewer=r, scores={"overall": 5.0})
        for p, r in (("D", "a1"), ("D", "b1"), ("X", "a1"), ("X", "b1"))
    ]

    a, b = consistency.split_reviews(reviews, duplicated={"D"}, pool_of=lambda r: int(r[0] == "b"))

    assert {(x.proposal, x.reviewer) for x in a} == {("D", "a1"), ("X", "a1"), ("X", "b1")}
    assert {(x.proposal, x.reviewer) for x in b} == {("D", "b1"), ("X", "a1"), ("X", "b1")}


def _fit(scores: dict[tuple[str, str], float], n: int) -> scoring.AggregateResult:
    return scoring.aggregate(
        criteria=CRITERIA,
        proposals=[scoring.ProposalInput(key=f"P{i}") for i in range(n)],
        reviews=[
            scoring.ReviewInput(proposal=p, reviewer=r, scores={"overall": s})
            for (p, r), s in scores.items()
        ],
        slots=2,
        required_reviews=1,
        samples=100,
    )


def test_pools_that_rank_alike_agree_and_pools_that_rank_opposite_do_not() -> None:
    n = 6
    alike = {(f"P{i}", f"R{j}"): float(i + 2) for i in range(n) for j in range(3)}
    reverse = {(f"P{i}", f"R{j}"): float(9 - i) for i in range(n) for j in range(3)}
    every = {f"P{i}" for i in range(n)}
    both = {p: frozenset({0, 1}) for p in every}

    same = consistency.report(
        fit_all=_fit(alike, n),
        fit_a=_fit(alike, n),
        fit_b=_fit(alike, n),
        duplicated=every,
        reviewed_by_pool=both,
        slots=2,
    )
    opposite = consistency.report(
        fit_all=_fit(alike, n),
        fit_a=_fit(alike, n),
        fit_b=_fit(reverse, n),
        duplicated=every,
        reviewed_by_pool=both,
        slots=2,
    )

    assert same.agreement is not None
    assert same.agreement.estimate == 1.0
    assert same.accepted_overlap == 1.0
    assert opposite.agreement is not None
    # Pool A accepts P4, P5 and pool B P0, P1: they agree only on P2 and P3 (both reject).
    assert opposite.agreement.estimate == pytest.approx(2 / 6)
    assert opposite.accepted_overlap == 0.0
    assert "agreed" in same.reading


def test_proposals_only_one_pool_reviewed_are_not_compared() -> None:
    n = 4
    scores = {(f"P{i}", "R0"): float(i) for i in range(n)}
    r = consistency.report(
        fit_all=_fit(scores, n),
        fit_a=_fit(scores, n),
        fit_b=_fit(scores, n),
        duplicated={"P0", "P1"},
        reviewed_by_pool={"P0": frozenset({0}), "P1": frozenset({0, 1})},
        slots=2,
    )
    assert r.compared == 1
    assert r.duplicated == 2


def test_a_certain_ranking_would_not_change_and_a_coin_flip_would_change_a_lot() -> None:
    calibrated = [9.0, 8.0, 7.0, 3.0, 2.0, 1.0]
    certain = consistency.rerun_change(
        calibrated=calibrated,
        low=[c - 0.01 for c in calibrated],
        high=[c + 0.01 for c in calibrated],
        slots=3,
    )
    blur = consistency.rerun_change(calibrated=[5.0] * 6, low=[0.0] * 6, high=[10.0] * 6, slots=3)
    assert certain is not None
    assert blur is not None
    assert certain.estimate == 0.0
    # Every proposal equally likely: a random 3 of 6 keeps 1.5 of today's 3 on average.
    assert blur.estimate == pytest.approx(0.5, abs=0.03)
    assert blur.low <= blur.estimate <= blur.high


def test_no_rerun_change_when_every_proposal_fits() -> None:
    assert consistency.rerun_change(calibrated=[1.0, 2.0], low=[0, 1], high=[2, 3], slots=2) is None


def test_the_scatter_puts_higher_scores_right_and_up() -> None:
    vs = [
        consistency.Verdict("P0", 2.0, 2.0, False, False),
        consistency.Verdict("P1", 8.0, 6.0, True, False),
    ]
    chart = consistency.scatter(vs, cut_a=5.0, cut_b=5.0)
    low, high = chart.dots
    assert high.x > low.x
    assert high.y < low.y  # SVG's y grows downwards
    assert chart.cut_x is not None
    assert low.x < chart.cut_x < high.x
    assert not high.agree
