"""Chart geometry for the chair's pages: bars as SVG attributes, computed in Python.

The site's Content Security Policy forbids ``style=""``, so every width and position a template
draws is computed here, on plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
