"""The release rule over a viewer's whole history (issue 16), played against an independent
attacker.

Random histories of answers, answer changes, withdrawals, decisions, arrivals and several calls
seen by one chair are published through the real pipeline (``funnel.build_report`` then
``gate.gate``). The attacker here is this file's own integer program: one 0/1 unknown per person
and answer epoch and per answer, one equation per published cell, solved with ``milp``; it
shares no code with ``disclosure`` (which groups look-alikes and bounds counts). It tries to
prove, for every answered person, that they could not have given anything but their true
answer. It must never succeed on what the gate let through, and the auditor must catch every
planted release it does succeed on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from diversity.domain import disclosure, funnel, gate
from diversity.domain.disclosure import Release
from diversity.domain.funnel import Stage

SCALE = max(1, int(os.environ.get("DIVERSITY_PROPERTY_SCALE", "1")))
PROPERTY = settings(
    max_examples=20 * SCALE,
    deadline=None,
    derandomize=SCALE == 1,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

S, A, ACC, W = Stage.SUBMITTED, Stage.ABOVE_CUT, Stage.ACCEPTED, Stage.WAITLISTED
STAGE_SETS = (
    frozenset({S}),
    frozenset({S, A}),
    frozenset({S, A, ACC}),
    frozenset({S, ACC}),
    frozenset({S, A, W}),
    frozenset({S, W}),
)
VALUES = ("a", "b", "c")
DIMENSION = funnel.Dimension(slug="g", label="G", values=VALUES, protected=True)
K = funnel.MIN_K


# --- the attacker ----------------------------------------------------------------------------


def recovered(history: Sequence[Release], truth: Mapping[tuple[str, str], str]) -> set[str]:
    """Person keys whose answer (in some epoch) every history consistent with the published
    cells agrees on. `truth` maps (person, epoch token) to the answer actually given."""
    epochs = sorted(truth)
    index = {(pe, v): i for i, (pe, v) in enumerate((pe, v) for pe in epochs for v in VALUES)}
    rows: list[list[int]] = []
    rhs: list[int] = []
    for pe in epochs:
        rows.append([index[(pe, v)] for v in VALUES])
        rhs.append(1)
    for release in history:
        table = release.tables.get("g", {})
        tokens = release.epochs.get("g", {})
        for (value, column), count in table.items():
            if value == "" or count is None:
                continue
            rows.append(
                [
                    index[((person, tokens[person]), value)]
                    for person, stages in release.members.items()
                    if column in stages and person in tokens
                ]
            )
            rhs.append(count)
    size = len(index)
    matrix = sparse.csr_matrix(
        (
            np.ones(sum(len(r) for r in rows)),
            ([i for i, r in enumerate(rows) for _ in r], [j for r in rows for j in r]),
        ),
        shape=(len(rows), size),
    )
    equal = LinearConstraint(matrix, np.array(rhs), np.array(rhs))
    found: set[str] = set()
    open_ = set(epochs)
    while open_:
        pe = min(open_)
        open_.discard(pe)
        upper = np.ones(size)
        upper[index[(pe, truth[pe])]] = 0  # could they have answered anything else?
        result = milp(
            np.zeros(size),
            constraints=[equal],
            integrality=np.ones(size),
            bounds=Bounds(np.zeros(size), upper),
        )
        if result.status == 2:
            found.add(pe[0])
            continue
        assert result.status == 0, result.message
        x = np.round(result.x)
        open_ -= {q for q in open_ if x[index[(q, truth[q])]] == 0}
    return found


# --- random histories ------------------------------------------------------------------------


@dataclass
class Person:
    answer: str
    token: int
    stages: dict[str, frozenset[Stage]]
    """Call -> stages; absent from a call = not in it."""


@dataclass
class World:
    people: dict[str, Person] = field(default_factory=dict)
    previous: dict[str, funnel.PublishedReport | None] = field(default_factory=dict)
    tokens_then: dict[str, dict[str, str]] = field(default_factory=dict)
    history: list[Release] = field(default_factory=list)
    truth: dict[tuple[str, str], str] = field(default_factory=dict)
    next_token: int = 0

    def units(self, call: str) -> list[funnel.Unit]:
        return [
            funnel.Unit(
                key=f"{call}:{key}",
                stages=p.stages[call],
                values={"g": p.answer} if p.answer else {},
            )
            for key, p in sorted(self.people.items())
            if call in p.stages
        ]

    def epochs(self, call: str) -> dict[str, str]:
        return {
            f"{call}:{key}": str(p.token)
            for key, p in self.people.items()
            if call in p.stages and p.answer
        }

    def publish(self, call: str, *, plant: bool = False, ungated: bool = False) -> gate.Outcome:
        units = self.units(call)
        epochs = self.epochs(call)
        then = self.tokens_then.get(call, {})
        previous = self.previous.get(call)
        report = funnel.build_report(
            units=units,
            dimensions=[DIMENSION],
            targets={},
            k=K,
            previous=previous,
            answers_changed={"g": {u for u, t in epochs.items() if u in then and then[u] != t}},
        )
        person_of = {u.key: u.key.split(":", 1)[1] for u in units}
        if plant or ungated:
            report = _raw(report, units) if plant else report
            outcome = gate.Outcome(
                report=report,
                release=None
                if report.held
                else gate.release_of(
                    report=report,
                    units=units,
                    person_of=person_of,
                    epochs={"g": epochs},
                    label="planted",
                ),
            )
        else:
            outcome = gate.gate(
                report=report,
                previous=previous,
                units=units,
                person_of=person_of,
                epochs={"g": epochs},
                history=self.history,
                label=f"{call}/{len(self.history)}",
                k=K,
                targets={},
                alpha=0.05,
            )
        if outcome.release is not None:
            self.history.append(outcome.release)
            for person, token in outcome.release.epochs["g"].items():
                self.truth[(person, token)] = self.people[person].answer
            self.previous[call] = outcome.report.snapshot
            self.tokens_then[call] = epochs
        return outcome


def _raw(report: funnel.FunnelReport, units: Sequence[funnel.Unit]) -> funnel.FunnelReport:
    """Every cell exact: the release a broken rule would make."""
    cells = []
    for value in DIMENSION.rows:
        for stage in funnel.STAGES:
            count = sum(1 for u in units if u.values.get("g", "") == value and stage in u.stages)
            cells.append(funnel.Cell(value=value, stage=stage, count=count, share=None))
    table = funnel.PublishedTable(rows=DIMENSION.rows, cells=tuple(cells))
    snapshot = funnel.PublishedReport(
        k=K,
        stage_sets={u.key: u.stages for u in units},
        tables={"g": table},
        answered={"g": frozenset(u.key for u in units if u.values.get("g"))},
    )
    return funnel.FunnelReport(dimensions=report.dimensions, snapshot=snapshot)


people_st = st.lists(
    st.tuples(st.sampled_from(("", *VALUES, "a", "a")), st.sampled_from(STAGE_SETS)),
    min_size=30,
    max_size=70,
)
step_st = st.one_of(
    st.tuples(st.just("change"), st.integers(0, 99), st.sampled_from(VALUES)),
    st.tuples(st.just("withdraw"), st.integers(0, 99), st.just("")),
    st.tuples(st.just("decide"), st.integers(0, 99), st.sampled_from(range(len(STAGE_SETS)))),
    st.tuples(st.just("arrive"), st.sampled_from(VALUES), st.sampled_from(range(len(STAGE_SETS)))),
    st.tuples(st.just("join"), st.integers(0, 99), st.sampled_from(range(len(STAGE_SETS)))),
    st.tuples(st.just("publish"), st.sampled_from(("x", "y")), st.just("")),
)


def _world(people: Sequence[tuple[str, frozenset[Stage]]]) -> World:
    world = World()
    for i, (answer, stages) in enumerate(people):
        world.people[f"p{i}"] = Person(answer=answer, token=i, stages={"x": stages})
    world.next_token = len(people)
    return world


def _apply(world: World, step: tuple[object, object, object]) -> str | None:
    """Apply one event; return the call to publish, if the step is a publication."""
    kind, a, b = step
    keys = sorted(world.people)
    if kind == "publish":
        return str(a)
    if kind == "arrive":
        key = f"n{world.next_token}"
        world.people[key] = Person(
            answer=str(a), token=world.next_token, stages={"x": STAGE_SETS[int(str(b))]}
        )
        world.next_token += 1
        return None
    if not keys:
        return None
    person = world.people[keys[int(str(a)) % len(keys)]]
    if kind == "change" and person.answer != b:
        person.answer = str(b)
        person.token = world.next_token
        world.next_token += 1
    elif kind == "withdraw":
        person.answer = ""
        person.stages = {}
    elif kind == "decide" and "x" in person.stages:
        person.stages["x"] = STAGE_SETS[int(str(b))]
    elif kind == "join" and person.stages:
        # The same person is counted in a second call the same chair sees (cross-call).
        person.stages["y"] = STAGE_SETS[int(str(b))]
    return None


@PROPERTY
@given(people=people_st, steps=st.lists(step_st, min_size=4, max_size=24))
def test_the_attacker_never_recovers_an_answer_the_gate_let_through(
    people: list[tuple[str, frozenset[Stage]]], steps: list[tuple[object, object, object]]
) -> None:
    world = _world(people)
    world.publish("x")
    for step in steps:
        call = _apply(world, step)
        if call is not None and any(call in p.stages for p in world.people.values()):
            world.publish(call)

    assert recovered(world.history, world.truth) == set()
    assert disclosure.audit(world.history, k=K) == ()


@PROPERTY
@given(people=people_st, steps=st.lists(step_st, min_size=1, max_size=8))
def test_every_planted_release_the_attacker_breaks_is_caught_by_the_auditor(
    people: list[tuple[str, frozenset[Stage]]], steps: list[tuple[object, object, object]]
) -> None:
    world = _world(people)
    world.publish("x")
    for step in steps:
        _apply(world, step)
    if not any("x" in p.stages for p in world.people.values()):
        return
    world.publish("x", plant=True)

    if recovered(world.history, world.truth):
        assert disclosure.audit(world.history, k=K) != ()


def test_the_planted_check_can_fail_a_raw_release_after_one_decision_is_broken() -> None:
    """The planted-release property is not vacuous: one decision between two raw releases."""
    world = _world([("a", STAGE_SETS[2])] * 6 + [("b", STAGE_SETS[0])] * 6 + [("a", STAGE_SETS[0])])
    world.publish("x", plant=True)
    world.people["p12"].stages["x"] = STAGE_SETS[2]
    world.publish("x", plant=True)

    assert "p12" in recovered(world.history, world.truth)
    assert disclosure.audit(world.history, k=K) != ()


# --- the three reproductions of issue 16, at the level of releases ----------------------------


def _release(
    label: str,
    members: Mapping[str, frozenset[str]],
    answers: Mapping[str, str],
    *,
    hidden: frozenset[tuple[str, str]] = frozenset(),
    values: Sequence[str] = ("man", "woman"),
    columns: Sequence[str] = ("submitted", "accepted"),
    epochs: Mapping[str, str] | None = None,
) -> Release:
    table: dict[tuple[str, str], int | None] = {}
    for value in values:
        for column in columns:
            count = sum(1 for p, s in members.items() if column in s and answers.get(p) == value)
            table[(value, column)] = None if (value, column) in hidden else count
    return Release(
        label=label,
        members=members,
        epochs={"g": dict(epochs) if epochs else {p: "0" for p in members if p in answers}},
        tables={"g": table},
    )


def test_one_acceptance_between_two_releases_is_caught() -> None:
    answers = {f"p{i}": "man" if i % 3 else "woman" for i in range(60)}
    before = {
        p: frozenset({"submitted", "accepted"} if i < 27 else {"submitted"})
        for i, p in enumerate(answers)
    }
    after = dict(before)
    after["p40"] = frozenset({"submitted", "accepted"})  # one man accepted

    findings = disclosure.audit(
        [_release("1", before, answers), _release("2", after, answers)], k=10
    )

    assert any(f.value == "man" and f.size == 1 for f in findings)


def test_a_withdrawal_then_nine_decisions_is_caught() -> None:
    answers = {f"p{i}": ("no" if i % 4 else "yes") for i in range(200)}
    members = {p: frozenset({"submitted"}) for p in answers}
    later = {p: s for p, s in members.items() if p != "p1"}  # p1 withdrew
    for i in range(10, 19):
        later[f"p{i}"] = frozenset({"submitted", "accepted"})
    yes_no = ("yes", "no")

    findings = disclosure.audit(
        [
            _release("1", members, answers, values=yes_no),
            _release("2", later, answers, values=yes_no),
        ],
        k=10,
    )

    assert any(f.size == 1 and f.value == "no" for f in findings)


def test_two_committees_that_differ_by_one_person_are_caught_across_calls() -> None:
    answers = {f"r{i}": ("woman" if i < 6 else "man") for i in range(31)}
    call_a = {p: frozenset({"submitted"}) for p in answers}
    call_b = {p: s for p, s in call_a.items() if p != "r0"}
    one = ("submitted",)

    findings = disclosure.audit(
        [_release("A", call_a, answers, columns=one), _release("B", call_b, answers, columns=one)],
        k=5,
    )

    assert any(f.size == 1 and f.value == "woman" for f in findings)


def test_hiding_the_differencing_cells_and_a_partner_passes() -> None:
    answers = {f"r{i}": ("woman" if i < 6 else "man") for i in range(31)}
    call_a = {p: frozenset({"submitted"}) for p in answers}
    call_b = {p: s for p, s in call_a.items() if p != "r0"}
    one = ("submitted",)
    hidden = frozenset({("woman", "submitted"), ("man", "submitted")})

    findings = disclosure.audit(
        [
            _release("A", call_a, answers, columns=one),
            _release("B", call_b, answers, hidden=hidden, columns=one),
        ],
        k=5,
    )

    assert findings == ()


@pytest.mark.parametrize("size", [1, 3, 9])
def test_a_group_smaller_than_k_that_all_changed_one_way_is_caught(size: int) -> None:
    answers = {f"p{i}": "man" if i % 2 else "woman" for i in range(80)}
    members = {p: frozenset({"submitted"}) for p in answers}
    movers = [p for p in answers if answers[p] == "man"][:size]
    later = dict(answers) | dict.fromkeys(movers, "woman")
    epochs = {p: ("1" if p in movers else "0") for p in answers}

    findings = disclosure.audit(
        [
            _release("1", members, answers),
            _release("2", members, later, epochs=epochs),
        ],
        k=10,
    )

    assert any(f.size == size for f in findings)
