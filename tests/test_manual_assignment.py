"""Chairs assign and unassign by hand: eligibility as the engine's, refusals that name the
proposal and the reason, pins the engine keeps, audit rows, reasons shown, query budgets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models as review_models
from reviews.services import assignment
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _world(reviewers: int = 3, proposals: int = 1) -> dict[str, Any]:
    c = factories.call("pycon")
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    people = []
    for i in range(reviewers):
        # Own mail domains: a domain shared with the speakers (example.org) is a conflict.
        r = factories.user(f"rev{i}", first_name=f"Reviewer{i}", email=f"rev{i}@home{i}.example")
        factories.member(c, r, "reviewer")
        people.append(r)
    ps = [
        factories.proposal(c, factories.user(f"speaker{i}"), title=f"Talk {i}")
        for i in range(proposals)
    ]
    client = Client()
    client.force_login(chair)
    return {"call": c, "chair": chair, "reviewers": people, "proposals": ps, "client": client}


def _panel_url(w: dict[str, Any], p: cfp_models.Proposal) -> str:
    return reverse("chair:proposal_reviewers", args=[w["call"].slug, p.code])


def _post(w: dict[str, Any], p: cfp_models.Proposal, reviewer: Any, action: str, **kw: Any) -> Any:
    return w["client"].post(_panel_url(w, p), {"reviewer": reviewer.pk, "action": action}, **kw)


def test_a_chair_assigns_by_hand_and_the_pair_is_pinned_with_an_audit_row() -> None:
    w = _world()
    p, r = w["proposals"][0], w["reviewers"][1]

    response = _post(w, p, r, "assign", headers=HX)

    row = review_models.Assignment.objects.get(proposal=p, reviewer=r)
    assert (row.manual, row.pinned_by_id, row.reasons) == (True, w["chair"].pk, ["manual"])
    assert "Reviewer1" in response.content.decode()
    event = cfp_models.AuditEvent.objects.get(action="assignment.added_by_hand")
    assert (event.proposal_id, event.actor_id, event.data) == (
        p.pk,
        w["chair"].pk,
        {"reviewer": r.pk},
    )


def test_the_engine_never_moves_a_pinned_pair() -> None:
    w = _world(reviewers=4, proposals=3)
    p, r = w["proposals"][0], w["reviewers"][3]
    _post(w, p, r, "assign")

    for mode in ("total", "fair", "randomised"):
        assignment.assign_reviewers(
            call_id=w["call"].pk,
            per_proposal=2,
            actor_id=None,
            now=timezone.now(),
            mode=mode,
            q=0.5,
            seed=1,
        )
        assert review_models.Assignment.objects.filter(proposal=p, reviewer=r, manual=True).exists()


def test_an_unassigned_pair_is_not_given_back_by_a_run() -> None:
    w = _world(reviewers=2, proposals=1)
    p = w["proposals"][0]
    assignment.assign_reviewers(
        call_id=w["call"].pk, per_proposal=2, actor_id=None, now=timezone.now()
    )
    r = w["reviewers"][0]

    _post(w, p, r, "unassign")
    assignment.assign_reviewers(
        call_id=w["call"].pk, per_proposal=2, actor_id=None, now=timezone.now()
    )

    assert not review_models.Assignment.objects.filter(proposal=p, reviewer=r).exists()
    assert cfp_models.AuditEvent.objects.filter(action="assignment.removed_by_hand").count() == 1
    # Assigning by hand again lifts the chair's own block.
    _post(w, p, r, "assign")
    assert review_models.Assignment.objects.filter(proposal=p, reviewer=r, manual=True).exists()
    assert not review_models.Conflict.objects.filter(proposal=p, reviewer=r).exists()


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        ("declared", "has a conflict with it"),
        ("language", "does not read es"),
        ("speaker", "speaks on it"),
        ("affiliation", "shares an affiliation with a speaker"),
        ("domain", "shares an e-mail domain with a speaker"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_refusal_names_the_proposal_and_the_reason(setup: str, why: str, htmx: bool) -> None:
    w = _world()
    c, r = w["call"], w["reviewers"][0]
    owner = factories.user("spk", email="spk@acme-corp.example")
    cfp_models.Speaker.objects.update_or_create(
        user=owner, defaults={"name": "Spk", "email": owner.email, "affiliation": "ACME Corp"}
    )
    language = "es" if setup == "language" else "en"
    p = factories.proposal(c, owner, title="Targeted", language=language)
    if setup == "declared":
        review_models.Conflict.objects.create(proposal=p, reviewer=r, created_at=timezone.now())
    elif setup == "language":
        review_models.ReviewerSettings.objects.create(call=c, user=r, languages=["en"])
    elif setup == "speaker":
        r.email = owner.email
        r.save()
    elif setup == "affiliation":
        cfp_models.Speaker.objects.create(user=r, name="R", email=r.email, affiliation="acme corp")
    else:
        r.email = "someone@acme-corp.example"
        r.save()

    response = _post(w, p, r, "assign", headers=HX if htmx else {}, follow=not htmx)

    body = response.content.decode()
    assert f"{p.code} “Targeted”: Reviewer0 cannot review it: Reviewer0 {why}." in body
    assert not review_models.Assignment.objects.filter(proposal=p, reviewer=r).exists()
    # The select offers only reviewers the engine could pick.
    assert f'<option value="{r.pk}"' not in w["client"].get(_panel_url(w, p)).content.decode()


def test_unassigning_a_started_review_is_refused_with_the_reason() -> None:
    w = _world()
    p, r = w["proposals"][0], w["reviewers"][0]
    factories.assign(p, r)
    now = timezone.now()
    review_models.Review.objects.create(
        proposal=p, reviewer=r, call=w["call"], created_at=now, updated_at=now
    )

    body = _post(w, p, r, "unassign", headers=HX).content.decode()

    assert f"{p.code} “Talk 0”: Reviewer0 has started reviewing it" in body
    assert review_models.Assignment.objects.filter(proposal=p, reviewer=r).exists()


def test_the_panel_shows_each_assignments_reasons() -> None:
    w = _world(reviewers=2)
    p = w["proposals"][0]
    review_models.Bid.objects.create(
        call=w["call"],
        reviewer=w["reviewers"][0],
        proposal=p,
        level="eager",
        updated_at=timezone.now(),
    )
    assignment.assign_reviewers(
        call_id=w["call"].pk, per_proposal=2, actor_id=None, now=timezone.now()
    )

    body = w["client"].get(_panel_url(w, p)).content.decode()

    assert "eager bid" in body
    reasons = re.findall(r'class="assignment-reasons">([^<]+)<', body)
    assert len(reasons) == 2


def test_a_reviewer_page_assigns_by_code_and_refuses_an_unknown_one() -> None:
    w = _world()
    p, r = w["proposals"][0], w["reviewers"][2]
    url = reverse("chair:reviewer_assignments", args=[w["call"].slug, r.pk])

    ok = w["client"].post(url, {"code": p.code.lower(), "action": "assign"})
    bad = w["client"].post(url, {"code": "NOPE42", "action": "assign"})

    assert ok.status_code == 302
    assert review_models.Assignment.objects.filter(proposal=p, reviewer=r, manual=True).exists()
    assert bad.status_code == 400
    assert "Proposal NOPE42 is not in this call" in bad.content.decode()
    assert 'value="NOPE42"' in bad.content.decode()


def test_a_chair_attaches_past_talks_to_a_reviewers_profile() -> None:
    w = _world()
    r = w["reviewers"][0]
    url = reverse("chair:reviewer_assignments", args=[w["call"].slug, r.pk])

    w["client"].post(
        url, {"action": "past_talks", "reviewer": r.pk, "past_talks": "Async ORM\nHow it works."}
    )

    profile = review_models.ReviewerExpertise.objects.get(call=w["call"], reviewer=r)
    assert profile.past_talks == "Async ORM\nHow it works."
    assert cfp_models.AuditEvent.objects.filter(action="reviewer.past_talks").exists()


def test_the_run_control_calls_the_engine_in_the_chosen_mode() -> None:
    w = _world(reviewers=3, proposals=2)
    url = reverse("chair:run_assignment", args=[w["call"].slug])

    response = w["client"].post(
        url, {"mode": "randomised", "q": "0.75", "per_proposal": "2"}, follow=True
    )

    assert review_models.Assignment.objects.count() == 4
    event = cfp_models.AuditEvent.objects.get(action="reviewers.assigned")
    assert (event.data["mode"], event.data["q"]) == ("randomised", 0.75)
    assert "Assignment run" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{"mode": "magic"}, {"mode": "randomised", "q": "0"}, {"mode": "total", "per_proposal": "0"}],
)
def test_the_run_control_refuses_bad_input_with_a_message(data: dict[str, str]) -> None:
    w = _world()
    url = reverse("chair:run_assignment", args=[w["call"].slug])

    response = w["client"].post(url, data, follow=True)

    assert response.status_code == 200
    assert "flash-error" in response.content.decode()
    assert not review_models.Assignment.objects.exists()


# --- query budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_the_proposal_panel_has_a_fixed_query_budget(
    n: int, htmx: bool, assert_queries: Callable[..., Any]
) -> None:
    w = _world(reviewers=n + 1)
    p = w["proposals"][0]
    for r in w["reviewers"][:n]:
        factories.assign(p, r)

    with assert_queries(12 if htmx else 13):
        body = w["client"].get(_panel_url(w, p), headers=HX if htmx else {}).content.decode()

    assert len(re.findall(r'class="assignment-reasons"', body)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_the_reviewer_page_has_a_fixed_query_budget(
    n: int, assert_queries: Callable[..., Any]
) -> None:
    w = _world(proposals=n)
    r = w["reviewers"][0]
    for p in w["proposals"]:
        factories.assign(p, r)
    url = reverse("chair:reviewer_assignments", args=[w["call"].slug, r.pk])

    with assert_queries(8):
        body = w["client"].get(url).content.decode()

    assert len(re.findall(r'class="assignment-reasons"', body)) == n
