"""Seed a complete demo call.

``manage.py seed_demo [--call SLUG] [--proposals N] [--reviewers R] [--seed S] [--json]``
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reviews.services import seed


class Command(BaseCommand):
    help = "Create (or recreate) a demo call with synthetic people, proposals and reviews."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", default="demo", help="Slug of the demo call (default: demo).")
        parser.add_argument("--proposals", type=int, default=60)
        parser.add_argument("--reviewers", type=int, default=8)
        parser.add_argument("--seed", type=int, default=2027)
        parser.add_argument(
            "--json", action="store_true", help="Print the call and log-ins as JSON."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["proposals"] < 1 or options["reviewers"] < 1:
            raise CommandError("--proposals and --reviewers must be at least 1.")
        # The seed sends the mail a real call would (mentor matches, receipts), and the
        # development e-mail backend prints each one to standard output: kept out of what this
        # command prints, so --json stays JSON and `make demo` shows the log-ins, not e-mails.
        with contextlib.redirect_stdout(io.StringIO()):
            result = seed.seed_demo(
                slug=options["call"],
                proposals=options["proposals"],
                reviewers=options["reviewers"],
                seed=options["seed"],
                now=timezone.now(),
            )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "call": result.call,
                        "criteria": [
                            {"slug": c.slug, "min": c.minimum, "max": c.maximum, "weight": c.weight}
                            for c in result.criteria
                        ],
                        "users": [
                            {"username": u.username, "password": u.password, "role": u.role}
                            for u in result.users
                        ],
                    }
                )
            )
            return
        self.stdout.write(
            f"Demo call '{result.call}': {result.proposals} proposals, {result.reviews} reviews."
        )
        self.stdout.write("Log in at http://127.0.0.1:8000/accounts/login/ as:")
        shown = [u for u in result.users if u.role != "reviewer"] + [
            u for u in result.users if u.role == "reviewer"
        ][:2]
        for u in shown:
            self.stdout.write(f"  {u.role:<10} {u.username:<24} password: {u.password}")
        more = sum(1 for u in result.users if u.role == "reviewer") - 2
        if more > 0:
            self.stdout.write(f"  (and {more} more reviewers, same password)")
