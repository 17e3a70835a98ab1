"""``assign_reviewers --call SLUG [--per-proposal K]``: fill every proposal's reviewer gaps."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews.management.commands._common import call_id
from reviews.services import assignment


class Command(BaseCommand):
    help = "Assign reviewers to proposals; keeps existing assignments and fills gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--per-proposal", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        k = options["per_proposal"]
        if k is not None and k < 1:
            raise CommandError("--per-proposal must be at least 1.")
        outcome = assignment.assign_reviewers(
            call_id=call_id(options["call"]), per_proposal=k, actor_id=None, now=timezone.now()
        )
        self.stdout.write(f"{outcome.created} new assignments.")
        for s in outcome.shortfalls:
            self.stdout.write(
                f"  proposal {s.proposal}: {s.got} of {s.wanted} reviewers: {'; '.join(s.reasons)}"
            )
