"""Submitting and editing run the leak scanner before their write transaction (issue 13).

On SQLite an open write transaction blocks every other writer, so a slow scan inside one stalls
the whole site. These tests use ``transaction=True``: pytest-django's usual wrapping
transaction would make every call look "inside a transaction".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from cfp import models, services
from cfp.domain import leaks
from cfp.services import texts
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ABSTRACT = "Samira Quell shows how a small team cut its page times in half."


class ScanLog:
    """Wraps the scanner and notes, for each call, whether a transaction was open."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.in_transaction: list[bool] = []
        # What the redaction of stored texts calls: the scan, then its rendering read again.
        scan = leaks.scan_rendered

        def recording(
            *, text: str, speakers: Sequence[leaks.SpeakerIdentity]
        ) -> tuple[leaks.Finding, ...]:
            self.in_transaction.append(connection.in_atomic_block)
            return scan(text=text, speakers=speakers)

        monkeypatch.setattr(leaks, "scan_rendered", recording)


@pytest.fixture
def call() -> models.Call:
    return factories.call("pycon")


@pytest.fixture
def questions(call: models.Call) -> dict[str, models.Question]:
    def ask(label: str, **fields: Any) -> models.Question:
        return models.Question.objects.create(call=call, label=label, **fields)

    reviewers = models.QuestionVisibility.REVIEWERS
    return {
        "outline": ask("Outline", kind=models.QuestionKind.LONG_TEXT, visibility=reviewers),
        "experience": ask(
            "Your speaking experience",
            kind=models.QuestionKind.SHORT_TEXT,
            target=models.QuestionTarget.SPEAKER,
            visibility=reviewers,
        ),
        "phone": ask("Phone", kind=models.QuestionKind.SHORT_TEXT),  # chairs only
    }


def data(questions: dict[str, models.Question], **answers: str) -> services.ProposalData:
    return services.ProposalData(
        title="Caching without tears",
        abstract=ABSTRACT,
        description="We built a cache for it.",
        format_slug="talk",
        track_slug="web",
        answers=tuple(
            services.AnswerInput(question_id=questions[key].pk, value=value)
            for key, value in answers.items()
        ),
    )


def submit(owner: Any, questions: dict[str, models.Question]) -> models.Proposal:
    code = services.submit_proposal(
        call_slug="pycon",
        owner=owner,
        data=data(
            questions,
            outline="  Samira Quell opens with a demo.  ",
            experience="Samira spoke at two meetups.",
            phone="+44 20 7946 0000",
        ),
        token="t-1",
        now=timezone.now(),
    )
    return models.Proposal.objects.get(code=code)


def stored(proposal: models.Proposal) -> tuple[Any, Any]:
    proposal.refresh_from_db()
    return proposal.redacted, proposal.findings


def recomputed(proposal: models.Proposal) -> tuple[Any, Any]:
    """What a scan inside the transaction (the old way) stores for the proposal as it is now."""
    services.rescan_proposal(proposal=proposal)
    return stored(proposal)


@pytest.mark.parametrize("has_profile", [False, True], ids=["new speaker", "existing profile"])
def test_submitting_scans_every_reviewer_text_before_the_transaction(
    monkeypatch: pytest.MonkeyPatch, questions: dict[str, models.Question], has_profile: bool
) -> None:
    owner = factories.user("sam", first_name="Samira Quell")
    if has_profile:
        models.Speaker.objects.create(user=owner, name="Samira Quell", email=owner.email)
    log = ScanLog(monkeypatch)

    proposal = submit(owner, questions)

    assert log.in_transaction, "the scanner never ran"
    assert not any(log.in_transaction)
    monkeypatch.undo()
    result = stored(proposal)
    assert result == recomputed(proposal)
    assert result[0]["abstract"].startswith("[name] shows how")


def test_a_co_speaker_editing_scans_before_the_transaction(
    monkeypatch: pytest.MonkeyPatch, questions: dict[str, models.Question]
) -> None:
    owner = factories.user("sam", first_name="Samira Quell")
    proposal = submit(owner, questions)
    guest = factories.user("ola", first_name="Ola Brightwater")
    models.ProposalSpeaker.objects.create(
        proposal=proposal,
        speaker=models.Speaker.objects.create(user=guest, name="Ola Brightwater", email="o@x.org"),
        position=1,
        confirmed_at=timezone.now(),
    )
    log = ScanLog(monkeypatch)

    services.update_proposal(
        call_slug="pycon",
        code=proposal.code,
        user_id=guest.pk,
        data=data(
            questions,
            outline="Ola Brightwater and Samira Quell take turns.",
            experience="Brightwater has given this talk before.",
        ),
        now=timezone.now(),
    )

    assert log.in_transaction, "the scanner never ran"
    assert not any(log.in_transaction)
    monkeypatch.undo()
    result = stored(proposal)
    assert result == recomputed(proposal)
    # The owner's answer, which the co-speaker's edit did not touch, is still redacted.
    owner_answer = services.answer_key(questions["experience"].pk, 1)
    assert result[0][owner_answer] == "[name] spoke at two meetups."


def test_a_name_changed_after_the_early_scan_is_still_redacted(
    monkeypatch: pytest.MonkeyPatch, questions: dict[str, models.Question]
) -> None:
    owner = factories.user("sam", first_name="Samira Quell")
    models.Speaker.objects.create(user=owner, name="Samira Quell", email=owner.email)
    prescan = texts.prescan

    def rename_after(**kwargs: Any) -> texts.Prescanned:
        result = prescan(**kwargs)
        # A profile edit that commits between the early scan and the submission's transaction.
        models.Speaker.objects.filter(user=owner).update(name="Samira Okonkwo-Vale")
        return result

    monkeypatch.setattr(texts, "prescan", rename_after)

    proposal = submit(owner, questions)

    redacted, _findings = stored(proposal)
    assert (redacted, _findings) == recomputed(proposal)
    # Scanned for the old name, "Samira Quell" would have gone whole.
    assert redacted["abstract"] == "[name] Quell shows how a small team cut its page times in half."
