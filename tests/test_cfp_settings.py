"""Chairs configure their call in the app: the call itself, formats, tracks, criteria, questions.

Bad combinations come back with the message on the field and the typed values kept; every change
is an AuditEvent; the page and its htmx sections run a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models
from reviews import models as review_models
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def call() -> models.Call:
    return factories.call("pycon")


@pytest.fixture
def chair(call: models.Call) -> Any:
    u = factories.user("chad")
    factories.member(call, u, "chair")
    return u


@pytest.fixture
def client(chair: Any) -> Client:
    c = Client()
    c.force_login(chair)
    return c


def settings_url(call: models.Call) -> str:
    return reverse("callsettings:settings", args=[call.slug])


def section_url(call: models.Call, section: str) -> str:
    return reverse(f"callsettings:{section}", args=[call.slug])


def call_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "PyCon 2027",
        "description": "Talks about **Python**.",
        "timezone": "UTC",
        "opens_at": "2027-01-01T09:00",
        "closes_at": "2027-03-01T12:00",
        "review_deadline_at": "2027-04-01T12:00",
        "languages": ["en", "es"],
        "reviews_per_proposal": "3",
        "chairs_blind": "on",
        "others_reviews": "after_own",
        "independent_scores": "on",
        "action": "save",
    }
    data.update(changes)
    return data


def field_errors(response: Any, form: str, field: str) -> list[str]:
    return list(response.context[form].errors.get(field, []))


def audit_actions(call: models.Call) -> list[str]:
    return list(models.AuditEvent.objects.filter(call=call).values_list("action", flat=True))


# --- the call itself ----------------------------------------------------------------------


def test_a_chair_saves_the_call_settings(client: Client, call: models.Call) -> None:
    response = client.post(settings_url(call), call_form())

    call.refresh_from_db()
    assert response.status_code == 302
    assert (call.name, call.reviews_per_proposal, call.languages) == ("PyCon 2027", 3, ["en", "es"])
    assert call.closes_at == dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_a_settings_change_is_recorded_with_old_and_new_values(
    client: Client, call: models.Call, chair: Any
) -> None:
    old_name = call.name

    client.post(settings_url(call), call_form())

    event = models.AuditEvent.objects.get(call=call, action="call.changed")
    assert event.actor_id == chair.pk
    assert event.data["changes"]["name"] == [old_name, "PyCon 2027"]


def test_dates_are_read_in_the_chosen_time_zone(client: Client, call: models.Call) -> None:
    client.post(settings_url(call), call_form(timezone="Europe/Madrid"))

    call.refresh_from_db()
    assert call.timezone == "Europe/Madrid"
    # 12:00 in Madrid on 1 March (winter time, UTC+1) is 11:00 UTC.
    assert call.closes_at == dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC)


def test_a_chair_opens_bidding_until_a_date_in_the_call_time_zone_and_can_close_it(
    client: Client, call: models.Call
) -> None:
    client.post(
        settings_url(call),
        call_form(timezone="Europe/Madrid", bidding_closes_at="2027-02-15T18:00"),
    )
    call.refresh_from_db()
    opened = call.bidding_closes_at
    html = client.get(settings_url(call)).content.decode()

    client.post(settings_url(call), call_form(bidding_closes_at=""))
    call.refresh_from_db()

    # 18:00 in Madrid in February (UTC+1) is 17:00 UTC.
    assert opened == dt.datetime(2027, 2, 15, 17, 0, tzinfo=dt.UTC)
    assert 'value="2027-02-15T18:00"' in html
    assert call.bidding_closes_at is None
    changes = [
        e.data["changes"]
        for e in models.AuditEvent.objects.filter(call=call, action="call.changed")
    ]
    assert any("bidding_closes_at" in c for c in changes)


def test_a_bidding_date_that_is_not_a_date_is_refused_and_nothing_is_saved(
    client: Client, call: models.Call
) -> None:
    before = (call.name, call.bidding_closes_at)

    response = client.post(settings_url(call), call_form(bidding_closes_at="next tuesday"))

    call.refresh_from_db()
    assert response.status_code == 400
    assert field_errors(response, "call_form", "bidding_closes_at")
    assert "PyCon 2027" in response.content.decode()  # the chair's text is kept
    assert (call.name, call.bidding_closes_at) == before


def test_the_form_shows_stored_dates_in_the_call_time_zone(
    client: Client, call: models.Call
) -> None:
    models.Call.objects.filter(pk=call.pk).update(
        timezone="America/New_York", closes_at=dt.datetime(2027, 3, 1, 17, 0, tzinfo=dt.UTC)
    )

    html = client.get(settings_url(call)).content.decode()

    assert 'value="2027-03-01T12:00"' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"opens_at": "2027-03-02T09:00"},
            "closes_at",
            "The call must close after it opens.",
        ),
        (
            {"closes_at": "2027-01-01T09:00"},
            "closes_at",
            "The call must close after it opens.",
        ),
        (
            {"review_deadline_at": "2027-02-28T12:00"},
            "review_deadline_at",
            "The review deadline cannot be before the call closes.",
        ),
        ({"languages": []}, "languages", "This field is required."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Select a valid choice."),
        ({"reviews_per_proposal": "0"}, "reviews_per_proposal", "greater than or equal to 1"),
    ],
)
def test_a_bad_combination_is_refused_with_a_message_on_the_field(
    client: Client, call: models.Call, changes: dict[str, Any], field: str, message: str
) -> None:
    before = (call.name, call.opens_at, call.closes_at, call.review_deadline_at)

    response = client.post(settings_url(call), call_form(**changes))

    call.refresh_from_db()
    assert response.status_code == 400
    assert any(message in e for e in field_errors(response, "call_form", field))
    assert (call.name, call.opens_at, call.closes_at, call.review_deadline_at) == before
    assert "call.changed" not in audit_actions(call)


def test_a_refused_save_keeps_what_the_chair_typed(client: Client, call: models.Call) -> None:
    response = client.post(
        settings_url(call),
        call_form(name="A name worth keeping", opens_at="2027-03-02T09:00"),
    )

    html = response.content.decode()
    assert 'value="A name worth keeping"' in html
    assert 'value="2027-03-02T09:00"' in html


def test_a_review_deadline_equal_to_the_close_is_accepted(
    client: Client, call: models.Call
) -> None:
    response = client.post(settings_url(call), call_form(review_deadline_at="2027-03-01T12:00"))

    assert response.status_code == 302


def test_saving_unchanged_settings_records_nothing(client: Client, call: models.Call) -> None:
    client.post(settings_url(call), call_form())

    client.post(settings_url(call), call_form())

    assert audit_actions(call).count("call.changed") == 1


def test_the_description_preview_is_sanitised_and_saves_nothing(
    client: Client, call: models.Call
) -> None:
    before = call.description

    response = client.post(
        settings_url(call),
        call_form(description="**Bold** <script>alert(1)</script>", action="preview"),
        headers=HX,
    )

    html = response.content.decode()
    call.refresh_from_db()
    assert html.lstrip().startswith('<div id="description-preview"')
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html
    assert 'class="user-content" hx-disable' in html
    assert call.description == before


def test_the_preview_button_without_javascript_shows_the_whole_page_with_the_preview(
    client: Client, call: models.Call
) -> None:
    response = client.post(
        settings_url(call), call_form(description="*Typed, not saved*", action="preview")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<em>Typed, not saved</em>" in html
    assert "*Typed, not saved*" in html  # still in the textarea


# --- formats, tracks, criteria ------------------------------------------------------------


def format_form(row: str = "", prefix: str = "formats-new", **changes: str) -> dict[str, str]:
    data = {"slug": "tutorial", "name": "Tutorial", "duration_minutes": "90", "slots": "4"}
    data.update(changes)
    return {"row": row, "action": "save", **{f"{prefix}-{k}": v for k, v in data.items()}}


def test_adding_a_format_without_javascript_redirects_back_to_the_section(
    client: Client, call: models.Call
) -> None:
    response = client.post(section_url(call, "formats"), format_form())

    assert response.status_code == 302
    assert response["Location"] == settings_url(call) + "#formats"
    assert models.Format.objects.filter(call=call, slug="tutorial", duration_minutes=90).exists()


def test_adding_a_format_with_htmx_returns_the_section_with_the_new_row(
    client: Client, call: models.Call
) -> None:
    response = client.post(section_url(call, "formats"), format_form(), headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="formats"')
    assert "Tutorial" in html
    assert "<html" not in html


def test_adding_a_format_is_audited(client: Client, call: models.Call, chair: Any) -> None:
    client.post(section_url(call, "formats"), format_form())

    event = models.AuditEvent.objects.get(call=call, action="format.added")
    assert event.actor_id == chair.pk
    assert event.data["changes"]["slug"][1] == "tutorial"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_duplicate_format_slug_is_an_error_on_the_slug_field(
    client: Client, call: models.Call, htmx: bool
) -> None:
    response = client.post(
        section_url(call, "formats"),
        format_form(slug="talk", name="Another talk"),
        headers=HX if htmx else {},
    )

    html = response.content.decode()
    assert response.status_code == (200 if htmx else 400)
    assert "This call has another format with the slug “talk”." in html
    assert 'value="Another talk"' in html
    assert models.Format.objects.filter(call=call).count() == 1


def test_a_format_with_zero_minutes_is_refused_on_its_field(
    client: Client, call: models.Call
) -> None:
    response = client.post(section_url(call, "formats"), format_form(duration_minutes="0"))

    assert response.status_code == 400
    assert not models.Format.objects.filter(slug="tutorial").exists()


def test_editing_a_format_changes_its_row(client: Client, call: models.Call) -> None:
    fmt = models.Format.objects.get(call=call, slug="talk")

    client.post(
        section_url(call, "formats"),
        format_form(row=str(fmt.pk), prefix=f"formats-{fmt.pk}", slug="talk", name="Long talk"),
    )

    fmt.refresh_from_db()
    assert (fmt.name, fmt.duration_minutes) == ("Long talk", 90)
    assert "format.changed" in audit_actions(call)


def test_a_format_of_another_call_cannot_be_edited(client: Client, call: models.Call) -> None:
    other = factories.call("djangocon")
    foreign = models.Format.objects.get(call=other)

    response = client.post(
        section_url(call, "formats"),
        format_form(row=str(foreign.pk), prefix=f"formats-{foreign.pk}", name="Hijacked"),
    )

    foreign.refresh_from_db()
    assert response.status_code == 400
    assert foreign.name == "Talk"


def test_an_htmx_edit_link_returns_the_section_with_the_row_as_a_form(
    client: Client, call: models.Call
) -> None:
    fmt = models.Format.objects.get(call=call)

    response = client.get(section_url(call, "formats") + f"?edit={fmt.pk}", headers=HX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="formats"')
    assert f'name="formats-{fmt.pk}-name"' in html
    assert f'value="{fmt.pk}"' in html


def test_the_edit_link_without_javascript_opens_the_settings_page_in_edit_mode(
    client: Client, call: models.Call
) -> None:
    fmt = models.Format.objects.get(call=call)

    response = client.get(settings_url(call) + f"?edit=formats-{fmt.pk}")

    assert f'name="formats-{fmt.pk}-name"' in response.content.decode()


def test_a_format_used_by_proposals_cannot_be_deleted(client: Client, call: models.Call) -> None:
    factories.proposal(call, factories.user("sam"))
    fmt = models.Format.objects.get(call=call)

    response = client.post(
        section_url(call, "formats"), {"row": str(fmt.pk), "action": "delete"}, headers=HX
    )

    assert "This format is used by 1 proposal" in response.content.decode()
    assert models.Format.objects.filter(pk=fmt.pk).exists()


def test_deleting_an_unused_track_is_audited_with_the_row(
    client: Client, call: models.Call
) -> None:
    track = models.Track.objects.get(call=call, slug="data")

    client.post(section_url(call, "tracks"), {"row": str(track.pk), "action": "delete"})

    assert not models.Track.objects.filter(pk=track.pk).exists()
    event = models.AuditEvent.objects.get(call=call, action="track.deleted")
    assert event.data["row"]["slug"] == "data"


def test_a_duplicate_track_slug_is_an_error_on_the_slug_field(
    client: Client, call: models.Call
) -> None:
    response = client.post(
        section_url(call, "tracks"),
        {"row": "", "action": "save", "tracks-new-slug": "web", "tracks-new-name": "Web again"},
    )

    assert response.status_code == 400
    form = response.context["editing"].form
    assert form.errors["slug"] == ["This call has another track with the slug “web”."]


def criterion_form(row: str = "", **changes: str) -> dict[str, str]:
    prefix = f"criteria-{row or 'new'}"
    data = {
        "slug": "originality",
        "name": "Originality",
        "guidance": "New to most attendees?",
        "minimum": "1",
        "maximum": "5",
        "weight": "1.5",
        "position": "3",
    }
    data.update(changes)
    return {"row": row, "action": "save", **{f"{prefix}-{k}": v for k, v in data.items()}}


def test_adding_a_criterion_stores_its_scale_and_weight(client: Client, call: models.Call) -> None:
    client.post(section_url(call, "criteria"), criterion_form())

    c = models.Criterion.objects.get(call=call, slug="originality")
    assert (c.minimum, c.maximum, c.weight, c.guidance) == (1, 5, 1.5, "New to most attendees?")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"minimum": "5", "maximum": "5"},
            "maximum",
            "The highest score must be above the lowest.",
        ),
        (
            {"minimum": "6", "maximum": "2"},
            "maximum",
            "The highest score must be above the lowest.",
        ),
        ({"minimum": "0", "maximum": "20"}, "maximum", "A scale has at most 11 steps."),
        ({"weight": "0"}, "weight", "The weight must be a number above 0."),
        ({"weight": "-1"}, "weight", "The weight must be a number above 0."),
        ({"slug": "clarity"}, "slug", "This call has another criterion with the slug “clarity”."),
        ({"slug": "not a slug"}, "slug", "Enter a valid “slug”"),
    ],
)
def test_a_bad_criterion_is_refused_with_a_message_on_the_field(
    client: Client, call: models.Call, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(section_url(call, "criteria"), criterion_form(**changes))

    form = response.context["editing"].form
    assert response.status_code == 400
    assert any(message in e for e in form.errors[field])
    assert models.Criterion.objects.filter(call=call).count() == 2


def test_once_reviews_exist_a_criterion_scale_cannot_change(
    client: Client, call: models.Call
) -> None:
    p = factories.proposal(call, factories.user("sam"))
    reviewer = factories.user("rita")
    now = timezone.now()
    review_models.Review.objects.create(
        proposal=p,
        reviewer=reviewer,
        call=call,
        scores={"relevance": 4},
        created_at=now,
        updated_at=now,
    )
    relevance = models.Criterion.objects.get(call=call, slug="relevance")

    response = client.post(
        section_url(call, "criteria"),
        criterion_form(row=str(relevance.pk), slug="relevance", name="Relevance", maximum="10"),
    )

    relevance.refresh_from_db()
    assert response.status_code == 400
    assert response.context["editing"].form.errors["maximum"] == [
        "Reviews have started: the slug and the scale cannot change any more."
    ]
    assert relevance.maximum == 5


# --- questions ------------------------------------------------------------------------------


def question_form(row: str = "", **changes: str) -> dict[str, str]:
    prefix = f"questions-{row or 'new'}"
    data = {
        "label": "Who is this talk for?",
        "help_text": "",
        "kind": "long_text",
        "choices": "",
        "target": "proposal",
        "visibility": "reviewers",
        "required": "on",
        "position": "0",
    }
    data.update(changes)
    return {"row": row, "action": "save", **{f"{prefix}-{k}": v for k, v in data.items()}}


def test_adding_a_question_stores_it(client: Client, call: models.Call) -> None:
    client.post(
        section_url(call, "questions"),
        question_form(kind="choose_one", choices="Beginner\nExpert\n", visibility="chairs"),
    )

    q = models.Question.objects.get(call=call)
    assert (q.kind, q.choices, q.required, q.visibility) == (
        "choose_one",
        ["Beginner", "Expert"],
        True,
        "chairs",
    )
    assert "question.added" in audit_actions(call)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "choose_one", "choices": ""}, "Give at least two different choices, one a line."),
        ({"kind": "choose_many", "choices": "Only one"}, "Give at least two different choices"),
        ({"kind": "choose_one", "choices": "A\nA"}, "Give at least two different choices"),
        ({"kind": "short_text", "choices": "A\nB"}, "Only “choose” questions take a list"),
    ],
)
def test_bad_choices_are_refused_on_the_choices_field(
    client: Client, call: models.Call, changes: dict[str, str], message: str
) -> None:
    response = client.post(section_url(call, "questions"), question_form(**changes))

    form = response.context["editing"].form
    assert response.status_code == 400
    assert any(message in e for e in form.errors["choices"])
    assert not models.Question.objects.filter(call=call).exists()


def test_an_answered_question_cannot_change_its_kind(client: Client, call: models.Call) -> None:
    q = models.Question.objects.create(call=call, label="Years of Python?", kind="number")
    p = factories.proposal(call, factories.user("sam"))
    models.Answer.objects.create(question=q, proposal=p, value=3, updated_at=timezone.now())

    response = client.post(
        section_url(call, "questions"),
        question_form(row=str(q.pk), label="Years of Python?", kind="short_text"),
    )

    q.refresh_from_db()
    assert response.context["editing"].form.errors["kind"] == [
        "Speakers have answered this question: its kind cannot change. Add a new one."
    ]
    assert q.kind == "number"


def test_deleting_a_reviewer_visible_question_takes_its_answers_out_of_the_redacted_text(
    client: Client, call: models.Call
) -> None:
    q = models.Question.objects.create(
        call=call, label="Audience", kind="short_text", visibility="reviewers"
    )
    p = factories.proposal(call, factories.user("sam"))
    models.Answer.objects.create(
        question=q, proposal=p, value="Web devs", updated_at=timezone.now()
    )
    from cfp import services

    services.rescan_proposal(proposal=p)
    assert p.redacted[f"q:{q.pk}"] == "Web devs"

    client.post(section_url(call, "questions"), {"row": str(q.pk), "action": "delete"})

    p.refresh_from_db()
    assert f"q:{q.pk}" not in p.redacted
    assert not models.Answer.objects.filter(proposal=p).exists()


def test_making_a_question_chairs_only_removes_its_answers_from_what_reviewers_get(
    client: Client, call: models.Call
) -> None:
    q = models.Question.objects.create(
        call=call, label="Audience", kind="short_text", visibility="reviewers"
    )
    p = factories.proposal(call, factories.user("sam"))
    models.Answer.objects.create(
        question=q, proposal=p, value="Web devs", updated_at=timezone.now()
    )
    from cfp import services

    services.rescan_proposal(proposal=p)

    client.post(
        section_url(call, "questions"),
        question_form(row=str(q.pk), label="Audience", kind="short_text", visibility="chairs"),
    )

    p.refresh_from_db()
    assert f"q:{q.pk}" not in p.redacted


# --- who may ----------------------------------------------------------------------------------


def test_a_chair_of_another_call_cannot_change_this_one(call: models.Call) -> None:
    other = factories.call("djangocon")
    olga = factories.user("olga")
    factories.member(other, olga, "chair")
    client = Client()
    client.force_login(olga)

    response = client.post(settings_url(call), call_form(name="Hijacked"))

    call.refresh_from_db()
    assert response.status_code == 404
    assert call.name != "Hijacked"


# --- query budgets ------------------------------------------------------------------------


def _fill(call: models.Call, rows: int) -> None:
    models.Format.objects.filter(call=call).delete()
    models.Track.objects.filter(call=call).delete()
    models.Criterion.objects.filter(call=call).delete()
    for n in range(rows):
        models.Format.objects.create(call=call, slug=f"f{n}", name=f"Format {n}")
        models.Track.objects.create(call=call, slug=f"t{n}", name=f"Track {n}")
        models.Criterion.objects.create(call=call, slug=f"c{n}", name=f"Criterion {n}")
        models.Question.objects.create(
            call=call, label=f"Question {n}", kind="choose_one", choices=["a", "b"]
        )


@pytest.mark.parametrize("rows", [1, 3])
def test_the_settings_page_runs_a_fixed_number_of_queries(
    client: Client, call: models.Call, assert_queries: Callable[[int], Any], rows: int
) -> None:
    _fill(call, rows)

    # session, user, chair check, call + formats + tracks + criteria + questions, nav roles.
    with assert_queries(9):
        response = client.get(settings_url(call))

    assert response.status_code == 200
    assert len(response.context["call"].questions) == rows


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("section", ["formats", "tracks", "criteria", "questions"])
def test_each_htmx_section_runs_a_fixed_number_of_queries(
    client: Client,
    call: models.Call,
    assert_queries: Callable[[int], Any],
    rows: int,
    section: str,
) -> None:
    _fill(call, rows)

    # session, user, chair check, call + its four row lists; no navigation in a partial.
    with assert_queries(8):
        response = client.get(section_url(call, section), headers=HX)

    assert response.content.decode().lstrip().startswith(f'<section id="{section}"')
    assert len(getattr(response.context["call"], section)) == rows


def test_the_public_call_page_shows_the_deadline_in_the_call_time_zone(
    call: models.Call,
) -> None:
    models.Call.objects.filter(pk=call.pk).update(
        timezone="Asia/Tokyo", closes_at=dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)
    )

    html = Client().get(reverse("cfp:call", args=[call.slug])).content.decode()

    assert "to 2 March 2027, 00:00 JST" in html


def test_a_chair_chooses_when_reviewers_read_each_others_reviews_and_it_is_audited(
    client: Client, call: models.Call
) -> None:
    before = (call.others_reviews, call.independent_scores)

    client.post(settings_url(call), call_form(others_reviews="after_phase", independent_scores=""))

    call.refresh_from_db()
    assert before == ("after_own", True)
    assert (call.others_reviews, call.independent_scores) == ("after_phase", False)
    changes = [
        e.data["changes"]
        for e in models.AuditEvent.objects.filter(call=call, action="call.changed")
    ]
    assert any("others_reviews" in c and "independent_scores" in c for c in changes)


def test_an_unknown_others_reviews_choice_is_refused_and_nothing_is_saved(
    client: Client, call: models.Call
) -> None:
    response = client.post(settings_url(call), call_form(others_reviews="always"))

    call.refresh_from_db()
    assert response.status_code == 400
    assert field_errors(response, "call_form", "others_reviews")
    assert call.others_reviews == "after_own"
