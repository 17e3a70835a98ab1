"""Sign-up, log-in and password reset answer every address alike (issue 17).

For each flow, a request naming an unknown address is compared with one naming a pending
(signed up, not confirmed), a confirmed and a deactivated account, in several spellings: the
status, the page (CSRF tokens and the echoed address taken out), the redirect, the cookies, the
data-query count and the work queued after commit must all be equal (``tests/enumeration.py``).
What each class is owed is decided by the task, and checked here too. Planted differences (one
more query, one more word, another status, other queued work) prove the check can fail.
bench/auth_timing.py prints the timing distributions side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hashers
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models, services
from cfp.views import accounts as account_views
from tests import factories
from tests.enumeration import Observation, assert_indistinguishable, observe

pytestmark = pytest.mark.django_db

CLASSES = ("pending", "confirmed", "deactivated", "staff")
SPELLINGS = (str.lower, str.title, lambda s: f"  {s.upper()}  ")


def make_account(kind: str, email: str) -> None:
    """An account of the given class for ``email`` (username = address, as sign-up makes)."""
    if kind == "unknown":
        return
    if kind == "pending":
        services.sign_up(
            email=email, name="P", verify_url="http://testserver/v/TOKEN/", now=timezone.now()
        )
        return
    user = factories.user(email, email=email, is_staff=kind == "staff")
    if kind == "deactivated":
        get_user_model().objects.filter(pk=user.pk).update(
            is_active=False, last_login=timezone.now()
        )


FLOWS: dict[str, Callable[[str], dict[str, str]]] = {
    "signup": lambda email: {"name": "Some One", "email": email},
    "login": lambda email: {"username": email, "password": "not-the-password-1"},
    "password_reset": lambda email: {"email": email},
}


def _observe(capture: Any, flow: str, email: str) -> Observation:
    return observe(
        capture, url=reverse(flow), data=FLOWS[flow](email), echoes=[email, email.strip()]
    )


@pytest.mark.parametrize("spelling", SPELLINGS, ids=["lower", "title", "padded-upper"])
@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_a_known_address_is_indistinguishable_from_an_unknown_one(
    django_capture_on_commit_callbacks: Any, flow: str, kind: str, spelling: Any
) -> None:
    make_account(kind, "known.person@example.org")

    known = _observe(django_capture_on_commit_callbacks, flow, spelling("known.person@example.org"))
    unknown = _observe(
        django_capture_on_commit_callbacks, flow, spelling("nobody.else@example.org")
    )

    assert_indistinguishable(known, unknown, what=f"{flow}, {kind} vs unknown")
    assert known.status in {200, 302}


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_malformed_input_is_refused_alike(
    django_capture_on_commit_callbacks: Any, flow: str
) -> None:
    make_account("confirmed", "known.person@example.org")
    data = dict(FLOWS[flow]("known.person@example.org"), name="")  # sign-up: name missing

    bad_known = observe(
        django_capture_on_commit_callbacks,
        url=reverse(flow),
        data={**data, "password": ""} if flow == "login" else data,
        echoes=["known.person@example.org"],
    )
    bad_unknown = observe(
        django_capture_on_commit_callbacks,
        url=reverse(flow),
        data={
            k: v.replace("known.person", "nobody.else")
            for k, v in ({**data, "password": ""} if flow == "login" else data).items()
        },
        echoes=["nobody.else@example.org"],
    )

    assert_indistinguishable(bad_known, bad_unknown, what=flow)


@pytest.mark.parametrize("kind", ["unknown", *CLASSES])
def test_every_failed_log_in_costs_one_password_hash(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Timing without timers: the expensive step (hashing the typed password) runs once for
    every class, so a pending account or an unknown address answers in the same time."""
    make_account(kind, "someone@example.org")
    hasher = get_hashers()[0]
    calls: list[str] = []
    real = type(hasher).encode

    def counting(self: Any, password: str, salt: str, *args: Any) -> str:
        calls.append(salt)
        return real(self, password, salt, *args)

    monkeypatch.setattr(type(hasher), "encode", counting)

    response = Client().post(reverse("login"), FLOWS["login"]("someone@example.org"))

    assert response.status_code == 200
    assert len(calls) == 1


# --- what the task then sends ------------------------------------------------------------------

OWED = {
    # (flow, class): what the e-mail (if any) holds
    ("signup", "unknown"): "/accounts/verify/",
    ("signup", "pending"): "/accounts/verify/",
    ("signup", "confirmed"): "/accounts/login/",
    ("signup", "deactivated"): None,
    ("signup", "staff"): None,
    ("password_reset", "unknown"): None,
    ("password_reset", "pending"): "/accounts/verify/",
    ("password_reset", "confirmed"): "/accounts/reset/",
    ("password_reset", "deactivated"): None,
    ("password_reset", "staff"): "/accounts/reset/",
}


@pytest.mark.parametrize(("flow", "kind"), sorted(OWED))
def test_the_task_sends_what_the_address_is_owed(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any], flow: str, kind: str
) -> None:
    email = "someone@example.org"
    make_account(kind, email)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse(flow), FLOWS[flow](email))

    assert response.status_code in {200, 302}
    expected = OWED[(flow, kind)]
    if expected is None:
        assert mailoutbox == []
    else:
        assert [m.to for m in mailoutbox] == [[email]]
        assert expected in mailoutbox[0].body


def test_a_known_address_gets_at_most_one_note_an_hour(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    make_account("confirmed", "someone@example.org")
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(reverse("signup"), FLOWS["signup"]("someone@example.org"))

    assert len(mailoutbox) == 1
    assert models.EmailOutbox.objects.filter(key__startswith="signup-known:").count() == 1


# --- the check can fail -----------------------------------------------------------------------


def _plant_query(monkeypatch: pytest.MonkeyPatch) -> None:
    real = services.request_sign_up

    def leaky(**kwargs: Any) -> None:
        if get_user_model().objects.filter(email__iexact=kwargs["email"]).exists():
            get_user_model().objects.count()
        real(**kwargs)

    monkeypatch.setattr(services, "request_sign_up", leaky)


def _plant_word(monkeypatch: pytest.MonkeyPatch) -> None:
    real = vars(account_views)["page"]

    def wordy(request: Any, template: str, context: dict[str, Any], **kw: Any) -> Any:
        email = request.POST.get("email", "")
        if get_user_model().objects.filter(email__iexact=email).exists():
            context = {**context, "for_invitation": True}  # one sentence differs
        return real(request, template, context, **kw)

    monkeypatch.setattr(account_views, "page", wordy)


def _plant_status(monkeypatch: pytest.MonkeyPatch) -> None:
    real = vars(account_views)["page"]

    def status(request: Any, template: str, context: dict[str, Any], **kw: Any) -> Any:
        response = real(request, template, context, **kw)
        if get_user_model().objects.filter(email__iexact=request.POST.get("email", "")).exists():
            response.status_code = 400
        return response

    monkeypatch.setattr(account_views, "page", status)


def _plant_work(monkeypatch: pytest.MonkeyPatch) -> None:
    real = services.request_sign_up

    def busy(**kwargs: Any) -> None:
        known = get_user_model().objects.filter(email__iexact=kwargs["email"]).exists()
        real(**{**kwargs, "name": "known" if known else kwargs["name"]})

    monkeypatch.setattr(services, "request_sign_up", busy)


@pytest.mark.parametrize(
    ("plant", "field"),
    [
        (_plant_query, "queries"),
        (_plant_word, "body"),
        (_plant_status, "status"),
        (_plant_work, "work"),
    ],
)
def test_the_equality_check_catches_a_planted_difference(
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    plant: Callable[[pytest.MonkeyPatch], None],
    field: str,
) -> None:
    make_account("confirmed", "known.person@example.org")
    plant(monkeypatch)

    known = _observe(django_capture_on_commit_callbacks, "signup", "known.person@example.org")
    unknown = _observe(django_capture_on_commit_callbacks, "signup", "nobody.else@example.org")

    with pytest.raises(AssertionError, match=field):
        assert_indistinguishable(known, unknown, what="planted")
