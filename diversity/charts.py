"""How published figures are drawn and written for people: SVG bar-chart geometry and percentages.

No database and no report rows: the caller passes labels and shares, and gets frozen dataclasses
the template turns into ``<rect>``, ``<line>`` and ``<text>`` elements. Not in ``domain`` because
the chart's words are translated (Django's gettext); nothing here reads a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

BAR_AREA = 360
BAR_HEIGHT = 12
BAR_GAP = 3
ROW_LABEL = 18
ROW_GAP = 10
CHART_WIDTH = 440


def percent(share: float) -> str:
    """A share for people: whole percent, with one decimal below 10 % ("2.5 %")."""
    value = share * 100
    if 0 < value < 10 and round(value, 1) != round(value):
        return f"{value:.1f} %"
    return f"{round(value)} %"


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    y1: float
    y2: float
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    texts: tuple[Text, ...]
    marks: tuple[Mark, ...]
    description: str


@dataclass(frozen=True, slots=True)
class Series:
    """One bar per row: a funnel stage (its CSS suffix) and its name for people."""

    stage: str
    name: str


@dataclass(frozen=True, slots=True)
class ChartRow:
    label: str
    shares: tuple[float | None, ...]
    """One per series; None for a hidden cell."""
    target: float | None = None


def bar_chart(
    *, label: str, series: Sequence[Series], rows: Sequence[ChartRow], show_targets: bool
) -> Chart:
    """Horizontal bars per answer: one per series, a tick at the target when ``show_targets``."""
    shares = [s for r in rows for s in r.shares if s is not None]
    shares += [r.target for r in rows if r.target is not None]
    top = max(shares, default=0.0)
    scale = min(1.0, max(0.1, math.ceil(top * 10.5) / 10))
    bars: list[Bar] = []
    texts: list[Text] = []
    marks: list[Mark] = []
    y = 22.0
    texts.append(Text(x=0, y=12, text="0 %"))
    texts.append(Text(x=BAR_AREA, y=12, text=percent(scale), anchor="end"))
    for row in rows:
        texts.append(Text(x=0, y=y + 12, text=row.label))
        y += ROW_LABEL
        top_y = y
        for one, share in zip(series, row.shares, strict=True):
            if share is not None:
                width = BAR_AREA * min(share, scale) / scale
                bars.append(
                    Bar(
                        x=0,
                        y=y,
                        width=round(width, 1),
                        height=BAR_HEIGHT,
                        css=f"funnel-bar-{one.stage}",
                        title=f"{row.label}, {one.name}: {percent(share)}",
                    )
                )
                texts.append(Text(x=round(width + 4, 1), y=y + 10, text=percent(share)))
            else:
                texts.append(Text(x=4, y=y + 10, text=_("hidden")))
            y += BAR_HEIGHT + BAR_GAP
        if row.target is not None and show_targets:
            x = round(BAR_AREA * min(row.target, scale) / scale, 1)
            marks.append(
                Mark(
                    x=x,
                    y1=top_y - 2,
                    y2=y,
                    title=_("%(group)s, target: %(share)s")
                    % {"group": row.label, "share": percent(row.target)},
                )
            )
        y += ROW_GAP
    description = _(
        "Bar chart of %(dimension)s: the share of each answer at each stage; the table next to "
        "it gives the same figures."
    ) % {"dimension": label}
    return Chart(
        width=CHART_WIDTH,
        height=int(y),
        bars=tuple(bars),
        texts=tuple(texts),
        marks=tuple(marks),
        description=description,
    )
