"""Staff set up calls without the admin (issue 19): a new call with its first rows, and a copy
of an earlier call with its settings, questions, e-mails and reviewers invited again."""

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


@pytest.fixture
def staff() -> Any:
    return factories.user("stella", is_staff=True)


@pytest.fixture
def client(staff: Any) -> Client:
    c = Client()
    c.force_login(staff)
    return c


def _new_call_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "PyCon Atlantis 2027",
        "slug": "atlantis-2027",
        "timezone": "Europe/Madrid",
        "opens_at": "2027-01-10T09:00",
        "closes_at": "2027-03-01T23:59",
        "review_deadline_at": "2027-03-20T23:59",
        "languages": ["en", "es"],
        "reviews_per_proposal": "3",
        "formats": "Talk | 30\nTutorial | 180",
        "tracks": "Web\nData science",
        "criteria": "Relevance | 1-5 | 2\nClarity | 1-5 | 1",
    }
    data.update(changes)
    return data


def test_staff_create_a_call_with_its_rows_and_chair_it(client: Client, staff: Any) -> None:
    response = client.post(reverse("callsetup:new"), _new_call_form())

    assert response.status_code == 302
    call = models.Call.objects.get(slug="atlantis-2027")
    assert response["Location"] == reverse("callsettings:settings", args=[call.slug])
    assert call.timezone == "Europe/Madrid"
    assert call.opens_at.isoformat() == "2027-01-10T08:00:00+00:00"
    assert sorted(
        models.Format.objects.filter(call=call).values_list("slug", "duration_minutes")
    ) == [
        ("talk", 30),
        ("tutorial", 180),
    ]
    assert sorted(models.Track.objects.filter(call=call).values_list("slug", flat=True)) == [
        "data-science",
        "web",
    ]
    assert list(
        models.Criterion.objects.filter(call=call)
        .order_by("position")
        .values_list("slug", "minimum", "maximum", "weight")
    ) == [("relevance", 1, 5, 2.0), ("clarity", 1, 5, 1.0)]
    assert models.Membership.objects.filter(call=call, user=staff, role="chair").exists()
    assert models.AuditEvent.objects.filter(call=call, action="call.created").exists()


def test_a_taken_address_is_an_error_on_its_field_and_the_text_is_kept(client: Client) -> None:
    factories.call("atlantis-2027")

    response = client.post(reverse("callsetup:new"), _new_call_form(name="Mine"))

    assert response.status_code == 400
    assert response.context["form"].errors["slug"] == [
        "Another call has the address “atlantis-2027”; choose another."
    ]
    assert 'value="Mine"' in response.content.decode()
    assert models.Call.objects.count() == 1


def test_dates_out_of_order_create_nothing(client: Client) -> None:
    response = client.post(reverse("callsetup:new"), _new_call_form(closes_at="2026-12-31T10:00"))

    assert response.status_code == 400
    assert response.context["form"].errors["closes_at"] == ["The call must close after it opens."]
    assert not models.Call.objects.exists()


def test_a_bad_criterion_line_is_named_by_its_number(client: Client) -> None:
    response = client.post(
        reverse("callsetup:new"), _new_call_form(criteria="Relevance | 1-5\nClarity | five")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["criteria"] == ["Line 2: the scale is written like 1-5."]
    assert "Clarity | five" in response.content.decode()
    assert not models.Call.objects.exists()


def _last_year() -> tuple[models.Call, Any, Any]:
    """Last year's call with a question, an e-mail template, a chair and two reviewers."""
    old = factories.call("pycon-2026")
    models.Call.objects.filter(pk=old.pk).update(
        name="PyCon 2026", timezone="Europe/Berlin", reviews_per_proposal=4, chairs_blind=False
    )
    models.Question.objects.create(call=old, label="Have you spoken before?", kind="yes_no")
    review_models.DecisionTemplate.objects.create(
        call=old,
        status="accepted",
        subject="Welcome aboard",
        body="See you there.",
        updated_at=timezone.now(),
    )
    chair = factories.user("chad")
    factories.member(old, chair, "chair")
    reviewers = [factories.user(f"rev{i}", email=f"rev{i}@reviewers.test") for i in range(2)]
    for r in reviewers:
        factories.member(old, r, "reviewer")
    factories.proposal(old, factories.user("sam"))
    return old, chair, reviewers


def _clone_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "PyCon 2027",
        "slug": "pycon-2027",
        "opens_at": "2027-01-10T09:00",
        "closes_at": "2027-03-01T23:59",
        "review_deadline_at": "",
        "invite_reviewers": "on",
    }
    data.update(changes)
    return data


def test_the_copy_page_proposes_next_years_name_address_and_dates(client: Client) -> None:
    old, _chair, _reviewers = _last_year()

    response = client.get(reverse("callsetup:clone", args=[old.slug]))

    body = response.content.decode()
    assert 'value="PyCon 2027"' in body
    assert 'value="pycon-2027"' in body
    assert "2 reviewers, invited again" in body


def test_a_copy_takes_the_settings_rows_questions_emails_and_invites_the_reviewers(
    client: Client, staff: Any
) -> None:
    old, chair, reviewers = _last_year()

    response = client.post(reverse("callsetup:clone", args=[old.slug]), _clone_form())

    assert response.status_code == 302
    new = models.Call.objects.get(slug="pycon-2027")
    assert (new.name, new.timezone, new.reviews_per_proposal) == ("PyCon 2027", "Europe/Berlin", 4)
    assert new.opens_at.isoformat() == "2027-01-10T08:00:00+00:00"
    assert new.identities_revealed_at is None
    for model in (models.Format, models.Track, models.Criterion):
        assert sorted(model.objects.filter(call=new).values_list("slug", flat=True)) == sorted(
            model.objects.filter(call=old).values_list("slug", flat=True)
        )
    assert list(models.Question.objects.filter(call=new).values_list("label", flat=True)) == [
        "Have you spoken before?"
    ]
    template = review_models.DecisionTemplate.objects.get(call=new)
    assert (template.status, template.subject) == ("accepted", "Welcome aboard")
    assert set(
        models.Membership.objects.filter(call=new, role="chair").values_list("user_id", flat=True)
    ) == {chair.pk, staff.pk}
    # Reviewers are invited (a link by e-mail through the outbox), not enrolled.
    assert not models.Membership.objects.filter(call=new, role="reviewer").exists()
    assert set(
        review_models.Invitation.objects.filter(call=new).values_list("email", flat=True)
    ) == {r.email for r in reviewers}
    assert models.EmailOutbox.objects.filter(key__startswith="invite:reviewer:").count() == 2
    assert not models.Proposal.objects.filter(call=new).exists()
    event = models.AuditEvent.objects.get(call=new, action="call.cloned")
    assert event.data["from"] == "pycon-2026"


def test_a_refused_copy_leaves_nothing_behind(client: Client) -> None:
    old, _chair, _reviewers = _last_year()
    factories.call("pycon-2027")

    response = client.post(reverse("callsetup:clone", args=[old.slug]), _clone_form())

    assert response.status_code == 400
    assert "Another call has the address" in response.content.decode()
    assert models.Call.objects.count() == 2
    assert not review_models.Invitation.objects.exists()
    assert not models.EmailOutbox.objects.filter(key__startswith="invite:").exists()
    assert review_models.DecisionTemplate.objects.count() == 1


def test_a_copy_without_invitations_invites_nobody(client: Client) -> None:
    old, _chair, _reviewers = _last_year()
    form = _clone_form()
    del form["invite_reviewers"]

    client.post(reverse("callsetup:clone", args=[old.slug]), form)

    assert models.Call.objects.filter(slug="pycon-2027").exists()
    assert not review_models.Invitation.objects.exists()


def test_a_chair_who_is_not_staff_cannot_copy_their_own_call() -> None:
    old, chair, _reviewers = _last_year()
    c = Client()
    c.force_login(chair)

    response = c.post(reverse("callsetup:clone", args=[old.slug]), _clone_form())

    assert response.status_code == 404
    assert not models.Call.objects.filter(slug="pycon-2027").exists()


def test_the_home_page_offers_staff_the_way_in(client: Client) -> None:
    body = client.get("/").content.decode()

    assert reverse("callsetup:new") in body
    assert reverse("callsetup:list") in body


@pytest.mark.parametrize("n", [1, 3])
def test_the_calls_list_runs_a_fixed_number_of_queries(
    client: Client, n: int, django_assert_num_queries: Any
) -> None:
    for i in range(n):
        factories.call(f"call-{i}")
    client.get(reverse("callsetup:list"))

    with django_assert_num_queries(4):
        client.get(reverse("callsetup:list"))


@pytest.mark.parametrize("weight", ["nan", "inf", "heavy"])
def test_a_weight_that_is_not_a_finite_number_is_refused(client: Client, weight: str) -> None:
    response = client.post(
        reverse("callsetup:new"), _new_call_form(criteria=f"Relevance | 1-5 | {weight}")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["criteria"] == [
        "Line 1: the weight is a number such as 1 or 0.5."
    ]
    assert not models.Call.objects.exists()
