"""The reviewer's queue and scoring screen: anonymity, upsert, validation and query budgets."""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from celery import current_app
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import models as review_models
from reviews import services
from tests import factories

pytestmark = pytest.mark.django_db

CANARY_NAME = "Zebulon Quagmire-Fitzwilliam"
CANARY_EMAIL = "zq.canary@canary-mail.example"


def _setup(n: int) -> tuple[Client, Any, list[Any]]:
    c = factories.call("pycon")
    reviewer = factories.user("rita")
    factories.member(c, reviewer, "reviewer")
    proposals = []
    for i in range(n):
        owner = factories.user(f"speaker{i}", first_name=CANARY_NAME, email=CANARY_EMAIL)
        p = factories.proposal(
            c,
            owner,
            title=f"Talk {i}",
            abstract=f"I am {CANARY_NAME}, mail me at {CANARY_EMAIL}.",
            speaker_name=CANARY_NAME,
            speaker_email=CANARY_EMAIL,
        )
        factories.assign(p, reviewer)
        proposals.append(p)
    client = Client()
    client.force_login(reviewer)
    return client, c, proposals


def _score(client: Client, c: Any, code: str, **extra: str) -> Any:
    data = {"score_relevance": "4", "score_clarity": "3", "confidence": "4", "action": "save"}
    data.update(extra)
    return client.post(reverse("reviews:screen", args=[c.slug, code]), data)


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_queue_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    client, c, _ = _setup(rows)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role, call+formats+tracks+criteria (4), the reviewer-visible tags (issue
    # 21's filter), queue; full page adds the nav.
    with assert_queries(9 if htmx else 10):
        response = client.get(reverse("reviews:queue", args=[c.slug]), headers=headers)

    assert response.status_code == 200
    assert response.content.decode().count('class="status-todo"') == rows


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("htmx", [False, True])
def test_scoring_screen_runs_a_fixed_number_of_queries(
    rows: int, htmx: bool, assert_queries: Callable[[int], Any]
) -> None:
    client, c, proposals = _setup(rows)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, role, assignment+proposal, criteria, my review, next to-do; full page adds
    # the navigation.
    with assert_queries(7 if htmx else 8):
        response = client.get(
            reverse("reviews:screen", args=[c.slug, proposals[0].code]), headers=headers
        )

    assert response.status_code == 200


def test_saving_a_score_takes_at_most_six_queries(assert_queries: Callable[[int], Any]) -> None:
    client, c, proposals = _setup(3)

    # session, user, role+assignment+proposal, criteria, review upsert, pending-run insert.
    with assert_queries(6):
        response = client.post(
            reverse("reviews:screen", args=[c.slug, proposals[0].code]),
            {"score_relevance": "4", "score_clarity": "3", "confidence": "4", "action": "save"},
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    assert "Saved." in response.content.decode()


def test_a_double_submitted_score_leaves_one_review() -> None:
    client, c, proposals = _setup(1)

    _score(client, c, proposals[0].code)
    _score(client, c, proposals[0].code, score_relevance="5")

    reviews = review_models.Review.objects.filter(proposal=proposals[0])
    assert reviews.count() == 1
    assert reviews.get().scores == {"relevance": 5, "clarity": 3}


def test_a_missing_score_comes_back_with_the_typed_note_kept() -> None:
    client, c, proposals = _setup(1)

    response = _score(
        client, c, proposals[0].code, score_clarity="", comment="A thoughtful note I typed"
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose a score for Clarity" in body
    assert "A thoughtful note I typed" in body
    assert not review_models.Review.objects.exists()


def test_a_score_outside_the_scale_is_refused() -> None:
    client, c, proposals = _setup(1)

    response = _score(client, c, proposals[0].code, score_relevance="9")

    assert response.status_code == 400
    assert not review_models.Review.objects.exists()


def test_abstaining_needs_a_reason_and_is_recorded_apart_from_scores() -> None:
    client, c, proposals = _setup(1)
    url = reverse("reviews:screen", args=[c.slug, proposals[0].code])

    refused = client.post(url, {"action": "abstain"})
    accepted = client.post(url, {"action": "abstain", "abstain_reason": "I know this project"})

    assert refused.status_code == 400
    assert accepted.status_code == 302
    review = review_models.Review.objects.get()
    assert review.abstained is True
    assert review.scores == {}


def test_save_and_next_over_htmx_points_to_the_next_todo_proposal() -> None:
    client, c, proposals = _setup(2)
    screen = client.get(reverse("reviews:screen", args=[c.slug, proposals[0].code]))
    next_code = proposals[1].code
    assert f'name="next_code" value="{next_code}"' in screen.content.decode()

    response = client.post(
        reverse("reviews:screen", args=[c.slug, proposals[0].code]),
        {"score_relevance": "4", "score_clarity": "3", "action": "next", "next_code": next_code},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 204
    location = json.loads(response["HX-Location"])
    assert location["path"] == reverse("reviews:screen", args=[c.slug, next_code])
    assert location["target"] == "#main"


def test_reviewer_pages_never_show_the_speakers_name_or_email() -> None:
    client, c, proposals = _setup(2)
    urls = [reverse("reviews:queue", args=[c.slug])] + [
        reverse("reviews:screen", args=[c.slug, p.code]) for p in proposals
    ]

    bodies = [client.get(url).content.decode() for url in urls]
    bodies.append(_score(client, c, proposals[0].code, score_clarity="").content.decode())

    for body in bodies:
        assert CANARY_NAME not in body
        assert "Quagmire" not in body
        assert CANARY_EMAIL not in body


def test_a_reviewer_cannot_open_a_proposal_not_assigned_to_them() -> None:
    client, c, _ = _setup(1)
    stranger = factories.proposal(c, factories.user("zed"), title="Not yours")

    response = client.get(reverse("reviews:screen", args=[c.slug, stranger.code]))

    assert response.status_code == 404


def test_a_saved_review_enqueues_aggregation_and_a_snapshot_appears(
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, c, proposals = _setup(2)

    with django_capture_on_commit_callbacks(execute=True):
        _score(client, c, proposals[0].code)

    run = review_models.AggregationRun.objects.get(call=c)
    assert run.state == review_models.RunState.DONE
    assert review_models.ProposalScore.objects.filter(run=run).count() == 2


def test_a_burst_of_saves_wakes_the_worker_once_and_a_chair_button_at_once(
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    """With a broker, forty saves in ten seconds cost one aggregation, not forty back to back."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.AGGREGATION_COALESCE_SECONDS = 10
    sent: list[dict[str, Any]] = []
    task = current_app.tasks["reviews.aggregate_call"]
    monkeypatch.setattr(task, "apply_async", lambda **kw: sent.append(kw))
    client, c, proposals = _setup(3)
    cache.delete(f"enqueue-coalesce:reviews.aggregate_call:{c.pk}")

    for p in proposals:
        with django_capture_on_commit_callbacks(execute=True):
            _score(client, c, p.code)

    # Every task carries the language of the request that queued it (issue 24).
    assert sent == [{"args": (c.pk,), "countdown": 10, "headers": {"language": "en"}}]
    assert review_models.AggregationRun.objects.filter(call=c, state="pending").count() == 1
    assert review_models.Review.objects.filter(call=c).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        services.request_aggregation(call_id=c.pk, now=timezone.now(), soon=True)

    assert sent[1:] == [{"args": (c.pk,), "headers": {"language": "en"}}]


# --- confidence: "not set" until the reviewer picks one (issue 13, item 1) -------------------


class _ConfidenceControl(HTMLParser):
    """The review form's confidence segments (a radio group since issue 18), as
    (value, label, checked)."""

    def __init__(self) -> None:
        super().__init__()
        self.options: list[tuple[str, str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "radio" and found.get("name") == "confidence":
            self.options.append(
                (found.get("value") or "", found.get("aria-label") or "", "checked" in found)
            )


def _rendered_confidence(client: Client, c: Any, code: str) -> tuple[str, str]:
    """The confidence a browser would send, untouched: (value, label) of the checked segment.

    A radio group with nothing checked sends nothing, which the form also reads as "not set";
    the screen always checks one.
    """
    control = _ConfidenceControl()
    control.feed(client.get(reverse("reviews:screen", args=[c.slug, code])).content.decode())
    assert control.options, "the screen has no confidence control"
    checked = [o for o in control.options if o[2]]
    assert len(checked) == 1, control.options
    return checked[0][0], checked[0][1]


def _save_as_rendered(client: Client, c: Any, code: str) -> Any:
    """Score both criteria and send the form as the browser shows it: confidence untouched."""
    value, _label = _rendered_confidence(client, c, code)
    return _score(client, c, code, confidence=value)


def test_a_new_reviews_confidence_control_shows_not_set() -> None:
    client, c, proposals = _setup(1)

    assert _rendered_confidence(client, c, proposals[0].code) == ("", "not set")


def test_a_review_saved_without_touching_confidence_stores_not_set() -> None:
    client, c, proposals = _setup(1)

    response = _save_as_rendered(client, c, proposals[0].code)

    assert response.status_code == 302
    assert review_models.Review.objects.get().confidence is None


@pytest.mark.parametrize("chosen", [1, 2, 3, 4, 5])
def test_a_chosen_confidence_is_stored_as_chosen(chosen: int) -> None:
    client, c, proposals = _setup(1)

    response = _score(client, c, proposals[0].code, confidence=str(chosen))

    assert response.status_code == 302
    assert review_models.Review.objects.get().confidence == chosen


@pytest.mark.parametrize(("stored", "shown"), [("", ("", "not set")), ("4", ("4", "4"))])
def test_reopening_a_review_shows_its_stored_confidence_and_resaving_keeps_it(
    stored: str, shown: tuple[str, str]
) -> None:
    client, c, proposals = _setup(1)
    _score(client, c, proposals[0].code, confidence=stored)

    seen = _rendered_confidence(client, c, proposals[0].code)
    _save_as_rendered(client, c, proposals[0].code)

    assert seen == shown
    assert review_models.Review.objects.get().confidence == (int(stored) if stored else None)


def test_an_untouched_confidence_counts_as_neutral_not_low_in_the_snapshot(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Form, service, row and aggregation all keep "not set": no low-confidence flag."""
    client, c, proposals = _setup(1)

    with django_capture_on_commit_callbacks(execute=True):
        _save_as_rendered(client, c, proposals[0].code)

    run = review_models.AggregationRun.objects.get(call=c, state=review_models.RunState.DONE)
    score = review_models.ProposalScore.objects.get(run=run, proposal=proposals[0])
    assert score.review_count == 1
    assert "low_confidence" not in score.flags
