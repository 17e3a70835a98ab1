"""A chair curates in the browser: filters the shortlist, reveals identities, accepts a proposal
below the cut (and is asked why), then downloads the shortlist as XLSX and CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.domain import spreadsheets
from reviews.services import curation
from tests import factories
from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

SLUG = "curate"
# Ranks 1 to 4 in the snapshot; two slots, so the cut falls after rank 2.
TRACKS = ("web", "data", "web", "data")
BELOW_CUT = 3  # index of the data-track proposal ranked 4th
SPEAKER = "Ottoline Speakerton"
REASON_LABEL = "Reason (needed when the decision departs from the calibrated order)"


@dataclass
class World:
    call: cfp_models.Call
    chair: Any
    proposals: list[cfp_models.Proposal]  # best-ranked first


def _world() -> World:
    now = timezone.now()
    c = factories.call(SLUG, slots=2)
    chair = factories.user("chair-curate", first_name="Charlotte Chair")
    factories.member(c, chair, "chair")
    proposals = []
    for i, track in enumerate(TRACKS):
        name = f"{SPEAKER}{i}"
        owner = factories.user(f"speaker{i}", first_name=name, email=f"speaker{i}@example.org")
        proposals.append(
            factories.proposal(
                c,
                owner,
                # The name in the title: blind chairs see it redacted, revealed chairs see it.
                title=f"{name} on pipelines, part {i + 1}",
                abstract=f"I am {name} and this is my talk.",
                speaker_name=name,
                speaker_email=f"speaker{i}@example.org",
                track=track,
            )
        )
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
            review_count=2,
            mean=8.0 - i,
            median=8.0 - i,
            calibrated=8.0 - i,
            low=7.0 - i,
            high=9.0 - i,
            rank=i + 1,
            p_in_slots=0.9 - i / 10,
            flags=[],
        )
        for i, p in enumerate(proposals)
    )
    # The best one is accepted already, in order, while the chairs were blind.
    curation.decide(
        call_id=c.pk,
        code=proposals[0].code,
        to_status="accepted",
        seen_version=0,
        reason="",
        note="",
        actor_id=chair.pk,
        now=now,
    )
    return World(call=c, chair=chair, proposals=proposals)


def _codes_in(page: Page) -> list[str]:
    hrefs = page.locator("#results table.shortlist tbody tr a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    # A proposal's link keeps the shortlist's filter (?track=...) for previous/next (issue 19).
    return [h.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] for h in hrefs]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_chair_filters_reveals_accepts_below_the_cut_with_a_reason_and_exports(
    page: Page,
) -> None:
    from playwright.sync_api import expect

    w = _world()
    codes = [p.code for p in w.proposals]
    target = w.proposals[BELOW_CUT]
    name = f"{SPEAKER}{BELOW_CUT}"

    # 1. Log in through the form and open the shortlist from the dashboard.
    log_in(page, username=w.chair.username, password=factories.PASSWORD)
    page.goto(f"/chair/{SLUG}/")
    page.get_by_role("link", name="Ranking and shortlist").click()
    page.wait_for_url(re.compile(rf"/chair/{SLUG}/shortlist/$"))
    results = page.locator("#results")
    expect(results.get_by_role("status")).to_contain_text("Proposals 1 to 4 of 4.")
    assert _codes_in(page) == codes

    # 2. Filter on a track: htmx swaps the results and pushes the filter into the URL.
    page.evaluate("window.__marker = 1")
    page.get_by_label("Track").select_option(label="Data")
    page.wait_for_url(re.compile(r"[?&]track=data(&|$)"))
    expect(results.get_by_role("status")).to_contain_text("Proposals 1 to 2 of 2.")
    assert page.evaluate("window.__marker") == 1, "filtering reloaded the whole page"
    assert _codes_in(page) == [codes[1], codes[3]]
    tracks = results.locator("table.shortlist tbody tr:not(.cut-line) td.track")
    expect(tracks).to_have_text(["Data", "Data"])
    # The cut line sits between rank 2 (undecided, inside the slots) and rank 4 (outside).
    rows = results.locator("table.shortlist tbody tr")
    expect(rows.nth(1)).to_have_class("cut-line")
    filtered_url = page.url
    # Blind: no speaker's name anywhere on the page; the title shows the redaction instead.
    assert SPEAKER not in page.content()
    assert "[name]" in rows.nth(2).inner_text()

    # 3. Reveal identities: the confirm step refuses an unticked box, then reveals.
    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("link", name="Reveal identities").click()
    confirm = page.get_by_role("checkbox", name=re.compile("cannot be undone"))
    page.get_by_role("button", name="Reveal identities").click()
    # The unticked box stops the form in the browser (it is required): nothing is revealed.
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    w.call.refresh_from_db()
    assert w.call.identities_revealed_at is None
    confirm.check()
    page.get_by_role("button", name="Reveal identities").click()
    expect(page.get_by_role("status")).to_contain_text("Identities are revealed.")
    w.call.refresh_from_db()
    assert w.call.identities_revealed_at is not None

    # The filtered shortlist's URL, loaded afresh, shows the same rows, now with the name.
    page.goto(filtered_url)
    expect(page.get_by_label("Track")).to_have_value("data")
    assert _codes_in(page) == [codes[1], codes[3]]
    link = results.get_by_role("link", name=re.compile(name))
    expect(link).to_be_visible()

    # 4. Accept the proposal below the cut while rank 2 is undecided above it.
    link.click()
    page.wait_for_url(re.compile(rf"/proposals/{target.code}/(\?|$)"))
    expect(page.get_by_role("region", name="Speakers")).to_contain_text(name)
    decision = page.locator("#decision")
    accepted = decision.get_by_role("radio", name="Accepted")
    accepted.check()
    decision.get_by_role("button", name="Save decision").click()
    # Refused: the fragment comes back asking why, with the focus on the reason to give.
    expect(decision.get_by_role("alert")).to_contain_text("departs from the calibrated order")
    reason = decision.get_by_label(REASON_LABEL)
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("departs from the calibrated order"))
    expect(accepted).to_be_checked()
    assert not models.Decision.objects.filter(proposal=target, status="accepted").exists()
    assert not models.DecisionChange.objects.filter(proposal=target).exists()

    # Pick the first reason in the list, write a note and save, with the keyboard alone.
    page.keyboard.press("ArrowDown")
    expect(reason).to_have_value("first_time")
    page.keyboard.press("Tab")
    expect(decision.get_by_label("Note (required for “other”)")).to_be_focused()
    page.keyboard.type("Mentored through the CFP")
    page.keyboard.press("Tab")
    expect(decision.get_by_role("button", name="Save decision")).to_be_focused()
    page.keyboard.press("Enter")
    expect(decision.get_by_role("status")).to_have_text("Saved: Accepted.")
    expect(decision.get_by_role("heading", name="Decision", exact=True)).to_be_focused()

    d = models.Decision.objects.get(proposal=target)
    assert (d.status, d.version, d.decided_by_id) == ("accepted", 1, w.chair.pk)
    change = models.DecisionChange.objects.get(proposal=target)
    assert (
        change.from_status,
        change.to_status,
        change.reason,
        change.note,
        change.actor_id,
        change.rank,
        change.departure,
        change.identities_known,
    ) == (
        "undecided",
        "accepted",
        "first_time",
        "Mentored through the CFP",
        w.chair.pk,
        4,
        True,
        True,
    )

    # 5. Download the shortlist from its links on the shortlist page.
    page.get_by_role("link", name="← Dashboard").click()
    page.get_by_role("link", name="Ranking and shortlist").click()
    # The page offers the shortlist and every proposal (issue 20): the shortlist's links first.
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="XLSX", exact=True).first.click()
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV", exact=True).first.click()
    assert xlsx_download.value.suggested_filename == f"{SLUG}-shortlist.xlsx"
    assert csv_download.value.suggested_filename == f"{SLUG}-shortlist.csv"

    book = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    sheet = book["Shortlist"]
    header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    # The workbook's header row is for people (issue 20): back to the stable column names.
    column = {label: name for name, label in spreadsheets.LABELS.items()}
    xlsx_rows = [dict(zip([column[h] for h in header], r, strict=True)) for r in body]
    with open(csv_download.value.path(), encoding="utf-8", newline="") as f:
        csv_rows = list(csv.DictReader(f))

    expected = {codes[0], target.code}
    assert {r["code"] for r in xlsx_rows} == expected
    assert {r["code"] for r in csv_rows} == expected
    for rows_ in (xlsx_rows, csv_rows):
        row = next(r for r in rows_ if r["code"] == target.code)
        # Revealed: the real title and the speaker columns.
        assert row["decision"] == "accepted"
        assert row["speaker_names"] == name
        assert row["title"] == target.title
