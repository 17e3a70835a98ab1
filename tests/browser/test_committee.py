"""The committee works together (issue 21), in the browser: two reviewers score, one opens the
discussion and posts, the other replies (by letter, never by name), and the chair tags the
proposal and finds it by search."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from reviews import models
from reviews.services import discussion
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


def _tab(browser: Browser, live_server: Any) -> Page:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def _score_and_discuss(page: Page, *, username: str, code: str, post: str) -> str:
    log_in(page, username=username, password=factories.PASSWORD)
    page.goto(f"/review/pycon/{code}/")
    for fieldset in page.locator("fieldset.criterion").all():
        fieldset.locator("label.score", has_text="4").click()
    page.get_by_role("button", name="Save", exact=True).click()
    # The committee box arrives with the save (htmx, out of band).
    page.get_by_role("link", name="Committee discussion").click()
    page.wait_for_url(re.compile(rf"/review/pycon/{code}/discussion/"))
    page.get_by_label("Your post").fill(post)
    page.get_by_role("button", name="Post").click()
    page.locator(".post-text", has_text=post).wait_for()
    return page.locator("#discussion").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_discuss_and_the_chair_tags_and_finds_the_proposal(
    page: Page, browser: Browser, live_server: Any
) -> None:
    call = factories.call("pycon")
    rita, ruben, chad = (factories.user(u) for u in ("rita", "ruben", "chad"))
    for r in (rita, ruben):
        factories.member(call, r, "reviewer")
    factories.member(call, chad, "chair")
    speaker = factories.user("sam", first_name="Samira Quell")
    p = factories.proposal(
        call, speaker, title="Zero-downtime migrations", speaker_name="Samira Quell"
    )
    other = factories.proposal(call, factories.user("otto"), title="Another talk")
    for r in (rita, ruben):
        factories.assign(p, r)
        factories.assign(other, r)
    discussion.open_thread(call_id=call.pk, proposal_id=p.pk, actor_id=chad.pk, now=timezone.now())

    first = _score_and_discuss(page, username="rita", code=p.code, post="The outline is strong.")
    second_tab = _tab(browser, live_server)
    second = _score_and_discuss(
        second_tab, username="ruben", code=p.code, post="Agreed; the demo is risky."
    )

    chair_tab = _tab(browser, live_server)
    log_in(chair_tab, username="chad", password=factories.PASSWORD)
    chair_tab.goto("/chair/pycon/tags/")
    chair_tab.get_by_label("Name").fill("Keynote candidate")
    chair_tab.get_by_role("button", name="Add the tag").click()
    chair_tab.goto(f"/chair/pycon/proposals/{p.code}/")
    tags_box = chair_tab.locator("#proposal-tags")
    tags_box.get_by_label("Keynote candidate").check()
    tags_box.get_by_role("button", name="Save the tags").click()
    tags_box = chair_tab.locator("#proposal-tags")
    tags_box.get_by_text("Tags saved.").wait_for()
    chair_tab.goto("/chair/pycon/shortlist/")
    chair_tab.get_by_label("Search").fill("downtime")
    chair_tab.get_by_label("Search").press("Enter")
    chair_tab.wait_for_url(re.compile(r"q=downtime"))
    results = chair_tab.locator("main").inner_text()

    assert all(text in second for text in ("Reviewer A", "The outline is strong."))
    assert not any(login in text.lower() for login, text in (("rita", second), ("ruben", first)))
    assert models.Post.objects.count() == 2
    assert list(models.ProposalTag.objects.values_list("proposal_id", flat=True)) == [p.pk]
    assert "Zero-downtime migrations" in results
    assert "Another talk" not in results
