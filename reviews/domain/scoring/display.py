"""Scores as people read them: the internal 0..10 review score mapped back to the criteria's scale.

The model works on one common 0..10 scale (``criteria.review_score``), but a committee that scores
1–5 thinks in 1–5: "7.92" means nothing to them. Every page, chart and human export column maps
a stored number through :func:`display_scale` and its methods; nothing else does the arithmetic.

* When every criterion shares one scale (the usual case), the display scale is that scale and a
  review score maps back exactly to the weighted mean of the criteria scores:
  ``min + (max - min) * y / 10``.
* When criteria have different scales there is no single "own" scale; the display scale is the
  internal 0..10 and pages say so (``shared`` is False).

Points (scores, interval ends) are clipped to the scale: a 90 % interval computed on the normal
approximation can run past the ends, and a 1–5 call must never show 5.3. Differences (spread,
standard deviation, a reviewer's leniency) only change unit, and leniency intervals are clipped to
the widest difference the scale allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviews.domain.scoring.criteria import SCALE, Criterion


@dataclass(frozen=True, slots=True)
class DisplayScale:
    """The scale numbers are shown on: ``low``..``high`` (criteria's own when ``shared``)."""

    low: float
    high: float
    shared: bool

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def label(self) -> str:
        """ "1–5", the scale as a column header shows it."""
        return f"{_plain(self.low)}–{_plain(self.high)}"

    def point(self, internal: float | None) -> float | None:
        """A score (mean, calibrated, interval end) on this scale, clipped to its ends."""
        if internal is None:
            return None
        value = self.low + self.width * internal / SCALE
        return min(self.high, max(self.low, value))

    def interval(self, low: float | None, high: float | None) -> tuple[float | None, float | None]:
        """An interval's ends on this scale; both clipped, so it never runs past the scale."""
        return self.point(low), self.point(high)

    def difference(self, internal: float | None) -> float | None:
        """A difference of scores (spread, std, leniency) in this scale's units, clipped to
        the widest difference the scale allows."""
        if internal is None:
            return None
        value = self.width * internal / SCALE
        return min(self.width, max(-self.width, value))

    def internal(self, shown: float) -> float:
        """A number typed on this scale (a filter bound) back on the internal 0..10."""
        return (shown - self.low) * SCALE / self.width

    def fraction(self, shown: float | None) -> float:
        """Where a shown score sits between the ends, 0..1: what charts draw."""
        if shown is None:
            return 0.0
        return min(1.0, max(0.0, (shown - self.low) / self.width))


INTERNAL = DisplayScale(low=0.0, high=SCALE, shared=False)


def display_scale(criteria: Sequence[Criterion]) -> DisplayScale:
    """The criteria's own scale when they all share one, else the internal 0..10."""
    ends = {(c.minimum, c.maximum) for c in criteria}
    if len(ends) == 1:
        ((low, high),) = ends
        if high > low:
            return DisplayScale(low=float(low), high=float(high), shared=True)
    return INTERNAL


def scale_from_ends(
    *, min_low: float | None, max_low: float | None, min_high: float | None, max_high: float | None
) -> DisplayScale:
    """The same rule from the four extremes a query aggregates (no criteria rows needed):
    the criteria share a scale exactly when the lowest and highest minimum agree, and the
    lowest and highest maximum agree."""
    if min_low is None or max_low is None or min_high is None or max_high is None:
        return INTERNAL
    if min_low == max_low and min_high == max_high and min_high > min_low:
        return DisplayScale(low=float(min_low), high=float(min_high), shared=True)
    return INTERNAL


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
