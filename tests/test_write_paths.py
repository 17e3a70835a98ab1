"""One write path for a proposal's text: an import stores exactly what a submission stores.

The importer and the submission service both end in ``cfp.services.texts.store_texts``; these
properties hold that to account on generated texts that name the speaker in various places
(name, parts of it, e-mail address, @handle, profile link, employer), so a rule that one of them
applied and the other not would show up as a difference in the stored redaction, the findings or
the version row.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfp import importing, models, services
from tests import factories

pytestmark = pytest.mark.django_db

NAME = "Samira Quell"
EMAIL = "samira.quell@nimbus.example"
AFFILIATION = "Nimbus Analytics"
LINK = "https://github.com/squell"

FRAGMENTS = [
    NAME,
    "Samira",
    "Quell",
    "SAMIRA QUELL",
    "Quell, Samira",
    EMAIL,
    "samira [at] nimbus.example",
    "@squell",
    "@samira@fosstodon.org",
    LINK,
    "https://squell.dev/talks",
    AFFILIATION,
    "I work at Nimbus Analytics",
    "my name is Samira",
    "I maintain django-queue",
    "caches",
    "queues",
    "in production",
    "a small team",
    "Django",
    "—",
    "(see the slides)",
]
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
PIECE = st.one_of(st.sampled_from(FRAGMENTS), WORD)
PUNCTUATION = st.sampled_from([" ", " ", " ", ", ", ". ", "\n", ": ", "'s "])


@st.composite
def texts(draw: st.DrawFn, *, max_pieces: int = 12) -> str:
    pieces = draw(st.lists(st.tuples(PIECE, PUNCTUATION), min_size=1, max_size=max_pieces))
    text = "".join(piece + gap for piece, gap in pieces).strip()
    return text or "A talk"


@st.composite
def proposal_texts(draw: st.DrawFn) -> dict[str, str]:
    return {
        "title": draw(texts(max_pieces=5))[:250].strip() or "A talk",
        "abstract": draw(texts()),
        "description": draw(st.one_of(st.just(""), texts())),
        "notes": draw(st.one_of(st.just(""), texts(max_pieces=4))),
    }


def stored(proposal: models.Proposal) -> dict[str, Any]:
    """What reviewers get of the proposal, and its first version row, as stored."""
    proposal.refresh_from_db()
    version = models.ProposalVersion.objects.get(proposal=proposal, number=1)
    return {
        "redacted": proposal.redacted,
        "findings": proposal.findings,
        "version": {
            "number": version.number,
            "title": version.title,
            "abstract": version.abstract,
            "description": version.description,
            "notes": version.notes,
            "redacted": version.redacted,
            "created_at": version.created_at,
        },
    }


def data(text: dict[str, str]) -> services.ProposalData:
    return services.ProposalData(
        title=text["title"],
        abstract=text["abstract"],
        description=text["description"],
        notes=text["notes"],
        format_slug="talk",
    )


def submitted(text: dict[str, str], *, now: dt.datetime) -> models.Proposal:
    owner = factories.user("sam", first_name=NAME, email=EMAIL)
    models.Speaker.objects.create(
        user=owner, name=NAME, email=EMAIL, affiliation=AFFILIATION, links=[LINK]
    )
    code = services.submit_proposal(
        call_slug="pycon",
        owner=owner,
        data=data(text),
        token="t-1",
        now=now,
    )
    return models.Proposal.objects.get(code=code)


def imported(text: dict[str, str], *, now: dt.datetime, tmp_path: Path) -> models.Proposal:
    line = {
        "external_id": "ext-1",
        "format": "talk",
        "submitted_at": now.isoformat(),
        "speakers": [{"name": NAME, "email": EMAIL, "affiliation": AFFILIATION, "links": [LINK]}],
        **{key: value for key, value in text.items() if value},
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    importing.import_proposals(path=path, call_slug="imports", now=now)
    return models.Proposal.objects.get(call__slug="imports", external_id="ext-1")


@pytest.fixture
def calls() -> None:
    factories.call("pycon")
    factories.call("imports")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=proposal_texts())
def test_an_import_stores_what_a_submission_of_the_same_text_stores(
    calls: None, tmp_path: Path, text: dict[str, str]
) -> None:
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        by_service = stored(submitted(text, now=now))
        by_import = stored(imported(text, now=now, tmp_path=tmp_path))
        transaction.set_rollback(True)

    assert by_import == by_service


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=proposal_texts(), second=proposal_texts())
def test_a_re_import_stores_what_an_edit_of_the_same_text_stores(
    calls: None, tmp_path: Path, first: dict[str, str], second: dict[str, str]
) -> None:
    now = timezone.now().replace(microsecond=0)
    later = now + dt.timedelta(minutes=5)
    with transaction.atomic():
        by_service = submitted(first, now=now)
        services.update_proposal(
            call_slug="pycon",
            code=by_service.code,
            user_id=int(by_service.owner_id or 0),
            data=data(second),
            now=later,
        )
        imported(first, now=now, tmp_path=tmp_path)
        by_import = imported(second, now=later, tmp_path=tmp_path)
        by_service.refresh_from_db()
        service_rows = _latest(by_service)
        import_rows = _latest(by_import)
        transaction.set_rollback(True)

    assert import_rows == service_rows


def _latest(proposal: models.Proposal) -> dict[str, Any]:
    proposal.refresh_from_db()
    version = models.ProposalVersion.objects.get(proposal=proposal, number=proposal.version)
    return {
        "version": proposal.version,
        "redacted": proposal.redacted,
        "findings": proposal.findings,
        "version_row": (
            version.title,
            version.abstract,
            version.description,
            version.notes,
            version.redacted,
            version.created_at,
        ),
    }


def test_a_re_import_keeps_the_reviewer_visible_answers_and_the_standing_rulings(
    calls: None, tmp_path: Path
) -> None:
    """The importer used to rescan on its own: it dropped the answers from ``redacted`` and kept
    rulings whose words had moved. It now stores what ``rescan_proposal`` stores."""
    now = timezone.now().replace(microsecond=0)
    text = {
        "title": "Queues",
        "abstract": "Samira Quell on queues.",
        "description": "",
        "notes": "",
    }
    proposal = imported(text, now=now, tmp_path=tmp_path)
    question = models.Question.objects.create(
        call=proposal.call,
        label="Outline",
        kind=models.QuestionKind.LONG_TEXT,
        visibility=models.QuestionVisibility.REVIEWERS,
    )
    models.Answer.objects.create(
        question=question, proposal=proposal, value="Quell opens with a demo.", updated_at=now
    )
    services.rescan_proposal(proposal=proposal)
    finding = next(f for f in proposal.findings if f["field"] == "abstract")
    models.FalsePositive.objects.create(
        proposal=proposal,
        field="abstract",
        start=finding["start"],
        end=finding["end"],
        text=finding["text"],
        marked_at=now,
    )

    # The speaker's name moves: the ruling no longer covers the words at its place.
    imported(
        {**text, "abstract": "On queues, by Samira Quell."},
        now=now + dt.timedelta(minutes=1),
        tmp_path=tmp_path,
    )

    proposal.refresh_from_db()
    after_import = (proposal.redacted, proposal.findings)
    services.rescan_proposal(proposal=proposal)
    assert after_import == (proposal.redacted, proposal.findings)
    assert proposal.redacted[services.answer_key(question.pk)] == "[name] opens with a demo."
    assert proposal.redacted["abstract"] == "On queues, by [name]."
