"""The gap test of the funnel report: did a group lose ground between submission and acceptance?

The accepted talks are a subset of the submitted ones. If the committee had chosen them without
looking at the group at all, the number of accepted talks from a group would follow the
hypergeometric distribution: draw `accepted` talks without replacement from `submitted`, of which
`group_submitted` belong to the group. The one-sided p-value is the chance of drawing *this few or
fewer* from the group. A small p-value means the drop is larger than blind selection plausibly
explains; it does not say why.

For self-identification dimensions the funnel hands us ranges instead of counts when a cell is
hidden. `worst_case_drop_p_value` then takes the reading of the hidden figures least favourable to
flagging a gap (most accepted, fewest submitted), so a flag never depends on a hidden count and is
never raised on a guess.

Pure Python with scipy; no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as scipy_stats

DEFAULT_CONFIDENCE = 0.90


@dataclass(frozen=True, slots=True)
class Span:
    """A count that is either known exactly (low == high) or only known to lie in [low, high]."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise ValueError(f"a count range needs 0 <= low <= high, got {self.low}..{self.high}")

    @classmethod
    def exact(cls, value: int) -> Span:
        return cls(low=value, high=value)

    @property
    def is_exact(self) -> bool:
        return self.low == self.high


def drop_p_value(
    *, submitted: int, group_submitted: int, accepted: int, group_accepted: int
) -> float:
    """P(X <= group_accepted) for X ~ Hypergeometric(submitted, group_submitted, accepted).

    Raises ValueError when the four counts cannot describe a subset (for instance more accepted
    from the group than the group submitted).
    """
    _check_counts(
        submitted=submitted,
        group_submitted=group_submitted,
        accepted=accepted,
        group_accepted=group_accepted,
    )
    # scipy's argument order is (k, M = population, n = successes in population, N = draws).
    return float(
        min(1.0, scipy_stats.hypergeom.cdf(group_accepted, submitted, group_submitted, accepted))
    )


def worst_case_drop_p_value(
    *, submitted: int, group_submitted: Span, accepted: int, group_accepted: Span
) -> float:
    """The largest p-value any reading of the ranges allows.

    The p-value grows with the accepted count and shrinks as the group's submissions grow, so the
    maximum sits at the most accepted and the fewest submitted that are still compatible (the
    group cannot have had more accepted than submitted). Ignoring any further coupling between
    the two ranges only makes the bound larger, i.e. more reluctant to flag.
    """
    high_accepted = min(group_accepted.high, accepted)
    low_submitted = max(group_submitted.low, high_accepted)
    low_submitted = min(low_submitted, submitted)
    high_accepted = min(high_accepted, low_submitted)
    return drop_p_value(
        submitted=submitted,
        group_submitted=low_submitted,
        accepted=accepted,
        group_accepted=high_accepted,
    )


def wilson_interval(
    *, successes: int, trials: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0.0, 1.0) when there are no trials."""
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    if trials == 0:
        return (0.0, 1.0)
    z = float(scipy_stats.norm.ppf(0.5 + confidence / 2.0))
    phat = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (phat + z * z / (2.0 * trials)) / denominator
    half = z * math.sqrt(phat * (1.0 - phat) / trials + z * z / (4.0 * trials * trials))
    half /= denominator
    # At 0 or all successes the bound is exactly 0 or 1; rounding must not push the share outside.
    low = 0.0 if successes == 0 else max(0.0, min(phat, centre - half))
    high = 1.0 if successes == trials else min(1.0, max(phat, centre + half))
    return (low, high)


def percent(share: float) -> str:
    """A share as a whole percentage for people ("20 %"); below 1 % but above 0 says "<1 %"."""
    if 0.0 < share < 0.005:
        return "<1 %"
    return f"{round(share * 100)} %"


def chance_in_words(p_value: float) -> str:
    """'about 2 times in 100' style wording for a probability."""
    if p_value >= 0.995:
        return "almost always"
    if p_value >= 0.01:
        return _times(max(1, round(p_value * 100)), "100")
    if p_value >= 0.001:
        return _times(max(1, round(p_value * 1000)), "1,000")
    return "less than once in 1,000"


def _times(count: int, out_of: str) -> str:
    return f"about once in {out_of}" if count == 1 else f"about {count} times in {out_of}"


def describe_drop(
    *,
    group: str,
    submitted: int,
    group_submitted: Span,
    accepted: int,
    group_accepted: Span,
    p_value: float,
    confidence: float = DEFAULT_CONFIDENCE,
) -> str:
    """One paragraph a chair can read aloud: the figures, the chance, the test's name.

    Ranges are described as ranges, so the sentence never states more than the report publishes.
    """
    sub_part = _count_phrase(group_submitted, submitted, "submissions")
    acc_part = _count_phrase(group_accepted, accepted, "accepted")
    exact = group_submitted.is_exact and group_accepted.is_exact
    sentence = (
        f"{sub_part} came from {group} but only {acc_part}"
        f"; if acceptance ignored this, a drop this large would happen "
        f"{chance_in_words(p_value)} (one-sided hypergeometric test, p = {p_value:.3g})."
    )
    if not exact:
        sentence += (
            " Some of these figures are hidden to protect small groups; the chance above uses the"
            " reading of the hidden figures that is kindest to the committee."
        )
    if group_accepted.is_exact and accepted > 0:
        low, high = wilson_interval(
            successes=group_accepted.low, trials=accepted, confidence=confidence
        )
        sentence += (
            f" With {round(confidence * 100)} % confidence, a committee working the same way would"
            f" accept between {percent(low)} and {percent(high)} of its talks from this group"
            " (Wilson interval)."
        )
    return sentence


def describe_below_target(*, group: str, accepted: int, group_accepted: Span, target: float) -> str:
    """Plain words for an accepted share under the chair's target."""
    return (
        f"The target is {percent(target)} of accepted from {group}; "
        f"{_count_phrase(group_accepted, accepted, 'accepted')} came from this group."
    )


def _count_phrase(count: Span, total: int, noun: str) -> str:
    if count.is_exact:
        share = count.low / total if total else 0.0
        return f"{count.low} of {total} {noun} ({percent(share)})"
    high_share = count.high / total if total else 0.0
    if count.low == 0:
        return f"at most {count.high} of {total} {noun} (at most {percent(high_share)})"
    low_share = count.low / total if total else 0.0
    return (
        f"between {count.low} and {count.high} of {total} {noun}"
        f" ({percent(low_share)} to {percent(high_share)})"
    )


def _check_counts(
    *, submitted: int, group_submitted: int, accepted: int, group_accepted: int
) -> None:
    if not (
        0 <= group_submitted <= submitted
        and 0 <= accepted <= submitted
        and 0 <= group_accepted <= min(group_submitted, accepted)
        and accepted - group_accepted <= submitted - group_submitted
    ):
        raise ValueError(
            "inconsistent counts: "
            f"{group_accepted} of {accepted} accepted from a group with {group_submitted} of "
            f"{submitted} submitted"
        )
