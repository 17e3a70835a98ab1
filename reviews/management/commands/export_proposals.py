"""``export_proposals --call SLUG --format json|csv``: every proposal with its aggregate, ranked."""

from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.csvsafe import neutralise
from reviews import queries
from reviews.management.commands._common import call_id

COLUMNS = ("code", "external_id", "title", "reviews", "mean", "median", "calibrated")


class Command(BaseCommand):
    help = "Print every proposal with its aggregate, ranked by calibrated score."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [
            {
                "code": r.code,
                "external_id": r.external_id,
                "title": r.title,
                "reviews": r.review_count,
                "mean": r.mean,
                "median": r.median,
                "calibrated": r.calibrated,
                "interval": [r.low, r.high],
                "p_in_slots": r.p_in_slots,
                "flags": list(r.flags),
            }
            for r in queries.iter_ranking(call_id=call_id(options["call"]), blind=False)
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        writer = csv.writer(self.stdout)
        writer.writerow([*COLUMNS, "interval_low", "interval_high", "p_in_slots", "flags"])
        for row in rows:
            interval = row["interval"]
            assert isinstance(interval, list)
            writer.writerow(
                [neutralise(row[c]) for c in COLUMNS]
                + [interval[0], interval[1], row["p_in_slots"], " ".join(row["flags"])]  # type: ignore[arg-type]
            )
