"""A chair edits a criterion inline on the settings page: htmx swaps the section in place, a bad
scale comes back with the message on the field, and a good one is saved without a reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cfp import models
from tests import factories
from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_chair_edits_a_criterion_inline_and_is_told_what_is_wrong_on_the_field(
    page: Page,
) -> None:
    from playwright.sync_api import expect

    call = factories.call("pycon")
    chair = factories.user("chad")
    factories.member(call, chair, "chair")
    clarity = models.Criterion.objects.get(call=call, slug="clarity")

    log_in(page, username="chad", password=factories.PASSWORD)
    page.goto(f"/chair/{call.slug}/settings/")
    page.evaluate("window.__marker = 1")
    section = page.locator("#criteria")
    section.get_by_role("link", name="Edit Clarity").click()
    row = section.locator(f"#criteria-{clarity.pk}")
    row.get_by_label("Highest score").fill("1")
    row.get_by_role("button", name="Save").click()

    expect(section).to_contain_text("The highest score must be above the lowest.")
    expect(row.get_by_label("Highest score")).to_have_value("1")
    row.get_by_label("Highest score").fill("7")
    row.get_by_role("button", name="Save").click()
    expect(section).to_contain_text("Saved.")
    expect(section).to_contain_text("scores 1–7")

    assert page.evaluate("window.__marker") == 1, "the edit reloaded the whole page"
    clarity.refresh_from_db()
    assert clarity.maximum == 7
    assert models.AuditEvent.objects.filter(call=call, action="criterion.changed").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_description_preview_follows_the_typing_and_drops_scripts(page: Page) -> None:
    from playwright.sync_api import expect

    call = factories.call("pycon")
    chair = factories.user("chad")
    factories.member(call, chair, "chair")

    log_in(page, username="chad", password=factories.PASSWORD)
    page.goto(f"/chair/{call.slug}/settings/")
    page.get_by_label("Description").fill("Now with **bold** news <script>alert(1)</script>")

    preview = page.locator("#description-preview .user-content")
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview.locator("script")).to_have_count(0)
    call.refresh_from_db()
    assert "bold" not in call.description
