"""Chairs make, list and revoke API tokens on /chair/<slug>/api-tokens/ (issue 20)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.services import api_tokens
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'value="(trv1_[A-Za-z0-9_-]+)"')


def _page(w: Curation) -> str:
    return reverse("chair:api_tokens", args=[w.call.slug])


def _api(token: str, slug: str) -> int:
    response = Client().get(
        f"/api/v1/calls/{slug}/reviewers", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


def test_a_chair_makes_a_token_and_sees_its_secret_once() -> None:
    w = curation(1)

    made = w.client.post(_page(w), {"label": "schedule tool", "scopes": ["read"]})
    again = w.client.get(_page(w))

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    secret = SECRET.search(made.content.decode())
    assert secret is not None
    assert _api(secret.group(1), w.call.slug) == 200
    assert secret.group(1) not in again.content.decode()
    row = models.ApiToken.objects.get()
    assert f"{row.prefix}…" in again.content.decode()
    assert "schedule tool" in again.content.decode()
    assert row.user_id == w.chair.pk


def test_a_token_without_a_scope_is_refused_and_the_label_kept() -> None:
    w = curation(1)

    response = w.client.post(_page(w), {"label": "website build"})

    assert response.status_code == 400
    assert "Choose at least one scope." in response.content.decode()
    assert 'value="website build"' in response.content.decode()
    assert not models.ApiToken.objects.exists()


def test_revoking_asks_first_then_the_token_stops_working() -> None:
    w = curation(1)
    made = api_tokens.create_api_token(
        call_id=w.call.pk,
        username=w.chair.username,
        scopes=("read",),
        label="",
        actor_id=w.chair.pk,
        now=timezone.now(),
    )
    url = reverse("chair:api_token_revoke", args=[w.call.slug, made.token_id])

    confirm = w.client.get(url)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    assert _api(made.secret, w.call.slug) == 200

    done = w.client.post(url)

    assert done.status_code == 302
    assert _api(made.secret, w.call.slug) == 401
    assert cfp_models.AuditEvent.objects.filter(action="api_token_revoked").count() == 1
    listed = w.client.get(_page(w)).content.decode()
    assert "revoked" in listed


def test_another_calls_token_cannot_be_revoked_from_this_call() -> None:
    w = curation(1)
    other = curation(1, slug="djangocon")
    made = api_tokens.create_api_token(
        call_id=other.call.pk,
        username=other.chair.username,
        scopes=("read",),
        label="",
        actor_id=other.chair.pk,
        now=timezone.now(),
    )

    response = w.client.post(reverse("chair:api_token_revoke", args=[w.call.slug, made.token_id]))

    assert response.status_code == 404
    assert models.ApiToken.objects.get().revoked_at is None


@pytest.mark.parametrize("rows", [1, 3])
def test_the_page_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation(1)
    for i in range(rows):
        api_tokens.create_api_token(
            call_id=w.call.pk,
            username=w.chair.username,
            scopes=("read",),
            label=f"script {i}",
            actor_id=w.chair.pk,
            now=timezone.now(),
        )

    # session, user, role, the tokens, the navigation's roles.
    with assert_queries(5):
        response = w.client.get(_page(w))

    assert response.content.decode().count("Revoke trv1_") == rows
