"""Security headers on every page, and no caching of private pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_every_page_sends_a_strict_content_security_policy() -> None:
    response = Client().get(reverse("home"))

    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ],
)
def test_every_page_sends_the_basic_security_headers(header: str, value: str) -> None:
    response = Client().get(reverse("home"))

    assert response[header] == value


def test_private_pages_are_never_stored_by_browsers_or_proxies() -> None:
    w = factories.world()
    pages = [
        ("reviewer", reverse("reviews:queue", args=[w.call.slug])),
        ("reviewer", reverse("reviews:screen", args=[w.call.slug, w.proposal.code])),
        ("chair", reverse("chair:dashboard", args=[w.call.slug])),
        ("chair", reverse("chair:export_csv", args=[w.call.slug])),
        ("submitter", reverse("cfp:mine_detail", args=[w.call.slug, w.proposal.code])),
        ("submitter", reverse("profile")),
    ]
    for role, url in pages:
        client = Client()
        client.force_login(w.users[role])

        response = client.get(url)

        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_pages_vary_on_the_htmx_header_so_caches_keep_fragments_apart() -> None:
    response = Client().get(reverse("home"))

    assert "HX-Request" in response["Vary"]
