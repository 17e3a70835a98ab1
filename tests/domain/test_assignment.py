"""Reviewer assignment: hard rules by hand, guarantees by Hypothesis against a max-flow oracle."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from reviews.domain import assignment

Pair = tuple[str, str]


def reviewer(key: str, **fields: Any) -> assignment.ReviewerProfile:
    fields.setdefault("languages", frozenset({"en"}))
    return assignment.ReviewerProfile(key=key, **fields)


def proposal(key: str, **fields: Any) -> assignment.ProposalProfile:
    fields.setdefault("language", "en")
    return assignment.ProposalProfile(key=key, **fields)


def assigned(plan: assignment.AssignmentPlan, existing: Iterable[Pair] = ()) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p, r in [*existing, *plan.new]:
        out.setdefault(p, set()).add(r)
    return out


# ---------------------------------------------------------------------------------------------
# Eligibility rules, one at a time.

CONFLICTS = {
    "speaker email, any case": (
        {"email": "Ana@Example.org"},
        {"speaker_emails": ("bob@other.org", " ana@example.ORG ")},
    ),
    "declared conflict": ({"conflicts": frozenset({"P1"})}, {}),
    "same affiliation, normalised": (
        {"affiliation": "ACME, Inc."},
        {"speaker_affiliations": ("  acme inc",)},
    ),
    "same private email domain": (
        {"email": "ana@acme.io"},
        {"speaker_emails": ("bob@ACME.io",)},
    ),
    "language not read": ({"languages": frozenset({"en", "de"})}, {"language": "es"}),
}

ALLOWED = {
    "shared public mail domain": (
        {"email": "ana@gmail.com"},
        {"speaker_emails": ("bob@gmail.com",)},
    ),
    "both affiliations empty": ({"affiliation": ""}, {"speaker_affiliations": ("",)}),
    "different private domains": ({"email": "ana@acme.io"}, {"speaker_emails": ("bob@beta.io",)}),
    "language codes differ only in case": ({"languages": frozenset({"EN"})}, {"language": "en"}),
    "conflict declared with another proposal": ({"conflicts": frozenset({"P2"})}, {}),
}


@pytest.mark.parametrize(("reviewer_fields", "proposal_fields"), CONFLICTS.values(), ids=CONFLICTS)
def test_reviewer_is_not_eligible_when_a_rule_forbids_it(
    reviewer_fields: dict[str, Any], proposal_fields: dict[str, Any]
) -> None:
    result = assignment.eligible(
        reviewer=reviewer("R", **reviewer_fields), proposal=proposal("P1", **proposal_fields)
    )

    assert result is False


@pytest.mark.parametrize(("reviewer_fields", "proposal_fields"), ALLOWED.values(), ids=ALLOWED)
def test_reviewer_is_eligible_when_no_rule_forbids_it(
    reviewer_fields: dict[str, Any], proposal_fields: dict[str, Any]
) -> None:
    result = assignment.eligible(
        reviewer=reviewer("R", **reviewer_fields), proposal=proposal("P1", **proposal_fields)
    )

    assert result is True


@pytest.mark.parametrize(("reviewer_fields", "proposal_fields"), CONFLICTS.values(), ids=CONFLICTS)
def test_assign_skips_a_conflicted_reviewer_for_a_free_one(
    reviewer_fields: dict[str, Any], proposal_fields: dict[str, Any]
) -> None:
    pool = [
        reviewer("conflicted", **reviewer_fields),
        reviewer("free", languages=frozenset({"en", "es"})),
    ]

    plan = assignment.assign(
        proposals=[proposal("P1", **proposal_fields)], reviewers=pool, per_proposal=1
    )

    assert plan.new == (("P1", "free"),)


def test_assign_gives_a_talk_to_a_reviewer_sharing_only_a_public_mail_domain() -> None:
    pool = [reviewer("R", email="ana@gmail.com")]

    plan = assignment.assign(
        proposals=[proposal("P1", speaker_emails=("bob@gmail.com",))],
        reviewers=pool,
        per_proposal=1,
    )

    assert plan.new == (("P1", "R"),)


def test_assign_never_makes_an_excluded_pair() -> None:
    pool = [reviewer("recused"), reviewer("other")]

    plan = assignment.assign(
        proposals=[proposal("P1")],
        reviewers=pool,
        per_proposal=2,
        excluded=[("P1", "recused")],
    )

    assert plan.new == (("P1", "other"),)


# ---------------------------------------------------------------------------------------------
# Shortfalls and their reasons.

SHORT_POOLS = {
    "language": (
        [proposal("P1", language="es")],
        [reviewer("R1", languages=frozenset({"es"})), reviewer("R2")],
        (),
        "only 1 reviewer reads 'es'",
    ),
    "nobody reads the language": (
        [proposal("P1", language="eu")],
        [reviewer("R1")],
        (),
        "no reviewer reads 'eu'",
    ),
    "speaker": (
        [proposal("P1", speaker_emails=("r1@x.org",))],
        [reviewer("R1", email="r1@x.org"), reviewer("R2")],
        (),
        "1 reviewer is a speaker on it",
    ),
    "declared conflicts": (
        [proposal("P1")],
        [reviewer(f"R{i}", conflicts=frozenset({"P1"})) for i in range(3)],
        (),
        "3 reviewers declared a conflict with it",
    ),
    "excluded": ([proposal("P1")], [reviewer("R1"), reviewer("R2")], [("P1", "R1")], "excluded"),
    "affiliation": (
        [proposal("P1", speaker_affiliations=("Acme",))],
        [reviewer("R1", affiliation="acme"), reviewer("R2", affiliation="ACME")],
        (),
        "2 reviewers share an affiliation with a speaker",
    ),
    "email domain": (
        [proposal("P1", speaker_emails=("a@acme.io",))],
        [reviewer("R1", email="b@acme.io"), reviewer("R2")],
        (),
        "1 reviewer shares an email domain with a speaker",
    ),
    "capacity": (
        [proposal("P1"), proposal("P2")],
        [reviewer("R1", max_load=1), reviewer("R2", max_load=1)],
        (),
        "at capacity",
    ),
}


@pytest.mark.parametrize(
    ("proposals", "reviewers", "excluded", "reason"), SHORT_POOLS.values(), ids=SHORT_POOLS
)
def test_a_short_proposal_gets_a_shortfall_saying_why(
    proposals: list[assignment.ProposalProfile],
    reviewers: list[assignment.ReviewerProfile],
    excluded: list[Pair],
    reason: str,
) -> None:
    plan = assignment.assign(
        proposals=proposals, reviewers=reviewers, per_proposal=2, excluded=excluded
    )

    reasons = " / ".join(r for s in plan.shortfalls for r in s.reasons)
    assert plan.shortfalls
    assert reason in reasons


def test_a_shortfall_counts_what_the_proposal_got() -> None:
    pool = [reviewer("R1"), reviewer("R2")]

    plan = assignment.assign(proposals=[proposal("P1")], reviewers=pool, per_proposal=3)

    assert plan.shortfalls == (
        assignment.Shortfall(
            proposal="P1", wanted=3, got=2, reasons=("only 2 reviewers read 'en'",)
        ),
    )


def test_a_fully_staffed_pool_reports_no_shortfall() -> None:
    pool = [reviewer(f"R{i}") for i in range(3)]

    plan = assignment.assign(proposals=[proposal("P1")], reviewers=pool, per_proposal=3)

    assert plan.shortfalls == ()


# ---------------------------------------------------------------------------------------------
# Distinctness, existing work, capacity.


def test_each_proposal_gets_distinct_reviewers() -> None:
    pool = [reviewer(f"R{i}") for i in range(3)]

    plan = assignment.assign(
        proposals=[proposal("P1"), proposal("P2")], reviewers=pool, per_proposal=3
    )

    assert assigned(plan) == {"P1": {"R0", "R1", "R2"}, "P2": {"R0", "R1", "R2"}}


def test_existing_assignments_count_towards_k_and_only_the_gap_is_filled() -> None:
    pool = [reviewer(f"R{i}") for i in range(4)]

    plan = assignment.assign(
        proposals=[proposal("P1")], reviewers=pool, per_proposal=2, existing=[("P1", "R3")]
    )

    assert len(plan.new) == 1
    assert plan.new[0][1] != "R3"


def test_existing_assignments_count_towards_loads() -> None:
    pool = [reviewer("busy"), reviewer("idle")]
    existing = [("P1", "busy"), ("P2", "busy")]

    plan = assignment.assign(
        proposals=[proposal("P1"), proposal("P2"), proposal("P3")],
        reviewers=pool,
        per_proposal=1,
        existing=existing,
    )

    assert plan.new == (("P3", "idle"),)
    assert dict(plan.loads) == {"busy": 2, "idle": 1}


def test_existing_assignments_are_kept_even_when_a_rule_now_forbids_them() -> None:
    pool = [reviewer("R1", conflicts=frozenset({"P1"})), reviewer("R2")]

    plan = assignment.assign(
        proposals=[proposal("P1")], reviewers=pool, per_proposal=1, existing=[("P1", "R1")]
    )

    assert plan.new == ()
    assert plan.loads["R1"] == 1


def test_existing_pairs_naming_unknown_keys_are_ignored() -> None:
    pool = [reviewer("R1")]

    plan = assignment.assign(
        proposals=[proposal("P1")],
        reviewers=pool,
        per_proposal=1,
        existing=[("gone", "R1"), ("P1", "left")],
    )

    assert plan.new == (("P1", "R1"),)
    assert dict(plan.loads) == {"R1": 1}


def test_loads_list_every_reviewer_including_idle_ones() -> None:
    pool = [reviewer("R1"), reviewer("R2", languages=frozenset({"de"}))]

    plan = assignment.assign(proposals=[proposal("P1")], reviewers=pool, per_proposal=1)

    assert dict(plan.loads) == {"R1": 1, "R2": 0}


def test_rerunning_with_the_plan_as_existing_adds_nothing() -> None:
    proposals, reviewers = random_pool(random.Random(3), n_proposals=60, n_reviewers=9)
    first = assignment.assign(proposals=proposals, reviewers=reviewers, per_proposal=3)

    second = assignment.assign(
        proposals=proposals, reviewers=reviewers, per_proposal=3, existing=first.new
    )

    assert second.new == ()
    assert second.loads == first.loads


def test_max_load_is_never_exceeded() -> None:
    pool = [reviewer("small", max_load=1), reviewer("big")]

    plan = assignment.assign(
        proposals=[proposal(f"P{i}") for i in range(5)], reviewers=pool, per_proposal=1
    )

    assert dict(plan.loads) == {"small": 1, "big": 4}


def test_a_reviewer_already_at_max_load_gets_nothing_new() -> None:
    pool = [reviewer("full", max_load=1), reviewer("other")]

    plan = assignment.assign(
        proposals=[proposal("P1"), proposal("P2"), proposal("P3")],
        reviewers=pool,
        per_proposal=1,
        existing=[("P1", "full")],
    )

    assert {r for _, r in plan.new} == {"other"}


def test_a_talk_is_handed_on_to_free_the_only_reviewer_a_scarce_talk_can_have() -> None:
    # "en-talk" is scarcer on paper (two candidates against three), so the greedy pass serves it
    # first and gives it the idle polyglot; the German talk's other readers have no room at all.
    # Only moving "en-talk" to "english" seats a reviewer on "de-talk".
    pool = [
        reviewer("polyglot", languages=frozenset({"en", "de"}), max_load=1),
        reviewer("english", max_load=5),
        reviewer("full-1", languages=frozenset({"de"}), max_load=0),
        reviewer("full-2", languages=frozenset({"de"}), max_load=0),
    ]
    proposals = [proposal("en-talk"), proposal("de-talk", language="de"), proposal("old")]

    plan = assignment.assign(
        proposals=proposals, reviewers=pool, per_proposal=1, existing=[("old", "english")]
    )

    assert plan.new == (("de-talk", "polyglot"), ("en-talk", "english"))


@pytest.mark.parametrize(
    "call",
    [
        {"per_proposal": -1},
        {"reviewers": [reviewer("R"), reviewer("R")]},
        {"proposals": [proposal("P"), proposal("P")]},
        {"reviewers": [reviewer("R", max_load=-1)]},
    ],
    ids=["negative k", "duplicate reviewer", "duplicate proposal", "negative max_load"],
)
def test_invalid_input_is_refused(call: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "proposals": [proposal("P")],
        "reviewers": [reviewer("R")],
        "per_proposal": 1,
    }
    arguments.update(call)

    with pytest.raises(ValueError, match=r"."):
        assignment.assign(**arguments)


# ---------------------------------------------------------------------------------------------
# Balance and tracks.


def test_loads_differ_by_at_most_one_when_everybody_can_review_everything() -> None:
    pool = [reviewer(f"R{i}") for i in range(7)]

    plan = assignment.assign(
        proposals=[proposal(f"P{i}") for i in range(10)], reviewers=pool, per_proposal=3
    )

    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1


def test_work_flows_around_a_scarce_language_to_keep_loads_even() -> None:
    # Only R0 reads Spanish: it should get the Spanish talks and fewer English ones.
    pool = [reviewer("R0", languages=frozenset({"en", "es"})), reviewer("R1"), reviewer("R2")]
    proposals = [proposal(f"E{i}") for i in range(6)] + [
        proposal(f"S{i}", language="es") for i in range(3)
    ]

    plan = assignment.assign(proposals=proposals, reviewers=pool, per_proposal=1)

    assert dict(plan.loads) == {"R0": 3, "R1": 3, "R2": 3}


@pytest.mark.parametrize(
    "keys", [("P1", "P2", "P3"), ("talk-a", "talk-b", "talk-c"), ("web-1", "web-2", "data-1")]
)
def test_track_preference_is_honoured_when_it_costs_no_balance(keys: tuple[str, str, str]) -> None:
    # The keys only change the order in which ties are met; the best plan is the same.
    web_1, web_2, data_1 = keys
    pool = [
        reviewer("webby", tracks=frozenset({"web"})),
        reviewer("datum", tracks=frozenset({"data"})),
    ]
    proposals = [
        proposal(web_1, track="web"),
        proposal(web_2, track="web"),
        proposal(data_1, track="data"),
    ]

    plan = assignment.assign(proposals=proposals, reviewers=pool, per_proposal=1)

    assert set(plan.new) == {(web_1, "webby"), (web_2, "webby"), (data_1, "datum")}


def test_track_preference_gives_way_to_balance() -> None:
    pool = [reviewer("webby", tracks=frozenset({"web"})), reviewer("other")]
    proposals = [proposal(f"P{i}", track="web") for i in range(4)]

    plan = assignment.assign(proposals=proposals, reviewers=pool, per_proposal=1)

    assert dict(plan.loads) == {"other": 2, "webby": 2}


def test_the_same_input_in_another_order_gives_the_same_plan() -> None:
    rng = random.Random(11)
    proposals, reviewers = random_pool(rng, n_proposals=80, n_reviewers=10)
    existing = [(p.key, r.key) for p, r in zip(proposals[:10], reviewers, strict=False)]
    plan = assignment.assign(
        proposals=proposals, reviewers=reviewers, per_proposal=3, existing=existing
    )

    rng.shuffle(proposals)
    rng.shuffle(reviewers)
    rng.shuffle(existing)
    again = assignment.assign(
        proposals=proposals, reviewers=reviewers, per_proposal=3, existing=existing
    )

    assert again == plan


_PLAN_IN_A_FRESH_PROCESS = """
import random, sys
sys.path.insert(0, sys.argv[1])
from reviews.domain import assignment as a
rng = random.Random(5)
langs, tracks = ("en", "es", "de"), ("web", "data", "ops")
reviewers = [
    a.ReviewerProfile(
        key=f"R{i}",
        languages=frozenset(rng.sample(langs, rng.randrange(1, 4))),
        tracks=frozenset(rng.sample(tracks, rng.randrange(3))),
        email=f"r{i}@{rng.choice(('acme.io', 'beta.org', 'gmail.com'))}",
    )
    for i in range(12)
]
proposals = [
    a.ProposalProfile(
        key=f"P{i}",
        language=rng.choice(langs),
        track=rng.choice(tracks),
        speaker_emails=(f"s{i}@{rng.choice(('acme.io', 'beta.org', 'gmail.com'))}",),
    )
    for i in range(120)
]
print(a.assign(proposals=proposals, reviewers=reviewers, per_proposal=3))
"""


def test_the_plan_does_not_depend_on_the_interpreters_hash_seed() -> None:
    # Sets of strings iterate in a per-process order, and hash() differs between processes;
    # a plan that leaned on either would change from one run of the command to the next.
    root = str(Path(__file__).resolve().parents[2])

    outputs = {
        subprocess.run(
            [sys.executable, "-c", _PLAN_IN_A_FRESH_PROCESS, root],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }

    assert len(outputs) == 1
    assert "AssignmentPlan(new=((" in outputs.pop()


# ---------------------------------------------------------------------------------------------
# Random pools and an independent max-flow oracle.

LANGS = ("en", "es", "de")
DOMAINS = ("acme.io", "beta.org", "gmail.com", "proton.me")
AFFILIATIONS = ("", "Acme", "ACME ", "Beta Corp", "beta corp.")


def random_pool(
    rng: random.Random, *, n_proposals: int, n_reviewers: int
) -> tuple[list[assignment.ProposalProfile], list[assignment.ReviewerProfile]]:
    keys = [f"P{i:03d}" for i in range(n_proposals)]
    reviewers = [
        reviewer(
            f"R{i:02d}",
            languages=frozenset({"en"} | set(rng.sample(LANGS, rng.randrange(3)))),
            tracks=frozenset(rng.sample(("web", "data"), rng.randrange(3))),
            email=f"r{i}@{rng.choice(DOMAINS)}",
            affiliation=rng.choice(AFFILIATIONS),
            conflicts=frozenset(rng.sample(keys, min(len(keys), rng.randrange(3)))),
        )
        for i in range(n_reviewers)
    ]
    proposals = [
        proposal(
            key,
            language=rng.choices(LANGS, (8, 1, 1))[0],
            track=rng.choice(("", "web", "data")),
            speaker_emails=(f"s{key}@{rng.choice(DOMAINS)}",),
            speaker_affiliations=(rng.choice(AFFILIATIONS),),
        )
        for key in keys
    ]
    return proposals, reviewers


def build_pool(
    *,
    seed: int,
    n_proposals: int,
    n_reviewers: int,
    per_proposal: int,
    free_for_all: bool = False,
    tight: bool = False,
) -> dict[str, Any]:
    """A random pool from a seed: Hypothesis shrinks the sizes, the seed varies the content.

    Building from `random.Random` rather than one Hypothesis draw per field keeps a few hundred
    examples within the test budget.
    """
    rng = random.Random(seed)
    keys = [f"P{i:02d}" for i in range(n_proposals)]
    if free_for_all:
        return {
            "proposals": [proposal(k, language=rng.choice(LANGS)) for k in keys],
            "reviewers": [
                reviewer(f"R{i:02d}", languages=frozenset(LANGS)) for i in range(n_reviewers)
            ],
            "per_proposal": per_proposal,
            "existing": [],
            "excluded": [],
        }
    emails = [f"u{i}@{rng.choice(DOMAINS)}" for i in range(n_reviewers)]
    reviewers = [
        reviewer(
            f"R{i:02d}",
            languages=frozenset(rng.sample(LANGS, rng.choice((0, 1, 1, 2, 3)))),
            tracks=frozenset(rng.sample(("web", "data"), rng.randrange(3))),
            max_load=rng.choice((1, 2, 3) if tight else (None, None, 0, 1, 2, 3, 5, 8)),
            email=emails[i],
            affiliation=rng.choice(AFFILIATIONS),
            conflicts=frozenset(rng.sample(keys, min(len(keys), rng.randrange(4)))),
        )
        for i in range(n_reviewers)
    ]
    speaker_pool = [*emails, "x@acme.io", "y@gmail.com", "z@beta.org", "w@proton.me"]
    proposals = [
        proposal(
            key,
            language=rng.choice(LANGS),
            track=rng.choice(("", "web", "data")),
            speaker_emails=tuple(
                e.upper() if rng.random() < 0.3 else e
                for e in rng.sample(speaker_pool, rng.randrange(3))
            ),
            speaker_affiliations=tuple(rng.sample(AFFILIATIONS, rng.randrange(3))),
        )
        for key in keys
    ]
    pairs = [(p, r.key) for p in keys for r in reviewers]
    return {
        "proposals": proposals,
        "reviewers": reviewers,
        "per_proposal": per_proposal,
        "existing": rng.sample(pairs, min(len(pairs), rng.randrange(16))),
        "excluded": rng.sample(pairs, min(len(pairs), rng.randrange(16))),
    }


def pools(*, free_for_all: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        build_pool,
        seed=st.integers(0, 2**32 - 1),
        n_proposals=st.integers(0, 40),
        n_reviewers=st.integers(0, 12),
        per_proposal=st.integers(0, 4),
        free_for_all=st.just(free_for_all),
    )


def max_flow(pool: dict[str, Any], *, load_ceiling: int | None = None) -> int:
    """Slots fillable on top of `existing`, by scipy's max flow over `eligible` (the oracle)."""
    proposals: Sequence[assignment.ProposalProfile] = pool["proposals"]
    reviewers: Sequence[assignment.ReviewerProfile] = pool["reviewers"]
    existing = set(pool["existing"])
    excluded = set(pool["excluded"])
    held = Counter(p for p, _ in existing)
    load = Counter(r for _, r in existing)
    n_p, n_r = len(proposals), len(reviewers)
    sink = n_p + n_r + 1
    edges: dict[tuple[int, int], int] = {}
    for i, p in enumerate(proposals, start=1):
        edges[0, i] = max(pool["per_proposal"] - held[p.key], 0)
        for j, r in enumerate(reviewers, start=n_p + 1):
            pair = (p.key, r.key)
            free = pair not in existing and pair not in excluded
            if free and assignment.eligible(reviewer=r, proposal=p):
                edges[i, j] = 1
    for j, r in enumerate(reviewers, start=n_p + 1):
        ceiling = n_p if r.max_load is None else r.max_load
        if load_ceiling is not None:
            ceiling = min(ceiling, load_ceiling)
        edges[j, sink] = max(ceiling - load[r.key], 0)
    rows, cols = zip(*edges, strict=True) if edges else ((), ())
    caps = list(edges.values())
    graph = csr_matrix((np.array(caps, dtype=np.int32), (rows, cols)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, 0, sink).flow_value)


def smallest_possible_max_load(pool: dict[str, Any]) -> int:
    """The lowest load ceiling under which the oracle still reaches full coverage."""
    held = Counter(r for _, r in set(pool["existing"]))
    best = max_flow(pool)
    ceiling = 0
    while ceiling < len(pool["proposals"]) and max_flow(pool, load_ceiling=ceiling) < best:
        ceiling += 1
    return max([ceiling, *held.values()])


def plan_for(pool: dict[str, Any]) -> assignment.AssignmentPlan:
    return assignment.assign(**pool)


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(pools())
def test_new_pairs_respect_every_rule_and_the_exclusions(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    reviewers = {r.key: r for r in pool["reviewers"]}
    proposals = {p.key: p for p in pool["proposals"]}
    for p, r in plan.new:
        assert assignment.eligible(reviewer=reviewers[r], proposal=proposals[p])
        assert (p, r) not in set(pool["excluded"])
        assert (p, r) not in set(pool["existing"])


@PROPERTY
@given(pools())
def test_no_new_pair_pushes_a_reviewer_beyond_max_load(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    gained = {r for _, r in plan.new}
    for r in pool["reviewers"]:
        if r.key in gained and r.max_load is not None:
            assert plan.loads[r.key] <= r.max_load


@PROPERTY
@given(pools())
def test_proposals_get_distinct_reviewers_and_never_more_than_k_new(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    assert len(set(plan.new)) == len(plan.new)
    assert list(plan.new) == sorted(plan.new)
    existing = Counter(p for p, _ in set(pool["existing"]))
    for p, count in Counter(p for p, _ in plan.new).items():
        assert existing[p] + count <= pool["per_proposal"]


@PROPERTY
@given(pools())
def test_exactly_the_short_proposals_have_a_shortfall_with_reasons(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    held = assigned(plan, set(pool["existing"]))
    short = {
        p.key: len(held.get(p.key, ()))
        for p in pool["proposals"]
        if len(held.get(p.key, ())) < pool["per_proposal"]
    }
    assert {s.proposal: s.got for s in plan.shortfalls} == short
    assert all(s.reasons and s.wanted == pool["per_proposal"] for s in plan.shortfalls)


@PROPERTY
@given(pools())
def test_existing_pairs_are_kept_and_counted_in_loads(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    expected = Counter(r for _, r in [*set(pool["existing"]), *plan.new])
    assert dict(plan.loads) == {r.key: expected[r.key] for r in pool["reviewers"]}


@PROPERTY
@given(pools())
def test_coverage_is_the_maximum_any_plan_reaches(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    assert len(plan.new) == max_flow(pool)


@PROPERTY
@given(pools())
def test_the_heaviest_load_is_as_light_as_any_plan_allows(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    best = smallest_possible_max_load(pool)
    assert max(plan.loads.values(), default=0) == (best if pool["reviewers"] else 0)


@PROPERTY
@given(pools())
def test_no_chain_of_hand_overs_could_move_work_from_heavy_to_light(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    reviewers = {r.key: r for r in pool["reviewers"]}
    proposals = {p.key: p for p in pool["proposals"]}
    excluded = set(pool["excluded"])
    on = assigned(plan, set(pool["existing"]))
    edges: dict[str, set[str]] = {r: set() for r in reviewers}
    for p, giver in plan.new:
        for taker, r in reviewers.items():
            free = taker not in on[p] and (p, taker) not in excluded
            if free and assignment.eligible(reviewer=r, proposal=proposals[p]):
                edges[giver].add(taker)
    for source in reviewers:
        reached: set[str] = set()
        todo = [source]
        while todo:
            for nxt in edges[todo.pop()] - reached:
                reached.add(nxt)
                todo.append(nxt)
        for target in reached:
            cap = reviewers[target].max_load
            if cap is None or plan.loads[target] < cap:
                assert plan.loads[target] >= plan.loads[source] - 1


@PROPERTY
@given(pools(free_for_all=True))
def test_an_unconstrained_pool_fills_every_slot_with_loads_within_one(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    k = pool["per_proposal"]
    if len(pool["reviewers"]) >= k:
        assert len(plan.new) == k * len(pool["proposals"])
        assert plan.shortfalls == ()
    loads = list(plan.loads.values())
    assert max(loads, default=0) - min(loads, default=0) <= 1


@PROPERTY
@given(pools())
def test_rerunning_on_a_random_pool_adds_nothing(pool: dict[str, Any]) -> None:
    plan = plan_for(pool)

    again = plan_for({**pool, "existing": [*pool["existing"], *plan.new]})

    assert again.new == ()


@PROPERTY
@given(pools(), st.randoms(use_true_random=False))
def test_a_random_pool_in_any_order_gives_the_same_plan(
    pool: dict[str, Any], rng: random.Random
) -> None:
    plan = plan_for(pool)

    shuffled = {k: rng.sample(v, len(v)) if isinstance(v, list) else v for k, v in pool.items()}
    assert plan_for(shuffled) == plan
