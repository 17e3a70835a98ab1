"""Chart geometry for the chair's pages: bars and intervals as SVG attributes, computed in Python.

The site's Content Security Policy forbids ``style=""``, so every width and position a template
draws is computed here, on plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DayCount:
    day: dt.date
    count: int


@dataclass(frozen=True, slots=True)
class Bar:
    day: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class DayChart:
    """Counts per day as SVG bars (geometry computed here: CSP forbids inline styles)."""

    days: tuple[DayCount, ...]
    bars: tuple[Bar, ...]
    total: int
    peak: int
    width: int = 600
    height: int = 120

    @property
    def first(self) -> dt.date | None:
        return self.days[0].day if self.days else None

    @property
    def last(self) -> dt.date | None:
        return self.days[-1].day if self.days else None


def day_chart(by_day: Mapping[dt.date, int], *, width: int = 600, height: int = 120) -> DayChart:
    if not by_day:
        return DayChart(days=(), bars=(), total=0, peak=0, width=width, height=height)
    first, last = min(by_day), max(by_day)
    days = tuple(
        DayCount(day=d, count=by_day.get(d, 0))
        for d in (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    )
    peak = max(d.count for d in days)
    step = width / len(days)
    gap = min(2.0, step * 0.2)
    bars = tuple(
        Bar(
            day=d.day,
            count=d.count,
            x=round(i * step + gap / 2, 2),
            y=round(height - height * d.count / peak, 2),
            width=round(step - gap, 2),
            height=round(height * d.count / peak, 2),
        )
        for i, d in enumerate(days)
    )
    return DayChart(
        days=days, bars=bars, total=sum(by_day.values()), peak=peak, width=width, height=height
    )


# --- interval plot: each reviewer's leniency with its interval (issue 19) -------------------


@dataclass(frozen=True, slots=True)
class IntervalMark:
    """One row of an interval plot, as SVG attributes on a ``width`` x 12 box."""

    centre: float
    low: float
    high: float
    x_centre: float
    x_low: float
    bar_width: float
    # Whether the interval leaves out zero: the estimate differs from the reference line.
    clear: bool


@dataclass(frozen=True, slots=True)
class IntervalAxis:
    """A symmetric axis from -reach to +reach with zero in the middle."""

    reach: float
    width: int = 200

    @property
    def x_zero(self) -> float:
        return self.width / 2

    def x(self, value: float) -> float:
        clipped = max(-self.reach, min(self.reach, value))
        return round(self.width / 2 + clipped / self.reach * self.width / 2, 2)

    def mark(self, *, centre: float, low: float, high: float) -> IntervalMark:
        x_low, x_high = self.x(low), self.x(high)
        return IntervalMark(
            centre=centre,
            low=low,
            high=high,
            x_centre=self.x(centre),
            x_low=x_low,
            bar_width=max(1.0, round(x_high - x_low, 2)),
            clear=low > 0 or high < 0,
        )


_NICE_REACHES = (0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0, 20.0, 50.0)


def interval_axis(
    intervals: Sequence[tuple[float, float]], *, limit: float, width: int = 200
) -> IntervalAxis:
    """The smallest round reach that holds every interval, never past ``limit`` (the scale's
    width: a difference of scores cannot exceed it)."""
    widest = max((max(abs(lo), abs(hi)) for lo, hi in intervals), default=0.0)
    reach = next((r for r in _NICE_REACHES if r >= widest), widest)
    return IntervalAxis(reach=min(reach, limit) if limit > 0 else reach, width=width)
