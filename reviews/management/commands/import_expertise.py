"""``import_expertise PATH --call SLUG [--skip-invalid]``: reviewers' past talks, for affinity."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reviews.management.commands import _common
from reviews.services import bids


class Command(BaseCommand):
    help = (
        'Attach past talks to reviewers\' expertise from JSON Lines {"reviewer": log-in, '
        '"title": str, "abstract": str?}; checks every line first and imports all or nothing.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        _common.add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        result = _common.run_import(self, bids.import_expertise, options)
        self.stdout.write(
            f"{result.talks} talks added for {result.reviewers} reviewers, "
            f"{result.unchanged} already there"
            + (f", {len(result.skipped)} bad lines skipped" if result.skipped else "")
            + "."
        )
