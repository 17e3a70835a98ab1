"""The vocabulary of funnel reports: stages, units, dimensions, cells and gaps, and the published
report a snapshot stores (``PublishedReport``, read back with ``from_dict``).

Plain data; what a report means and how it is built is in ``funnel``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

NOT_ANSWERED = ""


class Stage(StrEnum):
    SUBMITTED = "submitted"
    ABOVE_CUT = "above_cut"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"


STAGES: tuple[Stage, ...] = tuple(Stage)


class GapKind(StrEnum):
    BELOW_TARGET = "below_target"
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class Unit:
    """One counted unit. `values` maps a dimension slug to an answer ("" or absent: not answered).

    `proposal` (public code) and `score_margin` (calibrated score minus the cut's score, None when
    unscored) are used only for programme attributes, to list proposals near the cut.
    """

    key: str
    stages: frozenset[Stage]
    values: Mapping[str, str]
    proposal: str = ""
    score_margin: float | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    """A question or attribute. `protected=True` for self-identification: suppression applies."""

    slug: str
    label: str
    values: tuple[str, ...]
    protected: bool

    @property
    def rows(self) -> tuple[str, ...]:
        """The answers in report order, "not answered" last."""
        return (*self.values, NOT_ANSWERED)


@dataclass(frozen=True, slots=True)
class Cell:
    """One answer in one stage. count and share are None when hidden; `range` is then the
    interval the published table allows (derivable by anyone, so safe to print)."""

    value: str
    stage: Stage
    count: int | None
    share: float | None
    range: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    dimension: str
    value: str
    kind: GapKind
    target: float | None
    submitted_share: float | None
    accepted_share: float | None
    p_value: float | None
    explanation: str
    near_cut: tuple[str, ...] = ()
    """Proposal codes of this group not accepted, closest to the cut first. Programme attributes
    only; always empty for self-identification."""


@dataclass(frozen=True, slots=True)
class DimensionReport:
    dimension: Dimension
    cells: tuple[Cell, ...]
    totals: Mapping[Stage, int]
    gaps: tuple[Gap, ...]
    held: bool = False
    """True when these are the previous snapshot's figures (fewer than k changes since)."""

    def cell(self, value: str, stage: Stage) -> Cell:
        for cell in self.cells:
            if cell.value == value and cell.stage == stage:
                return cell
        raise KeyError((value, stage))


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """A self-identification table as published: rows in order and the cells shown."""

    rows: tuple[str, ...]
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class PublishedReport:
    """What the next report must be consistent with. Holds no answer of anybody.

    `stage_sets` records which stages each unit key was in (chairs know this anyway); `tables`
    the published self-identification tables; `answered`, per question, the keys of the units
    that had answered it. The last is what the strict attacker of `suppression` is assumed to
    know; the audit of the next snapshot needs it to be as strong as that attacker. It says
    nothing about what anybody answered, but it is still about people: keep it with the
    self-identification data, never show it. Store with `as_dict`, read back with `from_dict`.
    """

    k: int
    stage_sets: Mapping[str, frozenset[Stage]]
    tables: Mapping[str, PublishedTable]
    answered: Mapping[str, frozenset[str]]

    def totals(self) -> dict[Stage, int]:
        return totals(self.stage_sets.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "stage_sets": {key: sorted(s.value for s in v) for key, v in self.stage_sets.items()},
            "tables": {
                slug: {
                    "rows": list(table.rows),
                    "cells": [
                        {
                            "value": c.value,
                            "stage": c.stage.value,
                            "count": c.count,
                            "share": c.share,
                            "range": list(c.range) if c.range is not None else None,
                        }
                        for c in table.cells
                    ],
                }
                for slug, table in self.tables.items()
            },
            "answered": {slug: sorted(keys) for slug, keys in self.answered.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublishedReport:
        return cls(
            k=int(data["k"]),
            stage_sets={
                str(key): frozenset(Stage(s) for s in stages)
                for key, stages in data["stage_sets"].items()
            },
            tables={
                str(slug): PublishedTable(
                    rows=tuple(str(r) for r in table["rows"]),
                    cells=tuple(
                        Cell(
                            value=str(c["value"]),
                            stage=Stage(c["stage"]),
                            count=None if c["count"] is None else int(c["count"]),
                            share=None if c["share"] is None else float(c["share"]),
                            range=None
                            if c["range"] is None
                            else (int(c["range"][0]), int(c["range"][1])),
                        )
                        for c in table["cells"]
                    ),
                )
                for slug, table in data["tables"].items()
            },
            # Snapshots stored before `answered` existed load without it; the audit then treats
            # the earlier answered status as unknown, which only the loose attacker matches.
            answered={
                str(slug): frozenset(str(key) for key in keys)
                for slug, keys in data.get("answered", {}).items()
            },
        )


@dataclass(frozen=True, slots=True)
class FunnelReport:
    dimensions: tuple[DimensionReport, ...]
    snapshot: PublishedReport
    held: bool = False
    """True when the self-identification tables are the previous snapshot's (see module doc)."""

    def dimension(self, slug: str) -> DimensionReport:
        for report in self.dimensions:
            if report.dimension.slug == slug:
                return report
        raise KeyError(slug)


def totals(stage_sets: Iterable[frozenset[Stage]]) -> dict[Stage, int]:
    """How many units are in each stage."""
    totals = dict.fromkeys(STAGES, 0)
    for stages in stage_sets:
        for stage in stages:
            totals[stage] += 1
    return totals


def share(count: int | None, total: int) -> float | None:
    """A count's share of its stage; None for a hidden count or an empty stage."""
    if count is None or total == 0:
        return None
    return count / total
