"""A speaker opts in and answers; a chair opens the diversity report and sees charts and a gap."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils import timezone

from diversity import models, services
from tests import factories
from tests.browser.conftest import log_in
from tests.test_diversity_report import _first_timers_left_out, seed_call

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _screenshot(page: Page, name: str) -> None:
    folder = settings.BASE_DIR / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_speaker_opts_in_and_answers(page: Page) -> None:
    factories.user("sam")

    log_in(page, username="sam", password=factories.PASSWORD)
    page.get_by_role("link", name="Self-identification").click()
    gender = page.get_by_role("group", name=re.compile("^Gender"))
    gender.get_by_label("I describe myself as…").check()
    page.get_by_label("In your own words (optional)").fill("lighthouse keeper")
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_role("alert").filter(has_text="without your consent").wait_for()
    assert not models.Answer.objects.exists()

    page.get_by_label("I agree to the consent text above.").check()
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_role("status").filter(has_text="Your answers are saved").wait_for()

    answer = models.Answer.objects.get(key="gender")
    assert (answer.value, answer.text) == (models.SELF_DESCRIBE, "lighthouse keeper")
    assert models.Consent.objects.get().version == models.CONSENT_VERSION
    _screenshot(page, "self-id.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_chair_opens_the_report_and_sees_the_charts_and_a_flagged_gap(page: Page) -> None:
    s = seed_call(_first_timers_left_out(), slug="demo", slots=15)
    services.build_report(call_id=s.call.pk, now=timezone.now())

    log_in(page, username=s.chair.username, password=factories.PASSWORD)
    page.goto(f"/chair/{s.call.slug}/diversity/")

    charts = page.locator("svg[role=img]")
    assert charts.count() >= 7
    first_time = page.get_by_role("img", name="First-time speaker")
    assert first_time.locator("rect").count() > 0
    table = page.get_by_role("table", name="First-time speaker: counts and shares")
    assert "Submitted" in table.inner_text()
    gap = page.get_by_role("note").filter(has_text="Larger drop than chance").first
    assert "First-time speaker: Yes" in gap.inner_text()
    assert gap.get_by_role("link").count() > 0
    _screenshot(page, "diversity-report.png")

    # Wait for the rebuild's response itself: the heading is on the page before and after, and a
    # request still running when the test ends holds SQLite's lock during the teardown.
    with page.expect_response(lambda r: r.request.method == "POST" and "/build" in r.url) as done:
        page.get_by_role("button", name="Rebuild the report").click()
    assert done.value.status == 200
    page.get_by_role("heading", name="Speakers: from submission to acceptance").wait_for()
    assert page.locator("svg[role=img]").count() == charts.count()
