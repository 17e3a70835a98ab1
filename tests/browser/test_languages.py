"""Issue 24 in the browser: a speaker whose browser prefers Spanish signs up, submits a talk in
Spanish and gets Spanish e-mail; a German-speaking reviewer scores it in German.

Labels are looked up in the catalogues (``gettext`` under the language), so the test follows the
translators' wording and fails if a label is left in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation

from cfp import models
from reviews import models as review_models
from tests import factories
from tests.browser.conftest import TIMEOUT_MS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

VERIFY = re.compile(r"https?://[^/\s]+(/accounts/verify/\S+)")


def t(language: str, text: str) -> str:
    with translation.override(language):
        out = translation.gettext(text)
    assert out != text, f"{text!r} has no {language} translation"
    return out


@pytest.fixture
def tab(browser: Browser, live_server: Any) -> Iterator[Any]:
    """A browser context per language."""
    contexts = []

    def open_tab(language: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_spanish_speaker_submits_and_a_german_reviewer_scores(
    tab: Any, mailoutbox: list[Any]
) -> None:
    from playwright.sync_api import expect

    call = factories.call("pycon")  # accepts en and es
    page = tab("es")

    page.goto("/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_label(t("es", "Your name")).fill("Lucía Quintana")
    page.get_by_label(t("es", "E-mail address")).fill("lucia@example.org")
    page.get_by_role("button", name=t("es", "Sign up")).click()
    expect(page.get_by_role("heading", name=t("es", "Check your e-mail"))).to_be_visible()

    (mail,) = [m for m in mailoutbox if m.to == ["lucia@example.org"]]
    assert mail.subject == t("es", "Confirm your e-mail address")
    link = VERIFY.search(mail.body)
    assert link is not None
    page.goto(link.group(1))
    page.get_by_label(t("es", "Choose a password")).fill("una contraseña bien larga 42")
    page.get_by_label(t("es", "Type it again")).fill("una contraseña bien larga 42")
    page.get_by_role("button", name=t("es", "Confirm and log in")).click()
    expect(page.get_by_text(t("es", "Your e-mail address is confirmed. Welcome!"))).to_be_visible()

    page.goto(f"/calls/{call.slug}/")
    page.get_by_role("link", name=t("es", "Submit a proposal")).click()
    page.get_by_role("textbox", name=t("es", "Title")).fill("Quetzales en producción")
    page.get_by_role("textbox", name=t("es", "Abstract")).fill(
        "Veremos cómo medir antes de optimizar, con ejemplos pequeños y reales."
    )
    page.get_by_label(t("es", "Talk language")).select_option("es")
    page.get_by_role("button", name=t("es", "Submit proposal")).click()
    expect(
        page.get_by_text(t("es", "Thank you! Your proposal is in. We sent a receipt."))
    ).to_be_visible()

    proposal = models.Proposal.objects.get(call=call)
    assert proposal.language == "es"
    receipts = [m for m in mailoutbox if m.to == ["lucia@example.org"]][1:]
    assert receipts, "no receipt"
    with translation.override("es"):
        expected = translation.gettext("We received your proposal “%(title)s”") % {
            "title": proposal.title
        }
    assert receipts[0].subject == expected

    # A reviewer whose browser speaks German scores it on a German screen.
    greta = factories.user("greta")
    factories.member(call, greta, "reviewer")
    factories.assign(proposal, greta)
    reviewer = tab("de")
    reviewer.goto("/accounts/login/")
    reviewer.get_by_label(t("de", "E-mail or username")).fill("greta")
    reviewer.get_by_label(t("de", "Password")).fill(factories.PASSWORD)
    reviewer.get_by_role("button", name=t("de", "Log in")).click()
    reviewer.wait_for_url(lambda url: "/accounts/login/" not in url)
    reviewer.goto(f"/review/{call.slug}/{proposal.code}/")

    assert reviewer.locator("html").get_attribute("lang") == "de"
    assert reviewer.locator("#proposal-title").get_attribute("lang") == "es"
    expect(reviewer.get_by_role("heading", name=t("de", "Your review"))).to_be_visible()
    reviewer.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in ("4", "3", "n"):
        reviewer.keyboard.press(key)
    reviewer.wait_for_url(lambda url: proposal.code not in url)

    review = review_models.Review.objects.get(reviewer=greta, proposal=proposal)
    assert review.scores == {"relevance": 4, "clarity": 3}
