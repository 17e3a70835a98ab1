"""``import_reviews PATH --call SLUG [--skip-invalid]``: scores brought from elsewhere."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reviews.management.commands import _common
from reviews.services import importing


class Command(BaseCommand):
    help = "Import reviews from JSON Lines; checks every line first and imports all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        _common.add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        result = _common.run_import(self, importing.import_reviews, options)
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            + (f", {len(result.skipped)} bad lines skipped" if result.skipped else "")
            + "."
        )
