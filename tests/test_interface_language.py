"""The interface language (issue 24): the browser's first, the switcher on every page, and a
signed-in person's stored choice, which wins once made and follows them to any browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cfp import models as cfp_models
from tests import factories

pytestmark = pytest.mark.django_db


def page_language(client: Client, url: str = "/", **headers: str) -> str:
    html = client.get(url, headers=headers).content.decode()
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def signed_in(user: Any, **headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def test_the_interface_offers_english_german_spanish_french_and_brazilian_portuguese() -> None:
    assert [code for code, _name in settings.LANGUAGES] == ["en", "de", "es", "fr", "pt-br"]


def test_a_browser_that_prefers_german_reads_german() -> None:
    html = Client(headers={"accept-language": "de-DE,de;q=0.9"}).get("/").content.decode()

    assert "Zum Inhalt springen" in html
    assert "Skip to content" not in html


def test_a_browser_that_prefers_spanish_gets_spanish_pages() -> None:
    assert page_language(Client(), accept_language="es-ES,es;q=0.9,en;q=0.5") == "es"
    assert page_language(Client(), accept_language="pt-BR") == "pt-br"
    assert page_language(Client(), accept_language="ja") == "en"


def test_every_page_has_a_switcher_form_that_works_without_javascript() -> None:
    html = Client().get(reverse("login")).content.decode()

    form = re.search(r'<form class="cluster language-switcher"[^>]*>.*?</form>', html, re.S)
    assert form is not None
    assert f'action="{reverse("set_language")}"' in form.group(0)
    assert 'method="post"' in form.group(0)
    assert '<label for="language-switcher">' in form.group(0)
    assert '<button type="submit"' in form.group(0)
    for code, _name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in form.group(0)


def test_a_visitor_who_switches_gets_the_language_and_is_sent_back() -> None:
    client = Client(headers={"accept-language": "fr"})

    response = client.post(reverse("set_language"), {"language": "de", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert page_language(client) == "de"
    assert not cfp_models.PersonSettings.objects.exists()


def test_an_unknown_language_or_a_foreign_next_changes_nothing() -> None:
    client = Client()

    response = client.post(
        reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert page_language(client) == "en"


def test_a_signed_in_persons_choice_is_stored_and_wins_over_any_browser() -> None:
    sam = factories.user("sam")
    client = signed_in(sam, accept_language="fr")
    client.post(reverse("set_language"), {"language": "es", "next": "/"})

    other_browser = Client(headers={"accept-language": "de"})
    other_browser.post(reverse("login"), {"username": "sam", "password": factories.PASSWORD})

    assert cfp_models.PersonSettings.objects.get(user=sam).language == "es"
    assert page_language(client) == "es"
    assert page_language(other_browser) == "es"


def test_a_person_who_never_chose_keeps_the_browsers_language_after_log_in() -> None:
    factories.user("sam")
    client = Client(headers={"accept-language": "fr"})
    client.post(reverse("login"), {"username": "sam", "password": factories.PASSWORD})

    assert page_language(client) == "fr"


def test_the_settings_page_section_stores_the_choice_and_switches_at_once() -> None:
    sam = factories.user("sam")
    client = signed_in(sam, accept_language="en")

    response = client.post(
        reverse("settings"), {"section": "language", "language-language": "pt-br"}, follow=True
    )

    assert cfp_models.PersonSettings.objects.get(user=sam).language == "pt-br"
    assert re.search(r'<html lang="pt-br"', response.content.decode())
    assert 'value="pt-br" selected' in client.get(reverse("settings")).content.decode()


def test_the_settings_page_refuses_a_language_we_do_not_offer_and_keeps_the_old_one() -> None:
    sam = factories.user("sam")
    client = signed_in(sam)
    client.post(reverse("settings"), {"section": "language", "language-language": "de"})

    response = client.post(reverse("settings"), {"section": "language", "language-language": "xx"})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert cfp_models.PersonSettings.objects.get(user=sam).language == "de"


def test_choosing_not_chosen_gives_the_browser_back() -> None:
    sam = factories.user("sam")
    client = signed_in(sam, accept_language="fr")
    client.post(reverse("settings"), {"section": "language", "language-language": "de"})

    client.post(reverse("settings"), {"section": "language", "language-language": ""})

    assert cfp_models.PersonSettings.objects.get(user=sam).language == ""
    assert page_language(client) == "fr"
