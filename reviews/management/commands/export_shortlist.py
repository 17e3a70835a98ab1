"""``export_shortlist --call SLUG --format csv|xlsx|json [--output PATH]``: the shortlist.

One row per shortlisted (accepted or waitlisted) proposal, with the columns documented in
docs/exports.md; the same data as the chair's download buttons, including the rule that speaker
columns appear only once the call's identities are revealed.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews import exports


class Command(BaseCommand):
    help = "Write the call's shortlist (accepted and waitlisted proposals) as CSV, XLSX or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True, help="Slug of the call.")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "--output", help="File to write (default: standard output; required for xlsx)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["format"]
        output: str | None = options["output"]
        target = exports.export_target(slug=options["call"])
        if target is None:
            raise CommandError(f"No call with the slug {options['call']!r}.")
        if kind == "xlsx" and not output:
            raise CommandError("--format xlsx writes a binary file: give --output PATH.")
        if output:
            folder = os.path.dirname(os.path.abspath(output))
            if not os.path.isdir(folder):
                raise CommandError(f"Cannot write {output}: the folder {folder} does not exist.")
            if os.path.isdir(output):
                raise CommandError(f"Cannot write {output}: it is a folder.")
        header = exports.columns(revealed=target.revealed)
        rows = exports.shortlist_rows(call_id=target.call_id, revealed=target.revealed)
        try:
            if kind == "xlsx":
                assert output is not None
                with open(output, "wb") as binary:
                    exports.write_xlsx(header=header, rows=rows, target=binary)
                return
            chunks = (
                exports.csv_chunks(header=header, rows=rows)
                if kind == "csv"
                else exports.json_chunks(header=header, rows=rows)
            )
            if output:
                with open(output, "w", encoding="utf-8", newline="") as text:
                    for chunk in chunks:
                        text.write(chunk)
            else:
                for chunk in chunks:
                    self.stdout.write(chunk, ending="")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
