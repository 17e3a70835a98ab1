"""Decision e-mails: safe templates, a preview with a real proposal, exactly-once sending.

Sending goes through the chairs' outbox (issue 19): ``send`` below generates the drafts,
approves the reviewers' feedback, releases every decision group and runs the send task, the
way a chair's clicks in the outbox do (tests/test_outbox_review.py tests those clicks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from cfp import models as cfp_models
from cfp import outbox
from reviews import models, tasks
from reviews.services import decision_emails
from tests import curation_world, factories, outbox_helpers

pytestmark = pytest.mark.django_db


def save_template(w: curation_world.Curation, status: str, **fields: str) -> Any:
    data = {
        "status": status,
        f"{status}-subject": fields.get("subject", "Result for {title}"),
        f"{status}-body": fields.get("body", "Hello {speaker}, {code} at {call}.\n{feedback}"),
    }
    if fields.get("include_feedback", "on"):
        data[f"{status}-include_feedback"] = "on"
    return w.client.post(w.url("emails"), data)


def decided(w: curation_world.Curation, *statuses: str) -> None:
    for p, status in zip(w.proposals, statuses, strict=False):
        models.Decision.objects.update_or_create(
            proposal=p, defaults={"status": status, "version": 1, "decided_at": timezone.now()}
        )


def send(w: curation_world.Curation, capture: Any) -> None:
    with capture(execute=True):
        outbox_helpers.send_all(call_id=w.call.pk, actor_id=w.chair.pk, approve_feedback=True)


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attempt",
    [
        "{call.__class__}",
        "{call.__class__.__init__.__globals__}",
        "{title[0]}",
        "{0}",
        "{}",
        "{feedback!r}",
        "{title:>100000000}",
        "{secret_key}",
        "Unclosed {title",
    ],
)
def test_a_template_injection_attempt_is_refused_with_the_text_kept(attempt: str) -> None:
    w = curation_world.curation(1)

    response = save_template(w, "accepted", body=f"Dear speaker, {attempt}")

    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Dear speaker," in body
    assert not models.DecisionTemplate.objects.exists()


def test_an_injection_attempt_in_the_subject_is_refused() -> None:
    w = curation_world.curation(1)

    response = save_template(w, "rejected", subject="About {call.__class__}")

    assert response.status_code == 400
    assert "cannot use dots or brackets" in response.content.decode()
    assert not models.DecisionTemplate.objects.exists()


def test_a_valid_template_is_saved_and_audited() -> None:
    w = curation_world.curation(1)

    response = save_template(w, "accepted", body="Hi {speaker}: {{literal}} {title}")

    assert response.status_code == 302
    t = models.DecisionTemplate.objects.get(call=w.call, status="accepted")
    assert t.body == "Hi {speaker}: {{literal}} {title}"
    assert cfp_models.AuditEvent.objects.filter(action="decision_template.saved").count() == 1


def test_a_subject_with_newlines_is_saved_on_one_line() -> None:
    w = curation_world.curation(1)

    save_template(w, "accepted", subject="Accepted\r\nBcc: everyone@example.org")

    assert models.DecisionTemplate.objects.get().subject == "Accepted Bcc: everyone@example.org"


def test_the_emails_page_offers_the_default_text_until_a_chair_saves_one() -> None:
    w = curation_world.curation(1)

    body = w.client.get(w.url("emails")).content.decode()

    assert "is accepted for {call}" in body
    assert "{feedback}" in body


# --- preview --------------------------------------------------------------------------------


def test_the_preview_renders_a_real_proposal_with_the_saved_template() -> None:
    w = curation_world.curation(2, revealed=True)
    save_template(w, "accepted", subject="Yes: {title}", body="Dear {speaker}, {code}")
    decided(w, "accepted")

    body = w.client.get(w.url("preview"), {"code": w.proposals[0].code}).content.decode()

    assert "Yes: Talk number 1" in body
    assert f"Dear {curation_world.speaker_name(0)}, {w.proposals[0].code}" in body
    assert "speaker0@pycon.example" in body


def test_the_preview_can_show_another_outcome_for_an_undecided_proposal() -> None:
    w = curation_world.curation(1, revealed=True)

    body = w.client.get(
        w.url("preview"), {"code": w.proposals[0].code, "status": "rejected"}
    ).content.decode()

    assert "could not include yours this time" in body


def test_the_preview_while_blind_shows_no_speaker() -> None:
    w = curation_world.curation(1)
    decided(w, "accepted")

    body = w.client.get(w.url("preview"), {"code": w.proposals[0].code}).content.decode()

    assert "Speakerton" not in body
    assert "speaker0@" not in body
    assert "[speaker&#x27;s name]" in body


def test_the_preview_of_an_unknown_code_says_so() -> None:
    w = curation_world.curation(1)

    response = w.client.get(w.url("preview"), {"code": "ZZZZZZ"})

    assert response.status_code == 200
    assert "No proposal with the code ZZZZZZ" in response.content.decode()


# --- sending --------------------------------------------------------------------------------


def test_sending_mails_each_speaker_once_and_publishes_the_decision(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(3, revealed=True)
    decided(w, "accepted", "rejected")

    send(w, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mailoutbox) == [
        "speaker0@pycon.example",
        "speaker1@pycon.example",
    ]
    p0 = cfp_models.Proposal.objects.get(pk=w.proposals[0].pk)
    p2 = cfp_models.Proposal.objects.get(pk=w.proposals[2].pk)
    assert (p0.published_decision, p0.decision_sent_at is not None) == ("accepted", True)
    assert (p2.published_decision, p2.decision_sent_at) == ("", None)


def test_sending_again_sends_nothing_new(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(2, revealed=True)
    decided(w, "accepted", "waitlisted")
    send(w, django_capture_on_commit_callbacks)
    first = len(mailoutbox)

    send(w, django_capture_on_commit_callbacks)

    assert first == 2
    assert len(mailoutbox) == 2
    assert cfp_models.EmailOutbox.objects.filter(key__startswith="decision:").count() == 2


def test_a_retried_or_duplicated_task_sends_nothing_new(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(2, revealed=True)
    decided(w, "accepted", "rejected")
    outbox_helpers.release_all(call_id=w.call.pk, actor_id=w.chair.pk)

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.send_decisions(w.call.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.send_decisions(w.call.pk)

    assert (first, second) == (2, 0)
    assert len(mailoutbox) == 2


def test_the_outbox_key_names_proposal_decision_and_address(
    django_capture_on_commit_callbacks: Any,
) -> None:
    w = curation_world.curation(1, revealed=True)
    decided(w, "accepted")

    send(w, django_capture_on_commit_callbacks)

    key = cfp_models.EmailOutbox.objects.get(key__startswith="decision:").key
    assert key == f"decision:{w.proposals[0].code}:accepted:speaker0@pycon.example"


def test_a_changed_decision_is_a_new_email(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(1, revealed=True)
    decided(w, "waitlisted")
    send(w, django_capture_on_commit_callbacks)
    decided(w, "accepted")

    send(w, django_capture_on_commit_callbacks)

    assert [m.subject for m in mailoutbox] == [
        "Your proposal to Pycon 2027 is on the waiting list",
        "Your proposal to Pycon 2027 is accepted",
    ]
    assert cfp_models.Proposal.objects.get(pk=w.proposals[0].pk).published_decision == "accepted"


def test_every_speaker_of_a_proposal_gets_their_own_email(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(1, revealed=True)
    co = cfp_models.Speaker.objects.create(name="Cosima Cospeaker", email="co@pycon.example")
    cfp_models.ProposalSpeaker.objects.create(proposal=w.proposals[0], speaker=co, position=1)
    save_template(w, "accepted", body="Dear {speaker}")
    decided(w, "accepted")

    send(w, django_capture_on_commit_callbacks)

    assert sorted((m.to[0], m.body.strip()) for m in mailoutbox) == [
        ("co@pycon.example", "Dear Cosima Cospeaker"),
        ("speaker0@pycon.example", f"Dear {curation_world.speaker_name(0)}"),
    ]


def test_reviewer_feedback_reaches_the_speaker_without_reviewer_names(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(1, revealed=True)
    curation_world.review(
        w.proposals[0],
        factories.user("rev1", first_name="Rosalind Reviewer"),
        feedback="Add a live demo.",
        comment="Committee only: weak speaker?",
    )
    curation_world.review(w.proposals[0], factories.user("rev2"), feedback="")
    decided(w, "rejected")

    send(w, django_capture_on_commit_callbacks)

    body = mailoutbox[0].body
    assert "Add a live demo." in body
    assert "Rosalind" not in body
    assert "Committee only" not in body
    published = cfp_models.Proposal.objects.get(pk=w.proposals[0].pk).published_feedback
    assert published == ["Add a live demo."]


def test_feedback_is_left_out_when_the_template_says_so(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(1, revealed=True)
    curation_world.review(w.proposals[0], factories.user("rev1"), feedback="Add a live demo.")
    save_template(w, "rejected", include_feedback="")
    decided(w, "rejected")

    send(w, django_capture_on_commit_callbacks)

    assert "Add a live demo." not in mailoutbox[0].body
    assert cfp_models.Proposal.objects.get(pk=w.proposals[0].pk).published_feedback == []


def test_a_title_full_of_braces_and_newlines_is_sent_literally_on_one_subject_line(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(1, revealed=True)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        title="{call.__class__}\nBcc: all@example.org"
    )
    save_template(w, "accepted", subject="About {title}", body="{title}")
    decided(w, "accepted")

    send(w, django_capture_on_commit_callbacks)

    assert mailoutbox[0].subject == "About {call.__class__} Bcc: all@example.org"
    assert mailoutbox[0].body.startswith("{call.__class__}\nBcc: all@example.org")


def test_a_placeholder_address_gets_no_email_but_the_decision_is_published(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    # Published when its decision group is sent from the outbox (a group of speakers without
    # any address has no e-mail to send, so nothing to confirm there).
    w = curation_world.curation(2, revealed=True)
    cfp_models.Speaker.objects.filter(email="speaker0@pycon.example").update(
        email="imported-7@speakers.invalid"
    )
    decided(w, "accepted", "accepted")

    send(w, django_capture_on_commit_callbacks)

    assert [m.to[0] for m in mailoutbox] == ["speaker1@pycon.example"]
    assert cfp_models.Proposal.objects.get(pk=w.proposals[0].pk).published_decision == "accepted"


def test_sending_is_recorded_in_each_proposals_history(
    django_capture_on_commit_callbacks: Any,
) -> None:
    w = curation_world.curation(1, revealed=True)
    decided(w, "accepted")

    send(w, django_capture_on_commit_callbacks)

    body = w.client.get(w.url("proposal", w.proposals[0].code)).content.decode()
    assert "Decision e-mail queued" in body


def test_the_progress_shows_the_finished_run(django_capture_on_commit_callbacks: Any) -> None:
    w = curation_world.curation(2, revealed=True)
    decided(w, "accepted", "rejected")
    send(w, django_capture_on_commit_callbacks)

    response = w.client.get(w.url("send_progress"), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="send-progress"')
    assert "Done: 2 new e-mails queued for 2 proposals." in body
    assert "every 2s" not in body


def test_a_queued_run_polls_for_progress() -> None:
    w = curation_world.curation(1)

    # A group sent from the outbox; without the on-commit callbacks the task never runs.
    decision_emails.request_decision_emails(
        call_id=w.call.pk, actor_id=w.chair.pk, now=timezone.now()
    )
    response = w.client.get(w.url("send_progress"), headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "Waiting for a worker" in body
    assert 'hx-trigger="every 2s"' in body


def test_a_failed_run_rolls_back_and_says_so(
    monkeypatch: pytest.MonkeyPatch, mailoutbox: list[Any]
) -> None:
    w = curation_world.curation(2, revealed=True)
    decided(w, "accepted", "rejected")
    outbox_helpers.release_all(call_id=w.call.pk, actor_id=w.chair.pk)

    real = outbox.queue_email
    calls: list[str] = []

    def fails_on_the_second(**kwargs: Any) -> Any:
        calls.append(kwargs["key"])
        if len(calls) == 2:
            raise RuntimeError("mail table offline")
        return real(**kwargs)

    monkeypatch.setattr(outbox, "queue_email", fails_on_the_second)

    with pytest.raises(RuntimeError):
        decision_emails.send_decisions(call_id=w.call.pk, now=timezone.now())

    assert len(calls) == 2  # the first e-mail was queued, then rolled back
    assert decision_emails.send_progress(call_id=w.call.pk).state == "failed"
    assert not cfp_models.EmailOutbox.objects.filter(key__startswith="decision:").exists()
    assert mail.outbox == []
    # The released drafts are still waiting for the next run.
    monkeypatch.setattr(outbox, "queue_email", real)
    assert decision_emails.send_decisions(call_id=w.call.pk, now=timezone.now()).queued == 2


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_the_emails_page_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation_world.curation(rows)
    decided(w, *["accepted"] * rows)
    save_template(w, "accepted")
    w.client.get(w.url("emails"))  # shows (and so clears) the saved-template message

    # session, user, role, templates, summary, navigation.
    with assert_queries(6):
        response = w.client.get(w.url("emails"))

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 3])
def test_the_progress_partial_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation_world.curation(rows)
    decided(w, *["accepted"] * rows)

    # session, user, role, summary.
    with assert_queries(4):
        response = w.client.get(w.url("send_progress"), headers={"HX-Request": "true"})

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 3])
def test_the_preview_runs_a_fixed_number_of_queries(
    rows: int, assert_queries: Callable[[int], Any]
) -> None:
    w = curation_world.curation(1, revealed=True)
    for i in range(rows):
        curation_world.review(w.proposals[0], factories.user(f"r{i}"), feedback=f"Idea {i}")
    decided(w, "accepted")

    # session, user, role; speakers, feedback, proposal; templates; navigation.
    with assert_queries(8):
        response = w.client.get(w.url("preview"), {"code": w.proposals[0].code})

    assert response.status_code == 200
    assert response.content.decode().count("Idea ") == rows
