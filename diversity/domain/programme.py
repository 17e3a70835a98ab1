"""How a call's proposals become funnel units: stages from rank and decision, the cut, which
proposals are near it, and free-text regions folded into a few groups.

Plain Python: the caller reads ranks, scores, decisions and regions and passes them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence, Set

from diversity.domain.funnel import Stage

NEAR_CUT_P = (0.2, 0.8)
"""A chance of being in the slots in this range counts as near the cut."""
REGION_LIMIT = 12
OTHER_REGION = "other"


def proposal_stages(
    *, rank: int | None, slots: int, accepted: bool, waitlisted: bool
) -> frozenset[Stage]:
    """The stages a submitted proposal reached: above the cut by rank, then the decision."""
    stages = {Stage.SUBMITTED}
    if rank is not None and rank <= slots:
        stages.add(Stage.ABOVE_CUT)
    if accepted:
        stages.add(Stage.ACCEPTED)
    elif waitlisted:
        stages.add(Stage.WAITLISTED)
    return frozenset(stages)


def person_stages(stages: Set[Stage]) -> frozenset[Stage]:
    """A person's stages over their proposals: one talk accepted and another waitlisted counts as
    accepted."""
    if Stage.ACCEPTED in stages:
        stages = stages - {Stage.WAITLISTED}
    return frozenset(stages)


def cut_score(
    ranked: Sequence[tuple[int | None, float | None, float | None]], *, slots: int
) -> float | None:
    """The calibrated score at the cut: that of the last proposal within the slots (or of the
    first, when none is). ``ranked``: (rank, chance in slots, calibrated score), ranked ones only,
    in rank order."""
    if not ranked:
        return None
    at_cut = [s for s in ranked if s[0] is not None and s[0] <= slots]
    return (at_cut[-1] if at_cut else ranked[0])[2]


def near_cut_window(slots: int) -> int:
    """How many places below the cut still count as near it: a tenth of the slots, at least 3."""
    return max(3, slots // 10)


def near_cut_margin(
    *,
    rank: int | None,
    p_in_slots: float | None,
    calibrated: float | None,
    cut: float | None,
    slots: int,
    window: int,
) -> float | None:
    """Calibrated score minus the cut's, for proposals near the cut; None for the others.

    Near: a chance of 20–80 % of being in the slots, or ranked just below the cut (within
    ``window`` places).
    """
    if calibrated is None or cut is None or rank is None:
        return None
    chancy = p_in_slots is not None and NEAR_CUT_P[0] <= p_in_slots <= NEAR_CUT_P[1]
    just_below = slots < rank <= slots + window
    return calibrated - cut if chancy or just_below else None


def fold(text: str) -> str:
    """A free-text region as compared: spaces collapsed, case folded."""
    return " ".join(text.split()).casefold()


def fold_regions(raw: Iterable[str], *, other_label: str) -> tuple[dict[str, str], dict[str, str]]:
    """Free-text regions folded together: the most frequent keep their name, the rest are "other".

    Returns (value -> label for the dimension, folded text -> value).
    """
    counts: Counter[str] = Counter()
    first_label: dict[str, str] = {}
    for text in raw:
        folded = fold(text)
        if not folded:
            continue
        counts[folded] += 1
        first_label.setdefault(folded, " ".join(text.split()))
    kept = [value for value, _n in counts.most_common(REGION_LIMIT)]
    values = {value: first_label[value] for value in sorted(kept)}
    mapping = {value: value for value in kept}
    if len(counts) > len(kept):
        for value in counts:
            mapping.setdefault(value, OTHER_REGION)
        values[OTHER_REGION] = other_label
    return values, mapping
