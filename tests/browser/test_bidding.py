"""A reviewer bids with the keyboard only; the chair runs the assignment and reads its reasons."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from tests import factories
from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Keys pressed on rows 1..4, and the level each one means.
PRESSES = (("e", "eager"), ("2", "willing"), ("n", "not_for_me"), ("4", "conflict"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_bids_with_the_keyboard_and_the_chair_sees_the_reasons(page: Page) -> None:
    c = factories.call("pycon")
    c.bidding_closes_at = timezone.now() + dt.timedelta(days=2)
    c.save(update_fields=["bidding_closes_at"])
    reviewer = factories.user("rita", email="rita@rita-home.example")
    helper = factories.user("hugo", email="hugo@hugo-home.example")
    chair = factories.user("chad")
    factories.member(c, reviewer, "reviewer")
    factories.member(c, helper, "reviewer")
    factories.member(c, chair, "chair")
    for i in range(5):
        factories.proposal(
            c, factories.user(f"speaker{i}"), title=f"Talk number {i}", abstract=f"Abstract {i}."
        )

    log_in(page, username="rita", password=factories.PASSWORD)
    page.goto("/review/pycon/bids/")
    rows = page.locator("[data-bid-row]")
    codes = [
        (rows.nth(i).get_attribute("id") or "").removeprefix("bid-") for i in range(rows.count())
    ]
    assert len(codes) == 5
    page.locator("h1").click()  # no control in focus: keys go to the screen

    for i, (key, level) in enumerate(PRESSES):
        page.keyboard.press("j")
        row = page.locator(f"#bid-{codes[i]}")
        page.keyboard.press(key)
        # Saved through htmx: the row comes back with its state, without a page load.
        row.locator(".bid-state .badge").filter(has_text=re.compile("Your bid")).wait_for()
        assert row.locator(f'input[value="{level}"]').is_checked()
    page.keyboard.press("k")
    page.keyboard.press("0")  # k went back to the third row (not for me): 0 clears its bid
    page.locator(f"#bid-{codes[2]} .bid-state", has_text="No bid yet").wait_for()

    stored = dict(
        models.Bid.objects.filter(reviewer=reviewer).values_list("proposal__code", "level")
    )
    assert stored == {codes[0]: "eager", codes[1]: "willing", codes[3]: "conflict"}
    assert models.Conflict.objects.filter(reviewer=reviewer, proposal__code=codes[3]).exists()

    page.reload()
    for code, level in stored.items():
        assert page.locator(f'#bid-{code} input[value="{level}"]').is_checked()
    assert page.locator(f"#bid-{codes[2]} input:checked").count() == 0
    assert "You have bid on 3 of 5 proposals" in page.locator("#bid-counts").inner_text()

    # The chair runs the assignment and reads why rita got her eager proposal.
    page.context.clear_cookies()
    log_in(page, username="chad", password=factories.PASSWORD)
    page.goto("/chair/pycon/reviewers/")
    page.get_by_label("Mode").select_option("total")
    page.get_by_label("Reviewers per proposal").fill("1")
    page.get_by_role("button", name="Run assignment").click()
    page.locator(".flash", has_text="Assignment run").wait_for()
    assert models.Assignment.objects.filter(reviewer=reviewer, proposal__code=codes[0]).exists()
    assert not models.Assignment.objects.filter(reviewer=reviewer, proposal__code=codes[3]).exists()

    page.goto(f"/chair/pycon/proposals/{codes[0]}/")
    panel = page.locator("#proposal-reviewers table")
    panel.wait_for()  # loaded into the page by htmx
    assert "eager bid" in panel.locator("tr", has_text="Rita").inner_text()
    assert cfp_models.AuditEvent.objects.filter(action="reviewers.assigned").exists()
