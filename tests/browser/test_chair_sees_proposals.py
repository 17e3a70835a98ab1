"""A chair signs in through the log-in form and sees the call's proposals ranked."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.utils import timezone

from cfp import models as cfp_models
from reviews.services import seed
from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

PROPOSALS = 12
SHOWN_AT_MOST = 50


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chair_sees_the_calls_proposals_by_their_redacted_titles(page: Page) -> None:
    result = seed.seed_demo(
        slug="demo", proposals=PROPOSALS, reviewers=3, seed=1, now=timezone.now()
    )
    chair = next(u for u in result.users if u.username == "demo-chair")
    # The call's live proposals: the demo's mentored drafts (issue 25) are still the speakers'.
    titles = list(
        cfp_models.Proposal.objects.filter(cfp_models.in_call(), call__slug="demo").values_list(
            "redacted__title", flat=True
        )
    )

    log_in(page, username=chair.username, password=chair.password)
    page.goto("/chair/demo/")

    ranking = page.get_by_role("table", name=re.compile("by calibrated score"))
    rows = ranking.locator("tbody tr")
    assert rows.count() == min(SHOWN_AT_MOST, PROPOSALS)
    shown = ranking.locator("tbody").inner_text()
    assert [t for t in titles if t not in shown] == []
    screenshots = settings.BASE_DIR / "var" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "chair.png"), full_page=True)
