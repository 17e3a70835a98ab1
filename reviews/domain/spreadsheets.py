"""Writing rows as CSV, JSON or XLSX, streamed, with formulas neutralised.

Plain Python over dicts: the shortlist export (``reviews.queries.exports``) hands rows in, the
views and the ``export_shortlist`` command send the chunks out. Text cells that a spreadsheet
would run as a formula are neutralised in CSV and XLSX (``common.csvsafe``); JSON keeps the
values as they are, for scripts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from common.csvsafe import neutralise

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows are written in batches so a streamed response sends a few large chunks, not one per row.
BATCH = 500

# The XLSX header row is for people: readable names instead of the stable column names that CSV
# and JSON keep for scripts (docs/exports.md lists both).
LABELS = {
    "code": "Code",
    "title": "Title",
    "format": "Format",
    "track": "Track",
    "language": "Language",
    "level": "Level",
    "decision": "Decision",
    "rank": "Rank",
    "calibrated": "Calibrated score",
    "interval_low": "Interval low",
    "interval_high": "Interval high",
    "p_in_slots": "Chance in slots",
    "reviews": "Reviews",
    "flags": "Flags",
    "speaker_names": "Speakers",
    "speaker_emails": "Speaker e-mails",
    "first_time": "First-time speaker",
    "duration": "Duration (min)",
    "confirmation": "Confirmation",
    "abstract": "Abstract",
    "description": "Description",
    "speaker_bios": "Speaker bios",
    "speaker_links": "Speaker links",
    "tags": "Tags",
}
# Column widths in characters: wide for prose, the header's width (plus a filter button) else.
WIDTHS = {
    "title": 50,
    "abstract": 60,
    "description": 60,
    "speaker_bios": 60,
    "speaker_links": 40,
    "speaker_names": 30,
    "speaker_emails": 34,
    "flags": 24,
}
MIN_WIDTH = 8
FILTER_BUTTON = 3


def label(column: str) -> str:
    """The XLSX header of a column."""
    return LABELS.get(column) or column.replace("_", " ").capitalize()


def width(column: str) -> int:
    return WIDTHS.get(column) or max(MIN_WIDTH, len(label(column)) + FILTER_BUTTON)


def csv_cell(value: object) -> object:
    """A value as the CSV shows it: empty for none, true/false, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(*, header: tuple[str, ...], rows: Iterable[Mapping[str, object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    batch = [writer.writerow(header)]
    for row in rows:
        batch.append(writer.writerow([csv_cell(row[c]) for c in header]))
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def json_chunks(*, header: tuple[str, ...], rows: Iterable[Mapping[str, object]]) -> Iterator[str]:
    """A JSON array of objects, keys in column order, streamed."""
    batch = ["["]
    sep = "\n"
    for row in rows:
        batch.append(sep + json.dumps({c: row[c] for c in header}, ensure_ascii=False))
        sep = ",\n"
        if len(batch) >= BATCH:
            yield "".join(batch)
            batch = []
    batch.append("\n]\n")
    yield "".join(batch)


def xlsx_cell(value: object) -> object:
    """A value as the XLSX holds it: formulas neutralised, characters XML refuses dropped."""
    if isinstance(value, str):
        # Drop the characters XML refuses first: neutralising before would let "\x01=1+1"
        # lose its control character and become the formula "=1+1".
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(
    *,
    header: tuple[str, ...],
    rows: Iterable[Mapping[str, object]],
    target: IO[bytes],
    sheet_name: str = "Shortlist",
) -> None:
    """Write a one-sheet workbook in constant memory (XlsxWriter flushes each row as written).

    The header row holds readable labels, stays in view while scrolling and carries filter
    buttons; prose columns are wide and wrap. Strings are written as strings, never read as
    formulas, numbers or links, on top of the neutralising done by ``xlsx_cell``.
    """
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    # Widths and the frozen header go first: in constant memory, rows are final once written.
    for col, name in enumerate(header):
        sheet.set_column(col, col, width(name), wrap if name in WIDTHS else top)
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(header):
        sheet.write_string(0, col, label(name), bold)
    number = 0
    for number, row in enumerate(rows, start=1):
        for col, name in enumerate(header):
            value = xlsx_cell(row[name])
            if value is None or value == "":
                continue  # an empty cell, as spreadsheets show a missing value
            if isinstance(value, str):
                sheet.write_string(number, col, value)
            elif isinstance(value, bool):
                sheet.write_boolean(number, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(number, col, value)
            else:
                sheet.write_string(number, col, str(value))
    if header:
        # The filter covers the header and every row written (the range is known only now).
        sheet.autofilter(0, 0, number, len(header) - 1)
    book.close()


def write(
    *, kind: str, header: tuple[str, ...], rows: Iterable[Mapping[str, object]]
) -> Iterator[str]:
    """The text chunks of a CSV or JSON file (XLSX is binary: ``write_xlsx``)."""
    if kind == "csv":
        return csv_chunks(header=header, rows=rows)
    if kind == "json":
        return json_chunks(header=header, rows=rows)
    raise ValueError(f"{kind!r} is not a text format")
