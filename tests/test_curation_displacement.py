"""The displacement report: blind ranking against the programme, by reason and attribute."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from cfp import models as cfp_models
from tests import curation_world

pytestmark = pytest.mark.django_db


def programme(w: curation_world.Curation) -> None:
    """Ranks 1..3: accept 1, reject 2 (duplicate topic), accept 3 (first-time speaker)."""
    w.decide(w.proposals[0], "accepted")
    w.decide(w.proposals[1], "rejected", reason="duplicate_topic")
    w.decide(w.proposals[2], "accepted", reason="first_time")


def cells(body: str, code: str) -> list[str]:
    rows = re.findall(r'<tr class="moved-row">(.*?)</tr>', body, re.S)
    row = next((r for r in rows if code in r), None)
    assert row, f"no row for {code}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_each_proposal_shows_how_many_places_it_moved() -> None:
    w = curation_world.curation(3, revealed=True)
    programme(w)

    body = w.client.get(w.url("displacement")).content.decode()

    # rank, title, format, rank in format, decision, place in programme, places moved, reason.
    assert cells(body, w.proposals[0].code)[5:7] == ["1", "0"]
    assert cells(body, w.proposals[1].code)[5:8] == ["–", "-1", "Duplicate topic"]
    assert cells(body, w.proposals[2].code)[5:8] == ["2", "+1", "First-time speaker"]


def test_the_summary_counts_moves_and_places() -> None:
    w = curation_world.curation(3, revealed=True)
    programme(w)

    body = w.client.get(w.url("displacement")).content.decode()

    assert "2 accepted" in body
    assert "1 moved up into the programme" in body
    assert "1 pushed out from above the cut" in body
    assert "2 places moved in all" in body


def test_the_chart_carries_a_text_alternative_and_a_table() -> None:
    w = curation_world.curation(3, revealed=True)
    programme(w)

    body = w.client.get(w.url("displacement")).content.decode()

    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in body
    assert '<title id="chart-title">' in body
    assert "First-time speaker: 1 places, 1 proposals." in body
    assert '<th scope="row">Duplicate topic</th><td>1</td><td>1</td>' in body


def test_programme_attributes_are_shown_only_after_the_reveal() -> None:
    w = curation_world.curation(3)
    cfp_models.Speaker.objects.filter(email="speaker2@pycon.example").update(spoken_before=False)
    programme(w)

    blind = w.client.get(w.url("displacement")).content.decode()
    w.reveal()
    revealed = w.client.get(w.url("displacement")).content.decode()

    assert "Programme attributes are shown after identities are revealed" in blind
    assert "first-time" not in blind
    # First-time speakers: 0 in the blind top 2, 1 in the programme, 1 moved up, 0 pushed out.
    assert '<th scope="row">First-time speakers</th><td>0</td><td>1</td><td>1</td><td>0</td>' in (
        revealed
    )


def test_the_blind_report_shows_redacted_titles() -> None:
    w = curation_world.curation(1)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        title="Secret full title", redacted={"title": "Redacted title"}
    )
    w.decide(w.proposals[0], "accepted")

    body = w.client.get(w.url("displacement")).content.decode()

    assert "Redacted title" in body
    assert "Secret full title" not in body


def test_a_programme_in_rank_order_says_nothing_moved() -> None:
    w = curation_world.curation(2, revealed=True)
    w.decide(w.proposals[0], "accepted")

    body = w.client.get(w.url("displacement")).content.decode()

    assert "The programme follows the blind ranking: nothing moved." in body


@pytest.mark.parametrize("rows", [1, 3])
def test_the_report_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation_world.curation(rows, slots=rows, revealed=True)
    for p in w.proposals:
        w.decide(p, "accepted", reason="topic_balance")
    w.client.get(w.url("displacement"))  # shows (and so clears) the saved-decision messages

    # session, user, role, current run, the report, navigation.
    with assert_queries(6):
        response = w.client.get(w.url("displacement"))

    assert response.content.decode().count('class="moved-row"') == rows
