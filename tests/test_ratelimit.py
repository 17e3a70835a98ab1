"""Rate limits on the public forms, keyed by the client address, never by X-Forwarded-For.

Limits (documented in docs/security.md): log-in 20 a minute, sign-up 10 an hour, password reset
5 an hour per address; submissions 30 an hour per person.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.ratelimit]

LIMITS = [
    ("login", 20, {"username": "nobody", "password": "wrong"}),
    ("signup", 10, {"name": "", "email": "bad", "password": "x"}),
    ("password_reset", 5, {"email": "nobody@example.org"}),
]


@pytest.mark.parametrize(("name", "limit", "data"), LIMITS)
def test_a_form_refuses_posts_over_its_limit(name: str, limit: int, data: dict[str, str]) -> None:
    client = Client()
    url = reverse(name)
    statuses = [client.post(url, data).status_code for _ in range(limit)]

    over = client.post(url, data)

    assert 429 not in statuses
    assert over.status_code == 429
    assert "Too many attempts" in over.content.decode()


@pytest.mark.parametrize(("name", "limit", "data"), LIMITS)
def test_a_spoofed_forwarded_for_header_does_not_reset_the_limit(
    name: str, limit: int, data: dict[str, str]
) -> None:
    client = Client()
    url = reverse(name)
    for i in range(limit):
        client.post(url, data, headers={"X-Forwarded-For": f"10.0.0.{i}"})

    over = client.post(url, data, headers={"X-Forwarded-For": "10.9.9.9"})

    assert over.status_code == 429


def test_another_address_has_its_own_budget() -> None:
    url = reverse("password_reset")
    for _ in range(5):
        Client(REMOTE_ADDR="192.0.2.1").post(url, {"email": "a@example.org"})

    other = Client(REMOTE_ADDR="192.0.2.2").post(url, {"email": "a@example.org"})

    assert other.status_code == 302


def test_submissions_are_limited_per_person() -> None:
    c = factories.call("pycon")
    client = Client()
    client.force_login(factories.user("sam"))
    url = reverse("cfp:submit", args=[c.slug])
    for _ in range(30):
        client.post(url, {"title": ""})

    over = client.post(url, {"title": ""})

    assert over.status_code == 429
