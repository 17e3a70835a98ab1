"""The floor of the release rule (issue 16): protection must leave the report useful.

A call with realistic self-identification answers (about 62 % men, 25 % women, a few
non-binary, self-described and prefer-not-to-say; 10 % not answering) goes through the real
pipeline (``funnel.build_report``, then ``gate.gate`` over the growing history) while decisions
are taken and late answers arrive between builds. The floor stated in docs/diversity-reports.md:

* the first report: the gate hides nothing beyond small-cell suppression, and most (55 % at
  300 speakers, 60 % at 1,000; measured 64-69 %) of the answer cells that hold k or more people
  are published;
* at 1,000 speakers, later reports are published (never held) through three refreshes of 80
  changes each, at least a quarter of those cells published on average (measured 29-42 %), and
  cells hidden at one refresh come back at a later one (the last refresh publishes more than the
  worst before it). Each refresh that follows a handful of first answers or moves hides the few
  cells that would tell those people apart; that is the price of the guarantee.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from diversity.domain import disclosure, funnel, gate
from diversity.domain.funnel import Stage

S, A, ACC, W = Stage.SUBMITTED, Stage.ABOVE_CUT, Stage.ACCEPTED, Stage.WAITLISTED
K = funnel.DEFAULT_K
GENDER = funnel.Dimension(
    slug="gender",
    label="Gender",
    values=("woman", "man", "non_binary", "self_describe", "prefer_not_to_say"),
    protected=True,
)
GROUP = funnel.Dimension(
    slug="underrepresented", label="URG", values=("yes", "no", "prefer_not_to_say"), protected=True
)
GENDERS = (
    ("man", 0.62),
    ("woman", 0.25),
    ("non_binary", 0.03),
    ("self_describe", 0.01),
    ("prefer_not_to_say", 0.03),
)
GROUPS = (("no", 0.6), ("yes", 0.2), ("prefer_not_to_say", 0.08))


def _pick(rng: random.Random, spread: tuple[tuple[str, float], ...]) -> str:
    r, total = rng.random(), 0.0
    for value, p in spread:
        total += p
        if r < total:
            return value
    return ""


@dataclass
class Speaker:
    stages: frozenset[Stage]
    gender: str
    group: str
    gender_epoch: int = 0
    group_epoch: int = 0


@dataclass(frozen=True)
class Round:
    held: bool
    extra_hidden: int
    large: int
    published: int


def _call(n: int, rng: random.Random) -> dict[str, Speaker]:
    speakers = {}
    for i in range(n):
        stages = {S}
        if i < n * 0.25:
            stages.add(A)
        if i < n * 0.18:
            stages.add(ACC)
        elif i < n * 0.2:
            stages.add(W)
        speakers[f"s{i:05d}"] = Speaker(frozenset(stages), _pick(rng, GENDERS), _pick(rng, GROUPS))
    return speakers


def _changes(speakers: dict[str, Speaker], rng: random.Random, count: int) -> None:
    """Decisions on undecided proposals, late first answers, the odd changed answer."""
    keys = sorted(speakers)
    for _ in range(count):
        s = speakers[rng.choice(keys)]
        roll = rng.random()
        if roll < 0.6:
            if ACC not in s.stages and W not in s.stages:
                s.stages = s.stages | {rng.choice((ACC, ACC, W))}
        elif roll < 0.85:
            if not s.gender:
                s.gender = _pick(rng, GENDERS)
                s.gender_epoch += 1
        elif roll < 0.95:
            if not s.group:
                s.group = _pick(rng, GROUPS)
                s.group_epoch += 1
        else:
            s.gender = _pick(rng, GENDERS)
            s.gender_epoch += 1


def simulate(n: int, *, seed: int, rounds: int, changes: int) -> list[Round]:
    rng = random.Random(seed)
    speakers = _call(n, rng)
    history: list[disclosure.Release] = []
    previous: funnel.PublishedReport | None = None
    then: dict[str, dict[str, str]] = {}
    out = []
    for _ in range(rounds):
        units = [
            funnel.Unit(
                key=key,
                stages=s.stages,
                values={
                    **({"gender": s.gender} if s.gender else {}),
                    **({"underrepresented": s.group} if s.group else {}),
                },
            )
            for key, s in sorted(speakers.items())
        ]
        epochs = {
            "gender": {k: f"{s.gender_epoch}" for k, s in speakers.items() if s.gender},
            "underrepresented": {k: f"{s.group_epoch}" for k, s in speakers.items() if s.group},
        }
        report = funnel.build_report(
            units=units,
            dimensions=[GENDER, GROUP],
            targets={},
            k=K,
            previous=previous,
            answers_changed={
                q: {u for u, t in e.items() if then.get(q, {}).get(u, t) != t}
                for q, e in epochs.items()
            },
        )
        outcome = gate.gate(
            report=report,
            previous=previous,
            units=units,
            person_of={u.key: u.key for u in units},
            epochs=epochs,
            history=history,
            label=str(len(history)),
            k=K,
            targets={},
            alpha=0.05,
        )
        large = published = 0
        for d in outcome.report.dimensions:
            for c in d.cells:
                true = sum(
                    1
                    for u in units
                    if c.value
                    and u.values.get(d.dimension.slug, "") == c.value
                    and c.stage in u.stages
                )
                if true >= K:
                    large += 1
                    published += c.count is not None
        out.append(Round(outcome.report.held, outcome.extra_hidden, large, published))
        if outcome.release is not None:
            history.append(outcome.release)
            previous = outcome.report.snapshot
            then = epochs
        _changes(speakers, rng, changes)
    return out


@pytest.mark.parametrize(("n", "floor"), [(300, 0.55), (1000, 0.6)])
def test_the_first_report_keeps_the_cells_small_cell_suppression_keeps(
    n: int, floor: float
) -> None:
    for seed in range(2):
        (first,) = simulate(n, seed=seed, rounds=1, changes=0)

        assert first.extra_hidden == 0
        assert first.published >= floor * first.large


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_later_reports_publish_again_once_enough_has_changed(seed: int) -> None:
    rounds = simulate(1000, seed=seed, rounds=4, changes=80)
    later = rounds[1:]

    assert not any(r.held for r in later)
    assert sum(r.published for r in later) >= 0.25 * sum(r.large for r in later)
    assert later[-1].published > min(r.published for r in later[:-1]), "hidden cells come back"
