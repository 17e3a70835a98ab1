"""The gap test: hypergeometric p-values against hand sums, Wilson intervals, plain words."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diversity.domain import stats


def hand_p_value(
    *, submitted: int, group_submitted: int, accepted: int, group_accepted: int
) -> float:
    """P(X <= x) by summing C(K, i) C(N - K, n - i) / C(N, n) over i = 0..x, in exact integers."""
    favourable = sum(
        math.comb(group_submitted, i) * math.comb(submitted - group_submitted, accepted - i)
        for i in range(group_accepted + 1)
    )
    return favourable / math.comb(submitted, accepted)


@pytest.mark.parametrize(
    ("submitted", "group_submitted", "accepted", "group_accepted", "expected"),
    [
        (10, 5, 4, 0, 5 / 210),  # C(5,4) ways to draw four from the other five, of C(10,4) = 210
        (10, 5, 4, 1, 55 / 210),  # plus C(5,1) C(5,3) = 50
        (10, 5, 4, 4, 1.0),
        (60, 12, 24, 1, None),
        (300, 40, 60, 3, None),
    ],
)
def test_drop_p_value_matches_the_hand_computed_hypergeometric_tail(
    submitted: int, group_submitted: int, accepted: int, group_accepted: int, expected: float | None
) -> None:
    want = expected
    if want is None:
        want = hand_p_value(
            submitted=submitted,
            group_submitted=group_submitted,
            accepted=accepted,
            group_accepted=group_accepted,
        )

    got = stats.drop_p_value(
        submitted=submitted,
        group_submitted=group_submitted,
        accepted=accepted,
        group_accepted=group_accepted,
    )

    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize(
    ("submitted", "group_submitted", "accepted", "group_accepted"),
    [(10, 5, 4, 5), (10, 11, 4, 0), (10, 5, 11, 0), (10, 2, 9, 0), (10, 5, 4, -1)],
)
def test_drop_p_value_refuses_counts_that_cannot_describe_a_subset(
    submitted: int, group_submitted: int, accepted: int, group_accepted: int
) -> None:
    with pytest.raises(ValueError, match="inconsistent counts"):
        stats.drop_p_value(
            submitted=submitted,
            group_submitted=group_submitted,
            accepted=accepted,
            group_accepted=group_accepted,
        )


@st.composite
def boxes(draw: st.DrawFn) -> tuple[int, int, stats.Span, stats.Span, int, int]:
    submitted = draw(st.integers(1, 40))
    accepted = draw(st.integers(0, submitted))
    group_submitted = draw(st.integers(0, submitted))
    low_g = max(0, accepted - (submitted - group_submitted))
    group_accepted = draw(st.integers(low_g, min(group_submitted, accepted)))
    sub_span = stats.Span(
        low=draw(st.integers(0, group_submitted)),
        high=draw(st.integers(group_submitted, submitted)),
    )
    acc_span = stats.Span(
        low=draw(st.integers(0, group_accepted)), high=draw(st.integers(group_accepted, accepted))
    )
    return submitted, accepted, sub_span, acc_span, group_submitted, group_accepted


@settings(max_examples=150, deadline=None)
@given(boxes())
def test_worst_case_p_value_is_at_least_the_p_value_of_every_reading_of_the_ranges(
    box: tuple[int, int, stats.Span, stats.Span, int, int],
) -> None:
    submitted, accepted, sub_span, acc_span, _, _ = box
    readings = [
        hand_p_value(submitted=submitted, group_submitted=g, accepted=accepted, group_accepted=x)
        for g in range(sub_span.low, sub_span.high + 1)
        for x in range(acc_span.low, acc_span.high + 1)
        if x <= g and accepted - x <= submitted - g
    ]

    worst = stats.worst_case_drop_p_value(
        submitted=submitted, group_submitted=sub_span, accepted=accepted, group_accepted=acc_span
    )

    assert worst >= max(readings) - 1e-12


def test_worst_case_p_value_of_exact_counts_is_the_plain_p_value() -> None:
    worst = stats.worst_case_drop_p_value(
        submitted=60,
        group_submitted=stats.Span.exact(12),
        accepted=24,
        group_accepted=stats.Span.exact(1),
    )

    assert worst == pytest.approx(
        hand_p_value(submitted=60, group_submitted=12, accepted=24, group_accepted=1)
    )


@pytest.mark.parametrize(
    ("successes", "trials", "confidence", "low", "high"),
    [
        # Published reference values (Newcombe 1998, table I; Agresti & Coull 1998).
        (81, 263, 0.95, 0.2553, 0.3662),
        (15, 148, 0.95, 0.0624, 0.1605),
        (0, 20, 0.95, 0.0, 0.1611),
        (1, 29, 0.95, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_published_values(
    successes: int, trials: int, confidence: float, low: float, high: float
) -> None:
    got = stats.wilson_interval(successes=successes, trials=trials, confidence=confidence)

    assert got == pytest.approx((low, high), abs=6e-4)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_ninety_percent_wilson_interval_holds_the_share_inside_the_ninety_five_percent_one(
    counts: tuple[int, int],
) -> None:
    successes, trials = counts

    low90, high90 = stats.wilson_interval(successes=successes, trials=trials)
    low95, high95 = stats.wilson_interval(successes=successes, trials=trials, confidence=0.95)

    assert low95 - 1e-12 <= low90 <= successes / trials <= high90 <= high95 + 1e-12


def test_wilson_interval_without_trials_is_everything() -> None:
    assert stats.wilson_interval(successes=0, trials=0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("p_value", "words"),
    [
        (0.02, "about 2 times in 100"),
        (0.011, "about once in 100"),
        (0.004, "about 4 times in 1,000"),
        (0.0004, "less than once in 1,000"),
        (0.5, "about 50 times in 100"),
    ],
)
def test_chance_is_said_in_times_out_of_a_hundred_or_a_thousand(p_value: float, words: str) -> None:
    assert stats.chance_in_words(p_value) == words


def test_drop_explanation_gives_the_figures_the_chance_and_the_name_of_the_test() -> None:
    p_value = stats.drop_p_value(submitted=60, group_submitted=12, accepted=24, group_accepted=1)

    text = stats.describe_drop(
        group="first-time speakers",
        submitted=60,
        group_submitted=stats.Span.exact(12),
        accepted=24,
        group_accepted=stats.Span.exact(1),
        p_value=p_value,
    )

    assert text.startswith(
        "12 of 60 submissions (20 %) came from first-time speakers but only 1 of 24 accepted (4 %)"
    )
    assert "about once in 100" in text
    assert "hypergeometric test" in text
    assert "90 % confidence" in text


def test_drop_explanation_with_a_hidden_count_states_only_the_range() -> None:
    text = stats.describe_drop(
        group="“Gender: non-binary”",
        submitted=300,
        group_submitted=stats.Span(low=0, high=9),
        accepted=60,
        group_accepted=stats.Span(low=0, high=4),
        p_value=0.2,
    )

    assert "at most 9 of 300 submissions" in text
    assert "at most 4 of 60 accepted" in text
    assert "hidden to protect small groups" in text
    assert "Wilson" not in text
