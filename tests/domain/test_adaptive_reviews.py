"""Extra reviews and consistency pools through the engine (issue 22), over generated calls.

Each property names the planted bug it catches; ``test_*_check_can_fail`` show the checks
themselves fail on a plan that breaks the rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.domain import adaptive
from reviews.domain.assignment import engine, extra, pools
from reviews.domain.assignment.eligibility import ProposalProfile, ReviewerProfile, eligible

E = engine
LANGS = ("en", "de")
# Both sides of the band's ends (10 % and 90 %), and of the earlier 20 % and 80 %.
CHANCES = [0.0, 0.05, 0.09, 0.1, 0.19, 0.2, 0.46, 0.8, 0.81, 0.9, 0.91, 1.0]


@dataclass(frozen=True)
class Call:
    problem: engine.Problem
    chances: dict[str, extra.Chance]
    finished: frozenset[tuple[str, str]]
    duplicated: frozenset[str]
    salt: str
    cap: int


@st.composite
def calls(draw: Any) -> Call:
    n = draw(st.integers(1, 6))
    m = draw(st.integers(2, 9))
    props = [
        ProposalProfile(
            key=f"P{i}",
            language=draw(st.sampled_from(LANGS)),
            track="",
            speaker_emails=(f"s{i}@x.org",),
        )
        for i in range(n)
    ]
    revs = [
        ReviewerProfile(
            key=f"R{j}",
            languages=frozenset(draw(st.sets(st.sampled_from(LANGS), min_size=1))),
            tracks=frozenset(),
            max_load=draw(st.one_of(st.none(), st.integers(0, 4))),
            email=f"r{j}@y.org",
            conflicts=frozenset(draw(st.sets(st.sampled_from([p.key for p in props]), max_size=1))),
        )
        for j in range(m)
    ]
    pairs = [(p.key, r.key) for p in props for r in revs]
    existing_pairs = draw(st.lists(st.sampled_from(pairs), max_size=2 * n, unique=True))
    existing = [E.Existing(p, r, draw(st.sampled_from(list(E.Hold)))) for p, r in existing_pairs]
    finished = frozenset(
        (e.proposal, e.reviewer)
        for e in existing
        if e.hold is E.Hold.FINISHED or (e.hold is not E.Hold.STARTED and draw(st.booleans()))
    )
    chances = {
        p.key: extra.Chance(draw(st.one_of(st.none(), st.sampled_from(CHANCES)))) for p in props
    }
    duplicated = frozenset(draw(st.sets(st.sampled_from([p.key for p in props]), max_size=n)))
    return Call(
        problem=E.Problem(
            proposals=props, reviewers=revs, per_proposal=draw(st.integers(1, 2)), existing=existing
        ),
        chances=chances,
        finished=finished,
        duplicated=duplicated,
        salt=draw(st.sampled_from(["a", "b", "c"])),
        cap=draw(st.integers(1, 5)),
    )


def run(c: Call) -> extra.ExtraPlan:
    return extra.plan_extra(
        c.problem,
        chances=c.chances,
        finished=c.finished,
        rule=adaptive.Rule(cap=c.cap),
        cut=None,
        duplicated=c.duplicated,
        salt=c.salt,
    )


def clear_proposals_with_extra(c: Call, added: Collection[tuple[str, str]]) -> set[str]:
    """Proposals outside the band (10–90 %; or never ranked) that got an extra review."""
    band = adaptive.Rule()
    out = set()
    for p, _r in added:
        chance = c.chances[p].p_in_slots
        if chance is None or not band.low <= chance <= band.high:
            out.add(p)
    return out


def shared_reviewers(pairs: Collection[tuple[str, str]], duplicated: Collection[str]) -> list[Any]:
    """Duplicated proposals on which one reviewer sits twice (once per pool copy), and pairs
    whose reviewer is not in the pool of the copy they sit on."""
    counts = Counter(pairs)
    return [pr for pr, k in counts.items() if k > 1 and pr[0] in duplicated]


def crossing(c: Call, placed: Collection[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs on a pool copy whose reviewer belongs to the other pool."""
    return [
        (unit, r)
        for unit, r in placed
        if unit != pools.original(unit)
        and int(unit.rsplit("#pool", 1)[1]) != pools.pool_of(r, salt=c.salt)
    ]


def free_in_pool(c: Call, unit: str) -> list[str]:
    """Reviewers who could take one more seat on `unit`: its pool, eligible, not yet on it."""
    p = pools.original(unit)
    proposal = next(x for x in c.problem.proposals if x.key == p)
    on = {e.reviewer for e in c.problem.existing if e.proposal == p}
    return [
        r.key
        for r in c.problem.reviewers
        if eligible(reviewer=r, proposal=proposal)
        and r.key not in on
        and (p not in c.duplicated or pools.copy_key(p, pools.pool_of(r.key, salt=c.salt)) == unit)
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls())
def test_extra_reviews_never_go_to_clear_proposals(c: Call) -> None:
    """Planted bug caught: dropping the band check in ``adaptive.uncertain``."""
    planned = run(c)
    added = planned.result.added if planned.result else ()
    assert not clear_proposals_with_extra(c, added)
    # And every request asks for one more, within the cap.
    for r in planned.requests:
        assert r.target <= c.cap


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls())
def test_an_extra_review_stays_inside_its_pool_and_moves_nobody(c: Call) -> None:
    """Planted bugs caught: extra seats solved without the pools (``duplicated`` not passed on),
    or existing pairs not held."""
    planned = run(c)
    if planned.result is None:
        return
    units = {pools.original(u) for u in (r.unit for r in planned.requests)}
    before = {(e.proposal, e.reviewer) for e in c.problem.existing}
    final = [(p.proposal, p.reviewer) for p in planned.result.pairs]
    assert before <= set(final)
    for p, r in planned.result.added:
        assert p in units
        unit = pools.unit_of(proposal=p, reviewer=r, duplicated=c.duplicated, salt=c.salt)
        # The request was for this reviewer's pool copy, not the other pool's.
        assert unit in {x.unit for x in planned.requests}
    if all(r.max_load is None for r in c.problem.reviewers):
        # Without load limits requests do not compete: each is met when its pool has a free,
        # eligible reviewer (so a run that silently drops the pools' requests fails too).
        got = extra.units_of(planned.result.added, duplicated=c.duplicated, salt=c.salt)
        for req in planned.requests:
            assert (req.unit in got) == bool(free_in_pool(c, req.unit))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls())
def test_a_duplicated_proposal_never_shares_a_reviewer_between_pools(c: Call) -> None:
    """Planted bug caught: the pool copies not closed to the other pool (``excluded``)."""
    split = pools.split(c.problem, duplicated=c.duplicated, salt=c.salt)
    raw = engine.solve(split)
    placed = [(p.proposal, p.reviewer) for p in raw.pairs if p.new]
    assert not crossing(c, placed)
    merged = pools.merge(raw, labels={})
    assert not shared_reviewers([(p.proposal, p.reviewer) for p in merged.pairs], c.duplicated)
    # Every reviewer on a pool copy, existing ones included, belongs to that pool.
    for p in c.duplicated:
        for q in pools.POOLS:
            on_copy = [x.reviewer for x in raw.pairs if x.proposal == pools.copy_key(p, q)]
            assert all(pools.pool_of(r, salt=c.salt) == q for r in on_copy)


def test_the_checks_can_fail() -> None:
    c = Call(
        problem=E.Problem(proposals=(), reviewers=(), per_proposal=1),
        chances={"P0": extra.Chance(0.97), "P1": extra.Chance(0.5)},
        finished=frozenset(),
        duplicated=frozenset({"P1"}),
        salt="a",
        cap=5,
    )
    assert clear_proposals_with_extra(c, [("P0", "R1")]) == {"P0"}
    assert clear_proposals_with_extra(c, [("P1", "R1")]) == set()
    assert shared_reviewers([("P1", "R1"), ("P1", "R1")], c.duplicated) == [("P1", "R1")]
    other = next(r for r in ("R0", "R1", "R2", "R3") if pools.pool_of(r, salt="a") == 1)
    assert crossing(c, [(pools.copy_key("P1", 0), other)]) == [(pools.copy_key("P1", 0), other)]


def _world(n_revs: int = 8) -> engine.Problem:
    props = [ProposalProfile(key=f"P{i}", language="en", track="") for i in range(3)]
    revs = [
        ReviewerProfile(key=f"R{j}", languages=frozenset({"en"}), tracks=frozenset())
        for j in range(n_revs)
    ]
    existing = [E.Existing(f"P{i}", f"R{i}", E.Hold.FINISHED) for i in range(3)]
    return E.Problem(proposals=props, reviewers=revs, per_proposal=1, existing=existing)


def test_only_the_uncertain_proposal_gets_one_more_reviewer_with_a_reason() -> None:
    problem = _world()
    planned = extra.plan_extra(
        problem,
        chances={"P0": extra.Chance(0.98), "P1": extra.Chance(0.46), "P2": extra.Chance(0.03)},
        finished={("P0", "R0"), ("P1", "R1"), ("P2", "R2")},
        rule=adaptive.Rule(),
        cut=None,
    )
    assert planned.result is not None
    assert [p for p, _ in planned.result.added] == ["P1"]
    assert planned.reasons == {"P1": "extra review: chance in slots 46 %"}


def test_no_extra_review_while_a_review_is_still_open_or_at_the_cap() -> None:
    problem = _world()
    open_review = extra.plan_extra(
        problem,
        chances={"P1": extra.Chance(0.5)},
        finished=set(),
        rule=adaptive.Rule(),
        cut=None,
    )
    at_cap = extra.plan_extra(
        problem,
        chances={"P1": extra.Chance(0.5)},
        finished={("P1", "R1")},
        rule=adaptive.Rule(cap=1),
        cut=None,
    )
    assert open_review.requests == ()
    assert at_cap.requests == ()


def test_straddling_the_cut_counts_only_when_asked() -> None:
    s = adaptive.Standing("P", p_in_slots=0.05, low=4.0, high=6.0, assigned=3, finished=3)
    assert not adaptive.uncertain(s, rule=adaptive.Rule(), cut=5.0)
    assert adaptive.uncertain(s, rule=adaptive.Rule(straddle=True), cut=5.0)
    assert not adaptive.uncertain(s, rule=adaptive.Rule(straddle=True), cut=7.0)


def test_the_cut_lies_between_the_last_in_and_the_first_out() -> None:
    assert adaptive.cut_between([9.0, 8.0, 6.0, 5.0], 2) == 7.0
    assert adaptive.cut_between([9.0, 8.0], 2) is None


@pytest.mark.parametrize("cap", [0, -1])
def test_a_cap_below_one_is_refused(cap: int) -> None:
    with pytest.raises(ValueError, match="cap"):
        adaptive.Rule(cap=cap)


def test_pools_split_a_committee_and_keep_a_reviewer_in_one_pool() -> None:
    keys = [f"R{j}" for j in range(200)]
    split = Counter(pools.pool_of(k, salt="s") for k in keys)
    assert set(split) == {0, 1}
    assert 70 <= split[0] <= 130
    assert all(pools.pool_of(k, salt="s") == pools.pool_of(k, salt="s") for k in keys)
    assert [pools.pool_of(k, salt="s") for k in keys] != [pools.pool_of(k, salt="t") for k in keys]


def test_a_duplicated_proposal_gets_k_reviewers_from_each_pool() -> None:
    props = [ProposalProfile(key="P0", language="en", track="")]
    revs = [
        ReviewerProfile(key=f"R{j}", languages=frozenset({"en"}), tracks=frozenset())
        for j in range(12)
    ]
    result = pools.solve_pooled(
        E.Problem(proposals=props, reviewers=revs, per_proposal=2),
        duplicated={"P0"},
        salt="x",
    )
    by_pool = Counter(pools.pool_of(p.reviewer, salt="x") for p in result.pairs)
    assert by_pool == {0: 2, 1: 2}
    assert len({p.reviewer for p in result.pairs}) == 4
