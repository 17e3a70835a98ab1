"""Import proposals from a JSON Lines file.

``manage.py import_proposals PATH --call SLUG [--skip-invalid] [--create-missing]``

The format and the rules are in PRODUCT.md ("Import format") and cfp/importing/. Each bad line
is written to stderr as ``line N: reason``; the command then fails with one line unless
``--skip-invalid`` is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cfp import importing

# Enough to fix a file in a few passes without flooding the terminal.
SHOWN_ERRORS = 100


class Command(BaseCommand):
    help = (
        "Import proposals from JSON Lines (.jsonl, or .jsonl.gz): idempotent on external_id, "
        "nothing imported from a file with a bad line unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="JSON Lines file, one proposal a line; .gz is unpacked.")
        parser.add_argument("--call", required=True, help="Slug of the call to import into.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the good lines and report the bad ones, instead of importing nothing.",
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create formats and tracks the call does not have yet, instead of refusing.",
        )

    def _report(self, errors: tuple[importing.LineError, ...]) -> None:
        for error in errors[:SHOWN_ERRORS]:
            self.stderr.write(str(error))
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(f"... and {len(errors) - SHOWN_ERRORS} more bad lines")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            result = importing.import_proposals(
                path=path,
                call_slug=options["call"],
                skip_invalid=options["skip_invalid"],
                create_missing=options["create_missing"],
                now=timezone.now(),
            )
        except importing.UnableToImport as exc:
            self._report(exc.errors)
            raise CommandError(str(exc)) from exc
        self._report(result.skipped)
        created = ""
        if result.formats_created:
            created += f"; new formats: {', '.join(result.formats_created)}"
        if result.tracks_created:
            created += f"; new tracks: {', '.join(result.tracks_created)}"
        skipped = f", {len(result.skipped)} bad lines skipped" if result.skipped else ""
        self.stdout.write(
            f"{path.name} into {result.call_slug}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged{skipped}; "
            f"speakers: {result.speakers_created} created, {result.speakers_updated} updated"
            f"{created}."
        )
