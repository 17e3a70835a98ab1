"""``export_proposals --call SLUG --format json|csv [--scope all|shortlist]``: every proposal
(or the shortlisted ones) with its aggregate, ranked.

Titles are the ones the blindness policy shows the call's chairs now: redacted while they are
blind, as written once they see identities.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cfp import queries as cfp_queries
from common.csvsafe import neutralise
from reviews.management.commands._common import call_id
from reviews.queries import exports

COLUMNS = ("code", "external_id", "title", "reviews", "mean", "median", "calibrated")


class Command(BaseCommand):
    help = "Print every proposal with its aggregate, ranked by calibrated score."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--scope",
            choices=exports.SCOPES,
            default=exports.ALL,
            help="all live proposals (the default) or the shortlist (accepted and waitlisted).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cid = call_id(options["call"])
        phase = cfp_queries.call_phase(call_id=cid)
        if phase is None:  # pragma: no cover - the call was just found
            raise CommandError(f"No call with the slug {options['call']!r}.")
        rows = list(exports.ranked_rows(call_id=cid, phase=phase, scope=options["scope"]))
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        writer = csv.writer(self.stdout)
        writer.writerow([*COLUMNS, "interval_low", "interval_high", "p_in_slots", "flags"])
        for row in rows:
            interval = row["interval"]
            flags = row["flags"]
            assert isinstance(interval, list)
            assert isinstance(flags, list)
            writer.writerow(
                [neutralise(row[c]) for c in COLUMNS]
                + [interval[0], interval[1], row["p_in_slots"], " ".join(flags)]
            )
