"""After log-in, every role lands on its own work unless a safe ``next`` says otherwise.

``cfp.queries.landing`` decides: chair → the dashboard of the most recent open call they chair,
reviewer → their queue, speaker → their proposals in the call of their most recent proposal,
anyone else → the list of calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from cfp.queries import landing
from tests import factories

pytestmark = pytest.mark.django_db


def _log_in(user: Any, next_path: str | None = None) -> str:
    data = {"username": user.username, "password": factories.PASSWORD}
    if next_path is not None:
        data["next"] = next_path
    response = Client().post(reverse("login"), data)
    assert response.status_code == 302
    return str(response["Location"])


def test_a_chair_lands_on_the_dashboard_of_the_most_recent_open_call() -> None:
    now = timezone.now()
    chair = factories.user("chair")
    old = factories.call(
        "old", opens_at=now - dt.timedelta(days=400), closes_at=now - dt.timedelta(days=300)
    )
    current = factories.call("current", opens_at=now - dt.timedelta(days=5))
    later = factories.call(
        "later", opens_at=now + dt.timedelta(days=30), closes_at=now + dt.timedelta(days=60)
    )
    for c in (old, current, later):
        factories.member(c, chair, models.Role.CHAIR)

    assert _log_in(chair) == reverse("chair:dashboard", args=["current"])


def test_a_chair_of_calls_none_of_which_is_open_lands_on_the_most_recent() -> None:
    now = timezone.now()
    chair = factories.user("chair")
    for slug, days in (("a2025", 400), ("a2026", 100)):
        c = factories.call(
            slug,
            opens_at=now - dt.timedelta(days=days),
            closes_at=now - dt.timedelta(days=days - 30),
        )
        factories.member(c, chair, models.Role.CHAIR)

    assert _log_in(chair) == reverse("chair:dashboard", args=["a2026"])


def test_a_reviewer_lands_on_their_queue() -> None:
    reviewer = factories.user("rev")
    factories.member(factories.call("pycon"), reviewer, models.Role.REVIEWER)

    assert _log_in(reviewer) == reverse("reviews:queue", args=["pycon"])


def test_a_speaker_lands_on_their_proposals_of_their_most_recent_call() -> None:
    now = timezone.now()
    speaker = factories.user("sam")
    factories.proposal(factories.call("old", opens_at=now - dt.timedelta(days=60)), speaker)
    factories.proposal(factories.call("new", opens_at=now - dt.timedelta(days=2)), speaker)

    assert _log_in(speaker) == reverse("cfp:mine", args=["new"])


def test_someone_without_a_role_or_a_proposal_lands_on_the_home_page() -> None:
    assert _log_in(factories.user("nobody")) == reverse("home")


def test_the_most_demanding_role_wins() -> None:
    person = factories.user("both")
    c = factories.call("pycon")
    factories.proposal(factories.call("other"), person)
    factories.member(c, person, models.Role.REVIEWER)

    assert _log_in(person) == reverse("reviews:queue", args=["pycon"])
    factories.member(c, person, models.Role.CHAIR)
    assert _log_in(person) == reverse("chair:dashboard", args=["pycon"])


@pytest.mark.parametrize(
    ("next_path", "expected"),
    [("/calls/", "/calls/"), ("https://evil.example/", None), ("//evil.example/", None)],
)
def test_a_safe_next_wins_and_an_unsafe_one_falls_back_to_the_landing(
    next_path: str, expected: str | None
) -> None:
    reviewer = factories.user("rev")
    factories.member(factories.call("pycon"), reviewer, models.Role.REVIEWER)

    assert _log_in(reviewer, next_path) == (expected or reverse("reviews:queue", args=["pycon"]))


def test_archived_calls_are_not_landed_on(assert_queries: Any) -> None:
    chair = factories.user("chair")
    c = factories.call("gone")
    factories.member(c, chair, models.Role.CHAIR)
    models.Call.objects.filter(pk=c.pk).update(archived_at=timezone.now())

    with assert_queries(2):
        where = landing.landing(user_id=chair.pk, now=timezone.now())

    assert where.destination == landing.Destination.HOME
