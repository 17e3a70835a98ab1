"""Calls in several languages (issue 24): chairs translate the call's description, criteria and
questions into the languages it accepts; readers get their language, else the main one, else
English; every save is audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cfp import models as cfp_models
from cfp.domain import languages
from tests import factories

pytestmark = pytest.mark.django_db


# --- the fallback rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "translations", "expected"),
    [
        ("es", {"es": {"description": "Hola"}}, ("Hola", "es")),
        ("es-ES", {"es": {"description": "Hola"}}, ("Hola", "es")),
        ("de", {"es": {"description": "Hola"}}, ("Hello", "en")),
        ("de", {}, ("Hello", "en")),
    ],
)
def test_a_reader_gets_their_language_else_the_main_one(
    wanted: str, translations: Any, expected: tuple[str, str]
) -> None:
    shown = languages.translated(
        original="Hello",
        main_language="en",
        translations=translations,
        field="description",
        wanted=wanted,
    )

    assert (shown.text, shown.language) == expected


def test_a_call_written_in_spanish_falls_back_to_spanish_then_english() -> None:
    both = {"en": {"description": "Hello"}}

    german = languages.translated(
        original="Hola", main_language="es", translations=both, field="description", wanted="de"
    )
    empty_main = languages.translated(
        original="", main_language="es", translations=both, field="description", wanted="de"
    )

    assert (german.text, german.language) == ("Hola", "es")
    assert (empty_main.text, empty_main.language) == ("Hello", "en")


def test_only_accepted_languages_and_known_fields_are_kept() -> None:
    raw = {
        "es": {"description": " Hola ", "script": "x"},
        "en": {"description": "Main"},
        "xx": {"description": "?"},
        "de": {"description": "   "},
    }

    kept = languages.clean_translations(
        raw, accepted=("en", "es", "de"), fields=("description",), main_language="en"
    )

    assert kept == {"es": {"description": "Hola"}}


# --- the chairs' page -------------------------------------------------------------------------


def chair_client(w: factories.World) -> Client:
    client = Client()
    client.force_login(w.users["chair"])
    return client


def url(w: factories.World) -> str:
    return reverse("callsettings:translations", kwargs={"slug": w.call.slug})


def spanish_form(w: factories.World, **extra: str) -> dict[str, str]:
    relevance = cfp_models.Criterion.objects.get(call=w.call, slug="relevance")
    return {
        "main_language": "en",
        "es-description": "Una convocatoria *amable*.",
        f"es-criterion-{relevance.pk}-name": "Relevancia",
        f"es-criterion-{relevance.pk}-guidance": "1 = fuera de tema, 5 = imprescindible",
        **extra,
    }


def test_a_chair_translates_the_call_and_the_audit_log_says_so() -> None:
    w = factories.world()

    response = chair_client(w).post(url(w), spanish_form(w))

    assert response.status_code == 302
    w.call.refresh_from_db()
    assert w.call.translations == {"es": {"description": "Una convocatoria *amable*."}}
    relevance = cfp_models.Criterion.objects.get(call=w.call, slug="relevance")
    assert relevance.translations["es"]["name"] == "Relevancia"
    event = cfp_models.AuditEvent.objects.get(action="call.translations_saved")
    assert event.actor_id == w.users["chair"].pk
    assert event.data["after"] == {"main_language": "en", "languages": ["es"]}


def test_the_page_offers_only_the_accepted_languages_other_than_the_main_one() -> None:
    w = factories.world()

    html = chair_client(w).get(url(w)).content.decode()

    assert 'id="language-es"' in html
    assert 'id="language-en"' not in html
    assert 'lang="es"' in html


def test_a_main_language_the_call_does_not_accept_is_refused_and_the_typing_kept() -> None:
    w = factories.world()

    response = chair_client(w).post(url(w), spanish_form(w, main_language="fr"))

    assert response.status_code == 400
    assert "Relevancia" in response.content.decode()
    w.call.refresh_from_db()
    assert w.call.translations == {}


def test_a_spanish_reader_gets_the_spanish_description_with_its_lang() -> None:
    w = factories.world()
    chair_client(w).post(url(w), spanish_form(w))

    spanish = Client(headers={"accept-language": "es"}).get(f"/calls/{w.call.slug}/")
    german = Client(headers={"accept-language": "de"}).get(f"/calls/{w.call.slug}/")

    assert '<div class="user-content" lang="es" hx-disable><p>Una convocatoria' in (
        spanish.content.decode()
    )
    assert '<div class="user-content" lang="en" hx-disable><p>A <em>friendly</em>' in (
        german.content.decode()
    )


def test_a_spanish_reviewer_reads_the_criterion_in_spanish() -> None:
    w = factories.world()
    chair_client(w).post(url(w), spanish_form(w))
    reviewer = Client(headers={"accept-language": "es"})
    reviewer.force_login(w.users["reviewer"])

    html = reviewer.get(
        reverse("reviews:screen", kwargs={"slug": w.call.slug, "code": w.proposal.code})
    ).content.decode()

    assert "Relevancia" in html
    assert "1 = fuera de tema, 5 = imprescindible" in html


def test_a_german_speaker_reads_the_question_in_german() -> None:
    w = factories.world()
    w.call.languages = ["en", "de"]
    w.call.save(update_fields=["languages"])
    q = cfp_models.Question.objects.create(
        call=w.call, label="Have you spoken before?", kind="yes_no", position=0
    )
    chair_client(w).post(
        url(w), {"main_language": "en", f"de-question-{q.pk}-label": "Hast du schon gesprochen?"}
    )
    speaker = Client(headers={"accept-language": "de"})
    speaker.force_login(factories.user("dora"))

    html = speaker.get(reverse("cfp:submit", kwargs={"slug": w.call.slug})).content.decode()

    assert "Hast du schon gesprochen?" in html
    assert "Have you spoken before?" not in html


@pytest.mark.parametrize("rows", [1, 3])
def test_the_page_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = factories.world()
    for i in range(rows):
        cfp_models.Question.objects.create(call=w.call, label=f"Q{i}", kind="short_text")
    client = chair_client(w)

    # session, user, membership; call, criteria, questions; navigation.
    with assert_queries(7):
        response = client.get(url(w))

    assert response.status_code == 200
