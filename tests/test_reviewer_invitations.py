"""Inviting reviewers: the chair's reviewers page, the e-mailed link, and accepting it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models as review_models
from reviews.services import invitations
from tests import factories

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/review/[\w-]+/invitation/[\w-]+/)")


def _chair(c: cfp_models.Call) -> Client:
    chair = factories.user("chad")
    factories.member(c, chair, "chair")
    client = Client()
    client.force_login(chair)
    return client


def _invite(client: Client, c: cfp_models.Call, emails: str, **headers: str) -> Any:
    return client.post(
        reverse("reviewers:list", args=[c.slug]), {"emails": emails}, headers=headers
    )


def _link(email: str) -> str:
    """The accept path from the newest e-mail sent to `email`."""
    body = (
        cfp_models.EmailOutbox.objects.filter(to=email)
        .order_by("-id")
        .values_list("body", flat=True)[0]
    )
    found = LINK.search(body)
    assert found is not None, body
    return found.group(1)


def _person(username: str) -> tuple[Client, Any]:
    u = factories.user(username)
    client = Client()
    client.force_login(u)
    return client, u


def _is_reviewer(c: cfp_models.Call, u: Any) -> bool:
    return cfp_models.Membership.objects.filter(call=c, user=u, role="reviewer").exists()


def test_a_chair_invites_by_email_and_the_message_carries_a_link() -> None:
    c = factories.call()
    client = _chair(c)

    response = _invite(client, c, "new.reviewer@example.org")

    assert response.status_code == 302
    invitation = review_models.Invitation.objects.get(call=c)
    assert invitation.email == "new.reviewer@example.org"
    path = _link("new.reviewer@example.org")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    # Only the token's hash is stored: a copy of the database hands out no working links.
    assert invitation.token_hash != token
    assert token not in str(list(review_models.Invitation.objects.values()))


def test_several_addresses_separated_by_commas_and_lines_each_get_one_invitation() -> None:
    c = factories.call()
    client = _chair(c)

    _invite(client, c, "a@example.org, b@example.org\nc@example.org\na@example.org")

    assert sorted(review_models.Invitation.objects.values_list("email", flat=True)) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert cfp_models.EmailOutbox.objects.count() == 3


def test_only_bad_addresses_are_refused_with_the_typed_text_kept_and_nothing_sent() -> None:
    # A batch mixing good and bad addresses invites the good ones (issue 19; see
    # tests/test_reviewer_management.py); one with nothing good is refused as a whole.
    c = factories.call()
    client = _chair(c)

    response = _invite(client, c, "nobody-at-example.org, not-an-address")

    assert response.status_code == 400
    body = response.content.decode()
    assert "These are not e-mail addresses: nobody-at-example.org, not-an-address" in body
    assert "nobody-at-example.org, not-an-address" in body
    assert not review_models.Invitation.objects.exists()
    assert not cfp_models.EmailOutbox.objects.exists()


def test_an_htmx_invitation_answers_with_the_fragment_listing_it() -> None:
    c = factories.call()
    client = _chair(c)

    response = _invite(client, c, "xavier@example.org", **{"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Invitation sent to 1 person." in body
    assert "xavier@example.org" in body


def test_inviting_someone_who_reviews_already_is_skipped_and_said() -> None:
    c = factories.call()
    client = _chair(c)
    rita = factories.user("rita", email="rita@example.org")
    factories.member(c, rita, "reviewer")

    _invite(client, c, "rita@example.org")
    page = client.get(reverse("reviewers:list", args=[c.slug]))

    assert not review_models.Invitation.objects.exists()
    assert "Already reviewers, not invited again: rita@example.org" in page.content.decode()


def test_a_new_invitation_replaces_the_link_still_waiting() -> None:
    c = factories.call()
    client = _chair(c)
    _invite(client, c, "xavier@example.org")
    first = _link("xavier@example.org")

    _invite(client, c, "xavier@example.org")
    second = _link("xavier@example.org")
    person, _u = _person("xavier")

    assert first != second
    assert person.get(first).status_code == 410
    assert person.get(second).status_code == 200


def test_accepting_grants_the_reviewer_role_for_that_call_only_with_the_preferences() -> None:
    c = factories.call()
    other = factories.call("djangocon")
    _invite(_chair(c), c, "xavier@example.org")
    person, u = _person("xavier")

    response = person.post(
        _link("xavier@example.org"), {"languages": ["es"], "tracks": ["data"], "max_load": "7"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:queue", args=[c.slug])
    assert _is_reviewer(c, u)
    assert not _is_reviewer(other, u)
    settings = review_models.ReviewerSettings.objects.get(call=c, user=u)
    assert (settings.languages, settings.tracks, settings.max_load) == (["es"], ["data"], 7)
    assert person.get(reverse("reviews:queue", args=[c.slug])).status_code == 200
    assert person.get(reverse("reviews:queue", args=[other.slug])).status_code == 404


def test_the_accept_form_asks_languages_tracks_and_an_optional_maximum() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    person, _u = _person("xavier")

    body = person.get(_link("xavier@example.org")).content.decode()

    assert "Talk languages you can review" in body
    assert 'value="es"' in body
    assert "Tracks you prefer" in body
    assert 'value="data"' in body
    assert "The most proposals you want to review (optional)" in body


def test_accepting_without_a_language_is_refused_with_the_input_kept_and_no_role() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    person, u = _person("xavier")

    response = person.post(_link("xavier@example.org"), {"tracks": ["data"], "max_load": "12"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one language." in body
    assert 'value="12"' in body
    assert not _is_reviewer(c, u)
    assert review_models.Invitation.objects.get().accepted_at is None


def test_a_signed_out_visitor_is_asked_to_log_in_and_come_back() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    path = _link("xavier@example.org")

    response = Client().get(path)

    assert response.status_code == 200
    assert f"/accounts/login/?next={path.replace('/', '%2F')}" in response.content.decode()


def test_a_used_link_is_refused_for_someone_else_and_grants_nothing() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    path = _link("xavier@example.org")
    first, _u = _person("xavier")
    first.post(path, {"languages": ["en"]})
    second, u2 = _person("yolanda")

    response = second.post(path, {"languages": ["en"]})

    assert response.status_code == 410
    assert "This invitation link was used already" in response.content.decode()
    assert not _is_reviewer(c, u2)


def test_the_person_who_used_a_link_is_sent_to_their_queue_when_opening_it_again() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    path = _link("xavier@example.org")
    person, _u = _person("xavier")
    person.post(path, {"languages": ["en"]})

    response = person.get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:queue", args=[c.slug])


def test_an_expired_link_is_refused_with_a_clear_message_and_grants_nothing() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    review_models.Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    person, u = _person("xavier")

    response = person.post(_link("xavier@example.org"), {"languages": ["en"]})

    assert response.status_code == 410
    assert "This invitation link has expired" in response.content.decode()
    assert not _is_reviewer(c, u)


def test_a_link_expires_after_the_configured_number_of_days(settings: Any) -> None:
    settings.INVITATION_MAX_AGE_DAYS = 3
    c = factories.call()
    now = timezone.now()

    invitations.invite_reviewers(
        call_id=c.pk,
        emails=["xavier@example.org"],
        invited_by_id=None,
        accept_url="http://testserver/TOKEN/",
        now=now,
    )

    assert review_models.Invitation.objects.get().expires_at == now + dt.timedelta(days=3)


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300])
def test_a_wrong_link_is_not_found_and_grants_nothing(token: str) -> None:
    c = factories.call()
    person, u = _person("xavier")

    response = person.post(
        reverse("reviews:accept_invitation", args=[c.slug, token]), {"languages": ["en"]}
    )

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert not _is_reviewer(c, u)


def test_a_link_for_one_call_does_not_work_under_another_calls_address() -> None:
    c = factories.call()
    other = factories.call("djangocon")
    _invite(_chair(c), c, "xavier@example.org")
    token = _link("xavier@example.org").rstrip("/").rsplit("/", 1)[-1]
    person, u = _person("xavier")

    response = person.post(
        reverse("reviews:accept_invitation", args=[other.slug, token]), {"languages": ["en"]}
    )

    assert response.status_code == 404
    assert not _is_reviewer(other, u)


def test_a_language_the_call_does_not_offer_is_refused() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    person, u = _person("xavier")

    response = person.post(_link("xavier@example.org"), {"languages": ["fr"]})

    assert response.status_code == 400
    assert not _is_reviewer(c, u)


def _reviewers(c: cfp_models.Call, n: int) -> None:
    proposals = [
        factories.proposal(c, factories.user(f"speaker{i}"), title=f"Talk {i}") for i in range(2)
    ]
    for i in range(n):
        u = factories.user(f"reviewer{i}", first_name=f"Reviewer {i}")
        factories.member(c, u, "reviewer")
        review_models.ReviewerSettings.objects.create(
            call=c, user=u, languages=["en"], tracks=["data"], max_load=5 + i
        )
        for p in proposals:
            factories.assign(p, u)
        review_models.Review.objects.create(
            call=c,
            proposal=proposals[0],
            reviewer=u,
            scores={"relevance": 3, "clarity": 3},
            created_at=timezone.now(),
            updated_at=timezone.now(),
        )
        review_models.Invitation.objects.create(
            call=c,
            email=f"invited{i}@example.org",
            token_hash=f"h{i}",
            created_at=timezone.now(),
            expires_at=timezone.now() + dt.timedelta(days=1),
        )


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_reviewers_page_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    c = factories.call()
    client = _chair(c)
    _reviewers(c, rows)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role, reviewers, their counts (the dashboard's query), their settings,
    # track names, invitations; the full page adds the navigation and the leniency panel.
    with assert_queries(8 if htmx else 10):
        response = client.get(reverse("reviewers:list", args=[c.slug]), headers=headers)

    assert response.status_code == 200
    assert response.content.decode().count("invited") == rows


def test_the_reviewers_page_lists_languages_tracks_load_and_progress() -> None:
    c = factories.call()
    client = _chair(c)
    _reviewers(c, 1)

    body = client.get(reverse("reviewers:list", args=[c.slug])).content.decode()

    # The name links to the reviewer's assignments page (issue 23).
    row = re.search(r"<tr><th scope=\"row\">(?:<a [^>]*>)?Reviewer 0.*?</tr>", body, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
    assert cells[:5] == ["en", "Data", "5", "2", "1"]
    assert "/reviewers/" in cells[5]
    assert "Remove" in cells[5]


def test_once_sent_the_outbox_no_longer_keeps_the_one_time_link(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    c = factories.call()
    client = _chair(c)

    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, c, "xavier@example.org")

    row = cfp_models.EmailOutbox.objects.get(to="xavier@example.org")
    assert row.sent_at is not None
    assert "/invitation/" not in row.body
    assert LINK.search(next(m.body for m in mailoutbox if m.to == ["xavier@example.org"]))


# --- the link is bound to the invited address (issue 17) ----------------------------------------


def _invite_forwardable(client: Client, c: cfp_models.Call, emails: str) -> Any:
    return client.post(
        reverse("reviewers:list", args=[c.slug]), {"emails": emails, "may_forward": "on"}
    )


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_link_shows_the_invited_address(signed_in: bool) -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    client = _person("xavier")[0] if signed_in else Client()

    body = client.get(_link("xavier@example.org")).content.decode()

    assert "<strong>xavier@example.org</strong>" in body


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_signed_in_with_another_address_is_refused_and_told_how_to_switch(
    method: str,
) -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    other, u = _person("yolanda")

    response = getattr(other, method)(_link("xavier@example.org"), {"languages": ["en"]})

    assert response.status_code == 403
    body = response.content.decode()
    assert "You are signed in as yolanda@example.org" in body
    assert "Log out and sign in as xavier@example.org" in body
    assert 'action="/accounts/logout/"' in body
    assert not _is_reviewer(c, u)
    assert review_models.Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("spelling", ["XAVIER@example.org", "Xavier@Example.ORG"])
def test_the_invited_address_matches_whatever_its_case(spelling: str) -> None:
    c = factories.call()
    _invite(_chair(c), c, spelling)
    person, u = _person("xavier")

    response = person.post(_link(spelling.lower()), {"languages": ["en"]})

    assert response.status_code == 302
    assert _is_reviewer(c, u)


def test_a_forwardable_link_is_accepted_by_whoever_holds_it() -> None:
    c = factories.call()
    response = _invite_forwardable(_chair(c), c, "team@example.org")
    other, u = _person("yolanda")

    page = other.get(_link("team@example.org")).content.decode()
    accepted = other.post(_link("team@example.org"), {"languages": ["en"]})

    assert response.status_code == 302
    assert review_models.Invitation.objects.get().may_forward is True
    assert "may accept it" in page
    assert accepted.status_code == 302
    assert _is_reviewer(c, u)


def test_forwarding_is_off_unless_the_chair_allows_it() -> None:
    c = factories.call()
    client = _chair(c)

    form = client.get(reverse("reviewers:list", args=[c.slug])).content.decode()
    _invite(client, c, "xavier@example.org")

    assert 'name="may_forward"' in form
    assert "checked" not in re.search(r"<input[^>]*may_forward[^>]*>", form).group(0)  # type: ignore[union-attr]
    assert review_models.Invitation.objects.get().may_forward is False


def test_the_service_refuses_another_person_even_without_the_page() -> None:
    c = factories.call()
    _invite(_chair(c), c, "xavier@example.org")
    token = _link("xavier@example.org").rstrip("/").rsplit("/", 1)[-1]
    other = factories.user("yolanda")

    with pytest.raises(invitations.UnableToAccept) as refused:
        invitations.accept_invitation(
            slug=c.slug,
            token=token,
            user_id=other.pk,
            languages=["en"],
            tracks=[],
            max_load=None,
            now=timezone.now(),
        )

    assert refused.value.reason == "other_person"
    assert not _is_reviewer(c, other)


def test_a_reviewer_signing_up_through_an_invitation_is_not_told_to_submit_proposals() -> None:
    c = factories.call()
    _invite(_chair(c), c, "new@example.org")
    path = _link("new@example.org")

    invited = Client().post(
        reverse("signup"), {"name": "New", "email": "new@example.org", "next": path}
    )
    plain = Client().post(reverse("signup"), {"name": "Sam", "email": "sam@example.org"})

    assert "submit proposals" not in invited.content.decode()
    assert "accept the invitation to review" in invited.content.decode()
    assert "submit proposals" in plain.content.decode()


def test_a_chair_invites_a_mentor_through_the_same_link_and_it_grants_only_the_mentor_role() -> (
    None
):
    # Issue 25: the invitation flow with a role; a mentor is no reviewer.
    c = factories.call()
    response = _chair(c).post(
        reverse("reviewers:list", args=[c.slug]), {"emails": "mia@example.org", "role": "mentor"}
    )
    assert response.status_code == 302
    mail = cfp_models.EmailOutbox.objects.get(to="mia@example.org")
    assert "mentor" in mail.subject
    person, u = _person("mia")

    accepted = person.post(_link("mia@example.org"), {"languages": ["en", "es"]})

    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("mentor_home", args=[c.slug])
    assert cfp_models.Membership.objects.filter(call=c, user=u, role="mentor").exists()
    assert not _is_reviewer(c, u)
    assert person.get(reverse("mentor_home", args=[c.slug])).status_code == 200
    assert person.get(reverse("reviews:queue", args=[c.slug])).status_code == 404
