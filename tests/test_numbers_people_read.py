"""Issue 19, "numbers people read correctly": scores on the criteria's own scale on every chair
page, intervals clipped to it, one word per flag, "just now", and previous / next on a
proposal page that follow the shortlist's filter."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from common import vocabulary
from common.templatetags import common_display
from reviews import models
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db


def _shortlist(w: Curation, query: str = "") -> str:
    response = w.client.get(reverse("chair:shortlist", args=[w.call.slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def _page(w: Curation, code: str, query: str = "") -> str:
    response = w.client.get(w.url("proposal", code) + query)
    assert response.status_code == 200
    return response.content.decode()


def _rel(body: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}"[^>]*href="/chair/[^/]+/proposals/([A-Z0-9]+)/', body)
    return found.group(1) if found else None


# --- the criteria's own scale ---------------------------------------------------------------


def test_the_shortlist_shows_a_one_to_five_call_on_one_to_five() -> None:
    w = curation(1)  # calibrated 8 of 10, interval 7..9; criteria 1–5

    body = _shortlist(w)

    assert "Calibrated on 1–5" in body
    assert "4.20" in body
    assert "(3.8–4.6)" in body
    assert "8.00" not in body


def test_the_dashboard_shows_the_same_numbers_as_the_shortlist() -> None:
    w = curation(1)

    body = w.client.get(reverse("chair:dashboard", args=[w.call.slug])).content.decode()

    assert "4.20 (3.8–4.6)" in body


def test_an_interval_past_the_scale_is_clipped_to_its_ends_on_every_page() -> None:
    w = curation(1)
    models.ProposalScore.objects.filter(proposal=w.proposals[0]).update(
        calibrated=9.6, low=7.5, high=11.7
    )

    shortlist = _shortlist(w)
    page = _page(w, w.proposals[0].code)

    assert "(4.0–5.0)" in shortlist
    assert "4.84 (4.00–5.00)" in page
    assert "5.68" not in page


def test_criteria_on_different_scales_read_on_zero_to_ten_and_say_so() -> None:
    w = curation(1)
    cfp_models.Criterion.objects.filter(call=w.call, slug="clarity").update(maximum=10)

    body = _shortlist(w)

    assert "Calibrated on 0–10" in body
    assert "8.00" in body


def test_a_score_filter_reads_on_the_scale_the_page_shows() -> None:
    w = curation(3)  # 4.2, 3.8, 3.4 on 1–5

    body = _shortlist(w, "?score_min=3.5")

    assert f"/proposals/{w.proposals[1].code}/" in body
    assert f"/proposals/{w.proposals[2].code}/" not in body


# --- one vocabulary for flags ---------------------------------------------------------------


def test_a_flag_has_the_same_name_on_the_shortlist_its_filter_and_the_proposal_page() -> None:
    w = curation(1)
    models.ProposalScore.objects.filter(proposal=w.proposals[0]).update(flags=["high_disagreement"])
    label = vocabulary.flag_label("high_disagreement")

    shortlist = _shortlist(w)
    page = _page(w, w.proposals[0].code)

    assert f">{label}</span>" in shortlist
    assert f">{label}</span>" in page
    assert f">{label[0].upper()}{label[1:]}</option>" in shortlist
    assert "high_disagreement</span>" not in page


# --- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "just now"), (59, "just now"), (60, "1\xa0minute ago"), (3 * 3600, "3\xa0hours ago")],
)
def test_a_moment_ago_reads_just_now_not_zero_minutes(seconds: int, expected: str) -> None:
    now = timezone.now()

    assert common_display.ago(now - dt.timedelta(seconds=seconds), now) == expected


def test_a_fresh_snapshot_reads_just_now_on_the_dashboard() -> None:
    w = curation(1)

    body = w.client.get(reverse("chair:dashboard", args=[w.call.slug])).content.decode()

    assert "Computed just now." in body
    assert "0\xa0minutes" not in body


# --- previous / next in the shortlist's filter ----------------------------------------------


def test_the_decision_form_comes_before_the_proposal_text() -> None:
    w = curation(1)

    body = _page(w, w.proposals[0].code)

    assert body.index('id="decision"') < body.index('id="proposal-title"')


def test_previous_and_next_follow_the_rank_order() -> None:
    w = curation(3)

    body = _page(w, w.proposals[1].code)

    assert _rel(body, "prev") == w.proposals[0].code
    assert _rel(body, "next") == w.proposals[2].code
    assert "2 of 3 in this list" in body


def test_previous_and_next_follow_the_filter_and_carry_it_on() -> None:
    w = curation(3)
    data = cfp_models.Track.objects.get(call=w.call, slug="data")
    cfp_models.Proposal.objects.filter(pk__in=[w.proposals[0].pk, w.proposals[2].pk]).update(
        track=data
    )

    body = _page(w, w.proposals[0].code, "?track=data&page=4")

    assert _rel(body, "prev") is None
    assert _rel(body, "next") == w.proposals[2].code
    assert f'/proposals/{w.proposals[2].code}/?track=data"' in body
    assert "1 of 2 in this list" in body


def test_previous_and_next_follow_the_chosen_order() -> None:
    w = curation(3)
    models.ProposalScore.objects.filter(proposal=w.proposals[2]).update(mean=9.9)

    body = _page(w, w.proposals[0].code, "?sort=mean")

    assert _rel(body, "prev") == w.proposals[2].code
    assert _rel(body, "next") == w.proposals[1].code


def test_a_proposal_outside_the_filter_has_no_neighbours_and_still_shows() -> None:
    w = curation(3)

    body = _page(w, w.proposals[0].code, "?track=data&score_min=nonsense")

    assert _rel(body, "prev") is None
    assert _rel(body, "next") is None
    assert 'id="decision"' in body


def test_the_shortlist_links_each_title_with_its_filter() -> None:
    w = curation(1)

    body = _shortlist(w, "?sort=mean&per_page=25")

    assert f"/proposals/{w.proposals[0].code}/?sort=mean&amp;per_page=25" in body


@pytest.mark.parametrize("rows", [1, 3])
def test_previous_and_next_cost_one_query_whatever_the_list(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation(rows)
    code = w.proposals[-1].code
    _page(w, code)  # warm the session

    # Same budget as the unfiltered page (tests/test_curation_decisions.py): the filter rides
    # in the neighbours' one query.
    with assert_queries(13):
        body = _page(w, code, "?track=web&sort=reviews")

    assert f"{rows} of {rows} in this list" in body
