"""Safe settings (issue 19): deleting a format, track or criterion in use is refused with the
count, or moves the proposals where the chair says and deletes in one audited transaction; the
confirmation page says what will happen before anything does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from reviews import models as review_models
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def call() -> models.Call:
    return factories.call("pycon")


@pytest.fixture
def client(call: models.Call) -> Client:
    u = factories.user("chad")
    factories.member(call, u, "chair")
    c = Client()
    c.force_login(u)
    return c


def _proposals(call: models.Call, n: int, track: str = "web") -> list[models.Proposal]:
    return [factories.proposal(call, factories.user(f"sam{i}"), track=track) for i in range(n)]


def _delete_url(call: models.Call, noun: str, row: int) -> str:
    return reverse(f"callsettings:delete_{noun}", args=[call.slug, row])


def test_deleting_a_track_in_use_inline_is_refused_with_the_count(
    client: Client, call: models.Call
) -> None:
    _proposals(call, 3)
    web = models.Track.objects.get(call=call, slug="web")

    response = client.post(
        reverse("callsettings:tracks", args=[call.slug]),
        {"row": str(web.pk), "action": "delete"},
        headers=HX,
    )

    assert "used by 3 proposals" in response.content.decode()
    assert models.Track.objects.filter(pk=web.pk).exists()
    assert models.Proposal.objects.filter(call=call, track=web).count() == 3


def test_the_confirmation_page_states_the_count_before_anything_happens(
    client: Client, call: models.Call
) -> None:
    _proposals(call, 2)
    web = models.Track.objects.get(call=call, slug="web")

    response = client.get(_delete_url(call, "track", web.pk))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Used by 2 proposals." in body
    assert "This cannot be undone" in body
    assert "Move 2 proposals and delete" in body
    assert models.Track.objects.filter(pk=web.pk).exists()


def test_moving_a_tracks_proposals_and_deleting_it_is_one_audited_step(
    client: Client, call: models.Call
) -> None:
    moved = _proposals(call, 2)
    web = models.Track.objects.get(call=call, slug="web")
    data = models.Track.objects.get(call=call, slug="data")

    response = client.post(_delete_url(call, "track", web.pk), {"move_to": str(data.pk)})

    assert response.status_code == 302
    assert not models.Track.objects.filter(pk=web.pk).exists()
    assert set(models.Proposal.objects.filter(track=data).values_list("pk", flat=True)) == {
        p.pk for p in moved
    }
    event = models.AuditEvent.objects.get(call=call, action="track.deleted")
    assert event.data["moved"] == 2
    assert event.data["moved_to"] == data.pk


def test_a_tracks_proposals_may_move_to_no_track(client: Client, call: models.Call) -> None:
    _proposals(call, 1)
    web = models.Track.objects.get(call=call, slug="web")

    client.post(_delete_url(call, "track", web.pk), {"move_to": "none"})

    assert not models.Track.objects.filter(pk=web.pk).exists()
    assert models.Proposal.objects.filter(call=call, track__isnull=True).count() == 1


def test_no_target_chosen_keeps_everything_and_says_so(client: Client, call: models.Call) -> None:
    _proposals(call, 2)
    web = models.Track.objects.get(call=call, slug="web")

    response = client.post(_delete_url(call, "track", web.pk), {"move_to": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert models.Track.objects.filter(pk=web.pk).exists()
    assert not models.AuditEvent.objects.filter(call=call, action="track.deleted").exists()


def test_a_format_in_use_moves_to_another_format_of_the_call_only(
    client: Client, call: models.Call
) -> None:
    _proposals(call, 2)
    talk = models.Format.objects.get(call=call, slug="talk")
    other = factories.call("other")
    foreign = models.Format.objects.get(call=other, slug="talk")
    lightning = models.Format.objects.create(call=call, slug="lightning", name="Lightning")

    refused = client.post(_delete_url(call, "format", talk.pk), {"move_to": str(foreign.pk)})
    done = client.post(_delete_url(call, "format", talk.pk), {"move_to": str(lightning.pk)})

    assert refused.status_code == 400
    assert done.status_code == 302
    assert not models.Format.objects.filter(pk=talk.pk).exists()
    assert models.Proposal.objects.filter(call=call, format=lightning).count() == 2


def test_the_only_format_in_use_cannot_be_deleted(client: Client, call: models.Call) -> None:
    _proposals(call, 1)
    talk = models.Format.objects.get(call=call, slug="talk")

    page = client.get(_delete_url(call, "format", talk.pk))
    post = client.post(_delete_url(call, "format", talk.pk), {})

    assert "There is no other format to move them to" in page.content.decode()
    assert post.status_code == 400
    assert models.Format.objects.filter(pk=talk.pk).exists()


def test_a_criterion_reviews_scored_is_refused_with_their_count(
    client: Client, call: models.Call
) -> None:
    proposals = _proposals(call, 2)
    criterion = models.Criterion.objects.get(call=call, slug="relevance")
    now = timezone.now()
    for i, p in enumerate(proposals):
        review_models.Review.objects.create(
            proposal=p,
            reviewer=factories.user(f"rev{i}"),
            call=call,
            scores={"relevance": 4},
            created_at=now,
            updated_at=now,
        )

    page = client.get(_delete_url(call, "criterion", criterion.pk))
    post = client.post(_delete_url(call, "criterion", criterion.pk), {})

    assert "Used by 2 reviews: it cannot be deleted any more." in page.content.decode()
    assert post.status_code == 400
    assert models.Criterion.objects.filter(pk=criterion.pk).exists()


def test_another_calls_row_is_not_found(client: Client, call: models.Call) -> None:
    other = factories.call("other")
    track = models.Track.objects.get(call=other, slug="web")

    response = client.post(_delete_url(call, "track", track.pk), {"move_to": "none"})

    assert response.status_code == 404
    assert models.Track.objects.filter(pk=track.pk).exists()


@pytest.mark.parametrize("n", [1, 3])
def test_the_confirmation_page_runs_a_fixed_number_of_queries(
    client: Client, call: models.Call, n: int, django_assert_num_queries: Any
) -> None:
    _proposals(call, n)
    web = models.Track.objects.get(call=call, slug="web")
    client.get(_delete_url(call, "track", web.pk))  # warm the session

    with django_assert_num_queries(6):
        client.get(_delete_url(call, "track", web.pk))
