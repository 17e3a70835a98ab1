"""Exports a programme can be built from (issue 20): every proposal or the shortlist, with the
texts, duration, confirmation and (after reveal) bios and links; a readable, filterable XLSX; the
JSON export matches docs/export.schema.json."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl.utils import get_column_letter

from cfp import models as cfp_models
from reviews import models
from reviews.domain import spreadsheets
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "export.schema.json").read_text())


@pytest.fixture(autouse=True)
def _json_support_known() -> None:
    assert connection.features.supports_json_field


def _world(n: int = 4, *, revealed: bool = False) -> Curation:
    """Decisions: accepted (confirmed), waitlisted, rejected, and one undecided; one more each."""
    w = curation(n, revealed=revealed)
    statuses = ["accepted", "waitlisted", "rejected", None]
    for i, p in enumerate(w.proposals):
        status = statuses[i % 4]
        if status:
            models.Decision.objects.create(proposal=p, status=status, version=1)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        confirmation=cfp_models.Confirmation.CONFIRMED, description="The **long** version."
    )
    cfp_models.Speaker.objects.filter(proposal_links__proposal=w.proposals[0]).update(
        bio="Builds caches.", links=["https://example.org/a", "https://example.org/b"]
    )
    return w


def _get(w: Curation, kind: str, scope: str | None = None) -> Any:
    url = reverse(f"chair:export_{kind}", args=[w.call.slug])
    return w.client.get(url, {"scope": scope} if scope else {})


def _body(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("revealed", [False, True])
@pytest.mark.parametrize("scope", ["shortlist", "all"])
def test_the_json_export_matches_its_documented_schema(revealed: bool, scope: str) -> None:
    w = _world(revealed=revealed)

    rows = json.loads(_body(_get(w, "json", scope)))

    jsonschema.validate(rows, SCHEMA)
    assert rows


def test_the_schema_refuses_a_row_with_an_undocumented_column() -> None:
    w = _world()
    rows = json.loads(_body(_get(w, "json")))
    rows[0]["secret"] = "x"

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(rows, SCHEMA)


def test_scope_all_holds_every_live_proposal_in_calibrated_order() -> None:
    w = _world()
    cfp_models.Proposal.objects.filter(pk=w.proposals[3].pk).update(state="withdrawn")

    rows = json.loads(_body(_get(w, "json", "all")))

    assert [r["code"] for r in rows] == [p.code for p in w.proposals[:3]]
    assert [r["decision"] for r in rows] == ["accepted", "waitlisted", "rejected"]


def test_the_shortlist_stays_the_default() -> None:
    w = _world()

    rows = json.loads(_body(_get(w, "json")))

    assert [r["decision"] for r in rows] == ["accepted", "waitlisted"]


def test_an_unknown_scope_is_refused_with_a_message() -> None:
    w = _world()

    response = _get(w, "csv", "everything")

    assert response.status_code == 400
    assert "scope=all" in response.content.decode()


def test_rows_carry_duration_confirmation_and_the_texts() -> None:
    w = _world(revealed=True)

    rows = {r["code"]: r for r in json.loads(_body(_get(w, "json", "all")))}

    first, second, third = (rows[p.code] for p in w.proposals[:3])
    assert first["duration"] == 30
    assert first["confirmation"] == "confirmed"
    assert second["confirmation"] is None  # waitlisted: nobody is asked
    assert third["confirmation"] is None
    assert first["description"] == "The **long** version."
    assert first["abstract"].startswith("I am Ottoline Speakerton0")


def test_an_accepted_proposal_without_an_answer_is_pending() -> None:
    w = _world()
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(confirmation="")

    rows = json.loads(_body(_get(w, "json")))

    assert rows[0]["confirmation"] == "pending"


def test_after_reveal_the_export_has_bios_and_links() -> None:
    w = _world(revealed=True)

    rows = json.loads(_body(_get(w, "json")))

    assert rows[0]["speaker_bios"] == "Builds caches."
    assert rows[0]["speaker_links"] == "https://example.org/a https://example.org/b"


def test_while_blind_texts_are_redacted_and_no_bio_or_link_is_exported() -> None:
    w = _world(revealed=False)

    data = _body(_get(w, "json", "all")).decode()

    assert "Ottoline" not in data
    assert "Builds caches" not in data
    assert "example.org/a" not in data
    assert "speaker_bios" not in data


def test_the_workbook_has_readable_headers_a_frozen_row_filters_and_widths() -> None:
    w = _world(revealed=True)

    book = openpyxl.load_workbook(io.BytesIO(_body(_get(w, "xlsx", "all"))))
    sheet = book.active
    assert sheet is not None

    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Code", "Title", "Format"]
    assert "Speaker bios" in headers
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(headers))}5"
    assert sheet.column_dimensions["B"].width == pytest.approx(spreadsheets.WIDTHS["title"], abs=1)
    assert sheet.title == "Proposals"


def test_an_empty_export_still_has_its_header_and_filter() -> None:
    w = curation(1)

    book = openpyxl.load_workbook(io.BytesIO(_body(_get(w, "xlsx"))))
    sheet = book.active
    assert sheet is not None

    assert sheet.max_row == 1
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
def test_exporting_every_proposal_runs_a_fixed_number_of_queries(
    rows: int, kind: str, assert_queries: Callable[[int], Any]
) -> None:
    w = _world(rows, revealed=True)

    # session, user, role, the rows (speakers come in the same query).
    with assert_queries(4):
        data = _body(_get(w, kind, "all"))

    assert data


def test_the_command_takes_a_scope(capsys: pytest.CaptureFixture[str]) -> None:
    w = _world(revealed=True)

    call_command("export_shortlist", "--call", w.call.slug, "--format", "json", "--scope", "all")

    rows = json.loads(capsys.readouterr().out)
    jsonschema.validate(rows, SCHEMA)
    assert len(rows) == 4


def test_export_proposals_can_be_limited_to_the_shortlist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    w = _world()

    call_command("export_proposals", "--call", w.call.slug, "--scope", "shortlist")

    rows = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in rows] == [p.code for p in w.proposals[:2]]


def test_the_chairs_tags_are_exported_by_name() -> None:
    w = _world()
    now = timezone.now()
    keynote = models.Tag.objects.create(call=w.call, name="keynote", created_at=now)
    beginner = models.Tag.objects.create(call=w.call, name="Beginner friendly", created_at=now)
    for tag in (keynote, beginner):
        models.ProposalTag.objects.create(proposal=w.proposals[0], tag=tag)

    rows = json.loads(_body(_get(w, "json")))

    assert rows[0]["tags"] == "Beginner friendly; keynote"
    assert rows[1]["tags"] == ""


def test_csv_written_in_batches_holds_every_row_once_in_order() -> None:
    header = ("n", "text", "flag")
    rows = [
        {
            "n": i,
            "text": "=sum" if i % 7 == 0 else f'line {i}, "quoted"\nsecond',
            "flag": i % 2 == 0,
        }
        for i in range(2 * spreadsheets.BATCH + 1)
    ]

    chunks = list(spreadsheets.csv_chunks(header=header, rows=rows))

    assert all(chunks)
    parsed = list(csv.reader(io.StringIO("".join(chunks))))
    assert parsed[0] == list(header)
    assert parsed[1:] == [
        [str(i), "'=sum" if i % 7 == 0 else f'line {i}, "quoted"\nsecond', str(i % 2 == 0).lower()]
        for i in range(len(rows))
    ]


def test_workbook_cells_keep_their_types_and_neutralise_text() -> None:
    header = ("none", "empty", "flag", "count", "score", "formula", "hidden", "decimal")
    row = {
        "none": None,
        "empty": "",
        "flag": True,
        "count": 3,
        "score": 2.5,
        "formula": "=1+1",
        "hidden": "\x01=2+2",
        "decimal": Decimal("1.50"),
    }
    target = io.BytesIO()

    spreadsheets.write_xlsx(header=header, rows=[row], target=target)

    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == [None, None, True, 3, 2.5, "'=1+1", "'=2+2", "1.50"]
