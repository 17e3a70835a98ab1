"""``import_reviews PATH --call SLUG [--skip-invalid]``: scores brought from elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews.services import importing


class Command(BaseCommand):
    help = "Import reviews from JSON Lines; checks every line first and imports all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--call", required=True)
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the good lines of a bad file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = importing.import_reviews(
                path=options["path"],
                call_slug=options["call"],
                now=timezone.now(),
                skip_invalid=options["skip_invalid"],
            )
        except importing.UnableToImport as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc).splitlines()[0]) from exc
        for error in result.skipped:
            self.stderr.write(f"skipped {error}")
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            + (f", {len(result.skipped)} bad lines skipped" if result.skipped else "")
            + "."
        )
