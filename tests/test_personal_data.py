"""A person takes their data and leaves; chairs purge an archived call (issue 17).

The export holds everything about the person and nothing about anyone else; deleting the account
withdraws what is still open, anonymises what the programme record keeps, drops self-
identification at once and keeps reviews (anonymised) for the aggregates; a purge drops a call's
personal data once it is archived. Each writes audit rows, and reports, exports and aggregates
still work afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp.services import personal_data
from diversity import models as diversity_models
from diversity import services as diversity_services
from reviews import models as review_models
from reviews.services import aggregation
from tests import factories

pytestmark = pytest.mark.django_db

SAM_BIO = "Sam Quell bakes sourdough in Reykjavik"


@dataclass
class World:
    open_call: cfp_models.Call
    past_call: cfp_models.Call
    sam: Any
    rita: Any
    chad: Any
    open_proposal: cfp_models.Proposal
    decided_proposal: cfp_models.Proposal
    other_proposal: cfp_models.Proposal


def _review(p: cfp_models.Proposal, reviewer: Any, *, comment: str = "Solid.") -> None:
    now = timezone.now()
    review_models.Review.objects.create(
        proposal=p,
        reviewer=reviewer,
        call=p.call,
        scores={"relevance": 4, "clarity": 3},
        score=7.5,
        confidence=4,
        comment=comment,
        feedback="Nice topic.",
        created_at=now,
        updated_at=now,
    )


def world() -> World:
    now = timezone.now()
    open_call = factories.call("pycon")
    past_call = factories.call("past")
    sam = factories.user("sam", email="sam@example.org", first_name="Sam Quell")
    rita = factories.user("rita")
    chad = factories.user("chad")
    otto = factories.user("otto")
    for c in (open_call, past_call):
        factories.member(c, rita, "reviewer")
        factories.member(c, chad, "chair")
    open_p = factories.proposal(open_call, sam, title="Open talk", speaker_name="Sam Quell")
    cfp_models.Speaker.objects.filter(user=sam).update(bio=SAM_BIO, affiliation="Quell Ltd")
    decided = factories.proposal(past_call, sam, title="Decided talk")
    other = factories.proposal(open_call, otto, title="Otto's talk")
    cfp_models.Proposal.objects.filter(pk=decided.pk).update(published_decision="accepted")
    cfp_models.Call.objects.filter(pk=past_call.pk).update(
        opens_at=now - dt.timedelta(days=90), closes_at=now - dt.timedelta(days=30)
    )
    for p in (open_p, other, decided):
        _review(p, rita, comment=f"Rita on {p.title}")
    review_models.Bid.objects.create(
        call=open_call, reviewer=rita, proposal=other, level="eager", updated_at=now
    )
    diversity_models.Consent.objects.create(
        user=sam, version=diversity_models.CONSENT_VERSION, given_at=now
    )
    diversity_models.Answer.objects.create(
        user=sam, key="gender", value="woman", answered_at=now, value_changed_at=now
    )
    return World(open_call, past_call, sam, rita, chad, open_p, decided, other)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- export ----------------------------------------------------------------------------------


def test_the_export_holds_every_part_of_the_person() -> None:
    w = world()
    with_reset = cfp_models.EmailOutbox.objects.create(
        key=f"reset:{w.sam.pk}:abc",
        to="sam@example.org",
        subject="Reset",
        body="http://x/reset/SECRET-TOKEN/",
        created_at=timezone.now(),
    )

    response = _client(w.sam).get(reverse("my_data_export"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "sam@example.org"
    assert data["profile"]["bio"] == SAM_BIO
    assert {p["title"] for p in data["proposals"]} == {"Open talk", "Decided talk"}
    assert all(p["versions"] for p in data["proposals"])
    assert data["diversity"]["self_identification"][0]["value"] == "woman"
    assert data["diversity"]["consent"]["version"] == diversity_models.CONSENT_VERSION
    mail = [m for m in data["emails"] if m["subject"] == with_reset.subject]
    assert mail == [mail[0]]
    assert mail[0]["body"] is None
    assert "SECRET-TOKEN" not in response.content.decode()


def test_the_export_holds_nothing_about_anyone_else() -> None:
    w = world()

    sam = _client(w.sam).get(reverse("my_data_export")).content.decode()
    rita = json.loads(_client(w.rita).get(reverse("my_data_export")).content)

    assert "Otto" not in sam
    assert "Rita on" not in sam
    assert len(rita["reviews"]["reviews_written"]) == 3
    assert rita["reviews"]["bids"] == [
        {"call": w.open_call.name, "proposal": w.other_proposal.code, "level": "eager"}
    ]
    assert {r["comment"] for r in rita["reviews"]["reviews_written"]} == {
        "Rita on Open talk",
        "Rita on Otto's talk",
        "Rita on Decided talk",
    }
    assert "Sam Quell" not in json.dumps(rita)
    assert rita["proposals"] == []
    assert rita["diversity"]["self_identification"] == []


# --- deleting an account -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"password": "wrong", "confirm": "on"},
        {"password": factories.PASSWORD},
        {},
    ],
    ids=["wrong-password", "unconfirmed", "empty"],
)
def test_deleting_needs_the_password_and_the_confirmation(data: dict[str, str]) -> None:
    w = world()
    before = get_user_model().objects.get(pk=w.sam.pk)

    response = _client(w.sam).post(reverse("delete_account"), data)

    assert response.status_code == 400
    after = get_user_model().objects.get(pk=w.sam.pk)
    assert (after.email, after.is_active, after.username) == (
        before.email,
        before.is_active,
        before.username,
    )
    assert diversity_models.Answer.objects.filter(user=w.sam).exists()


def _delete(user: Any) -> Any:
    return _client(user).post(
        reverse("delete_account"), {"password": factories.PASSWORD, "confirm": "on"}
    )


def test_deleting_a_speaker_withdraws_open_proposals_and_anonymises_the_record() -> None:
    w = world()

    response = _delete(w.sam)

    assert response.status_code == 302
    open_p = cfp_models.Proposal.objects.get(pk=w.open_proposal.pk)
    decided = cfp_models.Proposal.objects.get(pk=w.decided_proposal.pk)
    assert open_p.state == cfp_models.ProposalState.WITHDRAWN
    assert decided.state == cfp_models.ProposalState.SUBMITTED
    assert decided.published_decision == "accepted"
    speaker = cfp_models.Speaker.objects.get(user_id=w.sam.pk)
    assert speaker.name == personal_data.ANONYMISED_SPEAKER
    assert (speaker.bio, speaker.affiliation) == ("", "")
    assert not diversity_models.Answer.objects.filter(user_id=w.sam.pk).exists()
    assert not diversity_models.Consent.objects.filter(user_id=w.sam.pk).exists()
    gone = get_user_model().objects.get(pk=w.sam.pk)
    assert (gone.email, gone.first_name, gone.is_active) == ("", "", False)
    assert authenticate(username="sam", password=factories.PASSWORD) is None
    assert "sam@example.org" not in json.dumps(
        list(cfp_models.EmailOutbox.objects.values("to", "body"))
    )
    actions = set(
        cfp_models.AuditEvent.objects.filter(actor_id=w.sam.pk).values_list("action", "call_id")
    )
    assert ("account.deleted", w.open_call.pk) in actions
    assert ("account.deleted", w.past_call.pk) in actions
    assert ("proposal.withdrawn", w.open_call.pk) in actions


def test_the_address_of_a_deleted_account_can_sign_up_again(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = world()
    _delete(w.sam)

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("signup"), {"name": "Sam", "email": "sam@example.org"})

    assert [m.to for m in mailoutbox] == [["sam@example.org"]]
    assert "/accounts/verify/" in mailoutbox[0].body


def test_a_deleted_reviewers_reviews_stay_for_the_aggregates_without_their_name() -> None:
    w = world()
    before = review_models.Review.objects.filter(call=w.open_call).count()

    _delete(w.rita)

    reviews = review_models.Review.objects.filter(call=w.open_call)
    assert reviews.count() == before
    assert {r.reviewer_id for r in reviews} == {w.rita.pk}
    placeholder = get_user_model().objects.get(pk=w.rita.pk)
    assert placeholder.first_name == ""
    assert placeholder.email == ""
    assert placeholder.username.startswith("erased-")
    assert not review_models.ReviewerSettings.objects.filter(user_id=w.rita.pk).exists()
    assert not review_models.Bid.objects.filter(reviewer_id=w.rita.pk).exists()


def test_reports_exports_and_aggregates_work_after_deletions() -> None:
    w = world()
    _delete(w.sam)
    _delete(w.rita)
    chair = _client(w.chad)

    aggregation.request_aggregation(call_id=w.open_call.pk, now=timezone.now())
    run = aggregation.run_aggregation(call_id=w.open_call.pk, now=timezone.now())
    pages = {
        name: chair.get(reverse(name, args=[w.open_call.slug])).status_code
        for name in ("chair:dashboard", "chair:shortlist", "chair:export_csv", "chair:export_json")
    }
    out = io.StringIO()
    call_command("export_proposals", "--call", w.open_call.slug, stdout=out)
    report = diversity_services.build_report(call_id=w.open_call.pk, now=timezone.now())

    assert run is not None
    assert pages == dict.fromkeys(pages, 200)
    assert {row["code"] for row in json.loads(out.getvalue())} >= {w.other_proposal.code}
    assert report is not None
    csv_response = chair.get(reverse("chair:export_csv", args=[w.open_call.slug]))
    csv_text = b"".join(csv_response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "Sam Quell" not in csv_text
    assert "sam@example.org" not in csv_text


# --- purging a call ----------------------------------------------------------------------------


def _purge(user: Any, slug: str, typed: str | None = None) -> Any:
    return _client(user).post(reverse("purge_call", args=[slug]), {"confirm": typed or slug})


def test_a_call_in_use_cannot_be_purged() -> None:
    w = world()
    cfp_models.Proposal.objects.filter(pk=w.open_proposal.pk).update(notes="Call me on 555")

    response = _purge(w.chad, w.open_call.slug)

    assert response.status_code == 400
    assert "Archive the call first" in response.content.decode()
    assert cfp_models.Proposal.objects.get(pk=w.open_proposal.pk).notes == "Call me on 555"
    assert not cfp_models.AuditEvent.objects.filter(action="call.personal_data_purged").exists()


@pytest.mark.parametrize("who", ["rita", "stranger"])
def test_only_the_calls_chairs_reach_the_purge(who: str) -> None:
    w = world()
    user = w.rita if who == "rita" else factories.user("zed")

    assert _client(user).get(reverse("purge_call", args=[w.past_call.slug])).status_code == 404
    assert _purge(user, w.past_call.slug).status_code == 404


def test_the_purge_asks_for_the_calls_name_first() -> None:
    w = world()
    cfp_models.Call.objects.filter(pk=w.past_call.pk).update(archived_at=timezone.now())

    response = _purge(w.chad, w.past_call.slug, typed="not-it")

    assert response.status_code == 400
    assert 'value="not-it"' in response.content.decode()
    assert not cfp_models.AuditEvent.objects.filter(action="call.personal_data_purged").exists()


def test_purging_an_archived_call_drops_its_personal_data_and_keeps_the_record() -> None:
    w = world()
    now = timezone.now()
    cfp_models.Proposal.objects.filter(pk=w.decided_proposal.pk).update(notes="Call me on 555")
    review_models.Invitation.objects.create(
        call=w.past_call,
        email="invitee@example.org",
        token_hash="h" * 64,
        created_at=now,
        expires_at=now + dt.timedelta(days=3),
    )
    cfp_models.Call.objects.filter(pk=w.past_call.pk).update(archived_at=now)
    reviews_before = review_models.Review.objects.filter(call=w.past_call).count()

    response = _purge(w.chad, w.past_call.slug)

    assert response.status_code == 302
    decided = cfp_models.Proposal.objects.get(pk=w.decided_proposal.pk)
    assert decided.notes == ""
    assert decided.published_decision == "accepted"
    assert not cfp_models.ProposalVersion.objects.filter(proposal=decided).exclude(notes="")
    assert not review_models.Invitation.objects.filter(call=w.past_call).exists()
    assert review_models.Review.objects.filter(call=w.past_call).count() == reviews_before
    event = cfp_models.AuditEvent.objects.get(action="call.personal_data_purged")
    assert (event.call_id, event.actor_id) == (w.past_call.pk, w.chad.pk)
    assert event.data["reviewer_invitations_dropped"] == 1
    out = io.StringIO()
    call_command("export_proposals", "--call", w.past_call.slug, stdout=out)
    assert w.decided_proposal.code in out.getvalue()


def test_the_data_page_lists_archived_calls_to_purge_for_their_chairs() -> None:
    w = world()
    cfp_models.Call.objects.filter(pk=w.past_call.pk).update(archived_at=timezone.now())

    chair_page = _client(w.chad).get(reverse("my_data")).content.decode()
    speaker_page = _client(w.sam).get(reverse("my_data")).content.decode()

    assert reverse("purge_call", args=[w.past_call.slug]) in chair_page
    assert reverse("purge_call", args=[w.open_call.slug]) not in chair_page
    assert "/purge/" not in speaker_page
    assert reverse("my_data_export") in speaker_page
    assert reverse("delete_account") in speaker_page
