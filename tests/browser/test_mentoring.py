"""Issue 25's journey in a browser: a first-time speaker saves a draft and asks for a mentor; the
chair matches a mentor; the mentor comments and suggests a change; the speaker accepts it and
submits before the deadline; a reviewer later scores it without any trace of the mentoring."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from cfp import models
from reviews import models as review_models
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

MESSAGE = "Quillbrax says: tell them what they take home."
ORIGINAL = "It is a nice talk."
SUGGESTED = "You leave with a checklist for your own tests."


@pytest.fixture
def as_person(browser: Browser, live_server: Any) -> Iterator[Callable[[str], Page]]:
    """A fresh browser context per person, logged in through the real form."""
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = context.new_page()
        log_in(tab, username=username, password=factories.PASSWORD)
        return tab

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_mentored_draft_is_submitted_and_reviewed_without_a_trace_of_the_mentoring(
    as_person: Callable[[str], Page], mailoutbox: list[Any]
) -> None:
    from playwright.sync_api import expect

    call = factories.call("pycon")
    speaker = factories.user("ines", first_name="Ines Newcomer")
    models.Speaker.objects.create(
        user=speaker, name="Ines Newcomer", email=speaker.email, spoken_before=False
    )
    for username, role in (("chad", "chair"), ("mona", "mentor"), ("rita", "reviewer")):
        factories.member(call, factories.user(username, first_name=username.title()), role)

    # The speaker saves a draft: not submitted, and the page says how long is left.
    ines = as_person("ines")
    ines.goto(f"/calls/{call.slug}/submit/")
    ines.get_by_role("textbox", name="Title").fill("Testing views, my first talk")
    ines.get_by_role("textbox", name="Abstract").fill(f"How I test Django views. {ORIGINAL}")
    ines.get_by_role("button", name="Save as draft").click()
    expect(ines.get_by_role("heading", name="This is a draft")).to_be_visible()
    expect(ines.locator("#time-left")).to_contain_text("left to submit")
    draft = models.Proposal.objects.get(call=call)
    assert draft.state == models.ProposalState.DRAFT

    # ... and asks for a mentor.
    ines.get_by_role("link", name=re.compile("^Mentoring")).click()
    ines.get_by_role("button", name="Ask for a mentor").click()
    expect(ines.get_by_text("You asked for a mentor.").first).to_be_visible()

    # The chair sees the request (not the text) and matches a mentor by hand.
    chad = as_person("chad")
    chad.goto(f"/chair/{call.slug}/mentoring/")
    row = chad.get_by_role("row", name=re.compile(draft.code))
    expect(row).to_contain_text("Draft")
    expect(chad.get_by_text("Testing views")).to_have_count(0)
    row.get_by_label(f"Mentor for {draft.code}").select_option(label="Mona (0)")
    row.get_by_role("button", name="Match").click()
    expect(chad.get_by_text(f"{draft.code} matched.")).to_be_visible()
    mails = {m.to[0]: m.body for m in mailoutbox if "mentor" in m.subject.lower()}
    assert f"/mentor/{call.slug}/{draft.code}/" in mails["mona@example.org"]

    # The mentor comments (htmx: the thread updates in place) and suggests a change.
    mona = as_person("mona")
    mona.goto(f"/mentor/{call.slug}/")
    mona.get_by_role("link", name="Testing views, my first talk").click()
    expect(mona.get_by_text("Speakers: Ines Newcomer")).to_be_visible()
    mona.get_by_role("textbox", name="Message").fill(MESSAGE)
    mona.get_by_role("button", name="Send").click()
    expect(mona.locator("#thread")).to_contain_text(MESSAGE)
    mona.get_by_role("textbox", name="Passage of the abstract").fill(ORIGINAL)
    mona.get_by_role("textbox", name="Suggested wording").fill(SUGGESTED)
    mona.get_by_role("button", name="Suggest this change").click()
    expect(mona.locator("#suggestions")).to_contain_text(SUGGESTED)

    # The speaker reads the thread, accepts the suggestion and submits before the deadline.
    ines.goto(f"/calls/{call.slug}/mine/{draft.code}/mentoring/")
    expect(ines.locator("#thread")).to_contain_text(MESSAGE)
    ines.get_by_role("button", name="Accept").click()
    expect(ines.get_by_text("Suggestion accepted")).to_be_visible()
    ines.get_by_role("link", name="Back to the proposal").click()
    expect(ines.get_by_role("textbox", name="Abstract")).to_have_value(
        f"How I test Django views. {SUGGESTED}"
    )
    ines.get_by_role("button", name="Submit proposal").click()
    expect(ines.get_by_text("Your proposal is in.")).to_be_visible()
    draft.refresh_from_db()
    assert draft.state == models.ProposalState.SUBMITTED
    assert draft.version == 2

    # A reviewer scores it: the accepted text is there, the mentoring is not.
    factories.assign(draft, models.Membership.objects.get(role="reviewer").user)
    rita = as_person("rita")
    rita.goto(f"/review/{call.slug}/{draft.code}/")
    expect(rita.get_by_text(SUGGESTED)).to_be_visible()
    body = rita.content().lower()
    for trace in (MESSAGE.lower(), "quillbrax", "mona", "mentor", "ines"):
        assert trace not in body, trace
    rita.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in ("4", "3", "n"):
        rita.keyboard.press(key)
    rita.wait_for_url(lambda url: draft.code not in url)
    review = review_models.Review.objects.get(proposal=draft)
    assert review.scores == {"relevance": 4, "clarity": 3}
