"""A first-time speaker signs up, confirms their address and chooses a password there, is warned
that their abstract names them, fixes it, submits, and finds the proposal under "My proposals".

The live server runs in this process with Django's locmem e-mail backend, so the confirmation
link is read from ``mailoutbox``; Celery runs tasks eagerly in the server's thread, so the
e-mail is sent before the sign-up response comes back.
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_speaker_signs_up_fixes_a_leak_and_submits(page: Page, mailoutbox: list[Any]) -> None:
    from playwright.sync_api import expect

    call = factories.call("pycon")

    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    # Sent on commit, inside the sign-up request: it is in the outbox once the page shows.
    (mail,) = [m for m in mailoutbox if m.subject == "Confirm your e-mail address"]
    link = VERIFY.search(mail.body)
    assert link is not None
    # Opening the link only shows the form: the password is chosen here, by the address's owner.
    page.goto(link.group(1))
    expect(page.get_by_role("textbox", name="Your name")).to_have_value(NAME)
    page.get_by_label("Choose a password").fill("a sturdy passphrase 42")
    page.get_by_label("Type it again").fill("a sturdy passphrase 42")
    page.get_by_role("button", name="Confirm and log in").click()
    expect(page.get_by_text("Your e-mail address is confirmed. Welcome!")).to_be_visible()

    page.goto(f"/calls/{call.slug}/")
    page.get_by_role("link", name="Submit a proposal").click()
    page.get_by_role("textbox", name="Title").fill("Caching without tears")
    abstract = page.get_by_role("textbox", name="Abstract")
    abstract.fill(f"I am {NAME} and I will show how we cut page times in half.")
    findings = page.locator("#findings")
    expect(findings).to_contain_text("Your text may reveal who you are.")
    expect(findings).to_contain_text(f"“{NAME}” in abstract")

    abstract.fill("The speaker will show how a small team cut page times in half.")
    expect(findings).to_contain_text("No identifying details found so far.")
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_text("Thank you! Your proposal is in.")).to_be_visible()

    page.goto(f"/calls/{call.slug}/mine/")
    row = page.get_by_role("row", name=re.compile("Caching without tears"))
    expect(row).to_be_visible()
    proposal = models.Proposal.objects.get(call=call)
    assert proposal.owner is not None
    assert proposal.owner.email == EMAIL
    assert NAME not in proposal.abstract
    assert proposal.findings == []
