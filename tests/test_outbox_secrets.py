"""Auth e-mails go through the outbox, and no outbox row keeps a usable one-time link (issue 17).

Four kinds of e-mail carry a secret link: address confirmation, password reset, reviewer
invitation and co-speaker invitation. Each is queued, sent by the ``cfp.send_email`` task, and
then its token appears in no column of any outbox row; nor when the outbox gives up on it.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models, outbox, services
from reviews.services import invitations
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def _columns(row: models.EmailOutbox) -> list[str]:
    return [str(getattr(row, f.attname)) for f in models.EmailOutbox._meta.concrete_fields]


def assert_kept_nowhere(token: str) -> None:
    rows = list(models.EmailOutbox.objects.all())
    assert rows
    for row in rows:
        for value in _columns(row):
            assert token not in value, (row.key, value)


def _token_in(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match is not None, body
    return match.group(1)


# --- the four kinds, queued and sent by the task ----------------------------------------------


def test_a_confirmation_link_is_sent_by_the_task_and_not_kept(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token = services.sign_up(
            email="vera@example.org",
            name="Vera",
            verify_url="http://testserver/accounts/verify/TOKEN/",
            now=timezone.now(),
        )

    assert token in mailoutbox[-1].body
    assert models.EmailOutbox.objects.get().sent_at is not None
    assert_kept_nowhere(token)


def test_a_password_reset_is_queued_in_the_request_and_sent_by_the_task(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    vera = factories.user("vera", email="vera@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = Client().post(reverse("password_reset"), {"email": "vera@example.org"})

    # The request only queued the task (the same work for every address, issue 17).
    assert response.status_code == 302
    assert mailoutbox == []
    assert not models.EmailOutbox.objects.exists()
    assert len(callbacks) == 1

    with django_capture_on_commit_callbacks(execute=False) as sends:
        callbacks[0]()  # the task: it queues the outbox row
    row = models.EmailOutbox.objects.get()
    assert row.key.startswith(f"reset:{vera.pk}:")
    assert row.sent_at is None
    assert row.to == "vera@example.org"
    assert mailoutbox == []

    for send in sends:
        send()

    assert len(mailoutbox) == 1
    token = _token_in(mailoutbox[0].body, r"/accounts/reset/[^/\s]+/([^/\s]+)/")
    assert token not in row.key
    row.refresh_from_db()
    assert row.sent_at is not None
    assert_kept_nowhere(token)


def test_a_second_reset_request_queues_a_second_email(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    factories.user("vera", email="vera@example.org")
    client = Client()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("password_reset"), {"email": "vera@example.org"})

    assert models.EmailOutbox.objects.filter(sent_at__isnull=False).count() == len(mailoutbox)
    assert len(mailoutbox) >= 1


def test_a_reviewer_invitation_link_is_sent_by_the_task_and_not_kept(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    c = factories.call()
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite_reviewers(
            call_id=c.pk,
            emails=["x@example.org"],
            invited_by_id=None,
            accept_url="http://testserver/invite/TOKEN/",
            now=timezone.now(),
        )

    token = _token_in(mailoutbox[-1].body, r"http://testserver/invite/([^/\s]+)/")
    assert models.EmailOutbox.objects.get().sent_at is not None
    assert_kept_nowhere(token)


def test_a_co_speaker_invitation_link_is_sent_by_the_task_and_not_kept(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    c = factories.call()
    sam = factories.user("sam")
    p = factories.proposal(c, sam)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_co_speaker(
            call_slug=c.slug,
            code=p.code,
            owner_id=sam.pk,
            email="bart@example.org",
            join_url="http://testserver/join/TOKEN/",
            now=timezone.now(),
        )

    token = _token_in(mailoutbox[-1].body, r"http://testserver/join/([^/\s]+)/")
    assert models.EmailOutbox.objects.get(key__startswith="invite:").sent_at is not None
    assert_kept_nowhere(token)


# --- given up ---------------------------------------------------------------------------------


def _refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.send_mail", refuse)


@pytest.mark.parametrize("key", ["verify:1", "reset:1:abc", "invite:reviewer:1", "invite:1"])
def test_a_secret_email_given_up_keeps_no_link(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    _refusing(monkeypatch)
    now = timezone.now()
    secret = "s3cr3t-" + "k" * 40
    outbox.queue_email(
        key=key, to="x@example.org", subject="Hi", body=f"http://x/{secret}/", now=now
    )
    row = models.EmailOutbox.objects.get()

    # Failures before the last keep the body: the sweep sends it again.
    assert outbox.send_email(outbox_id=row.pk, now=now) is False
    row.refresh_from_db()
    assert secret in row.body

    models.EmailOutbox.objects.filter(pk=row.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    assert outbox.send_email(outbox_id=row.pk, now=now + dt.timedelta(hours=1)) is False
    row.refresh_from_db()
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert row.sent_at is None
    assert_kept_nowhere(secret)


def test_an_ordinary_email_given_up_keeps_its_body_for_an_operator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _refusing(monkeypatch)
    now = timezone.now()
    outbox.queue_email(key="submitted:X", to="x@example.org", subject="Hi", body="Body", now=now)
    row = models.EmailOutbox.objects.get()
    models.EmailOutbox.objects.filter(pk=row.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)

    assert outbox.send_email(outbox_id=row.pk, now=now) is False
    row.refresh_from_db()
    assert row.body == "Body"


# --- every call site is classified --------------------------------------------------------------

# Prefixes of e-mails that carry no link with a secret; a new kind must be added here or to
# outbox.SECRET_MAIL_KEYS, deliberately.
LINK_FREE = {
    "submitted:",
    "reviews.reminder:",
    "decision:",
    "decision-again:",
    "signup-known:",
    # Issue 21: proposal codes and post counts, links to the discussion pages (no secret).
    "discussion-digest:",
    # Issue 25: a mentor and a speaker matched; links to the mentoring pages behind log-in.
    "mentoring:",
}


def _sources() -> Iterator[Path]:
    for app in ("cfp", "reviews", "diversity", "common"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _first_fstring_prefix(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.JoinedStr) and sub.values:
            head = sub.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                return head.value
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and ":" in sub.value:
            return sub.value
    return None


def _builds_a_secret(func: ast.AST) -> bool:
    """A one-time token: a new one is made, or a URL's TOKEN is replaced, or Django's is used."""
    for sub in ast.walk(func):
        name = sub.attr if isinstance(sub, ast.Attribute) else getattr(sub, "id", None)
        if isinstance(sub, ast.Attribute | ast.Name) and name == "new_token":
            return True
        if isinstance(sub, ast.Constant) and sub.value in ("TOKEN", "token"):
            return True
    return False


def _call_sites() -> list[tuple[str, int, str, bool]]:
    sites: list[tuple[str, int, str, bool]] = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        helpers = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        for func in helpers.values():
            for call in ast.walk(func):
                if not isinstance(call, ast.Call):
                    continue
                name = getattr(call.func, "attr", getattr(call.func, "id", None))
                if name != "queue_email":
                    continue
                arg = next((k.value for k in call.keywords if k.arg == "key"), None)
                assert arg is not None, f"{path}:{call.lineno}: queue_email without key="
                key: ast.AST = arg
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
                    key = helpers.get(arg.func.id, arg)  # a helper that builds the key
                elif isinstance(arg, ast.Name):  # a local variable: what was assigned to it
                    key = next(
                        (
                            a.value
                            for a in ast.walk(func)
                            if isinstance(a, ast.Assign)
                            and any(isinstance(t, ast.Name) and t.id == arg.id for t in a.targets)
                        ),
                        arg,
                    )
                prefix = _first_fstring_prefix(key)
                assert prefix, f"{path}:{call.lineno}: key prefix not literal"
                assert ":" in prefix, f"{path}:{call.lineno}: key prefix not literal"
                where = str(path.relative_to(ROOT))
                sites.append(
                    (where, call.lineno, prefix.split(":")[0] + ":", _builds_a_secret(func))
                )
    return sites


def test_every_queue_email_call_site_is_classified_and_secret_links_are_registered() -> None:
    sites = _call_sites()
    prefixes = {prefix for _, _, prefix, _ in sites}
    assert {"verify:", "reset:", "invite:"} <= prefixes
    assert len(sites) >= 7
    for where, line, prefix, secret in sites:
        assert prefix in LINK_FREE or outbox.carries_secret(prefix), (
            f"{where}:{line}: classify the outbox key prefix {prefix!r}"
        )
        if secret:
            assert outbox.carries_secret(prefix), (
                f"{where}:{line}: {prefix!r} builds a one-time link; add it to SECRET_MAIL_KEYS"
            )
    assert not LINK_FREE & set(outbox.SECRET_MAIL_KEYS)
