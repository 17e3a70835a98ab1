"""Small-cell protection: hand cases, and Hypothesis properties checked by an independent attacker.

The attacker below shares no code with `diversity.domain.suppression`. It models every unit
separately (one unknown per unit and answer, between 0 and 1, summing to 1 per unit), knows each
unit's stages in each snapshot, who changed an answer (and, where the test says so, in which
direction, or everybody's answered / not answered status), writes down every published cell of
every report as an equality, and asks `linprog` for the smallest and largest value of each hidden
cell. Any linear combination of published figures is implied by those
equalities, so if the LP cannot pin a cell, no linear combination can.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from diversity.domain import funnel, suppression
from diversity.domain.funnel import Stage

S, C, A, W = Stage.SUBMITTED, Stage.ABOVE_CUT, Stage.ACCEPTED, Stage.WAITLISTED
STAGE_SETS = [
    frozenset({S}),
    frozenset({S, C}),
    frozenset({S, A}),
    frozenset({S, C, A}),
    frozenset({S, W}),
    frozenset({S, C, W}),
]
GENDER = funnel.Dimension(
    slug="gender",
    label="Gender",
    values=("woman", "man", "non-binary", "prefer-not"),
    protected=True,
)
URG = funnel.Dimension(
    slug="urg", label="Under-represented group", values=("yes", "no"), protected=True
)
FIRST_TIME = funnel.Dimension(
    slug="first_time", label="First-time speaker", values=("yes", "no"), protected=False
)
DIMENSIONS = (GENDER, URG, FIRST_TIME)
PROTECTED = (GENDER, URG)
TOLERANCE = 1e-6
# Each attacker example solves two LPs per hidden cell. The defaults keep this file near 20 s on
# two cores; DIVERSITY_PROPERTY_SCALE=20 (say) runs a thorough search before a release.
SCALE = max(1, int(os.environ.get("DIVERSITY_PROPERTY_SCALE", "1")))
QUICK = settings(max_examples=25 * SCALE, deadline=None, derandomize=SCALE == 1)
SLOW = settings(
    max_examples=10 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=SCALE == 1,
)


# --- hand cases on protect_table --------------------------------------------------------------


def one_column(counts: Mapping[str, int], *, k: int = 10) -> suppression.Protection:
    rows = tuple(counts)
    return suppression.protect_table(
        rows=rows,
        columns=("s",),
        counts={(row, "s"): n for row, n in counts.items()},
        flows=(
            suppression.Flow(
                before=None,
                after=frozenset({"s"}),
                answers_changed=False,
                size=sum(counts.values()),
            ),
        ),
        k=k,
        preferred_complements=frozenset({""}),
    )


def test_a_single_small_cell_gets_the_smallest_partner_in_its_column() -> None:
    protection = one_column({"a": 3, "b": 40, "c": 50})

    assert protection.hidden == {("a", "s"), ("b", "s")}
    assert protection.ranges == {("a", "s"): (0, 43), ("b", "s"): (0, 43)}


def test_not_answered_is_the_preferred_partner() -> None:
    protection = one_column({"a": 3, "b": 40, "": 60})

    assert protection.hidden == {("a", "s"), ("", "s")}


def test_zeros_and_large_counts_are_published() -> None:
    protection = one_column({"a": 0, "b": 40, "c": 50})

    assert protection.hidden == frozenset()


def test_two_small_cells_that_add_up_to_k_protect_each_other() -> None:
    protection = one_column({"a": 4, "b": 6, "c": 50})

    assert protection.hidden == {("a", "s"), ("b", "s")}
    assert protection.ranges[("a", "s")] == (0, 10)


def test_in_a_stage_smaller_than_k_a_hidden_cell_could_be_anything_up_to_the_total() -> None:
    protection = one_column({"a": 2, "b": 1, "c": 0})

    assert protection.hidden == {("a", "s"), ("b", "s")}
    assert protection.ranges == {("a", "s"): (0, 3), ("b", "s"): (0, 3)}


def test_a_lone_group_filling_a_small_stage_is_hidden_with_a_zero_partner() -> None:
    protection = one_column({"a": 3, "b": 0, "c": 0})

    assert ("a", "s") in protection.hidden
    assert len(protection.hidden) == 2
    assert protection.ranges[("a", "s")] == (0, 3)


def test_a_hidden_accepted_count_cannot_be_read_off_the_submitted_and_rejected_figures() -> None:
    # Two stage sets: rejected ({s}) and accepted ({s, a}). Publishing "a" in both columns except
    # the small accepted cell would pin it through the column total; the audit must see that.
    counts = {("x", "s"): 30, ("x", "a"): 3, ("y", "s"): 40, ("y", "a"): 20}
    flows = (
        suppression.Flow(before=None, after=frozenset({"s"}), answers_changed=False, size=47),
        suppression.Flow(before=None, after=frozenset({"s", "a"}), answers_changed=False, size=23),
    )

    protection = suppression.protect_table(
        rows=("x", "y"), columns=("s", "a"), counts=counts, flows=flows, k=10
    )

    assert ("x", "a") in protection.hidden
    low, high = protection.ranges[("x", "a")]
    assert high - low >= 10


@pytest.mark.parametrize("k", [-1, 0, 1, 4])
def test_k_below_five_is_refused_with_a_reason(k: int) -> None:
    with pytest.raises(ValueError, match="lowered to 5 but no further"):
        one_column({"a": 3, "b": 40}, k=k)


def test_counts_that_do_not_add_up_to_the_stage_totals_are_refused() -> None:
    with pytest.raises(ValueError, match="do not add up"):
        suppression.protect_table(
            rows=("a",),
            columns=("s",),
            counts={("a", "s"): 5},
            flows=(
                suppression.Flow(
                    before=None, after=frozenset({"s"}), answers_changed=False, size=6
                ),
            ),
            k=5,
        )


def test_an_undeclared_change_against_the_previous_snapshot_is_refused() -> None:
    stages = frozenset({"s"})
    previous = suppression.PreviousTable(rows=("a", "b"), cells={("a", "s"): 20, ("b", "s"): 30})

    with pytest.raises(suppression.InconsistentSnapshot, match="declare every unit"):
        suppression.protect_table(
            rows=("a", "b"),
            columns=("s",),
            counts={("a", "s"): 19, ("b", "s"): 31},
            flows=(suppression.Flow(before=stages, after=stages, answers_changed=False, size=50),),
            k=10,
            previous=previous,
        )


# --- the independent attacker ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Knowledge:
    """What the attacker knows about the change between snapshot 0 and snapshot 1, per question."""

    changed: Mapping[str, frozenset[str]]  # slug -> keys whose answer changed
    answered_now: Mapping[tuple[str, str], bool]  # (slug, key) -> answers now (changed keys only)
    answered_before: Mapping[tuple[str, str], bool] = dataclasses.field(default_factory=dict)


def attack(
    *,
    dimension: funnel.Dimension,
    populations: Sequence[Sequence[funnel.Unit]],
    reports: Sequence[tuple[int, funnel.DimensionReport]],
    knowledge: Knowledge | None = None,
    knows_who_answered: bool = False,
) -> dict[tuple[int, str, Stage], tuple[float, float]]:
    """Feasible interval of every hidden cell of `reports` ((snapshot index, report) pairs).

    With `knows_who_answered` the attacker also knows, for every unit in every snapshot, whether
    it answered this question (not what it answered).
    """
    rows = dimension.rows
    index: dict[tuple[int, str], int] = {}
    size = 0
    changed = knowledge.changed.get(dimension.slug, frozenset()) if knowledge else frozenset()
    present_before = {u.key for u in populations[0]}
    for t, population in enumerate(populations):
        for unit in population:
            if t == 1 and unit.key in present_before and unit.key not in changed:
                index[(1, unit.key)] = index[(0, unit.key)]  # same person, same answer
            else:
                index[(t, unit.key)] = size
                size += len(rows)
    upper = np.ones(size)
    if knows_who_answered:
        for t, population in enumerate(populations):
            for unit in population:
                answered = unit.values.get(dimension.slug, "") != ""
                _forbid(upper, index[(t, unit.key)], rows, answered)
    if knowledge is not None:
        for (slug, key), answered in knowledge.answered_now.items():
            if slug == dimension.slug and (1, key) in index:
                _forbid(upper, index[(1, key)], rows, answered)
        for (slug, key), answered in knowledge.answered_before.items():
            if slug == dimension.slug and (0, key) in index:
                _forbid(upper, index[(0, key)], rows, answered)
    equalities: list[tuple[np.ndarray, float]] = []
    for t, population in enumerate(populations):
        for unit in population:
            row = np.zeros(size)
            row[index[(t, unit.key)] : index[(t, unit.key)] + len(rows)] = 1.0
            equalities.append((row, 1.0))

    def cell_vector(t: int, value: str, stage: Stage) -> np.ndarray:
        vector = np.zeros(size)
        for unit in populations[t]:
            if stage in unit.stages:
                vector[index[(t, unit.key)] + rows.index(value)] += 1.0
        return vector

    hidden: list[tuple[int, str, Stage]] = []
    for t, report in reports:
        for cell in report.cells:
            if cell.count is None:
                hidden.append((t, cell.value, cell.stage))
            else:
                equalities.append((cell_vector(t, cell.value, cell.stage), float(cell.count)))
    a_eq = np.array([e[0] for e in equalities])
    b_eq = np.array([e[1] for e in equalities])
    bounds = [(0.0, float(u)) for u in upper]
    intervals: dict[tuple[int, str, Stage], tuple[float, float]] = {}
    for target in dict.fromkeys(hidden):
        vector = cell_vector(*target)
        low = linprog(vector, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-vector, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0, low.message  # the truth is feasible, so the LP must be
        assert high.status == 0, high.message
        intervals[target] = (float(low.fun), float(-high.fun))
    return intervals


def _forbid(upper: np.ndarray, start: int, rows: Sequence[str], answered: bool) -> None:
    for i, row in enumerate(rows):
        if (row != funnel.NOT_ANSWERED) != answered:
            upper[start + i] = 0.0


def totals(population: Sequence[funnel.Unit]) -> dict[Stage, int]:
    return {stage: sum(stage in u.stages for u in population) for stage in Stage}


def snapshot_of(report: funnel.FunnelReport) -> int:
    """A held report's self-identification figures describe the previous population."""
    return 0 if report.held else 1


# --- populations --------------------------------------------------------------------------------

GENDER_ANSWERS = ["woman", "woman", "man", "man", "man", "non-binary", "prefer-not", ""]
URG_ANSWERS = ["yes", "no", "no", ""]


@st.composite
def units(draw: st.DrawFn, *, key: str) -> funnel.Unit:
    return funnel.Unit(
        key=key,
        stages=draw(st.sampled_from(STAGE_SETS)),
        values={
            "gender": draw(st.sampled_from(GENDER_ANSWERS)),
            "urg": draw(st.sampled_from(URG_ANSWERS)),
            "first_time": draw(st.sampled_from(["yes", "no", ""])),
        },
        proposal=f"P{key}",
    )


@st.composite
def populations(draw: st.DrawFn, *, min_size: int = 1, max_size: int = 24) -> list[funnel.Unit]:
    n = draw(st.integers(min_size, max_size))
    return [draw(units(key=f"u{i}")) for i in range(n)]


def report(population: Sequence[funnel.Unit], *, k: int, **kwargs: Any) -> funnel.FunnelReport:
    return funnel.build_report(units=population, dimensions=DIMENSIONS, targets={}, k=k, **kwargs)


# --- properties of one report -----------------------------------------------------------------


@QUICK
@given(populations(max_size=40), st.sampled_from([5, 10]))
def test_every_published_self_identification_count_is_zero_or_at_least_k(
    population: list[funnel.Unit], k: int
) -> None:
    result = report(population, k=k)

    published = [
        cell.count
        for d in result.dimensions
        if d.dimension.protected
        for cell in d.cells
        if cell.count is not None
    ]
    assert all(count == 0 or count >= k for count in published)


@QUICK
@given(populations(max_size=40), st.sampled_from([5, 10]))
def test_shares_are_shown_only_for_published_counts(population: list[funnel.Unit], k: int) -> None:
    result = report(population, k=k)

    for d in result.dimensions:
        for cell in d.cells:
            assert (cell.share is None) == (cell.count is None or d.totals[cell.stage] == 0)


@SLOW
@given(populations(), st.sampled_from([5, 10]))
def test_no_hidden_cell_of_one_report_can_be_narrowed_below_k_values(
    population: list[funnel.Unit], k: int
) -> None:
    result = report(population, k=k)
    stage_totals = totals(population)

    for dimension in PROTECTED:
        intervals = attack(
            dimension=dimension,
            populations=[population],
            reports=[(0, result.dimension(dimension.slug))],
        )
        for (_, _, stage), (low, high) in intervals.items():
            assert high - low >= min(k, stage_totals[stage]) - TOLERANCE
            assert high - low > TOLERANCE  # not pinned


@SLOW
@given(populations(), st.sampled_from([5, 10]))
def test_knowing_who_answered_narrows_no_hidden_answer_below_k_values(
    population: list[funnel.Unit], k: int
) -> None:
    result = report(population, k=k)

    for dimension in PROTECTED:
        intervals = attack(
            dimension=dimension,
            populations=[population],
            reports=[(0, result.dimension(dimension.slug))],
            knows_who_answered=True,
        )
        for (_, value, stage), (low, high) in intervals.items():
            if value == funnel.NOT_ANSWERED:
                continue  # this attacker counts "not answered" without any report
            answered = sum(
                stage in u.stages and u.values.get(dimension.slug, "") != "" for u in population
            )
            assert high - low >= min(k, answered) - TOLERANCE


@SLOW
@given(populations(), st.sampled_from([5, 10]))
def test_published_intervals_are_exactly_what_the_attacker_finds(
    population: list[funnel.Unit], k: int
) -> None:
    result = report(population, k=k)

    for dimension in PROTECTED:
        shown = result.dimension(dimension.slug)
        intervals = attack(dimension=dimension, populations=[population], reports=[(0, shown)])
        for (_, value, stage), (low, high) in intervals.items():
            expected = (math.ceil(low - TOLERANCE), math.floor(high + TOLERANCE))
            assert shown.cell(value, stage).range == expected


@QUICK
@given(populations(max_size=40), st.sampled_from([5, 10]))
def test_programme_attributes_are_published_exactly(population: list[funnel.Unit], k: int) -> None:
    result = report(population, k=k)
    shown = result.dimension("first_time")
    stage_totals = totals(population)

    for cell in shown.cells:
        true = sum(
            cell.stage in u.stages and u.values.get("first_time", "") == cell.value
            for u in population
        )
        assert cell.count == true
        assert cell.share == (true / stage_totals[cell.stage] if stage_totals[cell.stage] else None)


@pytest.mark.parametrize("k", [-3, 0, 4])
def test_a_report_with_k_below_five_is_refused(k: int) -> None:
    population = [funnel.Unit(key="u", stages=frozenset({S}), values={"gender": "woman"})]

    with pytest.raises(ValueError, match="k may be lowered to 5 but no further"):
        report(population, k=k)


# --- two snapshots ------------------------------------------------------------------------------

CHANGES = ["withdraw", "add_answers", "join", "leave", "decide"]


@st.composite
def one_change(
    draw: st.DrawFn,
) -> tuple[list[funnel.Unit], list[funnel.Unit], Knowledge, dict[str, frozenset[str]]]:
    """A population, the same population after one person's change, and what the attacker knows."""
    before = draw(populations(min_size=2))
    kind = draw(st.sampled_from(CHANGES))
    after = list(before)
    i = draw(st.integers(0, len(before) - 1))
    unit = before[i]
    answered_now: dict[tuple[str, str], bool] = {}
    answered_before: dict[tuple[str, str], bool] = {}
    if kind == "withdraw":
        after[i] = dataclasses.replace(unit, values={**unit.values, "gender": "", "urg": ""})
    elif kind == "add_answers":
        after[i] = dataclasses.replace(
            unit,
            values={
                **unit.values,
                "gender": unit.values["gender"] or draw(st.sampled_from(GENDER.values)),
                "urg": unit.values["urg"] or draw(st.sampled_from(URG.values)),
            },
        )
    elif kind == "join":
        after.append(draw(units(key="newcomer")))
    elif kind == "leave":
        del after[i]
    else:
        after[i] = dataclasses.replace(unit, stages=draw(st.sampled_from(STAGE_SETS)))
    changed: dict[str, frozenset[str]] = {}
    if kind in ("withdraw", "add_answers"):
        for d in PROTECTED:
            if after[i].values[d.slug] != unit.values[d.slug]:
                changed[d.slug] = frozenset({unit.key})
                answered_now[(d.slug, unit.key)] = after[i].values[d.slug] != ""
                answered_before[(d.slug, unit.key)] = unit.values[d.slug] != ""
    knowledge = Knowledge(
        changed=changed, answered_now=answered_now, answered_before=answered_before
    )
    return before, after, knowledge, changed


@SLOW
@given(one_change(), st.sampled_from([5, 10]))
def test_one_persons_change_between_two_snapshots_pins_no_hidden_cell_of_either(
    change: tuple[list[funnel.Unit], list[funnel.Unit], Knowledge, dict[str, frozenset[str]]],
    k: int,
) -> None:
    before, after, knowledge, changed = change
    first = report(before, k=k)

    second = report(after, k=k, previous=first.snapshot, answers_changed=changed)

    for dimension in PROTECTED:
        reports = [
            (0, first.dimension(dimension.slug)),
            (snapshot_of(second), second.dimension(dimension.slug)),
        ]
        informed = attack(
            dimension=dimension,
            populations=[before, after],
            reports=reports,
            knowledge=knowledge,
        )
        uninformed = attack(
            dimension=dimension,
            populations=[before, after],
            reports=reports,
            knowledge=dataclasses.replace(knowledge, answered_now={}, answered_before={}),
        )
        # Whoever knows that this person had answered can count "not answered" around them
        # without any report; that row is protected against those who do not know.
        for (t, value, stage), (low, high) in informed.items():
            if value == funnel.NOT_ANSWERED:
                low, high = uninformed[(t, value, stage)]
            assert high - low > TOLERANCE


@SLOW
@given(one_change(), st.sampled_from([5, 10]))
def test_one_persons_change_leaves_the_published_self_identification_figures_as_they_were(
    change: tuple[list[funnel.Unit], list[funnel.Unit], Knowledge, dict[str, frozenset[str]]],
    k: int,
) -> None:
    before, after, _, changed = change
    first = report(before, k=k)

    second = report(after, k=k, previous=first.snapshot, answers_changed=changed)

    for dimension in PROTECTED:
        assert second.dimension(dimension.slug).cells == first.dimension(dimension.slug).cells


@st.composite
def batch_change(
    draw: st.DrawFn,
) -> tuple[list[funnel.Unit], list[funnel.Unit], Knowledge, dict[str, frozenset[str]]]:
    """k = 5 people change (answers, arrivals, departures, decisions) between two snapshots."""
    before = draw(populations(min_size=8, max_size=18))
    after = list(before)
    chosen = draw(st.lists(st.integers(0, len(before) - 1), min_size=5, max_size=5, unique=True))
    answered_now: dict[tuple[str, str], bool] = {}
    changed: dict[str, set[str]] = {d.slug: set() for d in PROTECTED}
    for i in chosen:
        unit = before[i]
        kind = draw(st.sampled_from(["answers", "decide", "leave"]))
        if kind == "answers":
            values = {
                **unit.values,
                "gender": draw(st.sampled_from(GENDER_ANSWERS)),
                "urg": draw(st.sampled_from(URG_ANSWERS)),
            }
            after[i] = dataclasses.replace(unit, values=values)
            for d in PROTECTED:
                if values[d.slug] != unit.values[d.slug]:
                    changed[d.slug].add(unit.key)
                    answered_now[(d.slug, unit.key)] = values[d.slug] != ""
        elif kind == "decide":
            after[i] = dataclasses.replace(unit, stages=draw(st.sampled_from(STAGE_SETS)))
        else:
            after[i] = dataclasses.replace(unit, key=f"{unit.key}-gone")  # marker, removed below
    after = [u for u in after if not u.key.endswith("-gone")]
    frozen = {slug: frozenset(keys) for slug, keys in changed.items()}
    return before, after, Knowledge(changed=frozen, answered_now=answered_now), frozen


@SLOW
@given(batch_change(), st.booleans(), st.sampled_from(PROTECTED))
def test_a_new_snapshot_narrows_no_hidden_cell_below_what_the_old_one_already_allowed(
    change: tuple[list[funnel.Unit], list[funnel.Unit], Knowledge, dict[str, frozenset[str]]],
    knows_who_answered: bool,
    dimension: funnel.Dimension,
) -> None:
    before, after, knowledge, changed = change
    if not knows_who_answered:
        # The audit covers two attackers: the one who knows every unit's answered / not
        # answered status and the one who knows none. Someone in between is not modelled.
        knowledge = dataclasses.replace(knowledge, answered_now={})
    k = 5
    first = report(before, k=k)

    second = report(after, k=k, previous=first.snapshot, answers_changed=changed)

    old = first.dimension(dimension.slug)
    new = second.dimension(dimension.slug)
    both = attack(
        dimension=dimension,
        populations=[before, after],
        reports=[(0, old), (snapshot_of(second), new)],
        knowledge=knowledge,
        knows_who_answered=knows_who_answered,
    )
    blank = dataclasses.replace(
        new, cells=tuple(dataclasses.replace(c, count=None) for c in new.cells)
    )
    without = attack(
        dimension=dimension,
        populations=[before, after],
        reports=[(0, old), (1, blank)],
        knowledge=knowledge,
        knows_who_answered=knows_who_answered,
    )
    for cell, (low, high) in both.items():
        base_low, base_high = without[cell]
        base = np.floor(base_high + TOLERANCE) - np.ceil(base_low - TOLERANCE)
        assert high - low >= min(k, base) - TOLERANCE
