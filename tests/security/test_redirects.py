"""Every view that takes a ``next`` address, found by reading the sources, posted hostile values.

A view that follows a ``next`` from its input goes through ``common.redirects``; these tests
prove that for each of them no value leads off the site, to a view name, or to a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.views import RedirectURLMixin
from django.db import transaction
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import services as cfp_services
from cfp.views import accounts as account_views
from reviews import models as review_models
from tests import factories
from tests.security.conftest import SecurityWorld, security_world

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_NEXT = (
    "on",  # a checkbox's value: redirect() took it for a view name (HTTP 500)
    "home",
    "admin:index",
    "//evil.example",
    "https://evil.example/",
    "/\\evil",
    "javascript:alert(1)",
    "\t/x",
    "/\t/evil.example",  # browsers drop the tab: "//evil.example"
    "/" + "a" * 5000,
    "／／evil.example",  # full-width solidus
    "/\u202e/x",  # a right-to-left override
    "",
)
GOOD_NEXT = "/calls/pycon/"


@dataclass(frozen=True)
class Taker:
    """How to send ``next`` to one view; returns the response whose Location is checked."""

    role: str
    send: Callable[[SecurityWorld, str], Any]
    default: Callable[[SecurityWorld], str]


def _decide(w: SecurityWorld, target: str) -> Any:
    url = reverse("curation:decide", kwargs={"slug": w.call.slug, "code": w.proposal.code})
    return w.client("chair").post(url, {"status": "accepted", "version": "0", "next": target})


def _findings(w: SecurityWorld, target: str) -> Any:
    finding = w.proposal.findings[0]
    data = {"field": finding["field"], "start": finding["start"], "end": finding["end"]}
    url = reverse("callsettings:findings", args=[w.call.slug, w.proposal.code])
    return w.client("chair").post(url, {**data, "next": target})


def _login(w: SecurityWorld, target: str) -> Any:
    data = {"username": "sam", "password": factories.PASSWORD, "next": target}
    return w.client("anonymous").post(reverse("login"), data)


def _logout(w: SecurityWorld, target: str) -> Any:
    return w.client("submitter").post(reverse("logout"), {"next": target})


CHOSEN = {
    "name": "Nina New",
    "password1": "A-long-passphrase-42",
    "password2": "A-long-passphrase-42",
}


def _verify(w: SecurityWorld, target: str) -> Any:
    token = cfp_services.sign_up(
        email="nina@example.org",
        name="Nina",
        verify_url="http://testserver/accounts/verify/TOKEN/",
        now=timezone.now(),
    )
    url = reverse("verify_email", kwargs={"token": token})
    return w.client("anonymous").post(url + "?" + _query(target), CHOSEN)


def _signup(w: SecurityWorld, target: str) -> Any:
    """The sign-up form keeps ``next`` for the confirmation link, which then follows it."""
    client = w.client("anonymous")
    shown = client.get(reverse("signup"), {"next": target})
    assert shown.status_code == 200
    # The sign-up task queues the confirmation mail after commit (issue 17); run the task only,
    # so the mail stays unsent with its link in the outbox.
    with TestCase.captureOnCommitCallbacks() as queued:
        posted = client.post(
            reverse("signup"), {"name": "Nina", "email": "nina@example.org", "next": target}
        )
    for task in queued:
        task()
    assert posted.status_code == 200
    body = cfp_models.EmailOutbox.objects.get(to="nina@example.org").body
    link = re.search(r"http://testserver(/accounts/verify/\S+)", body)
    assert link is not None
    return client.post(link.group(1), CHOSEN)


def _set_language(w: SecurityWorld, target: str) -> Any:
    """The language switcher on every page (issue 24) sends the page it is on as ``next``."""
    return w.client("submitter").post(reverse("set_language"), {"language": "es", "next": target})


def _query(target: str) -> str:
    return urlencode({"next": target})


def _home(w: SecurityWorld) -> str:
    return reverse("home")


TAKERS: dict[str, Taker] = {
    "curation:decide": Taker(
        "chair",
        _decide,
        lambda w: reverse("curation:proposal", args=[w.call.slug, w.proposal.code]),
    ),
    "callsettings:findings": Taker(
        "chair",
        _findings,
        lambda w: reverse("callsettings:findings", args=[w.call.slug, w.proposal.code]),
    ),
    # Without a safe next, log-in lands on the person's own work (cfp.queries.landing).
    "login": Taker(
        "anonymous", _login, lambda w: account_views.landing_url(user_id=w.users["submitter"].pk)
    ),
    "logout": Taker("submitter", _logout, lambda w: reverse(settings.LOGOUT_REDIRECT_URL)),
    "verify_email": Taker("anonymous", _verify, _home),
    "signup": Taker("anonymous", _signup, _home),
    "set_language": Taker("submitter", _set_language, _home),
}

# Where the sources read a ``next`` field, and the views that read it. A new place fails
# test_every_view_that_reads_next_is_tested until it is added here and to TAKERS.
NEXT_READERS: dict[str, tuple[str, ...]] = {
    "cfp/forms/accounts.py": ("signup",),
    "cfp/forms/moderation.py": ("callsettings:findings",),
    "cfp/views/accounts.py": ("signup", "verify_email"),
    "cfp/views/chair_moderation.py": ("callsettings:findings",),
    "cfp/views/languages.py": ("set_language",),
    "reviews/forms/curation.py": ("curation:decide",),
    "reviews/views/curation.py": ("curation:decide",),
    "templates/registration/login.html": ("login",),
    "templates/registration/signup.html": ("signup",),
    # The language switcher of every page.
    "templates/base.html": ("set_language",),
    "templates/reviews/curation_proposal.html": ("curation:decide", "callsettings:findings"),
    # The invitation page's "log out and sign in as the invited address" button.
    "templates/reviews/invite_accept.html": ("logout",),
}
_PY_READS = re.compile(r"""(\.get\(|\[)\s*["']next["']|\bnext\s*=\s*forms\.\w+""")
_HTML_READS = re.compile(r"""name=["']next["']|\bform\.next\b""")


def _sources_that_read_next() -> set[str]:
    found = set()
    for app in ("cfp", "reviews", "diversity", "common", "config"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and _PY_READS.search(path.read_text()):
                found.add(str(path.relative_to(ROOT)))
    for path in (ROOT / "templates").rglob("*.html"):
        if _HTML_READS.search(path.read_text()):
            found.add(str(path.relative_to(ROOT)))
    return found


def _views_following_next_by_class(patterns: Any = None, prefix: str = "") -> set[str]:
    """URL names whose view is one of Django's that reads ``next`` itself (log-in, log-out)."""
    names = set()
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            space = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _views_following_next_by_class(p.url_patterns, space)
        elif isinstance(p, URLPattern) and p.name:
            view_class = getattr(p.callback, "view_class", None)
            if isinstance(view_class, type) and issubclass(view_class, RedirectURLMixin):
                names.add(prefix + p.name)
    return names


def test_every_view_that_reads_next_is_tested() -> None:
    from_sources = {name for names in NEXT_READERS.values() for name in names}

    assert _sources_that_read_next() == set(NEXT_READERS)
    assert from_sources | _views_following_next_by_class() == set(TAKERS)
    assert {"login", "logout"} <= _views_following_next_by_class()


def _location(response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return str(response["Location"])


def _try(w: SecurityWorld, taker: Taker, target: str) -> str:
    with transaction.atomic():
        try:
            return _location(taker.send(w, target))
        finally:
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(TAKERS))
def test_a_hostile_next_leads_to_the_default_page(name: str) -> None:
    w = security_world()
    taker = TAKERS[name]
    default = taker.default(w)

    followed = _try(w, taker, GOOD_NEXT)
    landed = {target: _try(w, taker, target) for target in HOSTILE_NEXT}

    assert followed == GOOD_NEXT, "a local next is followed: the check below can fail"
    assert {t: where for t, where in landed.items() if where != default} == {}


@pytest.mark.django_db
@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_decision_form_with_a_tampered_next_saves_and_goes_back_to_the_proposal(
    target: str,
) -> None:
    w = security_world()

    response = _decide(w, target)

    assert response.status_code == 302
    assert response["Location"] == TAKERS["curation:decide"].default(w)
    decision = review_models.Decision.objects.get(proposal=w.proposal)
    assert (decision.status, decision.version) == ("accepted", 1)


@pytest.mark.django_db
@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_confirmation_link_in_the_e_mail_carries_no_hostile_next(target: str) -> None:
    w = security_world()
    client = w.client("anonymous")

    with TestCase.captureOnCommitCallbacks() as queued:
        client.post(
            reverse("signup"), {"name": "Nina", "email": "nina@example.org", "next": target}
        )
    for task in queued:
        task()

    body = cfp_models.EmailOutbox.objects.get(to="nina@example.org").body
    link = re.search(r"http://testserver(/accounts/verify/\S+)", body)
    assert link is not None
    assert parse_qs(urlsplit(link.group(1)).query).get("next", []) == []
