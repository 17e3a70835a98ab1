"""Scores on the criteria's own scale (issue 19): one mapping, intervals never past the ends."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.domain import scoring
from reviews.domain.scoring import display


@st.composite
def shared_scale_criteria(draw: st.DrawFn) -> list[scoring.Criterion]:
    low = draw(st.integers(min_value=-5, max_value=5))
    high = low + draw(st.integers(min_value=1, max_value=20))
    n = draw(st.integers(min_value=1, max_value=5))
    weights = draw(st.lists(st.floats(0.05, 10.0), min_size=n, max_size=n))
    return [
        scoring.Criterion(slug=f"c{i}", weight=w, minimum=low, maximum=high)
        for i, w in enumerate(weights)
    ]


@given(criteria=shared_scale_criteria(), data=st.data())
def test_a_review_score_reads_as_the_weighted_mean_of_its_scores_on_their_scale(
    criteria: list[scoring.Criterion], data: st.DataObject
) -> None:
    low, high = int(criteria[0].minimum), int(criteria[0].maximum)
    scores = {c.slug: data.draw(st.integers(low, high)) for c in criteria}
    internal = scoring.review_score(scores=scores, criteria=criteria)

    shown = scoring.display_scale(criteria).point(internal)

    total = sum(c.weight for c in criteria)
    expected = sum(c.weight * scores[c.slug] for c in criteria) / total
    assert shown == pytest.approx(expected, abs=1e-9)


def test_a_one_to_five_call_shows_one_to_five_not_the_hidden_zero_to_ten() -> None:
    criteria = [scoring.Criterion(slug="relevance", weight=1, minimum=1, maximum=5)]
    scale = scoring.display_scale(criteria)

    assert (scale.low, scale.high, scale.shared, scale.label) == (1.0, 5.0, True, "1–5")
    assert scale.point(7.92) == pytest.approx(4.168)
    assert scale.point(0.0) == 1.0
    assert scale.point(10.0) == 5.0


def test_criteria_on_different_scales_stay_on_the_internal_scale_and_say_so() -> None:
    criteria = [
        scoring.Criterion(slug="relevance", weight=1, minimum=1, maximum=5),
        scoring.Criterion(slug="overall", weight=1, minimum=0, maximum=10),
    ]
    scale = scoring.display_scale(criteria)

    assert (scale.low, scale.high, scale.shared) == (0.0, 10.0, False)


@given(
    min_low=st.integers(-3, 3),
    max_low=st.integers(-3, 3),
    min_high=st.integers(4, 12),
    max_high=st.integers(4, 12),
)
def test_the_scale_from_aggregated_ends_agrees_with_the_scale_from_criteria(
    min_low: int, max_low: int, min_high: int, max_high: int
) -> None:
    lows = sorted({min_low, max_low})
    highs = sorted({min_high, max_high})
    criteria = [
        scoring.Criterion(slug=f"lo{i}", weight=1, minimum=lo, maximum=highs[0])
        for i, lo in enumerate(lows)
    ] + [
        scoring.Criterion(slug=f"hi{i}", weight=1, minimum=lows[0], maximum=hi)
        for i, hi in enumerate(highs)
    ]

    from_ends = display.scale_from_ends(
        min_low=lows[0], max_low=lows[-1], min_high=highs[0], max_high=highs[-1]
    )

    assert from_ends == scoring.display_scale(criteria)


def test_a_call_without_criteria_reads_on_the_internal_scale() -> None:
    assert display.scale_from_ends(min_low=None, max_low=None, min_high=None, max_high=None) == (
        display.INTERNAL
    )


@given(
    criteria=shared_scale_criteria(),
    low=st.floats(-50, 50, allow_nan=False),
    width=st.floats(0, 80, allow_nan=False),
)
def test_an_interval_never_runs_past_the_scale_and_keeps_its_order(
    criteria: list[scoring.Criterion], low: float, width: float
) -> None:
    scale = scoring.display_scale(criteria)

    shown_low, shown_high = scale.interval(low, low + width)

    assert shown_low is not None
    assert shown_high is not None
    assert scale.low <= shown_low <= shown_high <= scale.high
    assert 0.0 <= scale.fraction(shown_low) <= scale.fraction(shown_high) <= 1.0


@given(criteria=shared_scale_criteria(), delta=st.floats(-100, 100, allow_nan=False))
def test_a_difference_changes_unit_only_and_never_exceeds_the_scale_width(
    criteria: list[scoring.Criterion], delta: float
) -> None:
    scale = scoring.display_scale(criteria)

    shown = scale.difference(delta)

    assert shown is not None
    assert abs(shown) <= scale.width
    if abs(delta) <= scoring.SCALE:
        assert shown == pytest.approx(delta * scale.width / scoring.SCALE)


@settings(max_examples=25, deadline=None)
@given(criteria=shared_scale_criteria(), data=st.data())
def test_every_aggregated_number_reads_within_the_scale(
    criteria: list[scoring.Criterion], data: st.DataObject
) -> None:
    low, high = int(criteria[0].minimum), int(criteria[0].maximum)
    proposals = [scoring.ProposalInput(key=f"p{i}") for i in range(4)]
    reviews = [
        scoring.ReviewInput(
            proposal=p.key,
            reviewer=f"r{j}",
            # Extreme scores on few reviews: the normal interval runs past the ends internally.
            scores={c.slug: data.draw(st.sampled_from([low, high])) for c in criteria},
            confidence=data.draw(st.integers(1, 5)),
        )
        for p in proposals
        for j in range(data.draw(st.integers(1, 3)))
    ]
    result = scoring.aggregate(
        criteria=criteria,
        proposals=proposals,
        reviews=reviews,
        slots=2,
        required_reviews=2,
        samples=0,
    )
    scale = scoring.display_scale(criteria)

    for row in result.proposals:
        shown = [scale.point(row.calibrated), *scale.interval(row.low, row.high)]
        assert all(v is not None and scale.low <= v <= scale.high for v in shown)
    for reviewer in result.reviewers:
        ends = (scale.difference(reviewer.offset_low), scale.difference(reviewer.offset_high))
        assert all(v is not None and math.isfinite(v) and abs(v) <= scale.width for v in ends)
