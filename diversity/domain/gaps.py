"""Gaps in a funnel: an accepted share below the chair's target, or a drop from submitted to
accepted larger than chance explains; for programme attributes, the group's proposals nearest the
cut. Computed from the published cells only: a hidden count enters as its published interval.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

from diversity.domain import stats
from diversity.domain.figures import Cell, Dimension, Gap, GapKind, Stage, Unit, share


def find_gaps(
    *,
    dimension: Dimension,
    cells: Sequence[Cell],
    totals: Mapping[Stage, int],
    targets: Mapping[tuple[str, str], float],
    alpha: float,
    near: Callable[[str], tuple[str, ...]],
) -> tuple[Gap, ...]:
    """Gaps from the published cells only: a hidden count enters as its published interval."""
    by_key = {(c.value, c.stage): c for c in cells}
    submitted = totals.get(Stage.SUBMITTED, 0)
    accepted = totals.get(Stage.ACCEPTED, 0)
    gaps: list[Gap] = []
    if accepted == 0 or submitted == 0:
        return ()
    for value in dimension.values:
        sub_cell = by_key.get((value, Stage.SUBMITTED))
        acc_cell = by_key.get((value, Stage.ACCEPTED))
        if sub_cell is None or acc_cell is None:
            continue
        group_submitted = _span(sub_cell, submitted)
        group_accepted = _span(acc_cell, accepted)
        sub_share = share(sub_cell.count, submitted)
        acc_share = share(acc_cell.count, accepted)
        # Plain concatenation: a chair's label may contain braces, never a format string.
        group = "“" + dimension.label + ": " + value + "”"
        target = targets.get((dimension.slug, value))
        # Both kinds of gap describe the same group; only the finding differs.
        found = functools.partial(
            Gap,
            dimension=dimension.slug,
            value=value,
            target=target,
            submitted_share=sub_share,
            accepted_share=acc_share,
        )
        if target is not None and group_accepted.high / accepted < target:
            gaps.append(
                found(
                    kind=GapKind.BELOW_TARGET,
                    p_value=None,
                    explanation=stats.describe_below_target(
                        group=group, accepted=accepted, group_accepted=group_accepted, target=target
                    ),
                    near_cut=near(value),
                )
            )
        p_value = stats.worst_case_drop_p_value(
            submitted=submitted,
            group_submitted=group_submitted,
            accepted=accepted,
            group_accepted=group_accepted,
        )
        if p_value < alpha:
            gaps.append(
                found(
                    kind=GapKind.DROP,
                    p_value=p_value,
                    explanation=stats.describe_drop(
                        group=group,
                        submitted=submitted,
                        group_submitted=group_submitted,
                        accepted=accepted,
                        group_accepted=group_accepted,
                        p_value=p_value,
                    ),
                    near_cut=near(value),
                )
            )
    return tuple(gaps)


def nobody(value: str) -> tuple[str, ...]:
    """Self-identification gaps never list proposals."""
    return ()


class NearCut:
    """Proposals of a group, not accepted, best calibrated score first; computed on demand."""

    def __init__(self, *, dimension: Dimension, units: Sequence[Unit], limit: int) -> None:
        self.slug = dimension.slug
        self.units = units
        self.limit = limit

    def __call__(self, value: str) -> tuple[str, ...]:
        margins: dict[str, float] = {}
        for unit in self.units:
            if (
                unit.values.get(self.slug) != value
                or unit.score_margin is None
                or not unit.proposal
                or Stage.ACCEPTED in unit.stages
            ):
                continue
            margins[unit.proposal] = max(
                margins.get(unit.proposal, unit.score_margin), unit.score_margin
            )
        ranked = sorted(margins.items(), key=lambda item: (-item[1], item[0]))
        return tuple(code for code, _ in ranked[: self.limit])


def _span(cell: Cell, total: int) -> stats.Span:
    if cell.count is not None:
        return stats.Span.exact(cell.count)
    if cell.range is not None:
        return stats.Span(low=cell.range[0], high=cell.range[1])
    return stats.Span(low=0, high=total)
