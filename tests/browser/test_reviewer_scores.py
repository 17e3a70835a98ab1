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
    # The confidence segments start on "not set" (a radio group: issue 18).
    shown = (
        page.get_by_role("group", name="How confident are you?")
        .locator("input:checked")
        .get_attribute("aria-label")
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


def _three_criteria_and_two_proposals() -> tuple[int, list[str]]:
    """A call with three criteria and a reviewer, "rita", who has two proposals to score."""
    reviewer_id, codes = _reviewer_with_two_proposals()
    c = cfp_models.Call.objects.get(slug="demo")
    cfp_models.Criterion.objects.create(
        call=c, slug="originality", name="Originality", guidance="1 = seen it, 5 = new", position=9
    )
    return reviewer_id, codes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("keys", "scores", "confidence"),
    [
        # digits walk the criteria on their own, then land on confidence
        (("4", "2", "5", "3"), {"relevance": 4, "clarity": 2, "originality": 5}, 3),
        # j / k move without scoring; k from confidence goes back; c then 0 resets confidence
        (
            ("1", "j", "5", "k", "k", "2", "j", "j", "4", "c", "4", "0"),
            {"relevance": 1, "clarity": 2, "originality": 5},
            None,
        ),
        # j past the last criterion reaches confidence; arrows are the radios' own
        (
            ("3", "3", "3", "k", "ArrowRight", "j", "1"),
            {"relevance": 3, "clarity": 3, "originality": 4},
            1,
        ),
    ],
)
def test_keyboard_only_scoring_from_page_load_stores_exactly_what_was_typed(
    page: Page, keys: tuple[str, ...], scores: dict[str, int], confidence: int | None
) -> None:
    reviewer_id, codes = _three_criteria_and_two_proposals()
    log_in(page, username="rita", password=factories.PASSWORD)
    page.goto(f"/review/demo/{codes[0]}/")
    url = page.url

    # No click and no Tab: focus is on the first criterion when the page has loaded.
    focused = page.evaluate(
        "document.activeElement.closest('fieldset.criterion')?.querySelector('legend')?.textContent"
    )
    for key in keys:
        page.keyboard.press(key)
    chosen = page.locator("fieldset.criterion .score:has(input:checked)").all_inner_texts()
    page.keyboard.press("n")
    page.wait_for_url(lambda now: now != url)
    page.locator("#review-form").wait_for()
    refocused = page.evaluate(
        "document.activeElement.closest('fieldset.criterion')?.querySelector('legend')?.textContent"
    )
    flash = page.locator("main .flash-success").first.inner_text()

    review = models.Review.objects.get(proposal__code=codes[0], reviewer_id=reviewer_id)
    assert review.scores == scores
    assert review.confidence == confidence
    assert [int(t) for t in chosen] == list(scores.values()), "the chosen scores are shown filled"
    assert (focused or "").startswith("Relevance"), "focus on the first criterion at load"
    assert (refocused or "").startswith("Relevance"), "focus on the first criterion after the swap"
    assert "Your review is saved. Here is the next proposal." in flash


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_abstaining_moves_on_and_a_save_updates_the_progress_bar_without_a_reload(
    page: Page,
) -> None:
    reviewer_id, codes = _reviewer_with_two_proposals()
    log_in(page, username="rita", password=factories.PASSWORD)
    page.goto(f"/review/demo/{codes[0]}/")
    page.evaluate("window.__marker = 1")
    before = page.locator("#screen-progress-label").inner_text()

    for key in ("4", "3"):
        page.keyboard.press(key)
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#save-status", has_text="Saved.").wait_for()
    after_save = page.locator("#screen-progress-label").inner_text()
    page.get_by_text("Abstain from this proposal").click()
    page.get_by_label("Why you abstain").fill("I reviewed an earlier draft")
    page.get_by_role("button", name="Abstain and go to the next").click()
    page.wait_for_url(lambda now: not now.endswith(f"/{codes[0]}/"))
    page.locator("main .flash-success").first.wait_for()
    flash = page.locator("main .flash-success").first.inner_text()

    assert page.evaluate("window.__marker") == 1, "no page load"
    assert (before, after_save) == ("0 of 2 reviewed", "1 of 2 reviewed")
    assert "You abstained from that proposal." in flash
    assert page.url.endswith(f"/{codes[1]}/")
    assert models.Review.objects.get(proposal__code=codes[0], reviewer_id=reviewer_id).abstained
