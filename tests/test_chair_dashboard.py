"""The chair's dashboard: progress, submissions per day, reviewer completion and reminders."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models, services
from reviews.queries import dashboard
from tests import factories
from tests.curation_world import Curation, curation, review

pytestmark = pytest.mark.django_db


def _world(n: int, *, revealed: bool = False) -> tuple[Curation, list[Any]]:
    """``n`` proposals submitted on different days, ``n`` reviewers assigned to all of them,
    each of whom reviewed one."""
    w = curation(n, revealed=revealed)
    reviewers = []
    for i in range(n):
        r = factories.user(f"reviewer{i}", first_name=f"Reviewer Number{i}")
        factories.member(w.call, r, "reviewer")
        for p in w.proposals:
            factories.assign(p, r)
        review(w.proposals[i], r)
        reviewers.append(r)
    now = timezone.now()
    for i, p in enumerate(w.proposals):
        cfp_models.Proposal.objects.filter(pk=p.pk).update(
            submitted_at=now - dt.timedelta(days=2 * i)
        )
    return w, reviewers


def _dashboard(w: Curation, **headers: str) -> str:
    response = w.client.get(reverse("chair:dashboard", args=[w.call.slug]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _remind(w: Curation, reviewer: Any, *, htmx: bool = False) -> Any:
    return w.client.post(
        reverse("chair:remind", args=[w.call.slug]),
        {"reviewer": str(reviewer.pk)},
        headers={"HX-Request": "true"} if htmx else {},
    )


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run what the request enqueued after commit (the reminder task, then the e-mail)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _ask_for_mentor(p: cfp_models.Proposal, *, mentor: Any | None = None) -> None:
    """A mentoring request on ``p``, matched to ``mentor`` when one is given."""
    now = timezone.now()
    cfp_models.MentoringRequest.objects.create(proposal=p, asked_at=now)
    if mentor is not None:
        cfp_models.MentorMatch.objects.create(proposal=p, mentor=mentor, matched_at=now)


def _mentoring_numbers(body: str) -> dict[str, int]:
    """The dashboard's mentoring card as {label: number}."""
    card = re.search(r'<section class="card"[^>]*id="mentoring">(.*?)</section>', body, re.S)
    assert card is not None
    return {
        dt_text: int(dd_text)
        for dt_text, dd_text in re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", card.group(1))
    }


# --- query budgets --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_dashboard_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w, _reviewers = _world(rows)
    mentor = factories.user("mentor", first_name="Mona Mentor")
    for p in w.proposals:
        _ask_for_mentor(p, mentor=mentor)

    # session, user, role, progress by format, track and day, reviewers, their counts,
    # snapshot runs, newest review (and the mentoring counts), top rows; the navigation.
    with assert_queries(10):
        body = _dashboard(w)

    assert body.count('class="chart-bar"') == 2 * rows - 1
    assert body.count('<th scope="row">Reviewer Number') == rows
    assert _mentoring_numbers(body) == {
        "Requests": rows,
        "Matched": rows,
        "Mentored and submitted": rows,
    }


@pytest.mark.parametrize("rows", [1, 3])
def test_aggregation_status_fragment_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w, _reviewers = _world(rows)

    # session, user, role, snapshot runs, newest review.
    with assert_queries(5):
        response = w.client.get(
            reverse("chair:aggregation_status", args=[w.call.slug]),
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="aggregation"')


@pytest.mark.parametrize("rows", [1, 3])
def test_reminder_fragment_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w, reviewers = _world(rows)
    models.Review.objects.filter(reviewer=reviewers[0]).delete()

    # session, user, role; the service: membership, the reviewer's mail preference, settings
    # read and insert, assigned and done (one grouped count, as the dashboard counts), stamp; the
    # reviewers fragment (reviewers, their counts). The e-mail task goes to the broker after commit.
    with assert_queries(11):
        response = _remind(w, reviewers[0], htmx=True)

    assert response.status_code == 200
    body = response.content.decode()
    assert "A reminder is on its way" in body
    assert body.count('<th scope="row">Reviewer Number') == rows


# --- what the page shows --------------------------------------------------------------------


def test_dashboard_shows_reviews_done_against_required_per_format_and_track() -> None:
    w, _reviewers = _world(3)

    body = _dashboard(w)

    # 3 live proposals × 2 required reviews each; 3 scored reviews.
    assert "3 of 6 reviews done (50 %)" in body
    assert "Format: Talk" in body
    assert "Track: Web" in body
    assert '<progress max="6" value="3"' in body


def test_abstentions_do_not_count_as_reviews_done() -> None:
    w, reviewers = _world(1)
    models.Review.objects.filter(reviewer=reviewers[0]).update(abstained=True, scores={})

    body = _dashboard(w)

    assert "0 of 2 reviews done (0 %)" in body


def test_each_reviewer_shows_done_of_assigned_least_complete_first() -> None:
    w, reviewers = _world(3)
    review(w.proposals[1], reviewers[2])

    body = _dashboard(w)

    rows = re.findall(r"<th scope=\"row\">(Reviewer Number\d)</th>\s*<td>(\d) of (\d)</td>", body)
    assert rows[-1] == ("Reviewer Number2", "2", "3")
    assert {r[0] for r in rows[:2]} == {"Reviewer Number0", "Reviewer Number1"}
    assert all(r[1:] == ("1", "3") for r in rows[:2])


def test_a_review_of_an_older_version_is_not_done() -> None:
    w, _reviewers = _world(1)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(version=2)

    body = _dashboard(w)

    assert re.search(r"Reviewer Number0</th>\s*<td>0 of 1</td>", body)


def test_submissions_chart_has_a_bar_per_day_and_a_table_alternative() -> None:
    w, _reviewers = _world(3)

    body = _dashboard(w)

    # Days 0, 2 and 4 back: five days, the two empty ones as zero-height bars.
    assert body.count('class="chart-bar"') == 5
    assert body.count(' height="0.0"') == 2
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in body
    assert "3 submissions from" in body
    table = body.split("Submissions per day as a table")[1]
    assert table.count("<tr><td><time") == 5


def test_dashboard_and_shortlist_have_no_inline_styles() -> None:
    w, _reviewers = _world(3)

    pages = [
        _dashboard(w),
        w.client.get(reverse("chair:shortlist", args=[w.call.slug])).content.decode(),
    ]

    assert all("style=" not in page for page in pages)


def test_top_of_the_ranking_shows_redacted_titles_while_chairs_are_blind() -> None:
    w, _reviewers = _world(1)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        title="Ottoline's secret title", redacted={"title": "[redacted] title"}
    )

    body = _dashboard(w)

    assert "[redacted] title" in body
    assert "Ottoline&#x27;s secret title" not in body


def test_dashboard_counts_mentoring_requests_matches_and_mentored_proposals_submitted() -> None:
    w, _reviewers = _world(1)
    mentor = factories.user("mentor", first_name="Mona Mentor")
    waiting = factories.proposal(w.call, factories.user("waiting"), draft=True)
    matched_draft = factories.proposal(w.call, factories.user("drafting"), draft=True)
    _ask_for_mentor(waiting)
    _ask_for_mentor(matched_draft, mentor=mentor)
    _ask_for_mentor(w.proposals[0], mentor=mentor)  # submitted with a mentor
    # Not counted: a request the speaker closed, a withdrawn proposal's, another call's.
    closed = factories.proposal(w.call, factories.user("closed"), draft=True)
    _ask_for_mentor(closed)
    cfp_models.MentoringRequest.objects.filter(proposal=closed).update(closed_at=timezone.now())
    gone = factories.proposal(w.call, factories.user("gone"))
    _ask_for_mentor(gone, mentor=mentor)
    cfp_models.Proposal.objects.filter(pk=gone.pk).update(state=cfp_models.ProposalState.WITHDRAWN)
    elsewhere = factories.call("elsewhere")
    _ask_for_mentor(factories.proposal(elsewhere, factories.user("other")), mentor=mentor)

    body = _dashboard(w)

    assert _mentoring_numbers(body) == {
        "Requests": 3,
        "Matched": 2,
        "Mentored and submitted": 1,
    }
    # The same numbers as the chairs' mentoring page: one definition.
    mentoring_page = w.client.get(reverse("chair:mentoring", args=[w.call.slug]))
    stats = mentoring_page.context["overview"].stats
    assert (stats.requests, stats.matched, stats.mentored_submitted) == (3, 2, 1)


def test_dashboard_counts_a_mentored_draft_but_never_shows_its_text() -> None:
    w, _reviewers = _world(1)
    draft = factories.proposal(
        w.call,
        factories.user("drafting", first_name="Dorota Drafter"),
        title="Quorblex sharding in anger",
        abstract="Why the Zimvault pattern beats everything else.",
        draft=True,
    )
    _ask_for_mentor(draft, mentor=factories.user("mentor"))

    body = _dashboard(w)

    assert _mentoring_numbers(body)["Requests"] == 1
    for text in ("Quorblex", "Zimvault", "Dorota Drafter", draft.code):
        assert text not in body


# --- reminders ------------------------------------------------------------------------------


def test_a_reminder_sends_one_email_and_stamps_the_reviewer(
    after_commit: Callable[[], Any],
) -> None:
    w, reviewers = _world(3)

    with after_commit():
        response = _remind(w, reviewers[0])

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reviewers[0].email]
    assert "2 of the 3 proposals assigned to you" in message.body
    assert f"http://testserver/review/{w.call.slug}/" in message.body
    stamp = models.ReviewerSettings.objects.get(call=w.call, user=reviewers[0]).last_reminded_at
    assert stamp is not None


def test_a_second_reminder_on_the_same_day_is_refused_with_a_message(
    after_commit: Callable[[], Any],
) -> None:
    w, reviewers = _world(3)
    with after_commit():
        _remind(w, reviewers[0])

    with after_commit():
        response = _remind(w, reviewers[0], htmx=True)

    assert len(mail.outbox) == 1
    assert "reminded today already" in response.content.decode()
    assert cfp_models.EmailOutbox.objects.filter(key__startswith="reviews.reminder:").count() == 1


def test_the_reminder_key_names_the_reviewer_and_the_day(after_commit: Callable[[], Any]) -> None:
    w, reviewers = _world(3)

    with after_commit():
        _remind(w, reviewers[0])

    key = cfp_models.EmailOutbox.objects.get(key__startswith="reviews.reminder:").key
    assert key == (
        f"reviews.reminder:{w.call.pk}:{reviewers[0].pk}:{timezone.localdate().isoformat()}"
    )


def test_a_reviewer_reminded_yesterday_can_be_reminded_today(
    after_commit: Callable[[], Any],
) -> None:
    w, reviewers = _world(3)
    models.ReviewerSettings.objects.create(
        call=w.call, user=reviewers[0], last_reminded_at=timezone.now() - dt.timedelta(days=1)
    )

    with after_commit():
        _remind(w, reviewers[0])

    assert len(mail.outbox) == 1


def test_a_retried_reminder_task_sends_nothing_twice(after_commit: Callable[[], Any]) -> None:
    w, reviewers = _world(3)
    with after_commit():
        _remind(w, reviewers[0])

    again = services.send_reminder(
        call_id=w.call.pk, reviewer_id=reviewers[0].pk, queue_url="x", now=timezone.now()
    )

    assert again is False
    assert len(mail.outbox) == 1


def test_a_reviewer_with_nothing_open_gets_no_reminder() -> None:
    w, reviewers = _world(1)

    response = _remind(w, reviewers[0], htmx=True)

    assert "has no open reviews" in response.content.decode()
    assert not mail.outbox
    assert not models.ReviewerSettings.objects.filter(last_reminded_at__isnull=False).exists()


def test_reminding_someone_who_is_not_a_reviewer_of_the_call_is_refused() -> None:
    w, _reviewers = _world(1)
    stranger = factories.user("stranger")

    response = _remind(w, stranger, htmx=True)

    assert "not a reviewer of this call" in response.content.decode()
    assert not mail.outbox


def test_a_chair_of_another_call_cannot_remind_this_calls_reviewers() -> None:
    w, reviewers = _world(3)
    other = factories.call("djangocon")
    olga = factories.user("olga")
    factories.member(other, olga, "chair")
    w.client.force_login(olga)

    response = _remind(w, reviewers[0])

    assert response.status_code == 404
    assert not mail.outbox


def test_a_reminder_without_a_reviewer_comes_back_with_a_message() -> None:
    w, _reviewers = _world(1)

    response = w.client.post(
        reverse("chair:remind", args=[w.call.slug]), {"reviewer": "not a number"}, follow=True
    )

    assert response.status_code == 200
    assert "Choose a reviewer to remind." in response.content.decode()
    assert not mail.outbox


# --- counts stored with the snapshot ----------------------------------------------------------


def _aggregate(w: Curation) -> None:
    """Compute a snapshot here and now, as the worker would."""
    services.request_aggregation(call_id=w.call.pk, now=timezone.now(), enqueue=False)
    services.run_aggregation(call_id=w.call.pk, now=timezone.now())


def test_stored_counts_are_the_live_counts() -> None:
    w, reviewers = _world(3)
    review(w.proposals[1], reviewers[2], abstained=True)
    cfp_models.Proposal.objects.filter(pk=w.proposals[2].pk).update(
        state=cfp_models.ProposalState.WITHDRAWN
    )
    today = timezone.localdate()
    stored = dashboard.progress_counts(call_id=w.call.pk, now=timezone.now())

    assert dashboard.call_progress(
        call_id=w.call.pk, reviews_per_proposal=2, stored=stored
    ) == dashboard.call_progress(call_id=w.call.pk, reviews_per_proposal=2)
    assert dashboard.reviewer_progress(
        call_id=w.call.pk, today=today, stored=stored
    ) == dashboard.reviewer_progress(call_id=w.call.pk, today=today)


@pytest.mark.parametrize("rows", [1, 3])
def test_with_a_fresh_snapshot_the_dashboard_reads_its_stored_counts(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w, _reviewers = _world(rows)
    _aggregate(w)

    # As above, without the two counting queries.
    with assert_queries(8):
        body = _dashboard(w)

    assert f"{rows} of {2 * rows} reviews done (50 %)" in body
    assert body.count('<th scope="row">Reviewer Number') == rows
    assert "Counts as of" not in body


def test_a_change_nobody_asked_to_recompute_for_is_counted_live(
    assert_queries: Callable[[int], Any],
) -> None:
    w, reviewers = _world(3)
    _aggregate(w)
    review(w.proposals[1], reviewers[2])  # written directly: no recomputation requested

    with assert_queries(10):
        body = _dashboard(w)

    assert "4 of 6 reviews done (67 %)" in body
    assert re.search(r"Reviewer Number2</th>\s*<td>2 of 3</td>", body)


def test_a_withdrawal_after_the_snapshot_is_counted_live() -> None:
    w, _reviewers = _world(3)
    _aggregate(w)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        state=cfp_models.ProposalState.WITHDRAWN, updated_at=timezone.now()
    )

    body = _dashboard(w)

    assert "1 withdrawn" in body
    assert "2 of 4 reviews done (50 %)" in body


def test_while_a_recomputation_is_on_its_way_recent_stored_counts_show_with_their_time() -> None:
    w, reviewers = _world(3)
    _aggregate(w)
    review(w.proposals[1], reviewers[2])
    services.request_aggregation(call_id=w.call.pk, now=timezone.now(), enqueue=False)

    body = _dashboard(w)

    assert "3 of 6 reviews done (50 %)" in body
    assert "Counts as of" in body

    # Counts older than the allowed lag are not shown for live ones: the worker may be down.
    run = (
        models.AggregationRun.objects.filter(call=w.call, state=models.RunState.DONE)
        .order_by("-id")
        .first()
    )
    assert run is not None
    old = (timezone.now() - dt.timedelta(minutes=2)).isoformat()
    models.AggregationRun.objects.filter(pk=run.pk).update(progress={**run.progress, "at": old})

    body = _dashboard(w)

    assert "4 of 6 reviews done (67 %)" in body
    assert "Counts as of" not in body


def test_new_assignments_ask_for_a_recomputation_so_stored_counts_do_not_hide_them(
    django_capture_on_commit_callbacks: Any,
) -> None:
    w, _reviewers = _world(2)
    _aggregate(w)
    newcomer = factories.user("newcomer", first_name="Reviewer Number9")
    factories.member(w.call, newcomer, "reviewer")

    with django_capture_on_commit_callbacks(execute=True):  # the worker runs it (eager here)
        outcome = services.assign_reviewers(
            call_id=w.call.pk, per_proposal=3, actor_id=None, now=timezone.now()
        )

    assert outcome.created == 2
    body = _dashboard(w)
    assert re.search(r"Reviewer Number9</th>\s*<td>0 of 2</td>", body)
