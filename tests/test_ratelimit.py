"""Rate limits per client address and per account, which an attacker cannot turn into a lock-out.

Limits (config.settings.AUTH_RATE_LIMITS, documented in docs/security.md): log-in 20 a minute per
address and 10 an hour per account; sign-up 10 an hour per address and 5 per account; password
reset 5 an hour per address and 5 per account; the live leak check 240 a minute per address and
60 per person; submissions 30 an hour per person. The client address is REMOTE_ADDR, never
X-Forwarded-For. A browser that logged in to an account before (the device cookie) skips that
account's limit; a reset link is never limited.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories
from tests.enumeration import normalise_body

pytestmark = [pytest.mark.django_db, pytest.mark.ratelimit]

_ips = (f"198.51.100.{i}" for i in itertools.count(1))


def _limit(flow: str, kind: str) -> int:
    return int(settings.AUTH_RATE_LIMITS[flow][kind].split("/")[0])


# (url name, flow, form for the n-th attempt with a different account each time)
FLOWS = [
    ("login", "login", lambda n: {"username": f"nobody{n}@example.org", "password": "wrong"}),
    ("signup", "signup", lambda n: {"name": "", "email": f"bad{n}"}),
    ("password_reset", "password_reset", lambda n: {"email": f"nobody{n}@example.org"}),
]
# The same three flows aimed at one account (the key is what is typed).
ACCOUNT_FORMS = {
    "login": {"username": "vera@example.org", "password": "wrong"},
    "signup": {"name": "Vera", "email": "vera@example.org"},
    "password_reset": {"email": "vera@example.org"},
}


@pytest.mark.parametrize(("name", "flow", "data"), FLOWS)
def test_a_form_refuses_posts_over_its_limit_per_address(name: str, flow: str, data: Any) -> None:
    client = Client()
    url = reverse(name)
    limit = _limit(flow, "ip")
    statuses = [client.post(url, data(n)).status_code for n in range(limit)]

    over = client.post(url, data(limit))

    assert 429 not in statuses
    assert over.status_code == 429
    assert "Too many attempts" in over.content.decode()


@pytest.mark.parametrize(("name", "flow", "data"), FLOWS)
def test_a_spoofed_forwarded_for_header_does_not_reset_the_limit(
    name: str, flow: str, data: Any
) -> None:
    client = Client()
    url = reverse(name)
    for n in range(_limit(flow, "ip")):
        client.post(url, data(n), headers={"X-Forwarded-For": f"10.0.0.{n}"})

    over = client.post(url, data(999), headers={"X-Forwarded-For": "10.9.9.9"})

    assert over.status_code == 429


def test_another_address_has_its_own_budget() -> None:
    url = reverse("password_reset")
    for n in range(_limit("password_reset", "ip")):
        Client(REMOTE_ADDR="192.0.2.1").post(url, {"email": f"a{n}@example.org"})

    other = Client(REMOTE_ADDR="192.0.2.2").post(url, {"email": "b@example.org"})

    assert other.status_code == 302


@pytest.mark.parametrize("flow", sorted(ACCOUNT_FORMS))
@pytest.mark.parametrize("exists", [True, False])
def test_an_account_hammered_from_many_addresses_is_limited(flow: str, exists: bool) -> None:
    if exists:
        factories.user("vera", email="vera@example.org")
    url = reverse(flow)
    limit = _limit(flow, "account")
    statuses = [
        Client(REMOTE_ADDR=next(_ips)).post(url, ACCOUNT_FORMS[flow]).status_code
        for _ in range(limit)
    ]

    # Spelling the address differently does not buy a new budget.
    variant = {k: v.upper() if "@" in v else v for k, v in ACCOUNT_FORMS[flow].items()}
    over = Client(REMOTE_ADDR=next(_ips)).post(url, variant)

    assert 429 not in statuses
    assert over.status_code == 429


@pytest.mark.parametrize("flow", sorted(ACCOUNT_FORMS))
def test_the_limit_answer_is_the_same_for_known_and_unknown_accounts(flow: str) -> None:
    factories.user("vera", email="vera@example.org")
    url = reverse(flow)
    answers = {}
    for who in ("vera@example.org", "nobody@example.org"):
        data = {k: (who if "@" in v else v) for k, v in ACCOUNT_FORMS[flow].items()}
        for _ in range(_limit(flow, "account")):
            Client(REMOTE_ADDR=next(_ips)).post(url, data)
        over = Client(REMOTE_ADDR=next(_ips)).post(url, data)
        answers[who] = (over.status_code, normalise_body(over.content.decode(), echoes=[who]))

    assert answers["vera@example.org"] == answers["nobody@example.org"]
    assert answers["vera@example.org"][0] == 429


def _log_in(client: Client, password: str = factories.PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": "vera", "password": password})


def test_the_owner_on_a_known_device_logs_in_while_the_account_is_hammered() -> None:
    factories.user("vera", email="vera@example.org")
    owner = Client(REMOTE_ADDR="203.0.113.7")
    assert _log_in(owner).status_code == 302
    assert settings.DEVICE_COOKIE_NAME in owner.cookies
    owner.post(reverse("logout"))
    for _ in range(_limit("login", "account") + 5):
        Client(REMOTE_ADDR=next(_ips)).post(
            reverse("login"), {"username": "vera", "password": "guess"}
        )
    stranger = _log_in(Client(REMOTE_ADDR="203.0.113.8"))

    again = _log_in(owner)

    assert stranger.status_code == 429  # a browser the account never used is held back
    assert again.status_code == 302
    assert "_auth_user_id" in owner.session


def test_a_forged_device_cookie_does_not_skip_the_account_limit() -> None:
    factories.user("vera", email="vera@example.org")
    for _ in range(_limit("login", "account")):
        Client(REMOTE_ADDR=next(_ips)).post(
            reverse("login"), {"username": "vera", "password": "guess"}
        )
    forger = Client(REMOTE_ADDR=next(_ips))
    forger.cookies[settings.DEVICE_COOKIE_NAME] = "W10:forged:signature"

    assert _log_in(forger).status_code == 429


def test_a_reset_link_works_while_the_account_is_locked() -> None:
    vera = factories.user("vera", email="vera@example.org")
    for flow in ("login", "password_reset"):
        for _ in range(_limit(flow, "account") + 1):
            Client(REMOTE_ADDR=next(_ips)).post(reverse(flow), ACCOUNT_FORMS[flow])
    uid = urlsafe_base64_encode(force_bytes(vera.pk))
    token = default_token_generator.make_token(vera)
    owner = Client(REMOTE_ADDR=next(_ips))

    opened = owner.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    new = "a-brand-new-passphrase-9"
    done = owner.post(opened.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert done.status_code == 302
    vera.refresh_from_db()
    assert vera.check_password(new)


def test_the_live_leak_check_is_limited_per_person() -> None:
    c = factories.call("pycon")
    client = Client()
    client.force_login(factories.user("sam"))
    url = reverse("cfp:scan", args=[c.slug])
    limit = _limit("scan", "account")
    statuses = [client.post(url, {"title": "x"}).status_code for _ in range(limit)]

    over = client.post(url, {"title": "x"})
    other = Client()
    other.force_login(factories.user("kim"))

    assert 429 not in statuses
    assert over.status_code == 429
    assert other.post(url, {"title": "x"}).status_code == 200


def test_submissions_are_limited_per_person() -> None:
    c = factories.call("pycon")
    client = Client()
    client.force_login(factories.user("sam"))
    url = reverse("cfp:submit", args=[c.slug])
    for _ in range(30):
        client.post(url, {"title": ""})

    over = client.post(url, {"title": ""})

    assert over.status_code == 429
