"""``assign_reviewers --call SLUG [--per-proposal K] [--mode total|fair|randomised] [--q Q]``.

Fills every proposal's reviewer gaps with the assignment engine; existing assignments stay
unless the engine must move an unstarted one (a reviewer left, a newcomer needs work).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews.domain.assignment import engine
from reviews.management.commands._common import call_id
from reviews.services import assignment


class Command(BaseCommand):
    help = "Assign reviewers to proposals; keeps existing assignments and fills gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--per-proposal", type=int, default=None)
        parser.add_argument(
            "--mode", choices=[m.value for m in engine.Mode], default=engine.Mode.TOTAL.value
        )
        parser.add_argument(
            "--q",
            type=float,
            default=1.0,
            help="randomised mode: the cap on the probability of any single pair (0 < q <= 1)",
        )
        parser.add_argument("--band", type=int, default=1, help="load band around the mean")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        k = options["per_proposal"]
        if k is not None and k < 1:
            raise CommandError("--per-proposal must be at least 1.")
        if not 0.0 < options["q"] <= 1.0:
            raise CommandError("--q must be above 0 and at most 1.")
        if options["band"] < 0:
            raise CommandError("--band cannot be negative.")
        outcome = assignment.assign_reviewers(
            call_id=call_id(options["call"]),
            per_proposal=k,
            actor_id=None,
            now=timezone.now(),
            mode=options["mode"],
            q=options["q"],
            band=options["band"],
            seed=options["seed"],
        )
        moved = f", {outcome.removed} moved" if outcome.removed else ""
        self.stdout.write(f"{outcome.created} new assignments{moved}.")
        for s in outcome.shortfalls:
            self.stdout.write(f"  {s.warning}")
