"""Staff clone last year's call from the home page (issue 19): the copy page says what it takes
over, the new call's settings page shows the copied formats, tracks, criteria and questions, and
last year's reviewers have invitations waiting on the new call's reviewers page."""

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
def test_staff_clone_last_years_call_and_see_the_copied_settings(page: Page) -> None:
    from playwright.sync_api import expect

    old = factories.call("pycon-2026")
    models.Call.objects.filter(pk=old.pk).update(name="PyCon 2026")
    models.Track.objects.create(call=old, slug="security", name="Security")
    models.Question.objects.create(call=old, label="Have you spoken before?", kind="yes_no")
    reviewer = factories.user("rita", email="rita@reviewers.test")
    factories.member(old, reviewer, "reviewer")
    factories.user("stella", is_staff=True)

    log_in(page, username="stella", password=factories.PASSWORD)
    page.goto("/")
    page.get_by_role("link", name="Copy an earlier call").click()
    page.get_by_role("link", name="Copy PyCon 2026").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Copy PyCon 2026")
    expect(page.get_by_label("Name of the new call")).to_have_value("PyCon 2027")
    expect(page.get_by_label("Address of the new call")).to_have_value("pycon-2027")
    expect(page.locator("main")).to_contain_text("Data, Security, Web")
    # A bad date order is refused with the typed name kept.
    page.get_by_label("Name of the new call").fill("PyCon Atlantis 2027")
    page.get_by_label("Closes (submission deadline)").fill("2020-01-01T10:00")
    page.get_by_role("button", name="Create the copy").click()
    expect(page.locator("main")).to_contain_text("The call must close after it opens.")
    expect(page.get_by_label("Name of the new call")).to_have_value("PyCon Atlantis 2027")
    assert not models.Call.objects.filter(slug="pycon-2027").exists()

    page.get_by_label("Closes (submission deadline)").fill("2027-12-01T10:00")
    page.get_by_label("Opens").fill("2027-09-01T10:00")
    page.get_by_label("Review deadline").fill("")
    page.get_by_role("button", name="Create the copy").click()

    page.wait_for_url("**/chair/pycon-2027/settings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings of PyCon Atlantis 2027")
    expect(page.locator("#formats")).to_contain_text("Talk")
    expect(page.locator("#tracks")).to_contain_text("Security")
    expect(page.locator("#criteria")).to_contain_text("Relevance")
    expect(page.locator("#criteria")).to_contain_text("Clarity")
    expect(page.locator("#questions")).to_contain_text("Have you spoken before?")
    page.goto("/chair/pycon-2027/reviewers/")
    expect(page.locator("#invitations")).to_contain_text("rita@reviewers.test")
