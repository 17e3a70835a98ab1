"""Extra reviews after an aggregation and the consistency experiment, on a real call (issue 22)."""

from __future__ import annotations

import json
import re
import secrets
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.domain.assignment import pools
from reviews.services import review_plan
from tests import factories

pytestmark = pytest.mark.django_db

CHANCES = (0.97, 0.46, 0.6, 0.02)


def _reviewer(name: str) -> Any:
    u = factories.user(name, email=f"{name}@reviewers.test")
    return u


def _call(
    n_reviewers: int = 6, n_proposals: int = len(CHANCES)
) -> tuple[cfp_models.Call, list[cfp_models.Proposal], list[Any]]:
    c = factories.call("pycon", slots=2)
    cfp_models.Call.objects.filter(pk=c.pk).update(reviews_per_proposal=1)
    props = [
        factories.proposal(c, factories.user(f"sub{i}"), title=f"Talk number {i}")
        for i in range(n_proposals)
    ]
    revs = [_reviewer(f"rev{i}") for i in range(n_reviewers)]
    for r in revs:
        factories.member(c, r, "reviewer")
    return c, props, revs


def _reviewed(c: cfp_models.Call, p: cfp_models.Proposal, r: Any) -> None:
    now = timezone.now()
    models.Assignment.objects.create(proposal=p, reviewer=r, created_at=now)
    models.Review.objects.create(
        proposal=p,
        reviewer=r,
        call=c,
        scores={"relevance": 3, "clarity": 3},
        score=5.0,
        created_at=now,
        updated_at=now,
    )


def _snapshot(c: cfp_models.Call, props: list[cfp_models.Proposal]) -> None:
    now = timezone.now()
    run = models.AggregationRun.objects.create(
        call=c, state=models.RunState.DONE, requested_at=now, finished_at=now
    )
    order = sorted(range(len(props)), key=lambda i: -CHANCES[i])
    for rank, i in enumerate(order, start=1):
        models.ProposalScore.objects.create(
            run=run,
            proposal=props[i],
            review_count=1,
            calibrated=10 * CHANCES[i],
            low=10 * CHANCES[i] - 2,
            high=10 * CHANCES[i] + 2,
            rank=rank,
            p_in_slots=CHANCES[i],
        )


def _world() -> tuple[cfp_models.Call, list[cfp_models.Proposal], list[Any]]:
    c, props, revs = _call()
    for i, p in enumerate(props):
        _reviewed(c, p, revs[i])
    _snapshot(c, props)
    return c, props, revs


def _extra_pairs(c: cfp_models.Call) -> dict[str, list[str]]:
    rows = models.Assignment.objects.filter(proposal__call=c, extra=True)
    return dict(rows.values_list("proposal__code", "reasons"))


def test_only_uncertain_proposals_get_an_extra_review_with_the_chance_as_reason() -> None:
    c, props, _revs = _world()

    outcome = review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())

    extra = _extra_pairs(c)
    assert outcome.created == 2
    assert set(extra) == {props[1].code, props[2].code}
    assert extra[props[1].code][0] == "extra review: chance in slots 46 %"
    audit = cfp_models.AuditEvent.objects.get(call=c, action="reviews.extra_reviews_requested")
    assert audit.data["created"] == 2


def test_a_second_run_asks_for_nothing_until_the_extra_review_is_in() -> None:
    c, _props, _revs = _world()
    review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())

    again = review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())

    assert again.created == 0
    assert models.Assignment.objects.filter(extra=True).count() == 2


def test_switched_off_nobody_gets_an_extra_request() -> None:
    c, _props, _revs = _world()
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    review_plan.update_plan(
        call_id=c.pk, extra_reviews=False, extra_cap=5, actor_id=chair.pk, now=timezone.now()
    )

    outcome = review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())

    assert outcome.created == 0
    assert not models.Assignment.objects.filter(extra=True).exists()
    audit = cfp_models.AuditEvent.objects.get(call=c, action="reviews.extra_reviews_settings")
    assert audit.data["after"] == {"extra_reviews": False, "extra_cap": 5}


def test_the_cap_cannot_be_below_the_regular_reviews() -> None:
    c, _props, _revs = _world()
    cfp_models.Call.objects.filter(pk=c.pk).update(reviews_per_proposal=3)
    with pytest.raises(review_plan.UnableToChangePlan, match="below 3"):
        review_plan.update_plan(
            call_id=c.pk, extra_reviews=True, extra_cap=2, actor_id=None, now=timezone.now()
        )


def test_assignments_json_marks_extra_requests() -> None:
    c, props, _revs = _world()
    review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())
    out = StringIO()

    call_command("assignments", "--call", c.slug, "--format", "json", stdout=out)

    rows = json.loads(out.getvalue())
    extra = {r["proposal"] for r in rows if r["extra"]}
    assert extra == {props[1].code, props[2].code}
    assert sum(not r["extra"] for r in rows) == len(props)


def test_a_regular_run_keeps_the_extra_seats() -> None:
    from reviews.services import assignment

    c, _props, _revs = _world()
    review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())
    before = set(models.Assignment.objects.values_list("proposal_id", "reviewer_id", "extra"))

    assignment.assign_reviewers(call_id=c.pk, per_proposal=None, actor_id=None, now=timezone.now())

    after = set(models.Assignment.objects.values_list("proposal_id", "reviewer_id", "extra"))
    assert before == after


def test_the_extra_request_tops_the_reviewers_queue_without_the_chance() -> None:
    c, props, _revs = _world()
    review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())
    pid, rid = (
        models.Assignment.objects.filter(extra=True, proposal=props[1])
        .values_list("proposal_id", "reviewer_id")
        .get()
    )
    reviewer = models.Assignment.objects.filter(reviewer_id=rid).first()
    assert reviewer is not None
    # Give the same reviewer a regular, unstarted proposal too.
    regular = next(
        p
        for p in props
        if p.pk != pid
        and not models.Assignment.objects.filter(proposal=p, reviewer_id=rid).exists()
    )
    models.Assignment.objects.create(proposal=regular, reviewer_id=rid, created_at=timezone.now())
    client = Client()
    client.force_login(reviewer.reviewer)

    body = client.get(reverse("reviews:queue", kwargs={"slug": c.slug})).content.decode()

    rows = body[body.index("<tbody>") : body.index("</tbody>")].split("<tr")[1:]
    assert len(rows) == 2
    assert "Extra review requested" in rows[0]
    assert "Extra review requested" not in rows[1]
    assert "46 %" not in body
    assert "chance in slots" not in body


# -- The consistency experiment ---------------------------------------------------------------


# The experiment's salt for tests that do not depend on how it splits the committee.
SALT = "0123456789abcdef0123456789abcdef"


def _splitting_salt(reviewer_ids: list[int]) -> str:
    """The first salt that puts three of these six reviewers in each pool: the pools follow a
    hash of the reviewer's id, and ids differ from run to run (a fixed salt left everyone in
    one pool about one run in thirty)."""
    for i in range(10_000):
        salt = f"{i:032x}"
        if sum(pools.pool_of(str(r), salt=salt) for r in reviewer_ids) == len(reviewer_ids) // 2:
            return salt
    raise AssertionError("no salt splits the committee evenly")


def _experiment(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[cfp_models.Call, list[cfp_models.Proposal], Any]:
    c, props, revs = _call(n_reviewers=6, n_proposals=8)
    salt = _splitting_salt([r.pk for r in revs])
    monkeypatch.setattr(secrets, "token_hex", lambda _n: salt)
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    from reviews.services import assignment

    assignment.assign_reviewers(call_id=c.pk, per_proposal=None, actor_id=None, now=timezone.now())
    outcome = review_plan.start_experiment(
        call_id=c.pk, percent=50, actor_id=chair.pk, now=timezone.now()
    )
    assert outcome.duplicated == 4
    return c, props, chair


def test_a_duplicated_proposal_gets_k_reviewers_from_each_pool_and_never_shares_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, _props, _chair = _experiment(monkeypatch)
    salt = models.ReviewPlan.objects.get(call=c).experiment_salt
    duplicated = set(models.DuplicatedProposal.objects.values_list("proposal_id", flat=True))

    for pid in duplicated:
        reviewers = list(
            models.Assignment.objects.filter(proposal_id=pid).values_list("reviewer_id", flat=True)
        )
        by_pool = [pools.pool_of(str(r), salt=salt) for r in reviewers]
        assert sorted(by_pool) == [0, 1]
        assert len(set(reviewers)) == len(reviewers)
    audit = cfp_models.AuditEvent.objects.get(
        call=c, action="reviews.consistency_experiment_started"
    )
    assert audit.data["duplicated"] == 4


def test_the_experiment_starts_once(monkeypatch: pytest.MonkeyPatch) -> None:
    c, _props, chair = _experiment(monkeypatch)
    with pytest.raises(review_plan.UnableToChangePlan, match="already running"):
        review_plan.start_experiment(
            call_id=c.pk, percent=10, actor_id=chair.pk, now=timezone.now()
        )


def _strip(body: str, props: list[cfp_models.Proposal]) -> str:
    for p in props:
        body = body.replace(p.code, "CODE").replace(p.title, "TITLE")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r"hx-headers=\'[^\']*\'", "", body)


def test_no_reviewer_page_tells_a_duplicated_proposal_from_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, props, _chair = _experiment(monkeypatch)
    salt = models.ReviewPlan.objects.get(call=c).experiment_salt
    duplicated = set(models.DuplicatedProposal.objects.values_list("proposal_id", flat=True))
    compared = 0
    for r in cfp_models.Membership.objects.filter(call=c, role="reviewer"):
        client = Client()
        client.force_login(r.user)
        mine = list(
            models.Assignment.objects.filter(reviewer=r.user).values_list("proposal_id", flat=True)
        )
        pages = [reverse("reviews:queue", kwargs={"slug": c.slug})]
        screens: dict[bool, list[str]] = {True: [], False: []}
        for p in props:
            if p.pk in mine:
                url = reverse("reviews:screen", kwargs={"slug": c.slug, "code": p.code})
                body = client.get(url).content.decode()
                screens[p.pk in duplicated].append(_strip(body, props))
        for url in pages:
            body = client.get(url).content.decode()
            for word in ("duplicat", "pool", "consistency", "experiment", salt):
                assert word not in body.lower()
        for bodies in screens.values():
            for body in bodies:
                for word in ("duplicat", "pool", "consistency", "experiment", salt):
                    assert word not in body.lower()
        if screens[True] and screens[False]:
            # The screen of a duplicated proposal reads like any other's.
            assert screens[True][0] == screens[False][0]
            compared += 1
    assert compared, "no reviewer had both a duplicated and a regular proposal"


def test_consistency_report_prints_the_same_figures_as_json_and_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, _props, _chair = _experiment(monkeypatch)
    now = timezone.now()
    for a in models.Assignment.objects.filter(proposal__call=c):
        models.Review.objects.get_or_create(
            proposal_id=a.proposal_id,
            reviewer_id=a.reviewer_id,
            defaults={
                "call": c,
                "scores": {"relevance": 4, "clarity": 3},
                "score": 6.0,
                "created_at": now,
                "updated_at": now,
            },
        )
    out, text = StringIO(), StringIO()

    call_command("consistency_report", "--call", c.slug, "--format", "json", stdout=out)
    call_command("consistency_report", "--call", c.slug, "--format", "text", stdout=text)

    data = json.loads(out.getvalue())
    assert data["duplicated"] == 4
    assert data["compared"] == 4
    agreement = data["agreement"]
    assert 0 <= agreement["low"] <= agreement["estimate"] <= agreement["high"] <= 1
    assert f"{agreement['estimate']:.1%}" in text.getvalue()
    assert "run again" in data["reading"]


def test_the_chairs_page_reads_the_report_in_words_with_the_commands_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, _props, chair = _experiment(monkeypatch)
    now = timezone.now()
    for a in models.Assignment.objects.filter(proposal__call=c):
        models.Review.objects.get_or_create(
            proposal_id=a.proposal_id,
            reviewer_id=a.reviewer_id,
            defaults={
                "call": c,
                "scores": {"relevance": 4, "clarity": 3},
                "score": 6.0,
                "created_at": now,
                "updated_at": now,
            },
        )
    out = StringIO()
    call_command("consistency_report", "--call", c.slug, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    client = Client()
    client.force_login(chair)

    body = client.get(reverse("chair:consistency", kwargs={"slug": c.slug})).content.decode()

    reading = body[body.index('<p class="reading">') :]
    reading = " ".join(reading[: reading.index("</p>")].split())
    a = data["agreement"]
    pct = [round(100 * a[k]) for k in ("estimate", "low", "high")]
    assert (
        f"agreed on accept or reject for {pct[0]} % of the duplicated proposals"
        f" (plausibly between {pct[1]} % and {pct[2]} %)"
    ) in reading
    change = data["rerun_change"]
    if change is None:
        assert "run again" not in reading
    else:
        assert f"about {round(100 * change['estimate'])} % of the shortlist" in reading
        assert f"of {data['slots']} talks" in reading


def test_consistency_report_without_an_experiment_is_a_one_line_error() -> None:
    c, _props, _revs = _call()
    with pytest.raises(CommandError, match="no consistency experiment"):
        call_command("consistency_report", "--call", c.slug, "--format", "json")


def test_chairs_start_the_experiment_only_after_confirming() -> None:
    c, _props, _revs = _call()
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    client = Client()
    client.force_login(chair)
    url = reverse("chair:consistency", kwargs={"slug": c.slug})

    refused = client.post(url, {"percent": "25"})
    started = client.post(url, {"percent": "25", "confirm": "on"})

    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.content.decode()
    assert 'value="25"' in refused.content.decode()
    assert started.status_code == 302
    assert models.DuplicatedProposal.objects.filter(call=c).count() == 1
    page = client.get(url).content.decode()
    assert "Would a second committee pick the same talks?" in page


def test_chairs_see_the_extra_budget_used() -> None:
    c, _props, _revs = _world()
    review_plan.request_extra_reviews(call_id=c.pk, now=timezone.now())
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    client = Client()
    client.force_login(chair)

    body = client.get(reverse("chair:extra_reviews", kwargs={"slug": c.slug})).content.decode()

    assert "2 extra reviews requested (0 done) on 2 proposals." in body


# -- Query budgets: flat from one row to three ------------------------------------------------


def _rows(n: int) -> tuple[cfp_models.Call, Client]:
    c, props, revs = _call(n_reviewers=4, n_proposals=3)
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    now = timezone.now()
    models.ReviewPlan.objects.create(call=c, experiment_percent=50, experiment_salt=SALT)
    for p in props[:n]:
        models.DuplicatedProposal.objects.create(call=c, proposal=p, created_at=now)
        for r in revs:
            _reviewed(c, p, r)
        models.Assignment.objects.filter(proposal=p, reviewer=revs[0]).update(extra=True)
    client = Client()
    client.force_login(chair)
    return c, client


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize(
    ("name", "htmx", "budget"),
    [
        # Session, person, membership, then the page's own reads (plan, budget / the report).
        ("chair:extra_reviews", False, 10),
        ("chair:extra_reviews", True, 9),
        ("chair:consistency", False, 11),
        ("chair:consistency", True, 10),
    ],
)
def test_chair_pages_cost_the_same_queries_for_one_row_and_three(
    n: int, name: str, htmx: bool, budget: int, assert_queries: Any
) -> None:
    c, client = _rows(n)
    url = reverse(name, kwargs={"slug": c.slug})
    headers = {"HX-Request": "true", "HX-Target": "extra" if "extra" in name else "experiment"}

    with assert_queries(budget):
        response = client.get(url, headers=headers if htmx else {})

    assert response.status_code == 200
