"""``import_expertise PATH --call SLUG [--skip-invalid]``: reviewers' past talks, for affinity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cfp.importing import UnableToImport
from reviews.services import bids


class Command(BaseCommand):
    help = (
        'Attach past talks to reviewers\' expertise from JSON Lines {"reviewer": log-in, '
        '"title": str, "abstract": str?}; checks every line first and imports all or nothing.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--call", required=True)
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the good lines of a bad file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = bids.import_expertise(
                path=options["path"],
                call_slug=options["call"],
                now=timezone.now(),
                skip_invalid=options["skip_invalid"],
            )
        except UnableToImport as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(str(exc).splitlines()[0]) from exc
        for error in result.skipped:
            self.stderr.write(f"skipped {error}")
        self.stdout.write(
            f"{result.talks} talks added for {result.reviewers} reviewers, "
            f"{result.unchanged} already there"
            + (f", {len(result.skipped)} bad lines skipped" if result.skipped else "")
            + "."
        )
