"""A first-time speaker on a phone: signs up, submits, is invited (not forced) to complete the
profile and self-identification, withdraws after a confirmation, undoes it, and edits again.

Every page on the way is checked at 360 px: the document is never wider than the screen.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from cfp import models
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Page

NAME = "Ingrid Vasquez-Holm"
EMAIL = "ingrid@example.org"
VERIFY = re.compile(r"https?://[^/\s]+(/accounts/verify/\S+)")


def assert_fits(page: Page, where: str) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{where}: {widths[0]} px wide on a {widths[1]} px screen"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_first_time_speaker_submits_withdraws_and_changes_their_mind(
    page: Page, mailoutbox: list[Any]
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 360, "height": 740})
    call = factories.call("pycon")

    page.goto("/accounts/signup/")
    assert_fits(page, "sign-up")
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_role("button", name="Sign up").click()
    (mail,) = [m for m in mailoutbox if m.subject == "Confirm your e-mail address"]
    link = VERIFY.search(mail.body)
    assert link is not None
    page.goto(link.group(1))
    page.get_by_label("Choose a password").fill("a sturdy passphrase 42")
    page.get_by_label("Type it again").fill("a sturdy passphrase 42")
    page.get_by_role("button", name="Confirm and log in").click()
    page.get_by_role("button", name=re.compile(r"^Log out")).wait_for()

    page.goto(f"/calls/{call.slug}/submit/")
    assert_fits(page, "submit form")
    page.get_by_role("textbox", name="Title").fill("Caching without tears")
    page.get_by_role("textbox", name="Abstract").fill(
        "How a small team cut its page times in half with three cache layers."
    )
    page.get_by_role("button", name="Submit proposal").click()

    # The receipt names the proposal and links to its page.
    proposal = models.Proposal.objects.get(call=call)
    detail = f"/calls/{call.slug}/mine/{proposal.code}/"
    (receipt,) = [m for m in mailoutbox if "Caching without tears" in m.subject]
    assert detail in receipt.body

    # Invited, not forced: two links and "Not now".
    card = page.locator("#next-steps")
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Complete your speaker profile")).to_be_visible()
    expect(card.get_by_role("link", name=re.compile("self-identification"))).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"English · (beginner|intermediate|advanced)"))
    ).to_be_visible()
    assert_fits(page, "proposal page with the invitation")
    card.get_by_role("link", name="Not now").click()
    expect(page.locator("#next-steps")).to_have_count(0)

    # Withdraw asks first; "No, keep it" changes nothing.
    page.get_by_role("link", name="Withdraw this proposal…").click()
    expect(page.get_by_role("heading", name=re.compile("^Withdraw"))).to_be_visible()
    assert_fits(page, "withdraw confirmation")
    page.get_by_role("link", name="No, keep it").click()
    proposal.refresh_from_db()
    assert proposal.state == models.ProposalState.SUBMITTED

    page.get_by_role("link", name="Withdraw this proposal…").click()
    page.get_by_role("button", name="Yes, withdraw my proposal").click()
    expect(page.get_by_role("heading", name="You withdrew this proposal")).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Title")).to_be_disabled()
    assert_fits(page, "withdrawn proposal")
    proposal.refresh_from_db()
    assert proposal.state == models.ProposalState.WITHDRAWN

    page.get_by_role("button", name="Undo withdrawal").click()
    expect(page.get_by_text("Your proposal is back in the call.")).to_be_visible()
    title = page.get_by_role("textbox", name="Title")
    expect(title).to_be_enabled()
    title.fill("Caching without tears, again")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    proposal.refresh_from_db()
    assert (proposal.state, proposal.title) == ("submitted", "Caching without tears, again")

    for path in (f"/calls/{call.slug}/mine/", "/me/settings/", "/me/self-id/", "/me/profile/"):
        page.goto(path)
        assert_fits(page, path)
