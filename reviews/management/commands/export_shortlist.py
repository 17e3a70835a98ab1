"""``export_shortlist --call SLUG --format csv|xlsx|json [--scope shortlist|all] [--output PATH]``.

One row per shortlisted (accepted or waitlisted) proposal, or with ``--scope all`` per live
proposal whatever its decision, with the columns documented in
docs/exports.md; the same data as the chair's download buttons, each column shown as the
blindness policy shows it to the call's chairs now (speaker columns only once they see identities).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cfp import queries as cfp_queries
from reviews.domain import spreadsheets
from reviews.management.commands._common import call_id
from reviews.queries import exports


class Command(BaseCommand):
    help = "Write the call's shortlist (accepted and waitlisted proposals) as CSV, XLSX or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True, help="Slug of the call.")
        parser.add_argument("--format", choices=spreadsheets.FORMATS, default="csv")
        parser.add_argument(
            "--scope",
            choices=exports.SCOPES,
            default=exports.SHORTLIST,
            help="shortlist (accepted and waitlisted, the default) or all live proposals.",
        )
        parser.add_argument(
            "--output", help="File to write (default: standard output; required for xlsx)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["format"]
        output: str | None = options["output"]
        cid = call_id(options["call"])
        phase = cfp_queries.call_phase(call_id=cid)
        if phase is None:  # pragma: no cover - the call was just found
            raise CommandError(f"No call with the slug {options['call']!r}.")
        if kind == "xlsx" and not output:
            raise CommandError("--format xlsx writes a binary file: give --output PATH.")
        if output:
            folder = os.path.dirname(os.path.abspath(output))
            if not os.path.isdir(folder):
                raise CommandError(f"Cannot write {output}: the folder {folder} does not exist.")
            if os.path.isdir(output):
                raise CommandError(f"Cannot write {output}: it is a folder.")
        header = exports.columns(phase=phase)
        scope: str = options["scope"]
        rows = exports.rows(call_id=cid, phase=phase, scope=scope)
        try:
            if kind == "xlsx":
                assert output is not None
                with open(output, "wb") as binary:
                    spreadsheets.write_xlsx(
                        header=header,
                        rows=rows,
                        target=binary,
                        sheet_name="Shortlist" if scope == exports.SHORTLIST else "Proposals",
                    )
                return
            chunks = spreadsheets.write(kind=kind, header=header, rows=rows)
            if output:
                with open(output, "w", encoding="utf-8", newline="") as text:
                    for chunk in chunks:
                        text.write(chunk)
            else:
                for chunk in chunks:
                    self.stdout.write(chunk, ending="")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
