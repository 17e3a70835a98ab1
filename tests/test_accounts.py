"""Sign-up and address confirmation: the password is chosen by whoever holds the e-mailed link.

The attack these tests shut out is account pre-takeover: someone signs up with another person's
address and a password of their own, and the owner of the address, confirming it later, would
otherwise inherit an account whose password the attacker knows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management.color import no_style
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import services
from tests import factories

pytestmark = pytest.mark.django_db

VICTIM = "vera@example.org"
ATTACKER_PASSWORD = "attacker-knows-this-42"
OWNER_PASSWORD = "vera-chose-this-one-7"
LINK = re.compile(r"http://testserver(/accounts/verify/\S+)")


class Mail:
    """Posts whose e-mails are sent (the test's transaction never commits), and their links."""

    def __init__(self, capture: Any, outbox: list[Any]) -> None:
        self.capture = capture
        self.outbox = outbox

    def post(self, client: Client, url: str, data: dict[str, str]) -> Any:
        with self.capture(execute=True):
            return client.post(url, data)

    def links(self) -> list[str]:
        """The confirmation links sent so far, oldest first."""
        return [m.group(1) for mail in self.outbox if (m := LINK.search(mail.body))]


@pytest.fixture
def mail(django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]) -> Mail:
    return Mail(django_capture_on_commit_callbacks, mailoutbox)


def sign_up(mail: Mail, *, email: str = VICTIM, name: str = "Someone") -> Any:
    # An old client may still send a password: it must have no effect.
    data = {"name": name, "email": email, "password": ATTACKER_PASSWORD}
    return mail.post(Client(), reverse("signup"), data)


def confirm(client: Client, link: str, password: str = OWNER_PASSWORD) -> Any:
    client.get(link)
    data = {"name": "Vera Owner", "password1": password, "password2": password}
    return client.post(link, data)


def account() -> Any:
    return get_user_model().objects.get(email=VICTIM)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- pre-takeover -----------------------------------------------------------------------------


def test_the_attackers_password_does_not_work_once_the_owner_confirms(
    mail: Mail,
) -> None:
    sign_up(mail)
    (link,) = mail.links()

    confirm(Client(), link)

    assert authenticate(username=VICTIM, password=ATTACKER_PASSWORD) is None
    assert authenticate(username=VICTIM, password=OWNER_PASSWORD) is not None


def test_signing_up_sets_no_password_that_could_log_in(mail: Mail) -> None:
    sign_up(mail)

    assert not account().has_usable_password()
    assert not account().is_active


def test_opening_the_link_neither_activates_nor_logs_in(mail: Mail) -> None:
    sign_up(mail)
    (link,) = mail.links()
    client = Client()

    response = client.get(link)

    assert response.status_code == 200
    assert "Choose a password" in response.content.decode()
    assert not account().is_active
    assert not logged_in(client)


def test_confirming_activates_logs_in_and_keeps_the_chosen_name(
    mail: Mail,
) -> None:
    sign_up(mail, name="Name the attacker typed")
    (link,) = mail.links()
    client = Client()

    response = confirm(client, link)

    assert response.status_code == 302
    assert account().is_active
    assert account().first_name == "Vera Owner"
    assert logged_in(client)


def test_the_link_works_once(mail: Mail) -> None:
    sign_up(mail)
    (link,) = mail.links()
    confirm(Client(), link)
    again = Client()

    opened = again.get(link)
    posted = again.post(
        link, {"name": "X", "password1": "other-pass-99", "password2": "other-pass-99"}
    )

    assert opened.status_code == 400
    assert "This link has been used already" in opened.content.decode()
    assert posted.status_code == 400
    assert "This link has been used already" in posted.content.decode()
    assert authenticate(username=VICTIM, password="other-pass-99") is None
    assert not logged_in(again)


def _decodings(token: str) -> Iterator[str]:
    """The token, and every base64 reading of its parts (a signed value is only encoded)."""
    yield token
    for part in re.split(r"[.:/]", token):
        try:
            yield base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("latin-1")
        except (binascii.Error, ValueError):
            continue


def test_the_link_carries_neither_the_user_id_nor_the_address(
    mail: Mail,
) -> None:
    # A distinctive primary key: the next account gets 987654. PostgreSQL's sequence does not
    # follow an explicit id, so move it on as a bulk load would.
    filler = factories.user("filler", id=987653)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [type(filler)]):
            cursor.execute(sql)
    sign_up(mail)
    (link,) = mail.links()
    token = link.removeprefix("/accounts/verify/").split("?")[0].strip("/")

    readings = list(_decodings(token))

    assert account().pk == 987654
    assert not [r for r in readings if "987654" in r or VICTIM in r]


def test_a_wrong_or_mismatched_password_activates_nothing(
    mail: Mail,
) -> None:
    sign_up(mail)
    (link,) = mail.links()
    client = Client()
    client.get(link)

    mismatched = client.post(
        link, {"name": "Vera", "password1": OWNER_PASSWORD, "password2": "something-else-1"}
    )
    too_short = client.post(link, {"name": "Vera", "password1": "123", "password2": "123"})

    assert (mismatched.status_code, too_short.status_code) == (400, 400)
    assert not account().is_active
    assert not logged_in(client)
    # The link still works after a typo.
    assert confirm(client, link).status_code == 302


def test_an_expired_link_is_refused() -> None:
    three_days_ago = timezone.now() - dt.timedelta(days=3, seconds=1)
    token = services.sign_up(
        email=VICTIM, name="Vera", verify_url="http://testserver/TOKEN", now=three_days_ago
    )
    link = reverse("verify_email", kwargs={"token": token})
    client = Client()

    opened = client.get(link)
    posted = confirm(client, link)

    assert (opened.status_code, posted.status_code) == (400, 400)
    assert "This link has expired" in posted.content.decode()
    assert not account().is_active


def test_an_unknown_link_is_refused() -> None:
    response = Client().get(reverse("verify_email", kwargs={"token": "x" * 43}))

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()


# --- the owner reclaims a pending account -----------------------------------------------------


def test_the_owner_reclaims_a_pending_account_by_signing_up(
    mail: Mail,
) -> None:
    sign_up(mail, name="Attacker")
    (first,) = mail.links()

    response = sign_up(mail, name="Vera Owner")
    second = mail.links()[-1]

    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert get_user_model().objects.filter(email=VICTIM).count() == 1
    assert account().first_name == "Vera Owner"
    # Only the newest link works.
    assert Client().get(first).status_code == 400
    assert confirm(Client(), second).status_code == 302
    assert authenticate(username=VICTIM, password=OWNER_PASSWORD) is not None


def test_the_owner_reclaims_a_pending_account_by_asking_for_a_password_reset(
    mail: Mail,
) -> None:
    sign_up(mail, name="Attacker")

    response = mail.post(Client(), reverse("password_reset"), {"email": VICTIM})
    link = mail.links()[-1]

    assert response.status_code == 302
    assert len(mail.links()) == 2
    assert confirm(Client(), link).status_code == 302
    assert authenticate(username=VICTIM, password=OWNER_PASSWORD) is not None
    assert authenticate(username=VICTIM, password=ATTACKER_PASSWORD) is None


# --- accounts that are not pending stay as they are -------------------------------------------


def test_signing_up_with_a_confirmed_address_changes_nothing(
    mail: Mail,
) -> None:
    factories.user("vera", email=VICTIM)

    response = sign_up(mail)

    # The same page as for a new address (tests/test_enumeration.py); the owner gets a note
    # that says how to log in, with no link that sets anything.
    assert response.status_code == 200
    assert mail.links() == []
    assert [m.to for m in mail.outbox] == [[VICTIM]]
    assert "/accounts/login/" in mail.outbox[0].body
    assert authenticate(username="vera", password=factories.PASSWORD) is not None


def test_a_deactivated_account_cannot_be_reactivated_by_signing_up(
    mail: Mail,
) -> None:
    vera = factories.user("vera", email=VICTIM)
    Client().force_login(vera)  # sets last_login: this account was used
    get_user_model().objects.filter(pk=vera.pk).update(is_active=False)

    response = sign_up(mail)
    mail.post(Client(), reverse("password_reset"), {"email": VICTIM})

    assert response.status_code == 200
    assert mail.links() == []
    assert mail.outbox == []
    assert not get_user_model().objects.get(pk=vera.pk).is_active
