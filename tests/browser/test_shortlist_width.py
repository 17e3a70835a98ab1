"""The shortlist uses the full width (issue 19): at 1280 px every column, the Decision column
included, is in view without scrolling; at 360 px the table scrolls inside its own container and
the page itself never scrolls sideways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse

from reviews import models
from tests import factories
from tests.browser.conftest import log_in
from tests.curation_world import curation

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _open(page: Page, width: int) -> None:
    w = curation(3, revealed=True)
    # Long words and every flag: the widest cells a real list has.
    for p in w.proposals:
        p.title = "Observability for asynchronous distributed data pipelines in production"
        p.save(update_fields=["title"])
    models.ProposalScore.objects.update(
        flags=["high_disagreement", "low_confidence", "under_reviewed"], spread=4.5
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, username=w.chair.username, password=factories.PASSWORD)
    page.goto(reverse("chair:shortlist", args=[w.call.slug]))


def _geometry(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
                 const wrap = document.querySelector('#results .table-wrap');
                 const cell = document.querySelector('table.shortlist td.decision-cell');
                 const w = wrap.getBoundingClientRect(), c = cell.getBoundingClientRect();
                 return {wrapLeft: w.left, wrapRight: w.right, cellRight: c.right,
                         scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth,
                         docWidth: document.documentElement.scrollWidth,
                         viewport: window.innerWidth};
               }"""
        )
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_at_1280_the_decision_column_is_in_view_without_scrolling(page: Page) -> None:
    _open(page, 1280)

    g = _geometry(page)

    assert g["scrollWidth"] <= g["clientWidth"], g
    assert g["cellRight"] <= g["wrapRight"], g
    assert g["docWidth"] <= g["viewport"], g


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_at_360_the_table_scrolls_in_its_own_box_and_the_decision_is_reachable(
    page: Page,
) -> None:
    _open(page, 360)

    g = _geometry(page)
    assert g["docWidth"] <= g["viewport"], g
    page.locator("#results .table-wrap").evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    after = _geometry(page)

    assert after["cellRight"] <= after["wrapRight"] + 1, after
