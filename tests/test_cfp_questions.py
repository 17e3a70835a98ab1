"""The call's own questions: one form field per kind, validation, storage, and what reviewers get.

Answers to reviewer-visible questions go through the leak scanner into ``Proposal.redacted``
under ``q:<id>``; chairs-only answers never do.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cfp import models, queries, services
from tests import factories

pytestmark = pytest.mark.django_db

SPEAKER_NAME = "Samira Quell"


@pytest.fixture
def call() -> models.Call:
    return factories.call("pycon")


@pytest.fixture
def sam() -> Any:
    return factories.user("sam", first_name=SPEAKER_NAME)


@pytest.fixture
def client(sam: Any) -> Client:
    c = Client()
    c.force_login(sam)
    return c


def question(call: models.Call, kind: str, **extra: Any) -> models.Question:
    defaults: dict[str, Any] = {"label": f"The {kind} question", "visibility": "reviewers"}
    if kind in ("choose_one", "choose_many"):
        defaults["choices"] = ["Alpha", "Beta", "Gamma"]
    defaults.update(extra)
    return models.Question.objects.create(call=call, kind=kind, **defaults)


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Caching without tears",
        "abstract": "How a small team cut its page times in half.",
        "format": "talk",
        "track": "web",
        "level": "intermediate",
        "language": "en",
        "token": "tok-1",
    }
    data.update(changes)
    return data


def submit(client: Client, call: models.Call, **changes: Any) -> Any:
    return client.post(reverse("cfp:submit", args=[call.slug]), form_data(**changes))


def text(response: Any) -> str:
    return html.unescape(str(response.content.decode()))


# --- one field per kind -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        ("short_text", "x" * 301, "Ensure this value has at most 300 characters"),
        ("short_text", "nul\x00byte", "NUL character"),
        ("long_text", "y" * 5001, "Ensure this value has at most 5000 characters"),
        ("number", "twelve", "Enter a number."),
        ("number", "inf", "Enter a number."),
        ("number", "nan", "Enter a number."),
        ("url", "ftp://files.example.org/talk", "Enter a valid URL."),
        ("url", "not a web address", "Enter a valid URL."),
        ("yes_no", "maybe", "Select a valid choice."),
        ("choose_one", "Delta", "Select a valid choice."),
        ("choose_many", ["Alpha", "Delta"], "Select a valid choice."),
    ],
)
def test_a_bad_answer_is_an_error_on_its_field_and_the_text_is_kept(
    client: Client, call: models.Call, kind: str, typed: Any, message: str
) -> None:
    q = question(call, kind)

    response = submit(client, call, **{f"q_{q.pk}": typed, "title": "Kept title"})

    errors = response.context["form"].errors[f"q_{q.pk}"]
    assert response.status_code == 400
    assert any(message in e for e in errors)
    assert 'value="Kept title"' in response.content.decode()
    assert not models.Proposal.objects.exists()


@pytest.mark.parametrize(
    "kind", ["short_text", "long_text", "number", "url", "yes_no", "choose_one", "choose_many"]
)
def test_a_required_question_left_empty_is_an_error_on_its_field(
    client: Client, call: models.Call, kind: str
) -> None:
    q = question(call, kind, required=True)

    response = submit(client, call)

    assert response.status_code == 400
    assert response.context["form"].errors[f"q_{q.pk}"] == ["This field is required."]


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("short_text", "  For web developers  ", "For web developers"),
        ("number", "3", 3),
        ("number", "2.5", 2.5),
        ("url", "example.org/slides", "https://example.org/slides"),
        ("yes_no", "no", False),
        ("yes_no", "yes", True),
        ("choose_one", "Beta", "Beta"),
        ("choose_many", ["Gamma", "Alpha"], ["Alpha", "Gamma"]),
    ],
)
def test_a_good_answer_is_stored_as_a_plain_json_value(
    client: Client, call: models.Call, kind: str, typed: Any, stored: Any
) -> None:
    q = question(call, kind)

    response = submit(client, call, **{f"q_{q.pk}": typed})

    assert response.status_code == 302
    assert models.Answer.objects.get(question=q).value == stored


def test_an_optional_question_left_empty_stores_no_answer(
    client: Client, call: models.Call
) -> None:
    q = question(call, "short_text")

    submit(client, call)

    assert not models.Answer.objects.filter(question=q).exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("short_text", 12, "Type a text answer."),
        ("number", True, "Type a number."),
        ("number", "1e400", "Type a number."),
        ("url", "javascript:alert(1)", "Type a web address starting with https://."),
        ("yes_no", "perhaps", "Answer yes or no."),
        ("choose_one", "Delta", "Pick one of the choices."),
        ("choose_many", ("Alpha", "Delta"), "Pick from the choices."),
    ],
)
def test_the_service_refuses_what_the_form_would_refuse(
    kind: str, value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        services.normalise_answer(kind=kind, choices=["Alpha", "Beta"], value=value)


def test_a_per_speaker_question_is_stored_against_the_speaker(
    client: Client, call: models.Call, sam: Any
) -> None:
    q = question(call, "short_text", target="speaker")

    submit(client, call, **{f"q_{q.pk}": "Medium"})

    assert models.Answer.objects.get(question=q).speaker == models.Speaker.objects.get(user=sam)


def test_the_edit_page_shows_the_stored_answers(client: Client, call: models.Call) -> None:
    many = question(call, "choose_many")
    yes_no = question(call, "yes_no")
    response = submit(client, call, **{f"q_{many.pk}": ["Beta"], f"q_{yes_no.pk}": "no"})

    page = client.get(response["Location"]).content.decode()

    assert f'name="q_{many.pk}" value="Beta" id="id_q_{many.pk}_1" checked' in page
    assert f'name="q_{yes_no.pk}" value="no" id="id_q_{yes_no.pk}_1" checked' in page


def test_choice_questions_are_fieldsets_with_a_legend(client: Client, call: models.Call) -> None:
    question(call, "choose_one", label="Your level?")

    page = client.get(reverse("cfp:submit", args=[call.slug])).content.decode()

    assert "<legend>Your level?" in page


# --- what reviewers get -------------------------------------------------------------------------


def test_a_reviewer_visible_answer_naming_the_speaker_is_redacted(
    client: Client, call: models.Call
) -> None:
    q = question(call, "long_text", label="Why you?")

    submit(client, call, **{f"q_{q.pk}": f"{SPEAKER_NAME} has run this workshop twice."})

    p = models.Proposal.objects.get()
    assert p.redacted[f"q:{q.pk}"] == "[name] has run this workshop twice."
    assert any(f["field"] == f"q:{q.pk}" and f["kind"] == "name" for f in p.findings)


def test_a_chairs_only_answer_never_reaches_what_reviewers_get(
    client: Client, call: models.Call
) -> None:
    q = question(call, "long_text", label="Travel support?", visibility="chairs")

    submit(client, call, **{f"q_{q.pk}": f"{SPEAKER_NAME} needs a flight from Lima."})

    p = models.Proposal.objects.get()
    assert not [k for k in p.redacted if k.startswith("q:")]
    assert "Lima" not in str(p.redacted)
    assert not [f for f in p.findings if str(f["field"]).startswith("q:")]


def test_a_reviewer_visible_choice_is_stored_for_reviewers_as_written(
    client: Client, call: models.Call
) -> None:
    q = question(call, "choose_many")

    submit(client, call, **{f"q_{q.pk}": ["Gamma", "Alpha"]})

    assert models.Proposal.objects.get().redacted[f"q:{q.pk}"] == "Alpha, Gamma"


def test_a_per_speaker_reviewer_visible_answer_is_keyed_by_the_speakers_place(
    client: Client, call: models.Call
) -> None:
    q = question(call, "short_text", target="speaker")

    submit(client, call, **{f"q_{q.pk}": "Ten years of Django"})

    assert models.Proposal.objects.get().redacted[f"q:{q.pk}:1"] == "Ten years of Django"


def test_reviewer_answers_reads_labels_and_redacted_text_without_speaker_data(
    client: Client, call: models.Call
) -> None:
    visible = question(call, "long_text", label="Why you?", position=1)
    question(call, "short_text", label="Phone", visibility="chairs", position=0)
    per_speaker = question(call, "number", label="Years", target="speaker", position=2)
    submit(
        client,
        call,
        **{
            f"q_{visible.pk}": f"Ask {SPEAKER_NAME}.",
            f"q_{per_speaker.pk}": "7",
        },
    )
    p = models.Proposal.objects.get()

    answers = queries.reviewer_answers(
        redacted=p.redacted, questions=queries.reviewer_questions(call_id=call.pk)
    )

    assert answers == (
        queries.ReviewerAnswer(label="Why you?", text="Ask [name]."),
        queries.ReviewerAnswer(label="Years", text="7", speaker_number=1),
    )


def test_the_findings_box_names_the_question_the_leak_is_in(
    client: Client, call: models.Call
) -> None:
    q = question(call, "short_text", label="Who is this for?")
    response = submit(client, call, **{f"q_{q.pk}": f"Fans of {SPEAKER_NAME}"})

    page = text(client.get(response["Location"]))

    assert f"“{SPEAKER_NAME}” in Who is this for?" in page


def test_the_live_scan_checks_reviewer_visible_answers_but_not_chairs_only_ones(
    client: Client, call: models.Call
) -> None:
    visible = question(call, "short_text", label="Audience")
    hidden = question(call, "short_text", label="Notes to chairs", visibility="chairs")

    response = client.post(
        reverse("cfp:scan", args=[call.slug]),
        {f"q_{visible.pk}": f"By {SPEAKER_NAME}", f"q_{hidden.pk}": f"Call {SPEAKER_NAME}"},
        headers={"HX-Request": "true"},
    )

    box = text(response)
    assert f"“{SPEAKER_NAME}” in Audience" in box
    assert "Notes to chairs" not in box


# --- editing answers ------------------------------------------------------------------------------


def _edit(client: Client, call: models.Call, code: str, **changes: Any) -> Any:
    data = form_data(**changes)
    data.pop("token")
    return client.post(reverse("cfp:mine_detail", args=[call.slug, code]), data)


def test_changing_a_reviewer_visible_answer_makes_a_new_version(
    client: Client, call: models.Call
) -> None:
    q = question(call, "short_text")
    submit(client, call, **{f"q_{q.pk}": "First"})
    p = models.Proposal.objects.get()

    _edit(client, call, p.code, **{f"q_{q.pk}": "Second"})

    p.refresh_from_db()
    assert (p.version, p.redacted[f"q:{q.pk}"]) == (2, "Second")


def test_changing_a_chairs_only_answer_keeps_the_version(client: Client, call: models.Call) -> None:
    q = question(call, "short_text", visibility="chairs")
    submit(client, call, **{f"q_{q.pk}": "First"})
    p = models.Proposal.objects.get()

    _edit(client, call, p.code, **{f"q_{q.pk}": "Second"})

    p.refresh_from_db()
    assert p.version == 1
    assert models.Answer.objects.get(question=q).value == "Second"


def test_clearing_an_optional_answer_deletes_it(client: Client, call: models.Call) -> None:
    q = question(call, "short_text")
    submit(client, call, **{f"q_{q.pk}": "Something"})
    p = models.Proposal.objects.get()

    _edit(client, call, p.code, **{f"q_{q.pk}": ""})

    p.refresh_from_db()
    assert not models.Answer.objects.filter(question=q).exists()
    assert f"q:{q.pk}" not in p.redacted


def test_a_required_question_added_later_must_be_answered_on_the_next_edit(
    client: Client, call: models.Call
) -> None:
    submit(client, call)
    p = models.Proposal.objects.get()
    q = question(call, "yes_no", required=True)

    response = _edit(client, call, p.code, abstract="Changed.")

    p.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors[f"q_{q.pk}"] == ["This field is required."]
    assert p.abstract != "Changed."


# --- query budget ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_the_submit_page_runs_a_fixed_number_of_queries_whatever_the_questions(
    client: Client, call: models.Call, assert_queries: Callable[[int], Any], rows: int
) -> None:
    for n in range(rows):
        question(call, ("choose_one", "short_text", "yes_no")[n], label=f"Q{n}")

    # session, user, call (+formats, tracks, criteria), questions, nav roles.
    with assert_queries(8):
        response = client.get(reverse("cfp:submit", args=[call.slug]))

    assert len(response.context["form"].questions) == rows
