"""The chair's ranking and shortlist page: order, cut line, filters, paging and query budgets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _get(w: Curation, query: str = "", **headers: str) -> str:
    response = w.client.get(reverse("chair:shortlist", args=[w.call.slug]) + query, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _codes(body: str) -> list[str]:
    # A title links to its page carrying the list's filter (previous / next follow it).
    return re.findall(r'href="/chair/[^/]+/proposals/([A-Z0-9]+)/(?:\?[^"]*)?"', body)


def _decide(p: cfp_models.Proposal, status: str) -> None:
    models.Decision.objects.update_or_create(proposal=p, defaults={"status": status, "version": 1})


def _score(p: cfp_models.Proposal, **values: Any) -> None:
    models.ProposalScore.objects.filter(proposal=p).update(**values)


def _many(n: int, *, slots: int) -> Curation:
    """``n`` ranked proposals, most of them bulk-created: paging needs rows, not realism."""
    w = curation(1, slots=slots)
    first = w.proposals[0]
    extra = cfp_models.Proposal.objects.bulk_create(
        cfp_models.Proposal(
            call=w.call,
            code=f"BULK{i:04d}",
            title=f"Bulk talk {i}",
            abstract="A talk.",
            format_id=first.format_id,
            track_id=first.track_id,
            redacted={"title": f"Bulk talk {i}"},
            submitted_at=first.submitted_at,
            updated_at=first.updated_at,
        )
        for i in range(n - 1)
    )
    models.ProposalScore.objects.bulk_create(
        models.ProposalScore(
            run=w.run, proposal=p, review_count=2, mean=5.0, calibrated=5.0, rank=i + 2
        )
        for i, p in enumerate(extra)
    )
    return w


# --- query budgets --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_shortlist_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    w = curation(rows)
    _decide(w.proposals[0], "accepted")

    # session, user, role, call with its snapshot and tags, formats with slots, tracks,
    # counts (with the cut), rows; the full page adds the navigation and the speakers' notices.
    with assert_queries(8 if htmx else 10):
        body = _get(w, "?sort=rank", **(HX if htmx else {}))

    assert len(_codes(body)) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_filtered_shortlist_runs_the_same_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation(rows, revealed=True)

    with assert_queries(8):
        body = _get(
            w,
            "?format=talk&track=web&decision=undecided&score_min=0&first_time=no&sort=reviews",
            **HX,
        )

    assert len(_codes(body)) == rows


# --- order, interval bars and the cut line --------------------------------------------------


def test_proposals_are_listed_in_calibrated_order_with_interval_bars() -> None:
    w = curation(3)

    body = _get(w)

    assert _codes(body) == [p.code for p in w.proposals]
    # The best proposal: calibrated 8.0 in 7.0..9.0, on a 0..100 bar.
    assert '<rect class="interval-range" x="70.0" y="2" width="20.0" height="6">' in body
    assert '<rect class="interval-point" x="79.25"' in body


def test_the_cut_line_is_drawn_where_the_slots_run_out() -> None:
    w = curation(4, slots=2)

    body = _get(w)

    rows = body.split("<tbody>")[1]
    before, after = rows.split('class="cut-line"')
    assert _codes(before) == [w.proposals[0].code, w.proposals[1].code]
    assert _codes(after) == [w.proposals[2].code, w.proposals[3].code]
    assert "outside the 2 slots" in body


def test_the_cut_line_of_one_format_uses_that_formats_slots() -> None:
    w = curation(4, slots=3)
    lightning = cfp_models.Format.objects.create(
        call=w.call, slug="lightning", name="Lightning", slots=1
    )
    cfp_models.Proposal.objects.filter(pk__in=[w.proposals[1].pk, w.proposals[3].pk]).update(
        format=lightning
    )

    body = _get(w, "?format=lightning")

    before, after = body.split("<tbody>")[1].split('class="cut-line"')
    assert _codes(before) == [w.proposals[1].code]
    assert _codes(after) == [w.proposals[3].code]
    assert "outside the 1 slot " in body


def test_no_cut_line_when_the_slots_do_not_run_out() -> None:
    w = curation(2, slots=5)

    body = _get(w)

    assert 'class="cut-line"' not in body


def test_no_cut_line_when_sorted_by_something_else_than_rank() -> None:
    w = curation(4, slots=2)

    body = _get(w, "?sort=mean")

    assert 'class="cut-line"' not in body


def test_the_page_links_to_the_page_where_the_slots_run_out() -> None:
    w = _many(30, slots=27)

    body = _get(w, "?per_page=25")

    assert "The slots run out on page 2." in body
    assert 'class="cut-line"' not in body
    assert 'class="cut-line"' in _get(w, "?per_page=25&page=2")


def test_rows_with_a_middling_chance_are_marked_near_the_cut() -> None:
    w = curation(3)
    _score(w.proposals[0], p_in_slots=0.95)
    _score(w.proposals[1], p_in_slots=0.5)
    _score(w.proposals[2], p_in_slots=0.1)

    body = _get(w)

    marked = re.findall(r'<tr class="[^"]*near-cut">.*?proposals/([A-Z0-9]+)/', body, re.S)
    assert marked == [w.proposals[1].code]


def test_slot_counters_show_accepted_of_slots_per_format_and_track() -> None:
    w = curation(3, slots=2)
    _decide(w.proposals[0], "accepted")
    _decide(w.proposals[1], "waitlisted")
    _decide(w.proposals[2], "rejected")

    body = _get(w)

    assert "<strong>Talk: 1 / 2</strong>" in body
    assert "1 waitlisted" in body
    assert "Web: 1 accepted, 1 waitlisted" in body


def test_the_decision_is_shown_on_each_row() -> None:
    w = curation(2)
    _decide(w.proposals[0], "accepted")

    body = _get(w)

    assert '<tr class="decision-accepted' in body
    assert '<tr class="decision-undecided' in body


# --- anonymity ------------------------------------------------------------------------------


def test_titles_are_the_redacted_ones_while_chairs_are_blind() -> None:
    w = curation(1)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        redacted={"title": "Talk by [name]"}
    )

    body = _get(w)

    assert "Talk by [name]" in body
    assert "Talk number 1" not in body


def test_titles_are_the_real_ones_once_identities_are_revealed() -> None:
    w = curation(1, revealed=True)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        redacted={"title": "Talk by [name]"}
    )

    body = _get(w)

    assert "Talk number 1" in body


def test_programme_filters_are_not_offered_while_chairs_are_blind() -> None:
    w = curation(2)

    body = _get(w, "?first_time=yes")

    assert 'name="first_time"' not in body
    assert len(_codes(body)) == 2


def test_programme_filters_apply_once_identities_are_revealed() -> None:
    w = curation(2)
    cfp_models.Speaker.objects.filter(proposal_links__proposal=w.proposals[1]).update(
        spoken_before=False, wants_mentor=True
    )
    w.reveal()

    first_timers = _get(w, "?first_time=yes")
    mentees = _get(w, "?wants_mentor=yes")
    others = _get(w, "?first_time=no")

    assert 'name="first_time"' in first_timers
    assert _codes(first_timers) == [w.proposals[1].code]
    assert _codes(mentees) == [w.proposals[1].code]
    assert _codes(others) == [w.proposals[0].code]


# --- filters and sorting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?track=data", [1]),
        ("?language=es", [2]),
        ("?level=advanced", [0]),
        ("?decision=undecided", [1, 2]),
        ("?decision=accepted", [0]),
        ("?flag=high_disagreement", [2]),
        ("?flag=near_cut", [1]),
        # Bounds on the criteria's 1–5 scale, as the page shows scores: 7 of 10 reads 3.8.
        ("?score_min=3.6&score_max=4.0", [1]),
    ],
)
def test_each_filter_narrows_the_list(query: str, expected: list[int]) -> None:
    w = curation(3)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(level="advanced")
    track = cfp_models.Track.objects.get(call=w.call, slug="data")
    cfp_models.Proposal.objects.filter(pk=w.proposals[1].pk).update(track=track)
    cfp_models.Proposal.objects.filter(pk=w.proposals[2].pk).update(language="es")
    _decide(w.proposals[0], "accepted")
    _decide(w.proposals[1], "undecided")
    _score(w.proposals[0], p_in_slots=0.95)
    _score(w.proposals[1], p_in_slots=0.5)
    _score(w.proposals[2], p_in_slots=0.1, flags=["high_disagreement", "under_reviewed"])

    body = _get(w, query)

    assert _codes(body) == [w.proposals[i].code for i in expected]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("rank", [0, 1, 2]),
        ("calibrated", [2, 0, 1]),
        ("mean", [1, 0, 2]),
        ("reviews", [2, 0, 1]),
        ("disagreement", [0, 2, 1]),
    ],
)
def test_each_sort_order(sort: str, expected: list[int]) -> None:
    w = curation(3)
    _score(w.proposals[0], mean=5.0, review_count=3, spread=4.5)
    _score(w.proposals[1], mean=9.0, review_count=4, spread=0.5)
    _score(w.proposals[2], mean=1.0, calibrated=9.5, review_count=1, spread=2.0)

    body = _get(w, f"?sort={sort}")

    assert _codes(body) == [w.proposals[i].code for i in expected]


def test_a_bad_filter_value_gets_a_message_and_the_typed_text_back_while_others_apply() -> None:
    w = curation(3)
    track = cfp_models.Track.objects.get(call=w.call, slug="data")
    cfp_models.Proposal.objects.filter(pk=w.proposals[1].pk).update(track=track)

    body = _get(w, "?score_min=lots&track=data")

    assert "Some filters were not applied" in body
    assert "Enter a number." in body
    assert 'value="lots"' in body
    assert _codes(body.split("<tbody>")[1]) == [w.proposals[1].code]


def test_an_upper_score_below_the_lower_one_is_refused_with_a_message() -> None:
    w = curation(2)

    body = _get(w, "?score_min=8&score_max=2")

    assert "The upper score must not be below the lower one." in body


def test_an_unknown_choice_is_reported_on_its_field() -> None:
    w = curation(2)

    body = _get(w, "?track=nowhere", **HX)

    assert "Select a valid choice. nowhere is not one of the available choices." in body
    assert len(_codes(body)) == 2


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_page", "shown"),
    [("25", 25), ("50", 30), ("100", 30), ("250", 30), ("7", 30), ("abc", 30), ("", 30)],
)
def test_rows_a_page_are_25_50_100_or_250_and_anything_else_is_50(
    per_page: str, shown: int
) -> None:
    w = _many(30, slots=30)

    body = _get(w, f"?per_page={per_page}")

    assert len(_codes(body)) == shown
    expected = per_page if per_page in ("25", "50", "100", "250") else "50"
    assert f'<option value="{expected}" selected>' in body


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("2", "Page 2 of 3"),
        ("99999999999999999999999999999999999999", "Page 3 of 3"),
        ("4", "Page 3 of 3"),
        ("0", "Page 1 of 3"),
        ("-1", "Page 1 of 3"),
        ("abc", "Page 1 of 3"),
        ("%00", "Page 1 of 3"),
    ],
)
def test_any_page_number_gives_a_page_never_an_error(page: str, expected: str) -> None:
    w = _many(55, slots=60)

    body = _get(w, f"?per_page=25&page={page}")

    assert expected in body


def test_paging_links_keep_the_filters_and_work_through_htmx() -> None:
    w = _many(30, slots=30)

    body = _get(w, "?per_page=25&sort=mean", **HX)

    assert 'href="?per_page=25&amp;sort=mean&amp;page=2"' in body
    assert 'hx-get="?per_page=25&amp;sort=mean&amp;page=2"' in body
    assert 'hx-push-url="true"' in body


# --- htmx -----------------------------------------------------------------------------------


def test_htmx_requests_get_only_the_results() -> None:
    w = curation(2)

    body = _get(w, "?sort=mean", **HX)

    assert body.lstrip().startswith('<div id="results"')
    assert "<h1>" not in body


def test_restoring_history_gets_the_whole_page() -> None:
    w = curation(2)

    body = _get(w, "?sort=mean", **HX, **{"HX-History-Restore-Request": "true"})

    assert "<h1>" in body
    assert 'id="results"' in body


def test_without_a_snapshot_proposals_are_listed_by_code() -> None:
    w = curation(3, ranked=False)
    models.AggregationRun.objects.all().delete()

    body = _get(w)

    assert sorted(_codes(body)) == _codes(body)
    assert "No scores computed yet" in body


def test_proposals_newer_than_the_snapshot_come_last() -> None:
    w = curation(2)
    models.ProposalScore.objects.filter(proposal=w.proposals[0]).delete()

    body = _get(w)

    assert _codes(body) == [w.proposals[1].code, w.proposals[0].code]


def test_withdrawn_proposals_are_not_listed() -> None:
    w = curation(2)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        state=cfp_models.ProposalState.WITHDRAWN, updated_at=timezone.now()
    )

    body = _get(w)

    assert _codes(body) == [w.proposals[1].code]
