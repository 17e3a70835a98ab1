"""A new reviewer's first session: accept the invitation, filter the queue, score with the keys."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from reviews import models as review_models
from reviews.services import invitations
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Page

PROGRESS = re.compile(r"(\d+) of (\d+) reviewed")


def _progress(page: Page) -> tuple[int, int]:
    found = PROGRESS.search(page.locator("main .progress").first.inner_text())
    assert found is not None
    return int(found.group(1)), int(found.group(2))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_invited_reviewer_joins_filters_and_scores_two_proposals_with_the_keyboard(
    page: Page, live_server: Any, mailoutbox: list[Any]
) -> None:
    c = factories.call("journey")
    titles = {}
    proposals = []
    for i, track in enumerate(("web", "data", "web", "data")):
        p = factories.proposal(
            c, factories.user(f"speaker{i}"), title=f"Proposal {i} on {track}", track=track
        )
        proposals.append(p)
        titles[p.code] = p.redacted["title"]
    invitations.invite_reviewers(
        call_id=c.pk,
        emails=["nora@example.org"],
        invited_by_id=None,
        accept_url=f"{live_server.url}/review/journey/invitation/TOKEN/",
        now=timezone.now(),
    )
    # The message went out on commit; the outbox table no longer keeps its one-time link.
    mail = next(m.body for m in mailoutbox if m.to == ["nora@example.org"])
    link = next(word for word in mail.split() if "/invitation/" in word)
    nora = factories.user("nora", email="nora@example.org")

    # The link, signed out: log in first, and come back to the link.
    page.goto(link)
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("E-mail or username").fill("nora")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Join the committee").wait_for()
    page.get_by_label("Web").check()
    page.get_by_label("The most proposals you want to review (optional)").fill("10")
    page.get_by_role("button", name="Join the committee").click()
    page.wait_for_url(re.compile(r"/review/journey/$"))
    assert "Welcome to the committee" in page.locator(".messages").inner_text()
    settings = review_models.ReviewerSettings.objects.get(call=c, user=nora)
    assert (settings.tracks, settings.max_load) == (["web"], 10)

    # The chairs assign proposals; the queue, filtered to one track without a page load.
    for p in proposals:
        factories.assign(p, nora)
    page.reload()
    page.evaluate("window.__marker = 1")
    page.get_by_label("Track").select_option("web")
    page.wait_for_url(re.compile(r"track=web"))
    page.locator("#queue tbody tr").nth(1).wait_for()
    assert page.locator("#queue tbody tr").count() == 2
    assert page.evaluate("window.__marker") == 1, "filtering reloaded the page"

    # Score the first web proposal with the keys; n saves and swaps in the next one.
    page.locator("#queue tbody tr a").first.click()
    page.wait_for_url(re.compile(r"/review/journey/\w+/\?track=web"))
    first_code = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    assert _progress(page) == (0, 4)
    page.evaluate("window.__marker = 2")
    page.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in ("4", "3", "n"):
        page.keyboard.press(key)
    page.wait_for_url(lambda url: first_code not in url)
    second_code = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    page.get_by_role("heading", level=1, name=titles[second_code]).wait_for()

    assert page.evaluate("window.__marker") == 2, "Save & next reloaded the whole page"
    assert "track=web" in page.url
    assert proposals[2].code == second_code or proposals[0].code == second_code
    assert _progress(page) == (1, 4)

    # The second one: focus sits on its title; digits fill the criteria in order.
    for key in ("5", "2", "n"):
        page.keyboard.press(key)
    page.wait_for_url(re.compile(r"/review/journey/\?track=web$"))
    page.locator("#queue").wait_for()

    assert page.evaluate("window.__marker") == 2, "the last Save & next reloaded the page"
    assert _progress(page) == (2, 4)
    reviews = dict(
        review_models.Review.objects.filter(reviewer=nora).values_list("proposal__code", "scores")
    )
    assert reviews == {
        first_code: {"relevance": 4, "clarity": 3},
        second_code: {"relevance": 5, "clarity": 2},
    }
