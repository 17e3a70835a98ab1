"""The chairs' outbox: drafts never leave before a group send, counts confirmed, one resend,
nothing sent twice, and the page never lists account mail or another call's mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import outbox
from cfp.services import settings as settings_services
from reviews import models
from reviews.services import bulk_decisions, decision_emails, outbox_review
from reviews.services.bulk_decisions import Change
from tests import curation_world, factories

pytestmark = pytest.mark.django_db


def decided(n: int = 3, *, slug: str = "pycon", statuses: tuple[str, ...] = ()) -> Any:
    w = curation_world.curation(n, slots=n, revealed=True, slug=slug)
    wanted = statuses or tuple("accepted" for _ in range(n))
    bulk_decisions.decide_proposals(
        call=w.call.pk,
        chair=w.chair.pk,
        changes=[
            Change(p.code, s, reason="topic_balance")
            for p, s in zip(w.proposals, wanted, strict=True)
        ],
        now=timezone.now(),
    )
    return w


@pytest.fixture
def worker(django_capture_on_commit_callbacks: Any) -> Any:
    """Run what a request enqueued after commit (the send task, then each e-mail's)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def mail() -> Any:
    """The decision mail in the outbox (the factories queue submission receipts too)."""
    return cfp_models.EmailOutbox.objects.filter(key__startswith="decision")


def generate(w: Any) -> outbox_review.Generated:
    return outbox_review.generate_drafts(call_id=w.call.pk, actor_id=w.chair.pk, now=timezone.now())


def url(w: Any, name: str, **kw: object) -> str:
    return reverse(f"chair:{name}", kwargs={"slug": w.call.slug, **kw})


def test_drafts_are_never_queued_before_the_chair_sends_a_group() -> None:
    w = decided(3, statuses=("accepted", "waitlisted", "rejected"))

    assert generate(w).created == 3
    generate(w)  # twice: nothing new, nothing queued

    assert models.DecisionDraft.objects.count() == 3
    assert not mail().exists()


def test_a_group_send_queues_only_that_group_and_states_its_count(worker: Any) -> None:
    w = decided(3, statuses=("accepted", "accepted", "rejected"))
    generate(w)

    confirm = w.client.get(url(w, "outbox_send", status="accepted"))
    assert "Send 2 “Accepted” e-mails?" in confirm.content.decode()
    with worker():
        response = w.client.post(url(w, "outbox_send", status="accepted"), {"expected": "2"})

    assert response.status_code == 302
    keys = set(mail().values_list("key", flat=True))
    assert len(keys) == 2
    assert all(":accepted:" in k for k in keys)
    assert models.DecisionDraft.objects.filter(state="draft", status="rejected").count() == 1


def _mail_off(w: Any, *indexes: int) -> None:
    """The speakers of these proposals turned decision mail off on their settings page."""
    for i in indexes:
        owner_id = cfp_models.Proposal.objects.get(pk=w.proposals[i].pk).owner_id
        assert owner_id is not None
        settings_services.save_mail_preferences(
            user_id=owner_id, decision_mail=False, reviewer_reminders=True, now=timezone.now()
        )


def test_a_group_whose_speakers_all_turned_mail_off_is_published_without_an_e_mail(
    worker: Any,
) -> None:
    w = decided(3, statuses=("accepted", "rejected", "rejected"))
    _mail_off(w, 1, 2)
    generate(w)

    page = w.client.get(url(w, "outbox")).content.decode()
    confirm = w.client.get(url(w, "outbox_send", status="rejected")).content.decode()
    with worker():
        response = w.client.post(url(w, "outbox_send", status="rejected"), {"expected": "0"})

    assert "Publish “Rejected” without e-mail…" in page
    assert "the 2 speakers of this group turned decision mail off" in confirm
    assert response.status_code == 302
    assert not mail().exists()
    published = cfp_models.Proposal.objects.filter(pk__in=[p.pk for p in w.proposals])
    assert sorted(published.values_list("published_decision", flat=True)) == [
        "",
        "rejected",
        "rejected",
    ]
    event = cfp_models.AuditEvent.objects.get(action="outbox.group_published")
    assert event.data == {"status": "rejected", "emails": 0, "published": 2}


def test_the_outbox_offers_publishing_without_e_mail_only_where_no_speaker_gets_one() -> None:
    w = decided(5, statuses=("accepted", "accepted", "rejected", "rejected", "waitlisted"))
    _mail_off(w, 1, 2)
    speaker = cfp_models.ProposalSpeaker.objects.get(proposal=w.proposals[3]).speaker
    cfp_models.Speaker.objects.filter(pk=speaker.pk).update(email="erased-9@example.invalid")

    from cfp.domain.visibility import Phase
    from reviews.queries import outbox as outbox_queries

    phase = Phase(chairs_blind=False, identities_revealed=True)
    groups = {
        g.status: g.unmailed
        for g in outbox_queries.outbox_page(call_id=w.call.pk, phase=phase).groups
    }
    page = w.client.get(url(w, "outbox")).content.decode()

    # Before any draft is prepared: the page and the service agree on who gets no e-mail.
    assert groups == {
        status: len(outbox_review.unmailed(call_id=w.call.pk, status=status))
        for status in ("accepted", "waitlisted", "rejected")
    }
    assert groups == {"accepted": 1, "waitlisted": 0, "rejected": 2}
    assert "Publish “Rejected” without e-mail…" in page
    assert "Publish “Waitlisted” without e-mail…" not in page


def test_an_empty_group_or_one_still_waiting_for_drafts_publishes_nothing() -> None:
    w = decided(2, statuses=("accepted", "accepted"))

    waitlisted = w.client.post(url(w, "outbox_send", status="waitlisted"), {"expected": "0"})
    accepted = w.client.post(url(w, "outbox_send", status="accepted"), {"expected": "0"})

    assert waitlisted.status_code == accepted.status_code == 400
    assert "No draft of this group is waiting." in accepted.content.decode()
    assert not cfp_models.Proposal.objects.exclude(published_decision="").exists()


def test_a_mixed_group_says_who_gets_no_e_mail_and_publishes_them_with_the_rest(
    worker: Any,
) -> None:
    w = decided(3, statuses=("accepted", "accepted", "accepted"))
    _mail_off(w, 0)
    generate(w)

    confirm = w.client.get(url(w, "outbox_send", status="accepted")).content.decode()
    with worker():
        w.client.post(url(w, "outbox_send", status="accepted"), {"expected": "2"})

    assert "Send 2 “Accepted” e-mails?" in confirm
    assert "1 more speaker turned decision mail off" in confirm
    assert mail().count() == 2
    assert set(
        cfp_models.Proposal.objects.filter(pk__in=[p.pk for p in w.proposals]).values_list(
            "published_decision", flat=True
        )
    ) == {"accepted"}


def test_a_count_that_changed_since_the_confirmation_sends_nothing() -> None:
    w = decided(3)
    generate(w)

    response = w.client.post(url(w, "outbox_send", status="accepted"), {"expected": "2"})

    assert response.status_code == 400
    assert "Nothing was sent" in response.content.decode()
    assert not mail().exists()


def test_sending_twice_or_running_the_task_again_sends_nothing_again(worker: Any) -> None:
    w = decided(2)
    generate(w)
    with worker():
        sent = outbox_review.send_group(
            call_id=w.call.pk,
            status="accepted",
            expected=2,
            actor_id=w.chair.pk,
            now=timezone.now(),
        )
    assert sent == 2
    # The task again (a retry, a duplicate delivery): every draft is queued already.
    assert decision_emails.send_decisions(call_id=w.call.pk, now=timezone.now()).queued == 0
    with pytest.raises(outbox_review.UnableToReviewOutbox):
        outbox_review.send_group(
            call_id=w.call.pk,
            status="accepted",
            expected=2,
            actor_id=w.chair.pk,
            now=timezone.now(),
        )
    # A retried generation makes no new drafts for keys already in the outbox.
    assert generate(w).created == 0
    assert mail().count() == 2


def test_edit_and_discard_change_only_that_draft_and_resend_queues_one_more(worker: Any) -> None:
    w = decided(2)
    generate(w)
    first, second = models.DecisionDraft.objects.order_by("pk")

    w.client.post(url(w, "outbox_draft", draft_id=first.pk), {"subject": "Hi", "body": "Edited"})
    w.client.post(url(w, "outbox_discard", draft_id=second.pk))
    with worker():
        w.client.post(url(w, "outbox_send", status="accepted"), {"expected": "1"})

    (row,) = mail()
    assert (row.subject, row.body) == ("Hi", "Edited")
    w.client.post(url(w, "outbox_resend", draft_id=first.pk))
    assert mail().count() == 2
    assert cfp_models.AuditEvent.objects.filter(action="outbox.resent").count() == 1


def test_an_empty_edit_is_refused_with_the_text_kept() -> None:
    w = decided(1)
    generate(w)
    d = models.DecisionDraft.objects.get()

    response = w.client.post(url(w, "outbox_draft", draft_id=d.pk), {"subject": "Kept", "body": ""})

    assert response.status_code == 400
    assert "Kept" in response.content.decode()
    assert models.DecisionDraft.objects.get().subject != "Kept"


@pytest.mark.parametrize("prefix", ["verify:", "reset:", "invite:", "decision:"])
def test_the_outbox_page_never_lists_account_mail_or_another_calls(prefix: str) -> None:
    w = decided(1)
    other = decided(1, slug="other")
    generate(other)
    outbox_review.send_group(
        call_id=other.call.pk,
        status="accepted",
        expected=1,
        actor_id=other.chair.pk,
        now=timezone.now(),
    )
    outbox.queue_email(
        key=f"{prefix}secret-token-123",
        to="x@example.org",
        subject="SECRET SUBJECT",
        body="link",
        now=timezone.now(),
    )
    generate(w)

    body = w.client.get(url(w, "outbox")).content.decode()

    assert "SECRET SUBJECT" not in body
    assert "speaker0@other.example" not in body
    assert "speaker0@pycon.example" in body


def test_another_calls_draft_is_404() -> None:
    w = decided(1)
    other = decided(1, slug="other")
    generate(other)
    d = models.DecisionDraft.objects.get()

    assert w.client.get(url(w, "outbox_draft", draft_id=d.pk)).status_code == 404
    assert w.client.post(url(w, "outbox_discard", draft_id=d.pk)).status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_the_outbox_page_runs_a_fixed_number_of_queries(n: int, worker: Any) -> None:
    w = decided(n, slug=f"q{n}")
    generate(w)
    with worker():
        outbox_review.send_group(
            call_id=w.call.pk,
            status="accepted",
            expected=n,
            actor_id=w.chair.pk,
            now=timezone.now(),
        )
    w.client.get(url(w, "outbox"))  # warm the session

    with CaptureQueriesContext(connection) as ctx:
        response = w.client.get(url(w, "outbox"))

    assert response.status_code == 200
    # session, user, role and call, navigation, then the page's four (group counts, unpublished
    # decisions per group, drafts, their outbox rows).
    assert len(ctx.captured_queries) == 8


# --- feedback moderation --------------------------------------------------------------------


def test_feedback_reaches_a_draft_only_once_approved_and_in_the_chairs_words() -> None:
    w = decided(1)
    reviews = [
        curation_world.review(w.proposals[0], factories.user(f"rev{i}"), feedback=f"IDEA-{i}")
        for i in range(3)
    ]
    generate(w)
    assert "IDEA-" not in models.DecisionDraft.objects.get().body

    feedback = url(w, "outbox_feedback")
    w.client.post(feedback, {"review": reviews[0].pk, "action": "approve"})
    w.client.post(feedback, {"review": reviews[1].pk, "action": "edit", "text": "GENTLER-1"})
    w.client.post(feedback, {"review": reviews[2].pk, "action": "hide"})
    generate(w)

    body = models.DecisionDraft.objects.get().body
    assert "IDEA-0" in body
    assert "GENTLER-1" in body
    assert "IDEA-1" not in body
    assert "IDEA-2" not in body


def test_an_empty_edit_of_feedback_is_refused_and_nothing_changes() -> None:
    w = decided(1)
    r = curation_world.review(w.proposals[0], factories.user("rev"), feedback="IDEA")

    response = w.client.post(
        url(w, "outbox_feedback"), {"review": r.pk, "action": "edit", "text": "  "}
    )

    assert response.status_code == 400
    assert not models.FeedbackModeration.objects.exists()


def test_a_released_group_publishes_the_decision_with_only_approved_feedback(
    worker: Any,
) -> None:
    w = decided(1)
    p = w.proposals[0]
    now = timezone.now()
    kept, hidden = (
        models.Review.objects.create(
            proposal=p,
            reviewer=factories.user(f"rev-{i}"),
            call=w.call,
            scores={},
            feedback=text,
            created_at=now,
            updated_at=now,
        )
        for i, text in enumerate(("Lovely structure.", "The speaker is dull."))
    )
    for review, action in ((kept, "approve"), (hidden, "hide")):
        outbox_review.moderate_feedback(
            call_id=w.call.pk,
            review_id=review.pk,
            action=action,
            text="",
            actor_id=w.chair.pk,
            now=now,
        )
    generate(w)
    p.refresh_from_db()
    assert p.published_decision == ""  # drafts alone tell the speaker nothing

    with worker():
        w.client.post(url(w, "outbox_send", status="accepted"), {"expected": "1"})

    p.refresh_from_db()
    assert (p.published_decision, p.published_feedback) == ("accepted", ["Lovely structure."])
    (row,) = mail()
    assert "Lovely structure." in row.body
    assert "dull" not in row.body
    assert cfp_models.AuditEvent.objects.filter(proposal=p, action="decision.sent").exists()


@pytest.mark.parametrize("n", [1, 3])
def test_the_feedback_page_runs_a_fixed_number_of_queries(
    n: int, assert_queries: Callable[[int], Any]
) -> None:
    w = decided(1, slug=f"f{n}")
    for i in range(n):
        curation_world.review(w.proposals[0], factories.user(f"fb{i}"), feedback=f"IDEA-{i}")
    w.client.get(url(w, "outbox_feedback"))  # warm the session

    # session, user, role and call, the feedback items, navigation.
    with assert_queries(5):
        response = w.client.get(url(w, "outbox_feedback"))

    assert response.status_code == 200
    assert response.content.decode().count('name="review"') == n
