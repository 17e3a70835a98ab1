"""A reviewer scores a proposal with the keyboard and moves on to the next one without a reload."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.services import seed
from tests import factories
from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

PROGRESS = re.compile(r"(\d+) of (\d+) reviewed")
KEYS = ("4", "2", "5")


def progress(page: Page) -> tuple[int, int]:
    """The queue's "N of M reviewed" line, as (N, M)."""
    page.goto("/review/demo/")
    found = PROGRESS.search(page.locator("#queue").inner_text())
    assert found is not None
    return int(found.group(1)), int(found.group(2))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reviewer_scores_with_the_keyboard_and_save_and_next_swaps_in_the_next_proposal(
    page: Page,
) -> None:
    result = seed.seed_demo(slug="demo", proposals=12, reviewers=3, seed=1, now=timezone.now())
    call_id = cfp_models.Call.objects.get(slug="demo").pk
    reviewed = set(
        models.Review.objects.filter(call_id=call_id).values_list("proposal_id", "reviewer_id")
    )
    todo: dict[int, int] = {}
    for proposal_id, reviewer_id in models.Assignment.objects.filter(
        proposal__call_id=call_id
    ).values_list("proposal_id", "reviewer_id"):
        if (proposal_id, reviewer_id) not in reviewed:
            todo[reviewer_id] = todo.get(reviewer_id, 0) + 1
    # Someone with two proposals to do, so that "Save & next" has somewhere to go.
    reviewer_id = max(todo, key=lambda r: todo[r])
    assert todo[reviewer_id] >= 2
    username = models.Assignment.objects.filter(reviewer_id=reviewer_id).values_list(
        "reviewer__username", flat=True
    )[0]
    login = next(u for u in result.users if u.username == username)
    criteria = [c.slug for c in result.criteria]
    assert len(criteria) == len(KEYS)

    log_in(page, username=login.username, password=login.password)
    done_before, total_before = progress(page)
    page.locator("#queue tr", has_text="To do").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/review/demo/\w+/"))
    first_url = page.url
    code = first_url.rstrip("/").rsplit("/", 1)[-1]
    page.evaluate("window.__marker = 1")

    page.locator("fieldset.criterion").first.locator("input[type=radio]").first.focus()
    for key in KEYS:
        page.keyboard.press(key)
    page.keyboard.press("n")
    page.wait_for_url(lambda url: url != first_url)

    assert page.evaluate("window.__marker") == 1, "Save & next reloaded the whole page"
    next_code = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert next_code != code
    assert (page.locator("#review-form").get_attribute("action") or "").endswith(f"/{next_code}/")
    # Read now, assert last: the other outcomes are worth knowing even when this one fails.
    headings = page.locator("h1").all_inner_texts()
    review = models.Review.objects.get(
        proposal__call_id=call_id, proposal__code=code, reviewer_id=reviewer_id
    )
    assert review.scores == {slug: int(key) for slug, key in zip(criteria, KEYS, strict=True)}
    assert progress(page) == (done_before + 1, total_before)
    next_title = cfp_models.Proposal.objects.get(call_id=call_id, code=next_code).redacted["title"]
    assert headings == [next_title], "the next proposal's title should replace the first one's"


def _reviewer_with_two_proposals() -> tuple[int, list[str]]:
    """A call with two criteria and a reviewer, "rita", who has two proposals to score."""
    c = factories.call("demo")
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    codes = []
    for i in range(2):
        p = factories.proposal(c, factories.user(f"speaker{i}"), title=f"Caching talk {i}")
        factories.assign(p, reviewer)
        codes.append(p.code)
    return reviewer.pk, codes


def _score_by_keyboard(page: Page, code: str, keys: tuple[str, ...]) -> None:
    """Open the screen, type the keys from the first criterion on, and press "n"."""
    page.goto(f"/review/demo/{code}/")
    url = page.url
    page.locator("fieldset.criterion").first.locator("input[type=radio]").first.focus()
    for key in keys:
        page.keyboard.press(key)
    page.keyboard.press("n")
    page.wait_for_url(lambda now: now != url)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_keyboard_only_review_leaves_confidence_not_set(page: Page) -> None:
    reviewer_id, codes = _reviewer_with_two_proposals()
    log_in(page, username="rita", password=factories.PASSWORD)

    page.goto(f"/review/demo/{codes[0]}/")
    shown = page.get_by_label("How confident are you?").evaluate(
        "select => select.options[select.selectedIndex].text"
    )
    _score_by_keyboard(page, codes[0], ("4", "3"))

    review = models.Review.objects.get(proposal__code=codes[0], reviewer_id=reviewer_id)
    assert review.scores == {"relevance": 4, "clarity": 3}
    assert review.confidence is None
    assert shown == "not set"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_picks_a_confidence_with_the_keyboard_and_it_is_stored(page: Page) -> None:
    reviewer_id, codes = _reviewer_with_two_proposals()
    log_in(page, username="rita", password=factories.PASSWORD)

    # "c" moves to the confidence control, where a digit picks that confidence.
    _score_by_keyboard(page, codes[0], ("4", "3", "c", "5"))

    review = models.Review.objects.get(proposal__code=codes[0], reviewer_id=reviewer_id)
    assert review.scores == {"relevance": 4, "clarity": 3}
    assert review.confidence == 5
