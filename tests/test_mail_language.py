"""E-mails in the recipient's language, whoever triggers them (issue 24).

The catalogues are still being filled, so these tests watch which language is active while the
app's own words of each e-mail are composed (the default decision template, the feedback
headings, a sign-up link's explanation); tests/test_translations.py checks the words themselves.
"""

from __future__ import annotations

from typing import Any

import pytest
from celery import current_app
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cfp import models as cfp_models
from cfp import outbox
from cfp.services import accounts as account_services
from reviews import models
from reviews.queries import decision_emails as email_queries
from reviews.services import outbox_review, reminders
from tests import curation_world, factories

pytestmark = pytest.mark.django_db


def choose(user: Any, code: str) -> None:
    cfp_models.PersonSettings.objects.update_or_create(
        user=user, defaults={"language": code, "updated_at": timezone.now()}
    )


@pytest.fixture
def frame_languages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(status, active language) of each decision e-mail composed with the app's default frame
    (compose writes the default template anew in the active language when none is saved)."""
    seen: list[tuple[str, str]] = []
    real = email_queries.compose

    def recording(**kwargs: Any) -> Any:
        if not kwargs["template"].saved:
            seen.append((str(kwargs["outcome"].status), translation.get_language()))
        return real(**kwargs)

    monkeypatch.setattr(email_queries, "compose", recording)
    return seen


def test_compose_writes_the_default_frame_in_the_active_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[str] = []
    real = email_queries.default_template

    def recording(status: str) -> Any:
        written.append(translation.get_language())
        return real(status)

    monkeypatch.setattr(email_queries, "default_template", recording)
    with translation.override("de"):
        template = real("accepted")
    outcome = email_queries.Outcome(
        proposal_id=1,
        code="ABC123",
        title="T",
        redacted_title="T",
        format_name="Talk",
        status="accepted",
        speakers=(),
        feedback=(),
        published_decision="",
        published_feedback=(),
    )
    recipient = email_queries.Recipient(name="Ana", email="ana@example.org")

    with translation.override("es"):
        email_queries.compose(
            template=template, outcome=outcome, recipient=recipient, call_name="C"
        )

    assert written == ["es"]


def decided_world(*statuses: str) -> curation_world.Curation:
    w = curation_world.curation(len(statuses), revealed=True)
    for p, status in zip(w.proposals, statuses, strict=True):
        models.Decision.objects.create(
            proposal=p, status=status, version=1, decided_at=timezone.now()
        )
    return w


def speaker_user(w: curation_world.Curation, i: int) -> Any:
    return cfp_models.Speaker.objects.get(email=f"speaker{i}@pycon.example").user


def drafts(w: curation_world.Curation) -> dict[str, models.DecisionDraft]:
    return {d.to: d for d in models.DecisionDraft.objects.filter(call=w.call)}


def test_a_german_chair_sends_a_spanish_speaker_a_spanish_frame(
    frame_languages: list[tuple[str, str]],
) -> None:
    w = decided_world("accepted", "rejected")
    choose(w.chair, "de")
    choose(speaker_user(w, 0), "es")
    frame_languages.clear()

    # Every decision e-mail is composed as a draft the chairs review before it leaves.
    with translation.override("de"):
        outbox_review.generate_drafts(call_id=w.call.pk, actor_id=w.chair.pk, now=timezone.now())

    # The speaker who chose Spanish gets it; the one who never chose gets the site's default,
    # never the chair's German.
    assert sorted(frame_languages) == [("accepted", "es"), ("rejected", "en")]
    made = drafts(w)
    assert made["speaker0@pycon.example"].subject == (
        f"Tu propuesta para {w.call.name} ha sido aceptada"
    )
    assert made["speaker1@pycon.example"].subject == f"Your proposal to {w.call.name}"


def test_outbox_drafts_are_composed_in_each_speakers_language(
    frame_languages: list[tuple[str, str]],
) -> None:
    w = decided_world("accepted", "accepted")
    choose(speaker_user(w, 0), "pt-br")
    choose(speaker_user(w, 1), "fr")
    frame_languages.clear()

    with translation.override("de"):
        outbox_review.generate_drafts(call_id=w.call.pk, actor_id=w.chair.pk, now=timezone.now())

    assert sorted(code for _status, code in frame_languages) == ["fr", "pt-br"]
    assert len(drafts(w)) == 2


def test_a_template_the_chair_wrote_is_sent_as_written(
    frame_languages: list[tuple[str, str]],
) -> None:
    w = decided_world("accepted")
    choose(speaker_user(w, 0), "es")
    models.DecisionTemplate.objects.create(
        call=w.call,
        status="accepted",
        subject="Angenommen: {title}",
        body="Hallo {speaker}, herzlichen Glückwunsch.",
        include_feedback=False,
        updated_at=timezone.now(),
    )
    frame_languages.clear()

    outbox_review.generate_drafts(call_id=w.call.pk, actor_id=w.chair.pk, now=timezone.now())

    draft = drafts(w)["speaker0@pycon.example"]
    assert draft.subject == "Angenommen: Talk number 1"
    assert draft.body.startswith("Hallo ")
    assert frame_languages == []  # no default frame was written


def test_mail_language_is_the_stored_choice_else_the_default_never_the_senders() -> None:
    with translation.override("de"):
        assert outbox.mail_language("es") == "es"
        assert outbox.mail_language("") == "en"
        assert outbox.mail_language("xx") == "en"
        with outbox.in_language_of("fr"):
            assert translation.get_language() == "fr"
        assert translation.get_language() == "de"


def test_signing_up_in_spanish_stores_spanish_and_writes_the_link_mail_in_it(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = account_services._send_verification

    def recording(**kwargs: Any) -> str:
        seen.append(translation.get_language())
        return real(**kwargs)

    monkeypatch.setattr(account_services, "_send_verification", recording)
    client = Client(headers={"accept-language": "es-ES,es;q=0.9"})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {"name": "Lucía", "email": "lucia@example.org"})

    person = cfp_models.PersonSettings.objects.get(user__email="lucia@example.org")
    assert person.language == "es"
    assert seen == ["es"]


def test_a_queued_task_runs_in_the_language_of_the_request_that_queued_it() -> None:
    task = current_app.tasks["cfp.handle_sign_up"]

    with translation.override("en"):
        task.apply_async(
            args=("ana@example.org", "Ana", "http://testserver/v/TOKEN/", "http://t/login/"),
            headers={"language": "fr"},
        )
        after = translation.get_language()

    assert cfp_models.PersonSettings.objects.get(user__email="ana@example.org").language == "fr"
    assert after == "en"


def test_a_reminder_a_french_chair_sends_reaches_a_german_reviewer_in_german() -> None:
    w = factories.world()
    choose(w.users["reviewer"], "de")

    with translation.override("fr"):
        sent = reminders.send_reminder(
            call_id=w.call.pk,
            reviewer_id=w.users["reviewer"].pk,
            queue_url="http://testserver/review/pycon/",
            now=timezone.now(),
        )

    row = cfp_models.EmailOutbox.objects.get(key__startswith="reviews.reminder:")
    assert sent
    assert row.subject == f"Erinnerung: Begutachtungen für {w.call.name}"
