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
    *, header: tuple[str, ...], rows: Iterable[Mapping[str, object]], target: IO[bytes]
) -> None:
    """Write a one-sheet workbook in constant memory (XlsxWriter flushes each row as written).

    Strings are written as strings, never read as formulas, numbers or links, on top of the
    neutralising done by ``xlsx_cell``.
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
    sheet = book.add_worksheet("Shortlist")
    for col, name in enumerate(header):
        sheet.write_string(0, col, name)
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
