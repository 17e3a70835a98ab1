"""Shortlist exports: CSV, XLSX and JSON agree, formulas are neutralised, speakers only after
reveal, fixed query counts; the export_shortlist command; the demo call has data to export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cfp import models as cfp_models
from reviews import models
from reviews.domain import spreadsheets
from reviews.services import seed
from tests.curation_world import Curation, curation

pytestmark = pytest.mark.django_db

BLIND_COLUMNS = [
    "code",
    "title",
    "format",
    "track",
    "language",
    "level",
    "decision",
    "rank",
    "calibrated",
    "interval_low",
    "interval_high",
    "p_in_slots",
    "reviews",
    "flags",
]
CONTENT_COLUMNS = ["duration", "confirmation", "abstract", "description", "tags"]
REVEALED_COLUMNS = [
    *BLIND_COLUMNS,
    "speaker_names",
    "speaker_emails",
    "first_time",
    *CONTENT_COLUMNS,
    "speaker_bios",
    "speaker_links",
]
BLIND_COLUMNS = [*BLIND_COLUMNS, *CONTENT_COLUMNS]
FORMULA_STARTS = ("=", "+", "-", "@")


@pytest.fixture(autouse=True)
def _json_support_known() -> None:
    # Django asks SQLite once per connection whether it has JSON functions; ask before counting.
    assert connection.features.supports_json_field


def _world(n: int, *, revealed: bool = False) -> Curation:
    """``n`` shortlisted proposals (accepted, waitlisted, accepted, …) and one rejected."""
    w = curation(n + 1, revealed=revealed)
    for i, p in enumerate(w.proposals[:n]):
        status = "accepted" if i % 2 == 0 else "waitlisted"
        models.Decision.objects.create(proposal=p, status=status, version=1)
    models.Decision.objects.create(proposal=w.proposals[n], status="rejected", version=1)
    return w


def _download(w: Curation, kind: str) -> bytes:
    response = w.client.get(reverse(f"chair:export_{kind}", args=[w.call.slug]))
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _from_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return header, rows


def _from_xlsx(data: bytes) -> tuple[list[str], list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.active
    assert sheet is not None
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    # A read-only sheet leaves out empty cells at the end of a row.
    return [str(h) for h in header], [r + [None] * (len(header) - len(r)) for r in rows]


def _neutral(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _as_csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _neutral(value) if isinstance(value, str) else str(value)


def _as_xlsx(value: Any) -> Any:
    if value == "":
        return None  # an empty text is an empty cell
    return _neutral(value) if isinstance(value, str) else value


def _plant_formulas(w: Curation) -> None:
    p = w.proposals[0]
    cfp_models.Proposal.objects.filter(pk=p.pk).update(
        title='=HYPERLINK("http://evil.example","x")', redacted={"title": "+1+cmd|' /C calc'!A0"}
    )
    cfp_models.Speaker.objects.filter(proposal_links__proposal=p).update(
        name="@SUM(1+1)", email="-2+3@example.org"
    )


# --- the three formats agree ----------------------------------------------------------------


@pytest.mark.parametrize("revealed", [False, True])
def test_csv_and_xlsx_read_back_equal_the_json(revealed: bool) -> None:
    w = _world(3, revealed=revealed)
    _plant_formulas(w)

    rows = json.loads(_download(w, "json"))
    csv_header, csv_rows = _from_csv(_download(w, "csv"))
    xlsx_header, xlsx_rows = _from_xlsx(_download(w, "xlsx"))

    columns = REVEALED_COLUMNS if revealed else BLIND_COLUMNS
    assert [list(r) for r in rows] == [columns] * 3
    assert csv_header == columns
    # The workbook is for people: readable headers over the same columns.
    assert xlsx_header == [spreadsheets.label(c) for c in columns]
    assert csv_rows == [[_as_csv(r[c]) for c in columns] for r in rows]
    assert xlsx_rows == [[_as_xlsx(r[c]) for c in columns] for r in rows]


def test_the_shortlist_is_accepted_then_waitlisted_in_calibrated_order() -> None:
    w = _world(4)

    rows = json.loads(_download(w, "json"))

    assert [(r["code"], r["decision"]) for r in rows] == [
        (w.proposals[0].code, "accepted"),
        (w.proposals[2].code, "accepted"),
        (w.proposals[1].code, "waitlisted"),
        (w.proposals[3].code, "waitlisted"),
    ]
    assert rows[0]["rank"] == 1
    assert rows[0]["calibrated"] == 8.0
    assert [rows[0]["interval_low"], rows[0]["interval_high"]] == [7.0, 9.0]
    assert rows[0]["reviews"] == 2


def test_withdrawn_undecided_and_rejected_proposals_are_not_exported() -> None:
    w = _world(2)
    extra = curation(1, slug="other")  # another call's shortlist stays out too
    models.Decision.objects.create(proposal=extra.proposals[0], status="accepted", version=1)
    models.Decision.objects.filter(proposal=w.proposals[1]).delete()
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        state=cfp_models.ProposalState.WITHDRAWN
    )

    rows = json.loads(_download(w, "json"))

    assert rows == []


# --- formulas -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_cells_that_start_like_a_formula_are_neutralised(kind: str) -> None:
    w = _world(1, revealed=True)
    _plant_formulas(w)

    data = _download(w, kind)
    _header, rows = _from_csv(data) if kind == "csv" else _from_xlsx(data)

    cells = [c for c in rows[0] if isinstance(c, str)]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'@SUM(1+1)" in cells
    assert "'-2+3@example.org" in cells
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]


def test_the_xlsx_holds_no_formula_cells() -> None:
    w = _world(1, revealed=True)
    _plant_formulas(w)

    book = openpyxl.load_workbook(io.BytesIO(_download(w, "xlsx")))
    sheet = book.active
    assert sheet is not None

    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_json_keeps_the_text_as_it_is() -> None:
    w = _world(1, revealed=True)
    _plant_formulas(w)

    rows = json.loads(_download(w, "json"))

    assert rows[0]["title"] == '=HYPERLINK("http://evil.example","x")'


# --- blind and revealed ---------------------------------------------------------------------


def test_while_blind_the_export_has_redacted_titles_and_no_speakers() -> None:
    w = _world(1)
    cfp_models.Proposal.objects.filter(pk=w.proposals[0].pk).update(
        redacted={"title": "A talk by [name]"}
    )

    data = _download(w, "csv").decode()

    header, rows = _from_csv(data.encode())
    assert header == BLIND_COLUMNS
    assert rows[0][1] == "A talk by [name]"
    assert "Speakerton" not in data
    assert "@pycon.example" not in data


def test_once_revealed_the_export_names_the_speakers() -> None:
    w = _world(1, revealed=True)
    cfp_models.Speaker.objects.filter(proposal_links__proposal=w.proposals[0]).update(
        spoken_before=False
    )

    rows = json.loads(_download(w, "json"))

    assert rows[0]["title"] == "Talk number 1"
    assert rows[0]["speaker_names"] == "Ottoline Speakerton0"
    assert rows[0]["speaker_emails"] == "speaker0@pycon.example"
    assert rows[0]["first_time"] is True


def test_several_speakers_share_a_cell_in_their_order_and_placeholders_are_left_out() -> None:
    w = _world(1, revealed=True)
    p = w.proposals[0]
    second = cfp_models.Speaker.objects.create(
        name="Zed Second", email="imported-7@speakers.invalid", spoken_before=True
    )
    cfp_models.ProposalSpeaker.objects.create(proposal=p, speaker=second, position=1)
    cfp_models.Speaker.objects.filter(proposal_links__proposal=p).exclude(pk=second.pk).update(
        spoken_before=True
    )

    rows = json.loads(_download(w, "json"))

    assert rows[0]["speaker_names"] == "Ottoline Speakerton0; Zed Second"
    assert rows[0]["speaker_emails"] == "speaker0@pycon.example"
    assert rows[0]["first_time"] is False


# --- query budgets --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("kind", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("revealed", [False, True])
def test_exports_run_a_fixed_number_of_queries(
    rows: int, kind: str, revealed: bool, assert_queries: Callable[[int], Any]
) -> None:
    w = _world(rows, revealed=revealed)

    # session, user, role, the rows (speakers come in the same query).
    with assert_queries(4):
        data = _download(w, kind)

    assert len(data) > 0
    if kind == "json":
        assert len(json.loads(data)) == rows


# --- the command ----------------------------------------------------------------------------


def test_the_command_prints_the_same_csv_as_the_download() -> None:
    w = _world(2, revealed=True)
    out = io.StringIO()

    call_command("export_shortlist", "--call", w.call.slug, "--format", "csv", stdout=out)

    assert out.getvalue().encode() == _download(w, "csv")


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_the_command_writes_a_file(kind: str, tmp_path: Path) -> None:
    w = _world(2)
    target = tmp_path / f"shortlist.{kind}"

    call_command("export_shortlist", "--call", w.call.slug, "--format", kind, "--output", target)

    if kind == "json":
        assert json.loads(target.read_text()) == json.loads(_download(w, "json"))
    else:
        assert _from_xlsx(target.read_bytes()) == _from_xlsx(_download(w, "xlsx"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--call", "nope"], "No call with the slug 'nope'."),
        (["--call", "pycon", "--format", "xlsx"], "--format xlsx writes a binary file"),
        (["--call", "pycon", "--output", "/no/such/folder/x.csv"], "does not exist"),
    ],
)
def test_the_command_fails_with_one_line(args: list[str], message: str) -> None:
    _world(1)

    with pytest.raises(CommandError) as error:
        call_command("export_shortlist", *args, stdout=io.StringIO())

    assert message in str(error.value)
    assert "\n" not in str(error.value)


# --- the demo call --------------------------------------------------------------------------


def test_the_demo_call_has_a_ranked_list_a_shortlist_and_decisions_by_the_chair(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = seed.seed_demo(slug="demo", proposals=40, reviewers=5, seed=3, now=timezone.now())
    chair = next(u for u in result.users if u.role == "chair")
    out = io.StringIO()

    call_command("export_shortlist", "--call", "demo", "--format", "json", stdout=out)

    rows = json.loads(out.getvalue())
    statuses = set(models.Decision.objects.values_list("status", flat=True))
    assert {r["decision"] for r in rows} == {"accepted", "waitlisted"}
    assert all(r["rank"] is not None for r in rows)
    assert statuses == {"accepted", "waitlisted", "rejected"}
    assert models.DecisionChange.objects.count() == models.Decision.objects.count()
    assert set(models.DecisionChange.objects.values_list("actor__username", flat=True)) == {
        chair.username
    }
