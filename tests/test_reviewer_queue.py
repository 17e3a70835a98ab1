"""The reviewer's queue: filters and orderings over htmx, and "next" staying inside them.

Rows the reviewer does not order follow their own shuffle (``queue.order_key``), never the
order of submission: ``_shuffled`` says where the tests expect them.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import queries as cfp_queries
from cfp import services as cfp_services
from reviews import models as review_models
from reviews.queries import queue
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


def _shuffled(codes: list[str], reviewer: str = "rita") -> list[str]:
    """The codes in the reviewer's own shuffle: the order rows have where nothing else decides."""
    reviewer_id = get_user_model().objects.get(username=reviewer).pk
    return sorted(codes, key=lambda code: queue.order_key(reviewer_id=reviewer_id, code=code))


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
    assert _codes(response) == _shuffled([codes[i] for i in expected])


def test_the_status_filter_shows_only_proposals_in_that_state() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[1])

    done = client.get(reverse("reviews:queue", args=[c.slug]), {"status": "done"}, headers=HX)
    todo = client.get(reverse("reviews:queue", args=[c.slug]), {"status": "todo"}, headers=HX)

    assert _codes(done) == [codes[1]]
    assert _codes(todo) == _shuffled([codes[0], codes[2]])


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
    ],
)
def test_orderings_sort_the_rows(ordering: str, expected: list[int]) -> None:
    client, c, codes = _world(SPECS)

    response = client.get(reverse("reviews:queue", args=[c.slug]), {"ordering": ordering})

    assert _codes(response) == [codes[i] for i in expected]


@pytest.mark.parametrize("ordering", ["language", "track"])
def test_ties_under_an_ordering_follow_the_reviewers_shuffle(ordering: str) -> None:
    client, c, codes = _world(SPECS)

    response = client.get(reverse("reviews:queue", args=[c.slug]), {"ordering": ordering})

    # language: en, en, es; track: data, web, web.
    expected = (
        [*_shuffled([codes[0], codes[1]]), codes[2]]
        if ordering == "language"
        else [codes[1], *_shuffled([codes[0], codes[2]])]
    )
    assert _codes(response) == expected


@pytest.mark.parametrize("ordering", ["submitted", "-submitted"])
def test_the_queue_cannot_be_ordered_by_submission_time(ordering: str) -> None:
    client, c, codes = _world(SPECS)

    response = client.get(reverse("reviews:queue", args=[c.slug]), {"ordering": ordering})

    assert response.status_code == 200
    assert _codes(response) == _shuffled(codes)
    assert 'value="submitted"' not in response.content.decode()


def test_without_an_ordering_proposals_to_do_come_first() -> None:
    client, c, codes = _world(SPECS)
    _score(client, c, codes[0])

    response = client.get(reverse("reviews:queue", args=[c.slug]))

    assert _codes(response) == [*_shuffled([codes[1], codes[2]]), codes[0]]


def test_an_unknown_filter_value_drops_that_filter_but_keeps_the_others() -> None:
    client, c, codes = _world(SPECS)

    response = client.get(
        reverse("reviews:queue", args=[c.slug]), {"track": "web", "ordering": "bogus"}
    )

    assert response.status_code == 200
    assert _codes(response) == _shuffled([codes[0], codes[2]])


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


def test_next_on_the_screen_follows_the_queue_as_the_page_shows_it() -> None:
    client, c, codes = _world([(f"Talk {i}", "web", "en") for i in range(5)])
    page = _codes(client.get(reverse("reviews:queue", args=[c.slug])))

    nexts = [
        re.search(
            r'name="next_code" value="(\w*)"',
            client.get(reverse("reviews:screen", args=[c.slug, code])).content.decode(),
        )
        for code in page
    ]

    assert page == _shuffled(codes)
    assert [m.group(1) if m else None for m in nexts] == page[1:] + page[:1]


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

    # session, user, role, call+formats+tracks+criteria (4), the reviewer-visible tags, the
    # filtered rows, the counts over the whole queue; the full page adds the navigation.
    with assert_queries(10 if htmx else 11):
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

    # session, user, role, assignment+proposal, criteria, my review, the queue's progress and
    # next proposal (one narrow read, filtered in Python); the full page adds the navigation.
    with assert_queries(7 if htmx else 8):
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
    # Nothing of Oscar's review is pre-filled: the only checked input is confidence's
    # "not set" (the segmented control starts there, issue 18), never a score.
    checked = re.findall(r"<input[^>]*\bchecked\b[^>]*>", body)
    assert len(checked) == 1
    assert 'name="confidence" value=""' in checked[0]


# --- the default order reveals neither submission order nor who sent several ------------------


def _one_speaker_after_another(
    *, speakers: int, each: int, reviewers: int
) -> tuple[cfp_models.Call, list[str], list[int]]:
    """Each speaker sends `each` proposals one after another; every reviewer gets all of them.

    Returns the call, the speaker of each code in submission order, and the reviewers' ids.
    """
    c = factories.call("pycon")
    proposals = []
    for s in range(speakers):
        owner = factories.user(f"speaker{s}")
        proposals += [factories.proposal(c, owner, title=f"Talk {s}.{i}") for i in range(each)]
    reviewer_ids = []
    for r in range(reviewers):
        reviewer = factories.user(f"reviewer{r}")
        factories.member(c, reviewer, "reviewer")
        review_models.Assignment.objects.bulk_create(
            review_models.Assignment(proposal=p, reviewer=reviewer, created_at=timezone.now())
            for p in proposals
        )
        reviewer_ids.append(reviewer.pk)
    return c, [p.code for p in proposals], reviewer_ids


def _queue_codes(c: cfp_models.Call, reviewer_id: int) -> list[str]:
    phase = cfp_queries.call_phase(call_id=c.pk)
    assert phase is not None
    q = queue.reviewer_queue(call_id=c.pk, reviewer_id=reviewer_id, phase=phase)
    return [row.code for row in q.rows]


def _same_speaker_neighbours(codes: list[str], speaker_of: dict[str, int]) -> int:
    return sum(speaker_of[a] == speaker_of[b] for a, b in itertools.pairwise(codes))


def test_one_speakers_proposals_are_neighbours_in_the_queue_no_more_often_than_by_chance() -> None:
    speakers, each, reviewers = 4, 3, 40
    c, submitted, reviewer_ids = _one_speaker_after_another(
        speakers=speakers, each=each, reviewers=reviewers
    )
    speaker_of = {code: i // each for i, code in enumerate(submitted)}
    n = len(submitted)
    # In a uniformly shuffled queue each of the sum C(each, 2) same-speaker pairs sits side by
    # side with probability 2/n: 2.0 neighbours a queue here (standard deviation 1.3, so 0.2
    # for the mean of 40 queues). Submission order gives speakers * (each - 1) = 8.
    by_chance = 2 * speakers * (each * (each - 1) // 2) / n
    in_submission_order = _same_speaker_neighbours(submitted, speaker_of)

    queues = [_queue_codes(c, r) for r in reviewer_ids]
    mean = sum(_same_speaker_neighbours(q, speaker_of) for q in queues) / reviewers

    assert in_submission_order == speakers * (each - 1), "the statistic can tell clustering"
    assert mean < by_chance + 1.0, (mean, by_chance)
    assert all(sorted(q) == sorted(submitted) for q in queues)


def test_the_queue_is_not_in_submission_order_nor_its_reverse_for_any_reviewer() -> None:
    c, submitted, reviewer_ids = _one_speaker_after_another(speakers=3, each=2, reviewers=20)

    queues = [_queue_codes(c, r) for r in reviewer_ids]
    first_places = sum(q[0] == submitted[0] for q in queues)

    # 6! orders: a reviewer gets submission order (or its reverse) with probability 1/360.
    assert sum(q in (submitted, submitted[::-1]) for q in queues) <= 1
    # The first proposal submitted leads 1 queue in 6 by chance (3.3 of 20), never most of them.
    assert first_places <= 10


def test_a_reviewers_queue_order_is_the_same_on_every_load_and_differs_between_reviewers() -> None:
    c, _, reviewer_ids = _one_speaker_after_another(speakers=4, each=3, reviewers=10)

    first_loads = [_queue_codes(c, r) for r in reviewer_ids]
    second_loads = [_queue_codes(c, r) for r in reviewer_ids]

    assert first_loads == second_loads
    # 12! orders: two reviewers sharing one happens about once in 10^8 runs.
    assert len({tuple(q) for q in first_loads}) == len(reviewer_ids)


def test_the_queue_order_depends_on_the_server_secret(settings: Any) -> None:
    c, _, reviewer_ids = _one_speaker_after_another(speakers=4, each=3, reviewers=1)
    before = _queue_codes(c, reviewer_ids[0])

    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    after = _queue_codes(c, reviewer_ids[0])

    assert sorted(after) == sorted(before)
    assert after != before


# --- the scoring screen's own read of the queue (issue 18) ---------------------------------------

STATES = ("todo", "done", "abstained", "changed")


def _random_world(seed: int) -> tuple[cfp_models.Call, int, list[str]]:
    """A reviewer with proposals in random tracks, formats and languages, each in a random
    state of their own review (none, saved, abstained, saved before the speaker's edit); one
    proposal withdrawn and one assigned to somebody else, which count for nobody."""
    rng = random.Random(seed)
    c = factories.call("pycon")
    cfp_models.Format.objects.create(call=c, slug="tutorial", name="Tutorial", slots=1)
    reviewer = factories.user("rita")
    other = factories.user("otto")
    factories.member(c, reviewer, "reviewer")
    factories.member(c, other, "reviewer")
    codes = []
    for i in range(rng.randint(1, 9)):
        p = factories.proposal(
            c,
            factories.user(f"speaker{i}"),
            title=f"Talk {rng.randint(0, 99)}",
            track=rng.choice(["web", "data"]),
            language=rng.choice(["en", "es"]),
        )
        if rng.random() < 0.3:
            cfp_models.Proposal.objects.filter(pk=p.pk).update(
                format=cfp_models.Format.objects.get(call=c, slug="tutorial")
            )
        factories.assign(p, reviewer)
        codes.append(p.code)
        state = rng.choice(STATES)
        if state != "todo":
            review_models.Review.objects.create(
                proposal=p,
                reviewer=reviewer,
                call=c,
                scores={} if state == "abstained" else {"relevance": 3, "clarity": 3},
                abstained=state == "abstained",
                abstain_reason="x" if state == "abstained" else "",
                proposal_version=1,
                created_at=timezone.now(),
                updated_at=timezone.now(),
            )
        if state == "changed" or (state == "abstained" and rng.random() < 0.5):
            cfp_models.Proposal.objects.filter(pk=p.pk).update(version=2)
    withdrawn = factories.proposal(c, factories.user("gone"), title="Withdrawn")
    factories.assign(withdrawn, reviewer)
    cfp_models.Proposal.objects.filter(pk=withdrawn.pk).update(state="withdrawn")
    theirs = factories.proposal(c, factories.user("theirs"), title="Not mine")
    factories.assign(theirs, other)
    return c, reviewer.pk, codes


@pytest.mark.parametrize("seed", range(4))
def test_the_screens_progress_and_next_are_the_queues_under_every_filter(seed: int) -> None:
    c, reviewer_id, codes = _random_world(seed)
    phase = cfp_queries.call_phase(call_id=c.pk)
    assert phase is not None
    filters = itertools.product(
        ["", "web", "data", "nope"],
        ["", "talk", "tutorial"],
        ["", "en", "es"],
        ["", *STATES],
        ["", "title"],  # a chosen ordering is the queue's own (one case is enough to hold it)
    )
    for track, format_, language, status, ordering in filters:
        chosen = {
            "track": track,
            "format": format_,
            "language": language,
            "status": status,
            "ordering": ordering,
        }
        q = queue.reviewer_queue(call_id=c.pk, reviewer_id=reviewer_id, phase=phase, **chosen)
        for after in [codes[0], codes[-1], "ZZZZZZ"]:
            expected = queue.next_in_queue(queue=q, after_code=after, status=status)

            got = queue.screen_progress(
                call_id=c.pk, reviewer_id=reviewer_id, phase=phase, after_code=after, **chosen
            )

            assert (got.done, got.total, got.next_code) == (q.done, q.total, expected), (
                chosen,
                after,
            )
