"""Reviewer management (issue 19) and the issue-23 leftovers: removing a reviewer, resending and
withdrawing invitations, a batch with one bad address, counts that agree after a re-run with
another K, and replacement seats whose reason names whom they replace."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.services import assignment, invitations, recusal
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ACCEPT = "http://testserver/review/x/invitation/TOKEN/"


def _reviewer(name: str) -> Any:
    # Speakers are at example.org: a reviewer there would share their domain (a conflict).
    return factories.user(name, email=f"{name}@reviewers.test")


def _world(
    proposals: int = 2, reviewers: int = 3, k: int = 2
) -> tuple[cfp_models.Call, list[cfp_models.Proposal], list[Any], Client]:
    c = factories.call("pycon")
    cfp_models.Call.objects.filter(pk=c.pk).update(reviews_per_proposal=k)
    ps = [
        factories.proposal(c, factories.user(f"sub{i}"), title=f"Talk {i}")
        for i in range(proposals)
    ]
    revs = [_reviewer(f"rev{i}") for i in range(reviewers)]
    for r in revs:
        factories.member(c, r, "reviewer")
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    client = Client()
    client.force_login(chair)
    return c, ps, revs, client


def _run(c: cfp_models.Call, k: int | None = None) -> None:
    assignment.assign_reviewers(call_id=c.pk, per_proposal=k, actor_id=None, now=timezone.now())


def _pairs(c: cfp_models.Call) -> dict[tuple[int, int], list[str]]:
    return {
        (pid, rid): list(reasons)
        for pid, rid, reasons in models.Assignment.objects.filter(proposal__call=c).values_list(
            "proposal_id", "reviewer_id", "reasons"
        )
    }


def _finish(p: cfp_models.Proposal, reviewer: Any) -> None:
    now = timezone.now()
    models.Review.objects.create(
        proposal=p,
        reviewer=reviewer,
        call=p.call,
        scores={"relevance": 4, "clarity": 3},
        score=6.0,
        proposal_version=p.version,
        created_at=now,
        updated_at=now,
    )


# --- replacement seats name whom they replace (issue 23 leftovers) -------------------------------


def test_a_replacement_after_a_recusal_names_the_reviewer_who_recused() -> None:
    c, (a, b), revs, _client = _world()
    _run(c)
    before = _pairs(c)
    leaver = next(r for r in revs if (a.pk, r.pk) in before)

    recusal.recuse_reviewer(
        call_id=c.pk, proposal_id=a.pk, reviewer_id=leaver.pk, reason="", now=timezone.now()
    )

    after = _pairs(c)
    new = [key for key in after if key not in before]
    assert len(new) == 1
    assert new[0][0] == a.pk
    assert after[new[0]][-1] == f"filled a gap after {leaver.first_name} recused"
    # Only that seat moved.
    assert {k for k in after if k[0] == b.pk} == {k for k in before if k[0] == b.pk}


def test_a_conflict_bid_refills_the_seat_it_freed_and_nothing_else_moves(
    django_capture_on_commit_callbacks: Any,
) -> None:
    c, (a, b), revs, _client = _world()
    cfp_models.Call.objects.filter(pk=c.pk).update(
        bidding_closes_at=timezone.now() + dt.timedelta(days=2)
    )
    _run(c)
    before = _pairs(c)
    bidder = next(r for r in revs if (a.pk, r.pk) in before)
    client = Client()
    client.force_login(bidder)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reviews:bid", args=[c.slug, a.code]), {"level": "conflict"}, headers=HX
        )

    after = _pairs(c)
    assert (a.pk, bidder.pk) not in after
    assert sum(1 for key in after if key[0] == a.pk) == 2  # K again
    new = [key for key in after if key not in before]
    assert len(new) == 1
    assert after[new[0]][-1] == f"filled a gap after {bidder.first_name} declared a conflict"
    assert {k for k in after if k[0] == b.pk} == {k for k in before if k[0] == b.pk}


# --- removing a reviewer ---------------------------------------------------------------------


def test_the_removal_page_says_what_will_happen_before_anything_does() -> None:
    c, (a, _b), revs, client = _world()
    _run(c)
    leaver = next(r for r in revs if (a.pk, r.pk) in _pairs(c))
    _finish(a, leaver)

    response = client.get(reverse("reviewers:remove", args=[c.slug, leaver.pk]))

    body = response.content.decode()
    assert "Their 1 finished review stays and keeps counting." in body
    assert cfp_models.Membership.objects.filter(call=c, user=leaver, role="reviewer").exists()


def test_removing_a_reviewer_keeps_finished_reviews_and_hands_open_seats_back() -> None:
    c, (_a, _b), revs, client = _world(proposals=2, reviewers=4)
    _run(c)
    pairs = _pairs(c)
    leaver = max(revs, key=lambda r: sum(1 for key in pairs if key[1] == r.pk))
    theirs = sorted(pid for pid, rid in pairs if rid == leaver.pk)
    _finish(cfp_models.Proposal.objects.get(pk=theirs[0]), leaver)

    response = client.post(reverse("reviewers:remove", args=[c.slug, leaver.pk]))

    assert response.status_code == 302
    assert not cfp_models.Membership.objects.filter(call=c, user=leaver, role="reviewer").exists()
    assert models.Review.objects.filter(reviewer=leaver, proposal_id=theirs[0]).exists()
    after = _pairs(c)
    assert (theirs[0], leaver.pk) in after  # the finished review's seat stays
    for pid in theirs[1:]:
        assert (pid, leaver.pk) not in after
        replacement = [r for (p, rid), r in after.items() if p == pid and (p, rid) not in pairs]
        assert replacement
        assert replacement[0][-1] == f"filled a gap after {leaver.first_name} left"
    event = cfp_models.AuditEvent.objects.get(call=c, action="reviewer.removed")
    assert event.data["kept_reviews"] == 1


def test_removing_someone_who_does_not_review_the_call_is_not_found() -> None:
    c, _ps, _revs, client = _world()
    stranger = _reviewer("stranger")

    response = client.post(reverse("reviewers:remove", args=[c.slug, stranger.pk]))

    assert response.status_code == 404


# --- invitations -------------------------------------------------------------------------------


def _invite(c: cfp_models.Call, *emails: str) -> invitations.InviteOutcome:
    return invitations.invite_reviewers(
        call_id=c.pk, emails=emails, invited_by_id=None, accept_url=ACCEPT, now=timezone.now()
    )


def test_one_bad_address_in_a_batch_is_reported_by_itself_and_the_rest_are_invited() -> None:
    c, _ps, _revs, client = _world()

    response = client.post(
        reverse("reviewers:list", args=[c.slug]),
        {"emails": "ada@example.net, not-an-address, bea@example.net"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert set(models.Invitation.objects.values_list("email", flat=True)) == {
        "ada@example.net",
        "bea@example.net",
    }
    assert "<code>not-an-address</code>" in body
    # The bad one stays in the box to be corrected; the good ones are not typed again.
    assert "not-an-address</textarea>" in body
    assert "Invitations sent to 2 people." in body


def test_only_bad_addresses_invite_nobody_and_keep_the_text() -> None:
    c, _ps, _revs, client = _world()

    response = client.post(reverse("reviewers:list", args=[c.slug]), {"emails": "nope, nada"})

    assert response.status_code == 400
    assert "These are not e-mail addresses: nope, nada" in response.content.decode()
    assert not models.Invitation.objects.exists()


def test_resending_sends_a_new_link_and_the_old_one_stops_working() -> None:
    c, _ps, _revs, client = _world()
    _invite(c, "ada@example.net")
    old = models.Invitation.objects.get()

    response = client.post(reverse("reviewers:resend", args=[c.slug, old.pk]))

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.expires_at <= timezone.now()
    new = models.Invitation.objects.exclude(pk=old.pk).get()
    assert new.expires_at > timezone.now()
    assert cfp_models.EmailOutbox.objects.filter(key=f"invite:reviewer:{new.pk}").exists()


def test_withdrawing_an_invitation_removes_its_link_and_its_unsent_mail() -> None:
    c, _ps, _revs, client = _world()
    _invite(c, "ada@example.net")
    inv = models.Invitation.objects.get()

    response = client.post(reverse("reviewers:revoke", args=[c.slug, inv.pk]))

    assert response.status_code == 302
    assert not models.Invitation.objects.exists()
    assert not cfp_models.EmailOutbox.objects.filter(key=f"invite:reviewer:{inv.pk}").exists()
    assert cfp_models.AuditEvent.objects.filter(
        call=c, action="reviewers.invitation_revoked"
    ).exists()


def test_another_calls_invitation_cannot_be_resent_or_withdrawn() -> None:
    c, _ps, _revs, client = _world()
    other = factories.call("other")
    _invite(other, "ada@example.net")
    inv = models.Invitation.objects.get()

    assert client.post(reverse("reviewers:resend", args=[c.slug, inv.pk])).status_code == 404
    assert client.post(reverse("reviewers:revoke", args=[c.slug, inv.pk])).status_code == 404
    assert models.Invitation.objects.filter(pk=inv.pk).exists()


@pytest.mark.parametrize("n", [1, 3])
def test_the_reviewers_page_runs_a_fixed_number_of_queries(
    n: int, django_assert_num_queries: Any
) -> None:
    c, _ps, _revs, client = _world(proposals=n, reviewers=n, k=1)
    _run(c)
    for i in range(n):
        _invite(c, f"guest{i}@example.net")
    client.get(reverse("reviewers:list", args=[c.slug]))

    # Session, user, membership; reviewers, their counts, settings, tracks; invitations; the
    # reviewers' leniency (full page only); the person for the navigation.
    with django_assert_num_queries(10):
        client.get(reverse("reviewers:list", args=[c.slug]))


# --- counts agree after a re-run with another K ----------------------------------------------


def _counts(c: cfp_models.Call, client: Client) -> dict[str, Any]:
    reviewers_page = client.get(reverse("reviewers:list", args=[c.slug])).context
    dashboard = client.get(reverse("chair:dashboard", args=[c.slug])).context
    shortlist = client.get(reverse("chair:shortlist", args=[c.slug])).context
    rows = shortlist["result"].rows
    return {
        "assigned (reviewers page)": sum(r.assigned for r in reviewers_page["reviewers"]),
        "assigned (dashboard)": sum(r.assigned for r in dashboard["reviewers"]),
        "done (reviewers page)": sum(r.done for r in reviewers_page["reviewers"]),
        "done (dashboard)": sum(r.done for r in dashboard["reviewers"]),
        "required (dashboard)": dashboard["progress"].overall.required,
        "reviews (shortlist)": sum(r.review_count for r in rows),
        "under-reviewed (shortlist)": sum(1 for r in rows if "under_reviewed" in r.flags),
    }


def _agree(c: cfp_models.Call, client: Client, k: int, under_reviewed: int) -> None:
    counts = _counts(c, client)
    assigned = models.Assignment.objects.filter(proposal__call=c).count()
    assert counts["assigned (reviewers page)"] == counts["assigned (dashboard)"] == assigned
    assert counts["done (reviewers page)"] == counts["done (dashboard)"] == 8
    assert counts["required (dashboard)"] == 4 * k
    assert counts["reviews (shortlist)"] == 8
    assert counts["under-reviewed (shortlist)"] == under_reviewed
    assert cfp_models.Call.objects.get(pk=c.pk).reviews_per_proposal == k


def test_progress_and_reviews_per_proposal_agree_after_a_rerun_with_another_k(
    django_capture_on_commit_callbacks: Any,
) -> None:
    c, _ps, revs, client = _world(proposals=4, reviewers=4, k=2)
    run = reverse("chair:run_assignment", args=[c.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(run, {"mode": "total", "per_proposal": "2"})
    for pid, rid in _pairs(c):
        _finish(cfp_models.Proposal.objects.get(pk=pid), next(r for r in revs if r.pk == rid))
    # Twice: extra reviews (issue 22) are requested after an aggregation, and only the next
    # snapshot counts them (the dashboard reads the snapshot's stored counts).
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("chair:aggregate", args=[c.slug]))
    _agree(c, client, k=2, under_reviewed=0)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(run, {"mode": "total", "per_proposal": "3"})

    # Two reviews each where three are now asked for: every proposal is under-reviewed.
    _agree(c, client, k=3, under_reviewed=4)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(run, {"mode": "total", "per_proposal": "2"})

    _agree(c, client, k=2, under_reviewed=0)
