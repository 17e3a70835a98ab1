"""The reviewer's queue: filters and orderings over htmx, and "next" staying inside them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import services as cfp_services
from reviews import models as review_models
from tests import factories

pytestmark = pytest.mark.django_db

ROW = re.compile(r'href="/review/pycon/(\w+)/')
HX = {"HX-Request": "true", "HX-Target": "queue"}


def _world(specs: list[tuple[str, str, str]]) -> tuple[Client, cfp_models.Call, list[str]]:
    """A reviewer assigned one proposal per (title, track, language), submitted in that order."""
    c = factories.call("pycon")
    cfp_models.Format.objects.create(call=c, slug="tutorial", name="Tutorial", slots=1)
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    codes = []
    for i, (title, track, language) in enumerate(specs):
        p = factories.proposal(
            c, factories.user(f"speaker{i}"), title=title, track=track, language=language
        )
        factories.assign(p, reviewer)
        codes.append(p.code)
    client = Client()
    client.force_login(reviewer)
    return client, c, codes


def _codes(response: Any) -> list[str]:
    return ROW.findall(response.content.decode())


def _score(client: Client, c: cfp_models.Call, code: str) -> None:
    client.post(
        reverse("reviews:screen", args=[c.slug, code]),
        {"score_relevance": "4", "score_clarity": "3", "action": "save"},
    )


SPECS = [
    ("Bravo web talk", "web", "en"),
    ("Alpha data talk", "data", "en"),
    ("Charlie web charla", "web", "es"),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"track": "web"}, [0, 2]),
        ({"language": "es"}, [2]),
        ({"track": "web", "language": "en"}, [0]),
        ({"format": "tutorial"}, []),
        ({"format": "talk"}, [0, 1, 2]),
    ],
)
def test_filters_return_only_the_matching_rows_in_the_htmx_fragment(
    query: dict[str, str], expected: list[int]
) -> None:
    client, c, codes = _world(SPECS)

    response = client.get(reverse("reviews:queue", args=[c.slug]), query, headers=HX)

    assert "<html" not in response.content.decode()
    assert _codes(response) == [codes[i] for i in expected]


def test_the_status_filter_shows_only_proposals_in_that_state() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[1])

    done = client.get(reverse("reviews:queue", args=[c.slug]), {"status": "done"}, headers=HX)
    todo = client.get(reverse("reviews:queue", args=[c.slug]), {"status": "todo"}, headers=HX)

    assert _codes(done) == [codes[1]]
    assert _codes(todo) == [codes[0], codes[2]]


def test_a_proposal_changed_after_my_review_has_its_own_status() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[0])
    p = cfp_models.Proposal.objects.get(code=codes[0])
    cfp_services.update_proposal(
        call_slug=c.slug,
        code=p.code,
        user_id=p.owner_id or 0,
        data=cfp_services.ProposalData(
            title="Bravo, now better", abstract="New", format_slug="talk"
        ),
        now=timezone.now(),
    )

    response = client.get(reverse("reviews:queue", args=[c.slug]), {"status": "changed"})

    assert _codes(response) == [codes[0]]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", [1, 0, 2]),
        ("-title", [2, 0, 1]),
        ("language", [0, 1, 2]),
        ("track", [1, 0, 2]),
        ("submitted", [0, 1, 2]),
        ("-submitted", [2, 1, 0]),
    ],
)
def test_orderings_sort_the_rows(ordering: str, expected: list[int]) -> None:
    client, c, codes = _world(SPECS)

    response = client.get(reverse("reviews:queue", args=[c.slug]), {"ordering": ordering})

    assert _codes(response) == [codes[i] for i in expected]


def test_without_an_ordering_proposals_to_do_come_first() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[0])

    response = client.get(reverse("reviews:queue", args=[c.slug]))

    assert _codes(response) == [codes[1], codes[2], codes[0]]


def test_an_unknown_filter_value_drops_that_filter_but_keeps_the_others() -> None:
    client, c, codes = _world(SPECS)

    response = client.get(
        reverse("reviews:queue", args=[c.slug]), {"track": "web", "ordering": "bogus"}
    )

    assert response.status_code == 200
    assert _codes(response) == [codes[0], codes[2]]


def test_the_filter_form_pushes_its_url_and_swaps_only_the_queue() -> None:
    client, c, _ = _world(SPECS)

    body = client.get(reverse("reviews:queue", args=[c.slug])).content.decode()

    form = re.search(r"<form method=\"get\"[^>]*>", body, re.S)
    assert form is not None
    assert 'hx-push-url="true"' in form.group(0)
    assert 'hx-target="#queue"' in form.group(0)
    assert f'action="/review/{c.slug}/"' in form.group(0)


def test_going_back_to_a_pushed_url_gets_the_whole_page() -> None:
    client, c, _ = _world(SPECS)

    response = client.get(
        reverse("reviews:queue", args=[c.slug]),
        {"track": "web"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


def test_rows_link_to_the_screen_with_the_current_filters() -> None:
    client, c, codes = _world(SPECS)

    body = client.get(
        reverse("reviews:queue", args=[c.slug]), {"language": "es", "ordering": "title"}
    ).content.decode()

    assert f'href="/review/pycon/{codes[2]}/?language=es&amp;ordering=title"' in body


@pytest.mark.parametrize(
    ("query", "current", "expected"),
    [
        ({"track": "web"}, 0, 2),
        ({"language": "en"}, 0, 1),
        ({"ordering": "-title"}, 2, 0),
        ({"ordering": "-title"}, 1, 2),
        ({"track": "data"}, 1, None),
    ],
)
def test_next_on_the_screen_stays_within_the_filters_and_their_order(
    query: dict[str, str], current: int, expected: int | None
) -> None:
    client, c, codes = _world(SPECS)

    body = client.get(reverse("reviews:screen", args=[c.slug, codes[current]]), query)

    value = codes[expected] if expected is not None else ""
    assert f'name="next_code" value="{value}"' in body.content.decode()


def test_next_within_the_done_filter_walks_through_finished_proposals() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[0])
    _score(client, c, codes[2])

    body = client.get(reverse("reviews:screen", args=[c.slug, codes[0]]), {"status": "done"})

    assert f'name="next_code" value="{codes[2]}"' in body.content.decode()


def test_save_and_next_keeps_the_filters_in_the_next_address() -> None:
    client, c, codes = _world(SPECS)

    response = client.post(
        reverse("reviews:screen", args=[c.slug, codes[0]]) + "?track=web&ordering=title",
        {"score_relevance": "4", "score_clarity": "3", "action": "next", "next_code": codes[2]},
        headers={"HX-Request": "true"},
    )

    location = json.loads(response["HX-Location"])
    assert location["path"] == f"/review/pycon/{codes[2]}/?track=web&ordering=title"
    assert (location["target"], location["select"], location["swap"]) == (
        "#main",
        "#main",
        "outerHTML",
    )


def test_save_and_next_on_the_last_proposal_returns_to_the_filtered_queue() -> None:
    client, c, codes = _world(SPECS)

    response = client.post(
        reverse("reviews:screen", args=[c.slug, codes[1]]) + "?track=data",
        {"score_relevance": "4", "score_clarity": "3", "action": "next", "next_code": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == "/review/pycon/?track=data"


def test_the_screen_shows_the_reviewers_progress() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[0])

    body = client.get(reverse("reviews:screen", args=[c.slug, codes[1]])).content.decode()

    assert '<progress id="screen-progress" max="3" value="1"' in body
    assert "1 of 3 reviewed" in body


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_filtered_and_ordered_queue_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    client, c, _ = _world([(f"Talk {i}", "web", "en") for i in range(rows)])
    headers = HX if htmx else {}

    # session, user, role, call+formats+tracks+criteria (4), the filtered rows, the counts over
    # the whole queue; the full page adds the navigation.
    with assert_queries(9 if htmx else 10):
        response = client.get(
            reverse("reviews:queue", args=[c.slug]),
            {"track": "web", "ordering": "-title"},
            headers=headers,
        )

    assert len(_codes(response)) == rows


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_filtered_scoring_screen_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    client, c, codes = _world([(f"Talk {i}", "web", "en") for i in range(rows)])
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role, assignment+proposal, criteria, my review, the filtered queue, its
    # counts; the full page adds the navigation.
    with assert_queries(8 if htmx else 9):
        response = client.get(
            reverse("reviews:screen", args=[c.slug, codes[0]]),
            {"track": "web"},
            headers=headers,
        )

    assert response.status_code == 200


def test_an_htmx_navigation_to_the_screen_gets_the_whole_page_for_main() -> None:
    client, c, codes = _world(SPECS)

    response = client.get(
        reverse("reviews:screen", args=[c.slug, codes[0]]),
        headers={"HX-Request": "true", "HX-Target": "main"},
    )

    body = response.content.decode()
    assert '<main id="main"' in body
    assert body.count("<h1") == 1


def test_a_reviewer_never_sees_another_reviewers_scores_or_notes() -> None:
    client, c, codes = _world(SPECS)
    other = factories.user("oscar")
    factories.member(c, other, "reviewer")
    p = cfp_models.Proposal.objects.get(code=codes[0])
    factories.assign(p, other)
    review_models.Review.objects.create(
        call=c,
        proposal=p,
        reviewer=other,
        scores={"relevance": 1, "clarity": 1},
        score=0.0,
        comment="OSCAR-PRIVATE-NOTE",
        feedback="OSCAR-FEEDBACK",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )

    body = client.get(reverse("reviews:screen", args=[c.slug, codes[0]])).content.decode()
    queue = client.get(reverse("reviews:queue", args=[c.slug])).content.decode()

    for text in (body, queue):
        assert "OSCAR" not in text
        assert "oscar" not in text.lower()
    assert "checked" not in body
