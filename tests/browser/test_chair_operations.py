"""Chair operations in the browser (issue 19): a chair decides 20 proposals in bulk from the
shortlist, prepares the decision e-mails in the outbox, previews and edits one, sends only the
acceptances after a confirmation stating the count; one accepted speaker confirms, another
declines, and the chair is shown the best-ranked waitlisted proposal of the same format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from tests import factories
from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "ops"
ACCEPTED = 20
WAITLISTED = 2
TOTAL = ACCEPTED + WAITLISTED + 2


@dataclass
class World:
    call: cfp_models.Call
    chair: Any
    speakers: list[Any]
    proposals: list[cfp_models.Proposal]  # best-ranked first


def _world() -> World:
    now = timezone.now()
    c = factories.call(SLUG, slots=ACCEPTED)
    chair = factories.user("chair-ops", first_name="Charlotte Chair")
    factories.member(c, chair, "chair")
    speakers, proposals = [], []
    for i in range(TOTAL):
        owner = factories.user(f"ops-speaker{i}", email=f"ops-speaker{i}@example.org")
        speakers.append(owner)
        proposals.append(factories.proposal(c, owner, title=f"Operations talk number {i + 1}"))
    run = models.AggregationRun.objects.create(
        call=c,
        state=models.RunState.DONE,
        requested_at=now - dt.timedelta(minutes=1),
        finished_at=now,
        inputs_until=now,
    )
    models.ProposalScore.objects.bulk_create(
        models.ProposalScore(
            run=run,
            proposal=p,
            review_count=3,
            mean=9.0 - i * 0.1,
            calibrated=9.0 - i * 0.1,
            low=8.5 - i * 0.1,
            high=9.5 - i * 0.1,
            rank=i + 1,
            p_in_slots=0.9,
        )
        for i, p in enumerate(proposals)
    )
    # The chairs revealed identities: the outbox shows each e-mail in full.
    cfp_models.Call.objects.filter(pk=c.pk).update(
        identities_revealed_at=now,
        closes_at=now - dt.timedelta(hours=1),
        opens_at=now - dt.timedelta(days=30),
        confirmation_deadline_at=now + dt.timedelta(days=14),
    )
    return World(call=c, chair=chair, speakers=speakers, proposals=proposals)


def _bulk(page: Page, codes: list[str], status: str) -> None:
    page.goto(f"/chair/{SLUG}/shortlist/?per_page=50")
    for code in codes:
        page.locator(f"#pick-{code}").check()
    page.locator("#bulk-status").select_option(status)
    # htmx swaps the results in place: wait for the decision's answer, not a navigation.
    with page.expect_response(lambda r: "/shortlist/decide/" in r.url) as answer:
        page.get_by_role("button", name="Set decision on the selected proposals").click()
    assert answer.value.status == 200, answer.value.status
    page.locator("#bulk-refused").wait_for(state="detached")


def _as(browser: Browser, live_server: Any, username: str) -> Page:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    log_in(tab, username=username, password=factories.PASSWORD)
    return tab


def test_a_chair_decides_in_bulk_sends_acceptances_and_speakers_answer(
    page: Page, browser: Browser, live_server: Any
) -> None:
    w = _world()
    codes = [p.code for p in w.proposals]
    log_in(page, username=w.chair.username, password=factories.PASSWORD)

    # Twenty acceptances in one bulk decision, then two on the waiting list.
    _bulk(page, codes[:ACCEPTED], "accepted")
    _bulk(page, codes[ACCEPTED : ACCEPTED + WAITLISTED], "waitlisted")
    decided = dict(models.Decision.objects.values_list("proposal__code", "status"))
    assert [decided.get(c) for c in codes[:ACCEPTED]] == ["accepted"] * ACCEPTED
    assert [decided.get(c) for c in codes[ACCEPTED : ACCEPTED + WAITLISTED]] == ["waitlisted"] * 2

    # The outbox: drafts prepared, nothing sent.
    page.goto(f"/chair/{SLUG}/outbox/")
    page.get_by_role("button", name="Prepare decision e-mails as drafts").click()
    page.wait_for_load_state()
    assert models.DecisionDraft.objects.count() == ACCEPTED + WAITLISTED
    assert not cfp_models.EmailOutbox.objects.filter(key__startswith="decision").exists()

    # Preview and edit the first speaker's acceptance.
    first = models.DecisionDraft.objects.get(proposal=w.proposals[0])
    page.goto(f"/chair/{SLUG}/outbox/{first.pk}/")
    assert "Operations talk number 1" in page.locator("#preview-title").locator("..").inner_text()
    page.get_by_label("Subject").fill("Welcome aboard, Operations talk number 1")
    page.get_by_label("Message").fill("You are in. Please confirm on your proposal page.")
    page.get_by_role("button", name="Save the e-mail (not sent)").click()
    page.wait_for_load_state()
    first.refresh_from_db()
    assert (first.subject, first.edited) == ("Welcome aboard, Operations talk number 1", True)

    # Only the acceptances, after a confirmation that states their number.
    page.goto(f"/chair/{SLUG}/outbox/")
    page.get_by_role("link", name=re.compile("Send “Accepted”")).click()
    page.get_by_role("heading", name=f"Send {ACCEPTED} “Accepted” e-mails?").wait_for()
    page.get_by_role("button", name=f"Send {ACCEPTED} e-mails").click()
    page.wait_for_load_state()
    keys = list(
        cfp_models.EmailOutbox.objects.filter(key__startswith="decision:").values_list(
            "key", flat=True
        )
    )
    assert len(keys) == ACCEPTED
    assert all(":accepted:" in k for k in keys)
    assert cfp_models.EmailOutbox.objects.filter(
        subject="Welcome aboard, Operations talk number 1"
    ).exists()
    assert models.DecisionDraft.objects.filter(status="waitlisted", state="draft").count() == 2

    # One speaker confirms.
    speaker = _as(browser, live_server, w.speakers[0].username)
    speaker.goto(f"/calls/{SLUG}/mine/{codes[0]}/")
    speaker.get_by_role("button", name="Confirm: I will give this talk").click()
    speaker.get_by_text("Thank you: you confirmed your talk.").wait_for()
    assert cfp_models.Proposal.objects.get(code=codes[0]).confirmation == "confirmed"

    # Another declines, after a question.
    decliner = _as(browser, live_server, w.speakers[1].username)
    decliner.goto(f"/calls/{SLUG}/mine/{codes[1]}/")
    decliner.get_by_role("link", name="Decline…").click()
    decliner.get_by_text("A decline cannot be undone here.").wait_for()
    decliner.get_by_role("button", name="Yes, decline my talk").click()
    decliner.get_by_text("You declined. The chairs are told").wait_for()
    assert cfp_models.Proposal.objects.get(code=codes[1]).confirmation == "declined"

    # The chair sees the decline with the best-ranked waitlisted talk of that format.
    page.goto(f"/chair/{SLUG}/shortlist/")
    notices = page.locator("#notices")
    notices.get_by_text("Speaker declined").wait_for()
    suggestion = notices.locator(".next-waitlisted")
    assert f"Operations talk number {ACCEPTED + 1}" in suggestion.inner_text()
    assert codes[ACCEPTED] in suggestion.inner_text()
    # The answers show in the shortlist, and its filter finds the decline.
    page.goto(f"/chair/{SLUG}/shortlist/?confirmation=declined")
    rows = page.locator("table.shortlist tbody tr")
    assert rows.count() == 1
    assert "Speaker declined" in rows.first.inner_text()
